// Encrypted connections, against a stack of their own that scripts/stack started with
// FIB_STACK_TLS (ctest fixture `tls_stack`): PostgreSQL with ssl=on and the services on
// PGSSLMODE=verify-full; in builds whose hiredis has TLS (Debian 13) also Redis on a TLS port
// only, with REDIS_TLS=1. Values are computed over those connections, and a wrong CA or host
// name makes readiness 503 with a message that names the setting, never a plain-text fallback.
#include <QtTest>

#include <QProcess>
#include <QTemporaryDir>

#include <string>

#include "fib/errors.hpp"
#include "fib/fibonacci.hpp"
#include "stack.hpp"

using fib::test::ServerProcess;
using fib::test::Stack;
using fib::test::Worker;
using Env = QHash<QString, QString>;

class TlsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        m_stack = std::make_unique<Stack>();
        QVERIFY2(m_stack->postgresTls(), "the tls_stack fixture should encrypt PostgreSQL");
#ifdef FIB_TEST_REDIS_TLS
        QVERIFY2(m_stack->redisTls(), "the tls_stack fixture should encrypt Redis in this build");
#endif
        QVERIFY(m_dir.isValid());
        // A CA that signed nothing the stack uses.
        QProcess openssl;
        openssl.setProcessChannelMode(QProcess::MergedChannels);
        openssl.start(QStringLiteral("openssl"),
                      {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                       "-nodes", "-days", "1", "-subj", "/CN=another CA", "-keyout",
                       m_dir.filePath("other-ca.key"), "-out", otherCa()});
        QVERIFY(openssl.waitForFinished(30000));
        QVERIFY2(openssl.exitCode() == 0, openssl.readAll().constData());
    }

    // Values go through both encrypted connections: the worker reads the job and writes the
    // value over TLS to Redis, fib-server records the index over TLS to PostgreSQL.
    void valuesAreComputedOverTls()
    {
        Worker worker(*m_stack, QStringLiteral("tls-worker"));
        auto nginx = m_stack->nginx();
        const fib::Index indexes[] = {12, 93, 4000};
        for (const auto n : indexes) {
            const auto res = nginx->Post("/api/values", "{\"index\":" + std::to_string(n) + "}",
                                         "application/json");
            QVERIFY(res);
            QCOMPARE(res->status, 200);
        }
        for (const auto n : indexes) {
            std::string body;
            QTRY_VERIFY_WITH_TIMEOUT(
                [&] {
                    const auto res = nginx->Get("/api/values/" + std::to_string(n));
                    body = res ? res->body : std::string();
                    return res && res->status == 200 &&
                           body.find("\"status\":\"done\"") != std::string::npos;
                }(),
                60000);
            QVERIFY2(body.find("\"value\":\"" + fib::fibonacciDecimal(n) + "\"") !=
                         std::string::npos,
                     body.c_str());
        }
        QVERIFY2(worker.running(), qPrintable(worker.log()));
    }

    // Every connection of the services' role is encrypted, and Redis has no plain-text port.
    void connectionsAreEncrypted()
    {
        auto api = m_stack->api();
        const auto ready = api->Get("/readyz");
        QVERIFY(ready);
        QCOMPARE(ready->status, 200);
        const std::string sessions = "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a "
                                     "USING (pid) WHERE a.usename = 'fib_app'";
        QVERIFY(std::stoi(m_stack->sql(sessions + " AND s.ssl")) > 0);
        QCOMPARE(m_stack->sql(sessions + " AND NOT s.ssl"), std::string("0"));
        if (!m_stack->redisTls())
            return;
        fib::redis::Connection plain("127.0.0.1", m_stack->redisPort(),
                                     std::chrono::milliseconds(3000));
        bool answered = false;
        try {
            answered = !fib::redis::isError(*plain.command({"PING"}));
        } catch (const fib::UnavailableError &) {
        }
        QVERIFY2(!answered, "Redis answered a plain-text PING on its TLS port");
        // And the stack's own administrator connection goes over TLS.
        QCOMPARE(std::string(fib::redis::text(*m_stack->redis()->checked({"PING"}))),
                 std::string("PONG"));
    }

    // A certificate the services cannot trust, or one for another name: readiness says 503 and
    // names the setting to fix.
    void refusedCertificatesAreNamed_data()
    {
        QTest::addColumn<Env>("env");
        QTest::addColumn<QString>("named");
        QTest::newRow("PostgreSQL, another CA")
            << Env{{"PGSSLROOTCERT", otherCa()}} << "PGSSLROOTCERT";
        // Connects to 127.0.0.1, checks the certificate against another name.
        QTest::newRow("PostgreSQL, another host name")
            << Env{{"PGHOST", "fib-db.invalid"}, {"PGHOSTADDR", "127.0.0.1"}} << "PGHOST";
#ifdef FIB_TEST_REDIS_TLS
        QTest::newRow("Redis, another CA") << Env{{ "REDIS_TLS_CA", otherCa() }} << "REDIS_TLS_CA";
        // 127.1 is 127.0.0.1 to the resolver, but not a name or address the certificate carries.
        QTest::newRow("Redis, another host name") << Env{{ "REDIS_HOST", "127.1" }} << "REDIS_HOST";
#endif
    }
    void refusedCertificatesAreNamed()
    {
        QFETCH(Env, env);
        QFETCH(QString, named);
        ServerProcess server(*m_stack, env);
        QVERIFY(server.waitUntilLive());
        auto client = server.client();
        const auto res = client->Get("/readyz");
        QVERIFY(res);
        QCOMPARE(res->status, 503);
        QVERIFY2(QString::fromStdString(res->body).contains(named), res->body.c_str());
        QVERIFY2(res->body.find("certificate") != std::string::npos, res->body.c_str());
    }

    // Where hiredis has no TLS (Debian 12), REDIS_TLS=1 stops both programs at start with exit 2
    // and the reason, instead of connecting in plain text.
    void redisTlsWithoutSupportIsRefused()
    {
#ifdef FIB_TEST_REDIS_TLS
        QSKIP("this build has TLS for Redis (the cases above use it)");
#else
        for (const char *binary : {FIB_SERVER_BINARY, FIB_WORKER_BINARY}) {
            QProcess process;
            auto env = m_stack->environment();
            env.insert(QStringLiteral("REDIS_TLS"), QStringLiteral("1"));
            env.insert(QStringLiteral("FIB_API_PORT"), QString::number(fib::test::freePort()));
            process.setProcessEnvironment(env);
            process.start(QString::fromUtf8(binary), {});
            QVERIFY(process.waitForFinished(15000));
            const QString error = QString::fromUtf8(process.readAllStandardError());
            QCOMPARE(process.exitCode(), 2);
            QVERIFY2(error.contains(QLatin1String("REDIS_TLS=1")), qPrintable(error));
            QVERIFY2(error.contains(QLatin1String("no TLS")), qPrintable(error));
        }
#endif
    }

private:
    QString otherCa() const
    {
        return m_dir.filePath(QStringLiteral("other-ca.crt"));
    }

    std::unique_ptr<Stack> m_stack;
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TlsTest)
#include "tls_test.moc"
