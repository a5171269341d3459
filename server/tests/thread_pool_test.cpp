#include <QtTest>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "fib/server/thread_pool.hpp"

using fib::server::ElasticThreadPool;
using namespace std::chrono_literals;

namespace {

// Jobs that hold their thread until released, counting how many run at once.
class Gate {
public:
    std::function<void()> job()
    {
        return [this] {
            const int now = ++m_running;
            int peak = m_peak.load();
            while (now > peak && !m_peak.compare_exchange_weak(peak, now)) {
            }
            std::unique_lock lock(m_mutex);
            m_open.wait(lock, [this] { return m_released; });
            --m_running;
            ++m_done;
        };
    }
    void release()
    {
        {
            const std::lock_guard lock(m_mutex);
            m_released = true;
        }
        m_open.notify_all();
    }
    int running() const { return m_running.load(); }
    int peak() const { return m_peak.load(); }
    int done() const { return m_done.load(); }

private:
    std::mutex m_mutex;
    std::condition_variable m_open;
    bool m_released = false;
    std::atomic<int> m_running{0};
    std::atomic<int> m_peak{0};
    std::atomic<int> m_done{0};
};

// Counts the pool threads whose thread_local state was destroyed (as a Redis connection is).
std::atomic<int> g_threadStatesDestroyed{0};
struct ThreadState {
    ~ThreadState() { ++g_threadStatesDestroyed; }
};
thread_local ThreadState t_state;

} // namespace

class ThreadPoolTest : public QObject {
    Q_OBJECT
private slots:
    void anIdleThreadTakesTheNextJob()
    {
        ElasticThreadPool pool(8, 1, 60s);
        std::atomic<int> ran{0};
        for (int i = 0; i < 5; ++i) {
            QVERIFY(pool.enqueue([&] { ++ran; }));
            QTRY_COMPARE_WITH_TIMEOUT(ran.load(), i + 1, 10000);
        }
        QCOMPARE(pool.started(), std::uint64_t{1});
        QCOMPARE(pool.threads(), std::size_t{1});
    }

    void threadsStartAsJobsNeedThemUpToTheMaximum()
    {
        ElasticThreadPool pool(3, 1, 60s);
        Gate gate;
        for (int i = 0; i < 5; ++i)
            QVERIFY(pool.enqueue(gate.job()));
        QTRY_COMPARE_WITH_TIMEOUT(gate.running(), 3, 10000);
        QCOMPARE(pool.threads(), std::size_t{3});
        QCOMPARE(pool.queued(), std::size_t{2});
        gate.release();
        QTRY_COMPARE_WITH_TIMEOUT(gate.done(), 5, 10000);
        QCOMPARE(gate.peak(), 3);
        QCOMPARE(pool.started(), std::uint64_t{3});
    }

    void idleThreadsEndDownToTheKeptNumber()
    {
        const int destroyedBefore = g_threadStatesDestroyed.load();
        ElasticThreadPool pool(6, 2, 50ms);
        {
            Gate gate;
            for (int i = 0; i < 6; ++i)
                QVERIFY(pool.enqueue([job = gate.job()] {
                    (void)&t_state; // this thread now has a thread_local state to give back
                    job();
                }));
            QTRY_COMPARE_WITH_TIMEOUT(gate.running(), 6, 10000);
            gate.release();
            QTRY_COMPARE_WITH_TIMEOUT(gate.done(), 6, 10000);
        }
        QTRY_COMPARE_WITH_TIMEOUT(pool.threads(), std::size_t{2}, 10000);
        QCOMPARE(pool.retired(), std::uint64_t{4});
        // The next job joins the retired threads, so their thread_local destructors have run.
        QVERIFY(pool.enqueue([] {}));
        QCOMPARE(g_threadStatesDestroyed.load() - destroyedBefore, 4);

        // Under load again, the pool grows back.
        Gate again;
        for (int i = 0; i < 4; ++i)
            QVERIFY(pool.enqueue(again.job()));
        QTRY_COMPARE_WITH_TIMEOUT(again.running(), 4, 10000);
        QVERIFY(pool.threads() >= std::size_t{4});
        again.release();
        QTRY_COMPARE_WITH_TIMEOUT(again.done(), 4, 10000);
    }

    void shutdownRunsWhatIsQueuedThenRefusesJobs()
    {
        ElasticThreadPool pool(1, 1, 60s);
        Gate gate;
        std::atomic<int> after{0};
        QVERIFY(pool.enqueue(gate.job()));
        for (int i = 0; i < 3; ++i)
            QVERIFY(pool.enqueue([&] { ++after; }));
        QTRY_COMPARE_WITH_TIMEOUT(gate.running(), 1, 10000);
        QCOMPARE(pool.queued(), std::size_t{3});
        std::thread releaser([&] {
            std::this_thread::sleep_for(50ms);
            gate.release();
        });
        pool.shutdown();
        releaser.join();
        QCOMPARE(after.load(), 3);
        QCOMPARE(pool.threads(), std::size_t{0});
        QVERIFY(!pool.enqueue([&] { ++after; }));
        QCOMPARE(after.load(), 3);
    }
};

QTEST_GUILESS_MAIN(ThreadPoolTest)
#include "thread_pool_test.moc"
