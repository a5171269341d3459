#include <QtTest>

#include <string>

#include "fib/redis.hpp"

// redis::outOfMemory reads INFO memory for fib-server's readiness.
class RedisInfoTest : public QObject {
    Q_OBJECT
private slots:
    void outOfMemory_data()
    {
        QTest::addColumn<QString>("info");
        QTest::addColumn<bool>("full");
        const QString head = "# Memory\r\nused_memory_human:1.00M\r\nused_memory_rss:9000000\r\n";
        QTest::newRow("no limit") << head + "used_memory:5000000\r\nmaxmemory:0\r\n" << false;
        QTest::newRow("below") << head + "used_memory:999\r\nmaxmemory:1000\r\n" << false;
        QTest::newRow("at the limit") << head + "used_memory:1000\r\nmaxmemory:1000\r\n" << true;
        QTest::newRow("above") << head + "used_memory:5000000\r\nmaxmemory:1\r\n" << true;
        QTest::newRow("limit first, LF only") << "maxmemory:10\nused_memory:20\n" << true;
        QTest::newRow("no used_memory") << head + "maxmemory:1\r\n" << false;
        QTest::newRow("garbled number") << "used_memory:12x\r\nmaxmemory:1\r\n" << false;
        QTest::newRow("empty") << "" << false;
    }
    void outOfMemory()
    {
        QFETCH(QString, info);
        QFETCH(bool, full);
        const std::string text = info.toStdString();
        const auto verdict = fib::redis::outOfMemory(text);
        QCOMPARE(verdict.has_value(), full);
        if (verdict)
            QVERIFY2(verdict->find("maxmemory") != std::string::npos, verdict->c_str());
    }

    void infoNumber()
    {
        const std::string info = "# Memory\r\nused_memory:123\r\nused_memory_rss:456\r\n"
                                 "maxmemory_policy:noeviction\r\nmaxmemory:0";
        QCOMPARE(fib::redis::infoNumber(info, "used_memory"), std::optional(123ULL));
        QCOMPARE(fib::redis::infoNumber(info, "used_memory_rss"), std::optional(456ULL));
        QCOMPARE(fib::redis::infoNumber(info, "maxmemory"), std::optional(0ULL));
        QVERIFY(!fib::redis::infoNumber(info, "maxmemory_policy")); // not a number
        QVERIFY(!fib::redis::infoNumber(info, "used")); // a prefix of a name is not the name
        QVERIFY(!fib::redis::infoNumber(info, "Memory"));
    }
};

QTEST_APPLESS_MAIN(RedisInfoTest)
#include "redis_info_test.moc"
