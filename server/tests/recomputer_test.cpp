#include <QtTest>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fib/errors.hpp"
#include "fib/server/recomputer.hpp"

using namespace std::chrono_literals;

namespace {

// A computation that waits until the test opens its gate, counting how many run at once.
struct Gate {
    std::mutex mutex;
    std::condition_variable opened;
    bool open = false;
    std::atomic<int> running{0};
    std::atomic<int> mostAtOnce{0};
    std::atomic<int> calls{0};

    std::string compute(fib::Index index)
    {
        ++calls;
        const int now = ++running;
        int most = mostAtOnce.load();
        while (now > most && !mostAtOnce.compare_exchange_weak(most, now)) {
        }
        std::unique_lock lock(mutex);
        opened.wait(lock, [this] { return open; });
        --running;
        return "F" + std::to_string(index);
    }
    void release()
    {
        {
            const std::lock_guard lock(mutex);
            open = true;
        }
        opened.notify_all();
    }
};

// Waits (without a deadline of its own: ctest's timeout is the bound) until `done` holds.
template <typename F>
void waitFor(F done)
{
    while (!done())
        std::this_thread::sleep_for(1ms);
}

} // namespace

class RecomputerTest : public QObject {
    Q_OBJECT
private slots:
    // Readers of one index share one computation, and it is stored once.
    void oneIndexIsComputedOnceForAllItsReaders()
    {
        Gate gate;
        fib::server::Recomputer recomputer(4, 60s, [&](fib::Index i) { return gate.compute(i); });
        std::atomic<int> stored{0};
        std::vector<std::future<std::string>> readers;
        for (int i = 0; i < 8; ++i)
            readers.push_back(std::async(std::launch::async, [&] {
                return recomputer.digitsOf(7, [&](fib::Index, const std::string &) { ++stored; });
            }));
        // Every reader has joined the one computation before it may finish.
        waitFor([&] { return recomputer.readersOf(7) == 8; });
        QCOMPARE(gate.calls.load(), 1);
        gate.release();
        for (auto &reader : readers)
            QCOMPARE(reader.get(), std::string("F7"));
        QCOMPARE(gate.calls.load(), 1);
        QCOMPARE(stored.load(), 1);
        QCOMPARE(recomputer.computations(), 1ULL);
        // Once done, a new read computes again (the value was stored, so this only happens if
        // the cache dropped it again).
        gate.release();
        QCOMPARE(recomputer.digitsOf(7, [](fib::Index, const std::string &) {}), std::string("F7"));
        QCOMPARE(gate.calls.load(), 2);
    }

    // At most `concurrency` computations run at once; the others wait their turn.
    void computationsAreBounded()
    {
        Gate gate;
        fib::server::Recomputer recomputer(2, 60s, [&](fib::Index i) { return gate.compute(i); });
        std::vector<std::future<std::string>> readers;
        for (fib::Index i = 0; i < 6; ++i)
            readers.push_back(std::async(std::launch::async, [&recomputer, i] {
                return recomputer.digitsOf(i, [](fib::Index, const std::string &) {});
            }));
        waitFor([&] { return gate.running.load() == 2; });
        std::this_thread::sleep_for(50ms);
        QCOMPARE(gate.running.load(), 2);
        gate.release();
        for (fib::Index i = 0; i < 6; ++i)
            QCOMPARE(readers[i].get(), "F" + std::to_string(i));
        QCOMPARE(gate.mostAtOnce.load(), 2);
        QCOMPARE(recomputer.computations(), 6ULL);
    }

    // A reader that gets no turn within the wait is told the server is busy (a 503), and the
    // computation it would have led is not left behind for others to wait on.
    void aReaderWithoutATurnGetsUnavailable()
    {
        Gate gate;
        fib::server::Recomputer recomputer(1, 100ms, [&](fib::Index i) { return gate.compute(i); });
        auto busy = std::async(std::launch::async, [&] {
            return recomputer.digitsOf(1, [](fib::Index, const std::string &) {});
        });
        waitFor([&] { return gate.running.load() == 1; });
        QVERIFY_THROWS_EXCEPTION(fib::UnavailableError,
                                 recomputer.digitsOf(2, [](fib::Index, const std::string &) {}));
        gate.release();
        QCOMPARE(busy.get(), std::string("F1"));
        QCOMPARE(recomputer.digitsOf(2, [](fib::Index, const std::string &) {}), std::string("F2"));
    }

    // A failed store still answers the reader; a failed computation reaches every reader.
    void failuresReachTheReaders()
    {
        fib::server::Recomputer storeFails(1, 1s, [](fib::Index) { return std::string("55"); });
        QCOMPARE(storeFails.digitsOf(10,
                                     [](fib::Index, const std::string &) {
                                         throw fib::UnavailableError("Redis failed", "test");
                                     }),
                 std::string("55"));
        fib::server::Recomputer computeFails(
            1, 1s, [](fib::Index) -> std::string { throw std::runtime_error("out of memory"); });
        QVERIFY_THROWS_EXCEPTION(std::runtime_error,
                                 computeFails.digitsOf(3, [](fib::Index, const std::string &) {}));
        // The turn was given back.
        QVERIFY_THROWS_EXCEPTION(std::runtime_error,
                                 computeFails.digitsOf(3, [](fib::Index, const std::string &) {}));
    }
};

QTEST_APPLESS_MAIN(RecomputerTest)
#include "recomputer_test.moc"
