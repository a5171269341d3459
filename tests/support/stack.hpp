#pragma once
// Test support for the integration suites: the throwaway stack that ctest's fixture started
// with `scripts/stack up` (real PostgreSQL, Redis, nginx and fib-server on free loopback
// ports, no worker), direct access to its Redis and PostgreSQL for checks, and fib-worker
// processes that a test starts, kills and stops itself.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <QHash>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <httplib.h>

#include "fib/index.hpp"
#include "fib/redis.hpp"
#include "fib/sse.hpp"

namespace fib::test {

// A sample of a fib-server's /metrics, by its name and labels as printed
// (`fib_list_cache_requests_total{result="hit"}`), or -1 if it does not answer or lacks it.
long long metricOf(httplib::Client &server, const std::string &sample);

class Stack {
public:
    // Reads the ports that scripts/stack saved in $FIB_TEST_STACK_DIR/ports.env.
    Stack();

    int httpPort() const { return m_ports.value("FIB_HTTP_PORT"); }
    int apiPort() const { return m_ports.value("FIB_API_PORT"); }
    int pgPort() const { return m_ports.value("FIB_PG_PORT"); }
    int redisPort() const { return m_ports.value("FIB_REDIS_PORT"); }
    // nginx's internal server: the live-event publisher, /status and /metrics.
    int eventsPort() const { return m_ports.value("FIB_EVENTS_PORT"); }
    // The environment that makes a fib-worker the stack's live-event relay (one per nginx).
    QHash<QString, QString> relayEnvironment() const;
    // What scripts/stack encrypts (FIB_STACK_TLS), and the CA it made for it.
    bool redisTls() const { return m_tls.contains(QLatin1String("redis")); }
    bool postgresTls() const { return m_tls.contains(QLatin1String("postgres")); }
    QString tlsCa() const { return m_dir + QStringLiteral("/tls/ca.crt"); }

    // A client of nginx (the public face, paths start with /api) or of fib-server directly.
    std::unique_ptr<httplib::Client> nginx() const;
    std::unique_ptr<httplib::Client> api() const;

    // Logged in as the administrator (fib_admin), which may do anything (FLUSHALL in reset()).
    std::unique_ptr<redis::Connection> redis() const;
    // The Redis users of the stack (deploy/redis/users-acl.sh) and their passwords.
    static constexpr const char *kRedisAppUser = "fib";
    static constexpr const char *kRedisAdminUser = "fib_admin";
    const std::string &redisAppPassword() const { return m_redisAppPassword; }
    const std::string &redisAdminPassword() const { return m_redisAdminPassword; }
    // Runs one SQL statement as the superuser (schema fib first on the search path) and returns
    // the first column of the first row ("" if none).
    std::string sql(const std::string &statement) const;
    // The same as `role` (fib_app, fib_owner, ...): throws pqxx::insufficient_privilege and the
    // like.
    std::string sqlAs(const std::string &role, const std::string &statement) const;

    // Points sql() and environment() at another database of the same PostgreSQL.
    void setDatabase(const std::string &name) { m_database = name; }
    // The PostgreSQL role environment() gives the services: fib_app, as scripts/stack does.
    void setServiceRole(const std::string &role) { m_serviceRole = role; }

    // A worker counter from the fib:stats hash (computed, claimed, dead_lettered, ...); 0 if
    // absent.
    long long workerStat(const char *name) const;

    // metricOf() the stack's fib-server.
    long long metric(const std::string &sample) const { return metricOf(*api(), sample); }
    long long listCacheInvalidations() const
    {
        return metric("fib_list_cache_invalidations_total");
    }

    // Empties Redis and the values table, so each test starts from nothing, and waits until the
    // stack's fib-server has dropped its cached lists. False (with a warning) if it never does.
    [[nodiscard]] bool reset() const;

    // deploy/postgres/roles.sql on this stack's database, as scripts/stack runs it (psql, as the
    // superuser unless `asRole` says otherwise); and `fib-server --migrate` as `role`. Both return
    // the exit code and fill `output`.
    int applyRoles(QString *output, const std::string &asRole = "postgres") const;
    int migrate(const std::string &role, QString *output) const;
    // fib-worker with `arguments` (a one-shot command such as --retry-dead) against this stack.
    int runWorker(const QStringList &arguments, QString *output) const;

    // The environment for a fib-worker or fib-server aimed at this stack.
    QProcessEnvironment environment() const;

    // `scripts/stack up` on this stack's state: starts whatever part is not running.
    bool up() const;
    // The pid `scripts/stack status` reports for a component (postgres, redis, fib-server,
    // nginx), or 0 when it is not running.
    qint64 pidOf(const QString &component) const;
    // Sends `signal` to a component and waits until it has exited.
    bool stopComponent(const QString &component, int signal) const;

private:
    QHash<QString, int> m_ports;
    QString m_dir;
    QString m_tls;
    std::string m_database = "postgres";
    std::string m_serviceRole = "fib_app";
    std::string m_redisAppPassword;
    std::string m_redisAdminPassword;
};

// A fib-worker process owned by a test; stopped (SIGTERM, then SIGKILL) when destroyed.
class Worker {
public:
    Worker(const Stack &stack, const QString &name, const QHash<QString, QString> &extraEnv = {});
    ~Worker();
    Worker(const Worker &) = delete;
    Worker &operator=(const Worker &) = delete;

    bool running() const { return m_process.state() == QProcess::Running; }
    qint64 pid() const { return m_process.processId(); }
    void kill();                           // SIGKILL: a crash, nothing is cleaned up
    bool terminate(int timeoutMs = 15000); // SIGTERM and wait; true if it exited by itself with 0
    QString log() const;                   // everything it printed
    // True once it logged that it is connected to Redis (and about to take jobs).
    bool waitUntilConnected(int timeoutMs = 10000) const;

private:
    QProcess m_process;
    QString m_logPath;
};

// This process's environment without the caller's FIB_*, REDIS_* and PG* settings: what the
// tests start is configured by the tests alone.
QProcessEnvironment cleanEnvironment();

// A loopback port that was free a moment ago.
int freePort();

// A fib-server of the test's own, beside the stack's, on a free port; stopped when destroyed.
class ServerProcess {
public:
    // The stack's environment plus `extraEnv`; does not wait (see waitUntilLive).
    ServerProcess(const Stack &stack, const QHash<QString, QString> &extraEnv = {});
    ~ServerProcess();
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;

    int port() const { return m_port; }
    std::unique_ptr<httplib::Client> client() const;
    // True once /healthz answers.
    bool waitUntilLive(int timeoutMs = 15000) const;
    // SIGTERM and wait; the exit code, or -1 if it did not exit in time.
    int terminate(int timeoutMs = 10000);

private:
    int m_port = 0;
    QProcess m_process;
};

// A second nginx beside the stack's (Beanstalk runs one per instance): deploy/nginx/fib.conf
// rendered with ports of its own, in front of the stack's fib-server, with Nchan's own buffer. A
// worker started with its relayEnvironment() feeds its live events. Stopped when destroyed.
class NginxProcess {
public:
    explicit NginxProcess(const Stack &stack, int maxSubscribers = 5);
    ~NginxProcess();
    NginxProcess(const NginxProcess &) = delete;
    NginxProcess &operator=(const NginxProcess &) = delete;

    int httpPort() const { return m_httpPort; }
    int eventsPort() const { return m_eventsPort; }
    QHash<QString, QString> relayEnvironment() const;
    // True once it answers on its public port.
    bool waitUntilLive(int timeoutMs = 15000) const;

private:
    QTemporaryDir m_dir;
    int m_httpPort = 0;
    int m_eventsPort = 0;
    QProcess m_process;
};

// Reads a live-event stream (GET .../events) on a thread of its own until stopped, parsing it
// as it arrives.
class EventReader {
public:
    EventReader(int port, std::string path, httplib::Headers headers = {});
    ~EventReader();
    EventReader(const EventReader &) = delete;
    EventReader &operator=(const EventReader &) = delete;

    std::vector<SseEvent> events() const; // every event so far, in order
    bool opened() const;                  // the stream is open: 200, and its first bytes came
    int status() const;                   // 0 until the response head arrived
    // The request ended (the server closed it, or an error).
    bool finished() const;

private:
    httplib::Client m_client;
    mutable std::mutex m_mutex;
    SseParser m_parser;
    std::vector<SseEvent> m_events;
    int m_status = 0;
    bool m_opened = false;
    std::atomic<bool> m_finished{false};
    std::thread m_thread;
};

// The indexes in [first, first + count) whose full value in Redis is missing or is not exactly
// F(n) (fib::fibonacciDecimal); empty when every one was computed right.
std::vector<Index> wrongValues(redis::Connection &redis, Index first, Index count);

// Convenience: POST /api/values through nginx with a JSON body.
httplib::Result postIndex(httplib::Client &client, const std::string &body,
                          const std::string &prefix = "/api");

} // namespace fib::test
