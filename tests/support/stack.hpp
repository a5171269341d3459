#pragma once
// Test support for the integration suites: the throwaway stack that ctest's fixture started
// with `scripts/stack up` (real PostgreSQL, Redis, nginx and fib-server on free loopback
// ports, no worker), direct access to its Redis and PostgreSQL for checks, and fib-worker
// processes that a test starts, kills and stops itself.

#include <chrono>
#include <memory>
#include <string>

#include <QHash>
#include <QProcess>
#include <QString>

#include <httplib.h>

#include "fib/redis.hpp"

namespace fib::test {

class Stack {
public:
    // Reads the ports that scripts/stack saved in $FIB_TEST_STACK_DIR/ports.env.
    Stack();

    int httpPort() const { return m_ports.value("FIB_HTTP_PORT"); }
    int apiPort() const { return m_ports.value("FIB_API_PORT"); }
    int pgPort() const { return m_ports.value("FIB_PG_PORT"); }
    int redisPort() const { return m_ports.value("FIB_REDIS_PORT"); }

    // A client of nginx (the public face, paths start with /api) or of fib-server directly.
    std::unique_ptr<httplib::Client> nginx() const;
    std::unique_ptr<httplib::Client> api() const;

    std::unique_ptr<redis::Connection> redis() const;
    // Runs one SQL statement and returns the first column of the first row ("" if none).
    std::string sql(const std::string &statement) const;

    // Points sql() and environment() at another database of the same PostgreSQL.
    void setDatabase(const std::string &name) { m_database = name; }

    // Empties Redis and the values table, so each test starts from nothing.
    void reset() const;

    // The environment for a fib-worker or fib-server aimed at this stack.
    QProcessEnvironment environment() const;

private:
    QHash<QString, int> m_ports;
    std::string m_database = "postgres";
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
    void kill();                 // SIGKILL: a crash, nothing is cleaned up
    bool terminate(int timeoutMs = 15000); // SIGTERM and wait; true if it exited by itself with 0
    QString log() const;         // everything it printed

private:
    QProcess m_process;
    QString m_logPath;
};

// Convenience: POST /api/values through nginx with a JSON body.
httplib::Result postIndex(httplib::Client &client, const std::string &body, const std::string &prefix = "/api");

} // namespace fib::test
