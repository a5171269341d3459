#include <QtTest>

#include <map>
#include <string>

#include "fib/config.hpp"
#include "fib/errors.hpp"

namespace {
fib::Config load(const std::map<std::string, std::string> &values)
{
    return fib::Config::fromEnvironment([&](const char *name) -> const char * {
        const auto it = values.find(name);
        return it == values.end() ? nullptr : it->second.c_str();
    });
}
} // namespace

class ConfigTest : public QObject {
    Q_OBJECT
private slots:
    void defaults()
    {
        const auto c = load({});
        QCOMPARE(c.redisHost, std::string("127.0.0.1"));
        QCOMPARE(c.redisPort, 6379);
        QCOMPARE(c.maxIndex, fib::Index(1'000'000));
        QCOMPARE(c.apiPort, 5000);
        QCOMPARE(c.claimIdle.count(), 60'000);
        QVERIFY(!c.workerName.empty());
        QCOMPARE(c.valueCacheBytes, std::size_t{268'435'456});
    }

    void originalNamesAndNewOnes()
    {
        const auto c = load({{"REDIS_HOST", "redis"},
                             {"REDIS_PORT", "6380"},
                             {"FIB_MAX_INDEX", "40"},
                             {"FIB_API_PORT", "8080"},
                             {"FIB_CLAIM_IDLE_MS", "500"},
                             {"FIB_WORKER_NAME", "w1"},
                             {"FIB_VALUE_CACHE_BYTES", "0"}});
        QCOMPARE(c.redisHost, std::string("redis"));
        QCOMPARE(c.redisPort, 6380);
        QCOMPARE(c.maxIndex, fib::Index(40));
        QCOMPARE(c.apiPort, 8080);
        QCOMPARE(c.claimIdle.count(), 500);
        QCOMPARE(c.workerName, std::string("w1"));
        QCOMPARE(c.valueCacheBytes, std::size_t{0});
    }

    void thePublishUrlIsTakenApart()
    {
        QVERIFY(!load({}).eventsPublish);
        const auto c = load({{"FIB_EVENTS_PUBLISH_URL", "http://127.0.0.1:3051/publish/computed"}});
        QVERIFY(c.eventsPublish);
        QCOMPARE(c.eventsPublish->host, std::string("127.0.0.1"));
        QCOMPARE(c.eventsPublish->port, 3051);
        QCOMPARE(c.eventsPublish->path, std::string("/publish/computed"));
        const auto v6 = load({{"FIB_EVENTS_PUBLISH_URL", "http://[::1]:8081/p"}});
        QCOMPARE(v6.eventsPublish->host, std::string("::1"));
        QCOMPARE(v6.eventsPublish->port, 8081);
        QCOMPARE(v6.eventsPublish->path, std::string("/p"));
    }

    void redisLogin()
    {
        const auto c = load({{"REDIS_USERNAME", "fib"}, {"REDIS_PASSWORD", "s3cret"}});
        QCOMPARE(c.redisUsername, std::string("fib"));
        QCOMPARE(c.redisPassword, std::string("s3cret"));
        QVERIFY(load({}).redisPassword.empty());
    }

    void redisTls()
    {
        QVERIFY(!load({}).redisTls);
        QVERIFY(!load({{"REDIS_TLS", "0"}}).redisTls);
        const auto c = load({{"REDIS_TLS", "1"},
                             {"REDIS_TLS_CA", "/etc/ca.pem"},
                             {"REDIS_TLS_CERT", "/etc/client.pem"},
                             {"REDIS_TLS_KEY", "/etc/client.key"}});
        QVERIFY(c.redisTls);
        QCOMPARE(c.redisTlsCa, std::string("/etc/ca.pem"));
        QCOMPARE(c.redisTlsCert, std::string("/etc/client.pem"));
        QCOMPARE(c.redisTlsKey, std::string("/etc/client.key"));
    }

    // A certificate without its key, or TLS files without REDIS_TLS=1 (which would silently
    // connect in plain text), are refused, naming the variable.
    void redisTlsMistakes_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("tls");
        QTest::newRow("certificate without key") << "REDIS_TLS_CERT"
                                                 << "1";
        QTest::newRow("key without certificate") << "REDIS_TLS_KEY"
                                                 << "1";
        QTest::newRow("CA without REDIS_TLS") << "REDIS_TLS_CA"
                                              << "0";
        QTest::newRow("certificate without REDIS_TLS") << "REDIS_TLS_CERT"
                                                       << "";
        QTest::newRow("REDIS_TLS yes") << "REDIS_TLS"
                                       << "yes";
    }
    void redisTlsMistakes()
    {
        QFETCH(QString, name);
        QFETCH(QString, tls);
        std::map<std::string, std::string> values{{"REDIS_TLS", tls.toStdString()}};
        values[name.toStdString()] = name == "REDIS_TLS" ? tls.toStdString() : "/etc/file.pem";
        try {
            load(values);
            QFAIL("accepted");
        } catch (const fib::ConfigError &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(name), e.what());
        }
    }

    void emptyMeansDefault() { QCOMPARE(load({{"REDIS_PORT", ""}}).redisPort, 6379); }

    void badValuesNameTheVariable_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("value");
        QTest::newRow("port text") << "REDIS_PORT"
                                   << "abc";
        QTest::newRow("port zero") << "FIB_API_PORT"
                                   << "0";
        QTest::newRow("port too big") << "REDIS_PORT"
                                      << "65536";
        QTest::newRow("negative cap") << "FIB_MAX_INDEX"
                                      << "-1";
        QTest::newRow("cap above ceiling") << "FIB_MAX_INDEX"
                                           << "100000001";
        QTest::newRow("trailing junk") << "FIB_SERVER_THREADS"
                                       << "8x";
        QTest::newRow("claim too short") << "FIB_CLAIM_IDLE_MS"
                                         << "5";
        QTest::newRow("publish URL without scheme") << "FIB_EVENTS_PUBLISH_URL"
                                                    << "nginx:8081/publish/computed";
        QTest::newRow("publish URL without port") << "FIB_EVENTS_PUBLISH_URL"
                                                  << "http://nginx/publish/computed";
        QTest::newRow("cache budget with a unit") << "FIB_VALUE_CACHE_BYTES"
                                                  << "256MB";
        QTest::newRow("cache budget above 1 TiB") << "FIB_VALUE_CACHE_BYTES"
                                                  << "1099511627777";
        QTest::newRow("Redis user without password") << "REDIS_USERNAME"
                                                     << "fib";
    }
    void badValuesNameTheVariable()
    {
        QFETCH(QString, name);
        QFETCH(QString, value);
        try {
            load({{name.toStdString(), value.toStdString()}});
            QFAIL("accepted");
        } catch (const fib::ConfigError &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(name), e.what());
        }
    }
};

QTEST_APPLESS_MAIN(ConfigTest)
#include "config_test.moc"
