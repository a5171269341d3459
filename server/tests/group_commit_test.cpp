// GroupCommit: concurrent submissions share writes, each caller gets its own answer, errors
// reach every caller of the failed batch, and a lone caller is not delayed.
#include <QtTest>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>

#include "fib/errors.hpp"
#include "fib/server/group_commit.hpp"

using fib::Index;
using fib::server::GroupCommit;

namespace {

// A slow store: "new" for an index it has not seen, recorded in batches.
struct FakeStore {
    std::mutex mutex;
    std::set<Index> rows;
    std::atomic<int> writes{0};
    std::atomic<int> inFlight{0};
    std::atomic<int> maxInFlight{0};
    std::chrono::milliseconds delay{0};

    std::vector<bool> write(const std::vector<Index> &indexes)
    {
        const int now = ++inFlight;
        maxInFlight = std::max(maxInFlight.load(), now);
        std::this_thread::sleep_for(delay);
        std::vector<bool> out;
        {
            const std::lock_guard lock(mutex);
            for (const auto index : indexes)
                out.push_back(rows.insert(index).second);
        }
        ++writes;
        --inFlight;
        return out;
    }
};

} // namespace

class GroupCommitTest : public QObject {
    Q_OBJECT
private slots:
    void aLoneCallIsOneWrite()
    {
        FakeStore store;
        GroupCommit commit([&](const std::vector<Index> &i) { return store.write(i); }, 256);
        QVERIFY(commit.record(5));
        QVERIFY(!commit.record(5));
        QCOMPARE(store.writes.load(), 2);
    }

    void concurrentCallsShareWritesAndEachGetsItsAnswer()
    {
        FakeStore store;
        store.delay = std::chrono::milliseconds(5);
        store.rows = {1, 3, 5};
        GroupCommit commit([&](const std::vector<Index> &i) { return store.write(i); }, 256);
        constexpr int kThreads = 32;
        std::vector<int> answers(kThreads, -1);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back(
                [&, t] { answers[t] = commit.record(static_cast<Index>(t)) ? 1 : 0; });
        for (auto &thread : threads)
            thread.join();
        for (int t = 0; t < kThreads; ++t)
            QCOMPARE(answers[t], (t == 1 || t == 3 || t == 5) ? 0 : 1);
        QCOMPARE(store.rows.size(), std::size_t(kThreads));
        QVERIFY2(store.writes.load() < kThreads, qPrintable(QString::number(store.writes.load())));
        QCOMPARE(store.maxInFlight.load(), 1); // one batch at a time
    }

    void batchesAreBounded()
    {
        FakeStore store;
        store.delay = std::chrono::milliseconds(5);
        std::atomic<std::size_t> largest{0};
        GroupCommit commit(
            [&](const std::vector<Index> &i) {
                largest = std::max(largest.load(), i.size());
                return store.write(i);
            },
            4);
        std::vector<std::thread> threads;
        for (int t = 0; t < 24; ++t)
            threads.emplace_back([&, t] { commit.record(static_cast<Index>(t)); });
        for (auto &thread : threads)
            thread.join();
        QVERIFY(largest.load() <= 4);
        QCOMPARE(store.rows.size(), std::size_t(24));
    }

    void aFailedBatchFailsEachOfItsCallersAndTheNextOneWorks()
    {
        std::atomic<bool> down{true};
        std::atomic<int> failures{0};
        GroupCommit commit(
            [&](const std::vector<Index> &i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
                if (down)
                    throw fib::UnavailableError("Database unavailable", "down");
                return std::vector<bool>(i.size(), true);
            },
            256);
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t)
            threads.emplace_back([&, t] {
                try {
                    commit.record(static_cast<Index>(t));
                } catch (const fib::UnavailableError &) {
                    ++failures;
                }
            });
        for (auto &thread : threads)
            thread.join();
        QCOMPARE(failures.load(), 8);
        down = false;
        QVERIFY(commit.record(100));
    }

    void aWriterThatAnswersWronglyIsAnError()
    {
        GroupCommit commit([](const std::vector<Index> &) { return std::vector<bool>{}; }, 256);
        QVERIFY_THROWS_EXCEPTION(std::logic_error, commit.record(1));
    }
};

QTEST_GUILESS_MAIN(GroupCommitTest)
#include "group_commit_test.moc"
