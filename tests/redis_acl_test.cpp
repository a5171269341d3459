// Redis with least privilege: nobody gets in without a login, the services' user (fib) may run
// only the commands and keys the services use, a refused login stops a service at start with a
// message naming the variable, a password changed under a running server makes it unready (503)
// instead of crashing it, and the password shows nowhere it should not.
#include <QtTest>

#include <string>

#include "fib/redis.hpp"
#include "stack.hpp"

namespace {

struct Exit {
    int code = -1;
    QString output;
};

// Runs a service binary with the stack's environment plus `extra` until it exits by itself.
Exit runUntilExit(const QString &binary, const fib::test::Stack &stack,
                  const QHash<QString, QString> &extra)
{
    QProcess process;
    auto env = stack.environment();
    env.insert(QStringLiteral("FIB_API_HOST"), QStringLiteral("127.0.0.1"));
    env.insert(QStringLiteral("FIB_API_PORT"), QString::number(fib::test::freePort()));
    for (auto it = extra.begin(); it != extra.end(); ++it)
        env.insert(it.key(), it.value());
    process.setProcessEnvironment(env);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(binary, {});
    Exit out;
    if (!process.waitForFinished(20000)) {
        process.kill();
        process.waitForFinished(5000);
        out.output = QString::fromUtf8(process.readAll());
        return out;
    }
    out.output = QString::fromUtf8(process.readAll());
    out.code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return out;
}

std::string replyText(const fib::redis::Reply &reply)
{
    return std::string(fib::redis::text(*reply));
}

} // namespace

class RedisAclTest : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<fib::test::Stack> m_stack;

    std::unique_ptr<fib::redis::Connection> raw() const
    {
        return std::make_unique<fib::redis::Connection>("127.0.0.1", m_stack->redisPort(),
                                                        std::chrono::seconds(5));
    }

    std::unique_ptr<fib::redis::Connection> asServices() const
    {
        auto connection = raw();
        connection->login(fib::test::Stack::kRedisAppUser, m_stack->redisAppPassword());
        return connection;
    }

private slots:
    void initTestCase()
    {
        m_stack = std::make_unique<fib::test::Stack>();
        QVERIFY(m_stack->reset());
    }

    void anUnauthenticatedClientIsRefused()
    {
        auto connection = raw();
        const auto reply = connection->command({"PING"});
        QVERIFY(fib::redis::isError(*reply));
        QVERIFY2(replyText(reply).rfind("NOAUTH", 0) == 0, replyText(reply).c_str());
        QVERIFY(fib::redis::isError(*connection->command({"HGET", "values", "1"})));
        // The default user is off, with or without a password.
        QVERIFY_THROWS_EXCEPTION(fib::redis::LoginRefused, raw()->login("", "anything"));
        QVERIFY_THROWS_EXCEPTION(fib::redis::LoginRefused, raw()->login("default", ""));
        QVERIFY_THROWS_EXCEPTION(fib::redis::LoginRefused,
                                 raw()->login(fib::test::Stack::kRedisAppUser, "not-the-password"));
    }

    void theServicesUserMayOnlyDoWhatTheServicesDo_data()
    {
        QTest::addColumn<QStringList>("command");
        QTest::newRow("FLUSHALL") << QStringList{"FLUSHALL"};
        QTest::newRow("FLUSHDB") << QStringList{"FLUSHDB"};
        QTest::newRow("CONFIG SET") << QStringList{"CONFIG", "SET", "appendonly", "no"};
        QTest::newRow("CONFIG GET") << QStringList{"CONFIG", "GET", "requirepass"};
        QTest::newRow("KEYS") << QStringList{"KEYS", "*"};
        QTest::newRow("DEBUG") << QStringList{"DEBUG", "SLEEP", "0"};
        QTest::newRow("SHUTDOWN") << QStringList{"SHUTDOWN", "NOSAVE"};
        QTest::newRow("ACL") << QStringList{"ACL", "LIST"};
        QTest::newRow("DEL values") << QStringList{"DEL", "values"};
        QTest::newRow("key outside") << QStringList{"HSET", "other", "1", "1"};
        QTest::newRow("SCRIPT FLUSH") << QStringList{"SCRIPT", "FLUSH"};
        QTest::newRow("script beyond its rights")
            << QStringList{"EVAL", "return redis.call('FLUSHALL')", "0"};
    }

    void theServicesUserMayOnlyDoWhatTheServicesDo()
    {
        QFETCH(QStringList, command);
        std::vector<std::string> words;
        for (const auto &word : command)
            words.push_back(word.toStdString());
        const fib::redis::Args args(words.begin(), words.end());
        auto connection = asServices();
        const auto reply = connection->command(args);
        QVERIFY(fib::redis::isError(*reply));
        // NOPERM, or for a command inside a script "can't run" (Redis 7) or "ACL failure in
        // script: ... no permissions to run" (Redis 8); DEBUG is also off for everyone.
        const std::string error = replyText(reply);
        QVERIFY2(error.find("NOPERM") != std::string::npos ||
                     error.find("can't run") != std::string::npos ||
                     error.find("no permissions to run") != std::string::npos ||
                     error.find("DEBUG command not allowed") != std::string::npos,
                 error.c_str());
        // What the services do still works.
        QCOMPARE(replyText(connection->checked({"PING"})), std::string("PONG"));
        QVERIFY(fib::redis::isNil(*connection->checked({"HGET", "values", "1"})));
        QCOMPARE(fib::redis::integer(*m_stack->redis()->checked({"DBSIZE"})), 0LL);
    }

    void aRefusedLoginStopsAServiceAtStart_data()
    {
        QTest::addColumn<QString>("binary");
        QTest::addColumn<QString>("username");
        QTest::addColumn<QString>("password");
        QTest::newRow("server, wrong password") << FIB_SERVER_BINARY << "fib"
                                                << "wrong-password-1";
        QTest::newRow("worker, wrong password") << FIB_WORKER_BINARY << "fib"
                                                << "wrong-password-2";
        QTest::newRow("server, no password") << FIB_SERVER_BINARY << ""
                                             << "";
        QTest::newRow("worker, no password") << FIB_WORKER_BINARY << ""
                                             << "";
    }

    void aRefusedLoginStopsAServiceAtStart()
    {
        QFETCH(QString, binary);
        QFETCH(QString, username);
        QFETCH(QString, password);
        const auto result =
            runUntilExit(binary, *m_stack,
                         {{QStringLiteral("REDIS_USERNAME"), username},
                          {QStringLiteral("REDIS_PASSWORD"), password},
                          {QStringLiteral("FIB_WORKER_NAME"), QStringLiteral("acl-test")}});
        QVERIFY2(result.code == 2, qPrintable(QString::number(result.code) + ": " + result.output));
        QVERIFY2(result.output.contains(QLatin1String("REDIS_PASSWORD")),
                 qPrintable(result.output));
        if (!password.isEmpty())
            QVERIFY2(!result.output.contains(password), qPrintable(result.output));
    }

    void aPasswordChangedWhileRunningMakesTheServerUnready()
    {
        fib::test::ServerProcess server(*m_stack);
        QVERIFY(server.waitUntilLive());
        auto client = server.client();
        QTRY_COMPARE_WITH_TIMEOUT(client->Get("/readyz")->status, 200, 10000);
        // Rotate the services' password and drop their connections, as an operator would.
        auto admin = m_stack->redis();
        const std::string user = fib::test::Stack::kRedisAppUser;
        const std::string newPassword = ">rotated-" + m_stack->redisAppPassword();
        const std::string oldPassword = ">" + m_stack->redisAppPassword();
        struct Restore {
            fib::redis::Connection &admin;
            std::string user, password;
            ~Restore() { admin.command({"ACL", "SETUSER", user, "resetpass", password}); }
        } restore{*admin, user, oldPassword};
        admin->checked({"ACL", "SETUSER", user, "resetpass", newPassword});
        admin->checked({"CLIENT", "KILL", "USER", user});
        QTRY_COMPARE_WITH_TIMEOUT(client->Get("/readyz")->status, 503, 10000);
        const auto unready = client->Get("/readyz");
        QCOMPARE(unready->get_header_value("Content-Type"),
                 std::string("application/problem+json"));
        QVERIFY(unready->body.find(m_stack->redisAppPassword()) == std::string::npos);
        QCOMPARE(client->Get("/healthz")->status, 200); // alive, not crashed
        // The password back: ready again, by itself.
        admin->checked({"ACL", "SETUSER", user, "resetpass", oldPassword});
        QTRY_COMPARE_WITH_TIMEOUT(client->Get("/readyz")->status, 200, 10000);
        QCOMPARE(server.terminate(), 0);
    }

    void thePasswordShowsNowhere()
    {
        const std::string password = m_stack->redisAppPassword();
        QVERIFY(password.size() >= 16);
        // Not on the stack's fib-server's command line (it comes by environment)...
        const qint64 pid = m_stack->pidOf(QStringLiteral("fib-server"));
        QVERIFY(pid > 0);
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        QVERIFY(cmdline.open(QIODevice::ReadOnly));
        QVERIFY(!cmdline.readAll().contains(QByteArray::fromStdString(password)));
        // ...nor in what it serves...
        auto api = m_stack->api();
        for (const char *path : {"/info", "/metrics", "/readyz", "/openapi.json"}) {
            const auto res = api->Get(path);
            QVERIFY(res);
            QVERIFY2(res->body.find(password) == std::string::npos, path);
        }
        // ...nor in any log of the stack (the ACL file holds only its hash).
        const QDir logs(qEnvironmentVariable("FIB_TEST_STACK_DIR") + QStringLiteral("/logs"));
        for (const auto &name : logs.entryList(QDir::Files)) {
            QFile log(logs.filePath(name));
            if (log.open(QIODevice::ReadOnly))
                QVERIFY2(!log.readAll().contains(QByteArray::fromStdString(password)),
                         qPrintable(name));
        }
        QFile acl(qEnvironmentVariable("FIB_TEST_STACK_DIR") + QStringLiteral("/redis/users.acl"));
        QVERIFY(acl.open(QIODevice::ReadOnly));
        QVERIFY(!acl.readAll().contains(QByteArray::fromStdString(password)));
    }
};

QTEST_GUILESS_MAIN(RedisAclTest)
#include "redis_acl_test.moc"
