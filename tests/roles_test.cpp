// The least-privilege PostgreSQL roles of deploy/postgres/roles.sql, against the real stack:
// what fib_app (the services' login) may and may not do, how a service running as fib_app
// reports a schema it may not create, and how an older database moves under the roles.
#include <QtTest>

#include <pqxx/pqxx>

#include "stack.hpp"

namespace {

// True when the statement, run as `role`, is refused for want of a privilege.
bool refused(const fib::test::Stack &stack, const std::string &role, const std::string &statement)
{
    try {
        stack.sqlAs(role, statement);
    } catch (const pqxx::insufficient_privilege &) {
        return true;
    } catch (const std::exception &e) {
        qWarning("%s as %s failed otherwise: %s", statement.c_str(), role.c_str(), e.what());
    }
    return false;
}

// A scratch database of the stack's PostgreSQL, dropped again at the end of the test.
class ScratchDatabase {
public:
    ScratchDatabase(const fib::test::Stack &stack, const std::string &name,
                    const std::string &owner = {})
        : m_admin(stack),
          m_name(name)
    {
        drop();
        m_admin.sql("CREATE DATABASE " + name + (owner.empty() ? "" : " OWNER " + owner));
        m_stack.setDatabase(name);
    }
    ~ScratchDatabase() { drop(); }
    ScratchDatabase(const ScratchDatabase &) = delete;
    ScratchDatabase &operator=(const ScratchDatabase &) = delete;
    const fib::test::Stack &stack() const { return m_stack; }

private:
    void drop() { m_admin.sql("DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)"); }
    const fib::test::Stack &m_admin;
    std::string m_name;
    fib::test::Stack m_stack = m_admin;
};

} // namespace

class RolesTest : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<fib::test::Stack> m_stack;

private slots:
    void initTestCase()
    {
        m_stack = std::make_unique<fib::test::Stack>();
        QVERIFY(m_stack->reset());
    }

    void cleanup() { QVERIFY(m_stack->reset()); }

    void theStackRunsItsServicesAsTheAppRole()
    {
        // The stack's fib-server holds sessions, all as fib_app; no other client is connected as
        // the superuser (an earlier sql() call's session may take a moment to end).
        QCOMPARE(
            m_stack->sql("SELECT count(*) > 0 FROM pg_stat_activity WHERE usename = 'fib_app'"),
            std::string("t"));
        const std::string others =
            "SELECT string_agg(usename || ' (' || coalesce(application_name, '') || ', ' || "
            "state || ', since ' || backend_start || '): ' || left(query, 80), '; ') "
            "FROM pg_stat_activity WHERE usename <> 'fib_app' AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'";
        QTRY_VERIFY_WITH_TIMEOUT(m_stack->sql(others).empty(), 15000);
        QVERIFY2(m_stack->sql(others).empty(), m_stack->sql(others).c_str());
        QCOMPARE(m_stack->sql("SELECT tableowner FROM pg_tables WHERE schemaname = 'fib' AND "
                              "tablename = 'values'"),
                 std::string("fib_owner"));
        QCOMPARE(
            m_stack->sql(
                "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls "
                "FROM pg_roles WHERE rolname = 'fib_app'"),
            std::string("f"));
    }

    void theAppRoleMayUseTheTables()
    {
        m_stack->sqlAs("fib_app", "INSERT INTO \"values\" (number) VALUES (12)");
        m_stack->sqlAs(
            "fib_app",
            "UPDATE \"values\" SET times_requested = times_requested + 1 WHERE number = 12");
        QCOMPARE(
            m_stack->sqlAs("fib_app", "SELECT times_requested FROM \"values\" WHERE number = 12"),
            std::string("2"));
        QCOMPARE(m_stack->sqlAs("fib_app", "SELECT max(version) FROM fib_schema"),
                 std::string("1"));
    }

    void theAppRoleMayDoNothingElse_data()
    {
        QTest::addColumn<QString>("statement");
        const char *rows[][2] = {
            {"delete a row", "DELETE FROM \"values\""},
            {"truncate", "TRUNCATE \"values\""},
            {"drop the table", "DROP TABLE \"values\""},
            {"alter the table", "ALTER TABLE \"values\" ADD COLUMN note TEXT"},
            {"change an index", "UPDATE \"values\" SET number = 13 WHERE number = 12"},
            {"change when first seen", "UPDATE \"values\" SET first_seen = now()"},
            {"write the schema version", "INSERT INTO fib_schema VALUES (99)"},
            {"create a table in fib", "CREATE TABLE fib.mine (x INT)"},
            {"create a table in public", "CREATE TABLE public.mine (x INT)"},
            {"create a schema", "CREATE SCHEMA mine"},
            {"create a temporary table", "CREATE TEMPORARY TABLE mine (x INT)"},
            {"create a role", "CREATE ROLE mine"},
            {"create a database", "CREATE DATABASE mine"},
            {"read password hashes", "SELECT rolpassword FROM pg_authid"},
            {"read server files", "SELECT pg_read_file('postgresql.conf')"},
            {"become the owner", "SET ROLE fib_owner"},
        };
        for (const auto &row : rows)
            QTest::newRow(row[0]) << QString::fromUtf8(row[1]);
    }

    void theAppRoleMayDoNothingElse()
    {
        QFETCH(QString, statement);
        m_stack->sql("INSERT INTO \"values\" (number) VALUES (12)");
        QVERIFY(refused(*m_stack, "fib_app", statement.toStdString()));
        QCOMPARE(m_stack->sql("SELECT count(*) FROM \"values\" WHERE number = 12"),
                 std::string("1"));
    }

    void theOwnerMayNotCreateRolesOrDatabases()
    {
        QVERIFY(refused(*m_stack, "fib_owner", "CREATE ROLE mine"));
        QVERIFY(refused(*m_stack, "fib_owner", "CREATE DATABASE mine"));
        QVERIFY(refused(*m_stack, "fib_owner", "SELECT rolpassword FROM pg_authid"));
    }

    void aServiceAsTheAppRoleWaitsForTheOwnersMigration()
    {
        ScratchDatabase fresh(*m_stack, "fib_fresh");
        QString output;
        QCOMPARE(fresh.stack().applyRoles(&output), 0);

        // fib_app may not create the schema: the server stays up and says so, quickly.
        fib::test::ServerProcess server(fresh.stack());
        QVERIFY(server.waitUntilLive());
        auto client = server.client();
        const auto ready = client->Get("/readyz");
        QVERIFY(ready);
        QCOMPARE(ready->status, 503);
        QVERIFY2(ready->body.find("Database schema not ready") != std::string::npos,
                 ready->body.c_str());
        const auto post = client->Post("/values", "{\"index\": 7}", "application/json");
        QVERIFY(post);
        QCOMPARE(post->status, 503);

        // Nor can `fib-server --migrate` as fib_app: a clear refusal, exit 1.
        QCOMPARE(fresh.stack().migrate("fib_app", &output), 1);
        QVERIFY2(output.contains(QLatin1String("run `fib-server --migrate` as the schema's owner")),
                 qPrintable(output));
        QCOMPARE(fresh.stack().sql("SELECT to_regclass('fib.values') IS NULL"), std::string("t"));

        // The owner migrates; the running server heals without a restart.
        QCOMPARE(fresh.stack().migrate("fib_owner", &output), 0);
        QVERIFY2(output.contains(QLatin1String("\"app_role_granted\":true")), qPrintable(output));
        QTRY_COMPARE_WITH_TIMEOUT(client->Get("/readyz")->status, 200, 10000);
        const auto accepted = client->Post("/values", "{\"index\": 7}", "application/json");
        QVERIFY(accepted);
        QCOMPARE(accepted->status, 200);
        QCOMPARE(fresh.stack().sql("SELECT number FROM fib.\"values\""), std::string("7"));
        QCOMPARE(server.terminate(), 0);
    }

    void theScriptRunsAsANonSuperuserAdminAsOnRds()
    {
        // RDS's master user: CREATEROLE and CREATEDB, owner of the database, not a superuser.
        // (PostgreSQL 16 and later let only a CREATEDB role set NOCREATEDB on another.)
        m_stack->sql("DROP DATABASE IF EXISTS fib_rds WITH (FORCE)");
        m_stack->sql("DROP ROLE IF EXISTS fib_rds_admin");
        m_stack->sql("CREATE ROLE fib_rds_admin LOGIN CREATEROLE CREATEDB");
        // From PostgreSQL 16 a CREATEROLE role may alter only the roles it holds ADMIN OPTION on,
        // which the master user gets by creating them. Here the stack's superuser made fib_owner
        // and fib_app (roles belong to the whole cluster), so they are granted as RDS would have.
        m_stack->sql("DO $$ BEGIN IF current_setting('server_version_num')::int >= 160000 THEN "
                     "EXECUTE 'GRANT fib_owner, fib_app TO fib_rds_admin WITH ADMIN OPTION, "
                     "INHERIT FALSE, SET FALSE'; END IF; END $$");
        {
            ScratchDatabase rds(*m_stack, "fib_rds", "fib_rds_admin");
            const auto &stack = rds.stack();
            // The services ran as the master user before: its tables are in public.
            stack.sqlAs("fib_rds_admin", "CREATE TABLE public.values (number INT)");
            stack.sqlAs("fib_rds_admin", "INSERT INTO public.values VALUES (21), (21), (34)");
            QString output;
            QVERIFY2(stack.applyRoles(&output, "fib_rds_admin") == 0, qPrintable(output));
            QVERIFY2(stack.migrate("fib_owner", &output) == 0, qPrintable(output));
            QCOMPARE(stack.sqlAs("fib_app",
                                 "SELECT string_agg(number || ':' || times_requested, ',' ORDER BY "
                                 "number) FROM \"values\""),
                     std::string("21:2,34:1"));
            // A second run, as on every deployment, is harmless.
            QVERIFY2(stack.applyRoles(&output, "fib_rds_admin") == 0, qPrintable(output));
        }
        m_stack->sql("DROP ROLE fib_rds_admin");
    }

    void servicesOfAnOlderVersionWritingToPublicAfterTheMoveAreNoticed()
    {
        ScratchDatabase split(*m_stack, "fib_split");
        QString output;
        QCOMPARE(split.stack().applyRoles(&output), 0);
        QCOMPARE(split.stack().migrate("fib_owner", &output), 0);
        split.stack().sql("CREATE TABLE public.values (number INT)"); // an old server's doing
        QCOMPARE(split.stack().applyRoles(&output), 3);               // psql: the script failed
        QVERIFY2(output.contains(QLatin1String("both public.values and fib.values exist")),
                 qPrintable(output));
    }

    void anOlderDatabaseMovesUnderTheRolesWithItsRows()
    {
        // The original's table, in schema public, made by the superuser as the original did.
        ScratchDatabase old(*m_stack, "fib_old");
        old.stack().sql("CREATE TABLE public.values (number INT)");
        old.stack().sql("INSERT INTO public.values VALUES (5), (5), (8), (NULL)");
        QString output;
        QCOMPARE(old.stack().applyRoles(&output), 0);
        QCOMPARE(old.stack().sql("SELECT tableowner FROM pg_tables WHERE schemaname = 'fib' AND "
                                 "tablename = 'values'"),
                 std::string("fib_owner"));
        QCOMPARE(old.stack().migrate("fib_owner", &output), 0);
        QCOMPARE(old.stack().sqlAs(
                     "fib_app", "SELECT string_agg(number || ':' || times_requested, ',' ORDER BY "
                                "number) FROM \"values\""),
                 std::string("5:2,8:1"));
        // Running the roles script again changes nothing.
        QCOMPARE(old.stack().applyRoles(&output), 0);
        QCOMPARE(old.stack().migrate("fib_owner", &output), 0);
        QCOMPARE(old.stack().sqlAs("fib_app", "SELECT count(*) FROM \"values\""), std::string("2"));
    }
};

QTEST_GUILESS_MAIN(RolesTest)
#include "roles_test.moc"
