#include <QtTest>

#include <thread>

#include "fib/server/pool.hpp"

namespace {
struct FakeConnection {
    bool broken() const { return m_broken; }
    bool m_broken = false;
};
using Pool = fib::server::Pool<FakeConnection>;
} // namespace

class PoolTest : public QObject {
    Q_OBJECT
private slots:
    void reusesIdleConnections()
    {
        int made = 0;
        Pool pool(
            2,
            [&] {
                ++made;
                return std::make_unique<FakeConnection>();
            },
            std::chrono::milliseconds(100));
        for (int i = 0; i < 5; ++i)
            pool.acquire();
        QCOMPARE(made, 1);
    }

    void neverExceedsItsCapacity()
    {
        Pool pool(
            2, [] { return std::make_unique<FakeConnection>(); }, std::chrono::milliseconds(50));
        auto a = pool.acquire();
        auto b = pool.acquire();
        QVERIFY_THROWS_EXCEPTION(fib::UnavailableError, pool.acquire());
        QCOMPARE(pool.created(), std::size_t{2});
    }

    void aWaiterGetsTheConnectionReleased()
    {
        Pool pool(
            1, [] { return std::make_unique<FakeConnection>(); }, std::chrono::milliseconds(5000));
        auto first = std::make_unique<Pool::Lease>(pool.acquire());
        std::thread releaser([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            first.reset();
        });
        auto second = pool.acquire(); // waits for the release, does not time out
        releaser.join();
        QCOMPARE(pool.created(), std::size_t{1});
    }

    void brokenConnectionsAreReplaced()
    {
        int made = 0;
        Pool pool(
            1,
            [&] {
                ++made;
                return std::make_unique<FakeConnection>();
            },
            std::chrono::milliseconds(50));
        {
            auto lease = pool.acquire();
            lease->m_broken = true;
        }
        QCOMPARE(pool.created(), std::size_t{0});
        auto fresh = pool.acquire();
        QVERIFY(!fresh->broken());
        QCOMPARE(made, 2);
    }

    void aFailedConnectDoesNotTakeASlot()
    {
        bool fail = true;
        Pool pool(
            1,
            [&]() -> std::unique_ptr<FakeConnection> {
                if (fail)
                    throw fib::UnavailableError("Database unavailable", "down");
                return std::make_unique<FakeConnection>();
            },
            std::chrono::milliseconds(50));
        QVERIFY_THROWS_EXCEPTION(fib::UnavailableError, pool.acquire());
        fail = false;
        pool.acquire();
        QCOMPARE(pool.created(), std::size_t{1});
    }
};

QTEST_APPLESS_MAIN(PoolTest)
#include "pool_test.moc"
