#include "stack.hpp"

#include <csignal>
#include <stdexcept>
#include <string_view>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>
#include <utility>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcessEnvironment>
#include <QTcpServer>
#include <QTextStream>
#include <QThread>

#include <pqxx/pqxx>

#include "fib/config.hpp"
#include "fib/fibonacci.hpp"
#include "fib/keys.hpp"

namespace fib::test {
namespace {

constexpr std::chrono::milliseconds kTimeout{5000};

// The NAME=VALUE lines of one of scripts/stack's files (quotes dropped; the last of a name
// wins), or nullopt if it cannot be read.
std::optional<QHash<QString, QString>> readSettings(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    QHash<QString, QString> settings;
    QTextStream in(&file);
    while (!in.atEnd()) {
        const QString line = in.readLine().trimmed();
        const auto eq = line.indexOf(QLatin1Char('='));
        if (eq > 0)
            settings.insert(line.left(eq),
                            line.mid(eq + 1).remove(QLatin1Char('"')).remove(QLatin1Char('\'')));
    }
    return settings;
}

std::string pgConninfo(int port, const std::string &database, const std::string &role)
{
    // The superuser's search path does not start at schema fib as the app's roles' does.
    return "host=127.0.0.1 port=" + std::to_string(port) + " user=" + role + " dbname=" + database +
           " connect_timeout=5" +
           (role == "postgres" ? " options='-c search_path=fib,public'" : "");
}

} // namespace

Stack::Stack()
{
    const QString dir = qEnvironmentVariable("FIB_TEST_STACK_DIR");
    m_dir = dir;
    const auto ports = dir.isEmpty()
                           ? std::nullopt
                           : readSettings(QDir(dir).filePath(QStringLiteral("ports.env")));
    if (!ports)
        throw std::runtime_error(
            "no test stack: FIB_TEST_STACK_DIR/ports.env is missing; run the tests with ctest");
    for (auto it = ports->begin(); it != ports->end(); ++it)
        m_ports.insert(it.key(), it.value().toInt());
    for (const char *key :
         {"FIB_HTTP_PORT", "FIB_API_PORT", "FIB_PG_PORT", "FIB_REDIS_PORT", "FIB_EVENTS_PORT"})
        if (m_ports.value(QLatin1String(key)) <= 0)
            throw std::runtime_error(std::string("ports.env lacks ") + key);
    // Redis's passwords, which scripts/stack made: the services' user and the tests' administrator.
    const auto secrets = readSettings(QDir(dir).filePath(QStringLiteral("redis.env")));
    if (!secrets)
        throw std::runtime_error("no redis.env in FIB_TEST_STACK_DIR");
    m_redisAppPassword = secrets->value(QStringLiteral("FIB_REDIS_APP_PASSWORD")).toStdString();
    m_redisAdminPassword = secrets->value(QStringLiteral("FIB_REDIS_ADMIN_PASSWORD")).toStdString();
    // What the stack encrypts: scripts/stack keeps FIB_STACK_TLS in stack.env.
    if (const auto stack = readSettings(QDir(dir).filePath(QStringLiteral("stack.env"))))
        m_tls = stack->value(QStringLiteral("FIB_STACK_TLS"));
}

std::unique_ptr<httplib::Client> Stack::nginx() const
{
    auto client = std::make_unique<httplib::Client>("127.0.0.1", httpPort());
    client->set_read_timeout(30, 0);
    return client;
}

std::unique_ptr<httplib::Client> Stack::api() const
{
    auto client = std::make_unique<httplib::Client>("127.0.0.1", apiPort());
    client->set_read_timeout(30, 0);
    return client;
}

std::unique_ptr<redis::Connection> Stack::redis() const
{
    Config config;
    config.redisPort = redisPort();
    config.redisUsername = kRedisAdminUser;
    config.redisPassword = m_redisAdminPassword;
    config.redisTls = redisTls();
    if (config.redisTls)
        config.redisTlsCa = tlsCa().toStdString();
    return std::make_unique<redis::Connection>(config, kTimeout);
}

std::string Stack::sql(const std::string &statement) const
{
    return sqlAs("postgres", statement);
}

std::string Stack::sqlAs(const std::string &role, const std::string &statement) const
{
    pqxx::connection connection(pgConninfo(pgPort(), m_database, role));
    // Outside a transaction block, so CREATE DATABASE works too.
    pqxx::nontransaction tx(connection);
    const auto result = tx.exec(statement);
    if (result.empty() || result.columns() == 0 || result[0][0].is_null())
        return {};
    return result[0][0].c_str();
}

long long Stack::workerStat(const char *name) const
{
    const auto reply = redis()->checked({"HGET", keys::kWorkerStatsHash, name});
    return redis::isNil(*reply) ? 0 : std::stoll(std::string(redis::text(*reply)));
}

bool Stack::reset() const
{
    // Changes behind the services' back: tell the servers' response caches, as an operator would,
    // and wait until the stack's fib-server has dropped its cached lists (its /metrics counts it).
    // A server whose change listener is not subscribed (Redis just restarted) drops them when it
    // subscribes again, which counts too. A server that is down has no cache to drop.
    const auto before = listCacheInvalidations();
    redis()->checked({"FLUSHALL"});
    sql("TRUNCATE \"values\"");
    redis()->checked({"PUBLISH", keys::kInvalidateChannel, "reset"});
    if (before < 0)
        return true;
    QElapsedTimer timer;
    timer.start();
    while (listCacheInvalidations() <= before) {
        if (timer.elapsed() > 30000) {
            qWarning("reset: the stack's fib-server did not drop its cached lists within 30 s");
            return false;
        }
        QThread::msleep(5);
    }
    return true;
}

long long metricOf(httplib::Client &server, const std::string &sample)
{
    const auto res = server.Get("/metrics");
    if (!res || res->status != 200)
        return -1;
    const std::string line = "\n" + sample + " ";
    const auto at = res->body.find(line);
    return at == std::string::npos ? -1 : std::stoll(res->body.substr(at + line.size()));
}

QProcessEnvironment cleanEnvironment()
{
    auto env = QProcessEnvironment::systemEnvironment();
    for (const auto &name : env.keys())
        if (name.startsWith(QLatin1String("FIB_")) || name.startsWith(QLatin1String("REDIS_")) ||
            name.startsWith(QLatin1String("PG")))
            env.remove(name);
    return env;
}

QHash<QString, QString> Stack::relayEnvironment() const
{
    return {{QStringLiteral("FIB_EVENTS_PUBLISH_URL"),
             QStringLiteral("http://127.0.0.1:%1/publish/computed").arg(eventsPort())}};
}

QProcessEnvironment Stack::environment() const
{
    auto env = cleanEnvironment();
    env.insert(QStringLiteral("REDIS_HOST"), QStringLiteral("127.0.0.1"));
    env.insert(QStringLiteral("REDIS_PORT"), QString::number(redisPort()));
    env.insert(QStringLiteral("REDIS_USERNAME"), QString::fromLatin1(kRedisAppUser));
    env.insert(QStringLiteral("REDIS_PASSWORD"), QString::fromStdString(m_redisAppPassword));
    env.insert(QStringLiteral("PGHOST"), QStringLiteral("127.0.0.1"));
    env.insert(QStringLiteral("PGPORT"), QString::number(pgPort()));
    env.insert(QStringLiteral("PGUSER"), QString::fromStdString(m_serviceRole));
    env.insert(QStringLiteral("PGDATABASE"), QString::fromStdString(m_database));
    if (redisTls()) {
        env.insert(QStringLiteral("REDIS_TLS"), QStringLiteral("1"));
        env.insert(QStringLiteral("REDIS_TLS_CA"), tlsCa());
    }
    if (postgresTls()) {
        env.insert(QStringLiteral("PGSSLMODE"), QStringLiteral("verify-full"));
        env.insert(QStringLiteral("PGSSLROOTCERT"), tlsCa());
    }
    return env;
}

namespace {

int runTool(const QString &program, const QStringList &arguments, const QProcessEnvironment &env,
            QString *output)
{
    QProcess process;
    process.setProcessEnvironment(env);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
    }
    *output = QString::fromUtf8(process.readAll());
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

} // namespace

int Stack::applyRoles(QString *output, const std::string &asRole) const
{
    return runTool(QStringLiteral("psql"),
                   {QStringLiteral("-X"), QStringLiteral("-q"), QStringLiteral("-h"),
                    QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(pgPort()),
                    QStringLiteral("-U"), QString::fromStdString(asRole), QStringLiteral("-d"),
                    QString::fromStdString(m_database), QStringLiteral("-f"),
                    QStringLiteral(FIB_SOURCE_DIR "/deploy/postgres/roles.sql")},
                   cleanEnvironment(), output);
}

int Stack::migrate(const std::string &role, QString *output) const
{
    auto env = environment();
    env.insert(QStringLiteral("PGUSER"), QString::fromStdString(role));
    return runTool(QStringLiteral(FIB_SERVER_BINARY), {QStringLiteral("--migrate")}, env, output);
}

int Stack::runWorker(const QStringList &arguments, QString *output) const
{
    return runTool(QStringLiteral(FIB_WORKER_BINARY), arguments, environment(), output);
}

namespace {

QProcessEnvironment stackScriptEnvironment()
{
    // Unset ports and settings mean "as the stack was started" (scripts/stack remembers them).
    auto env = cleanEnvironment();
    env.insert(QStringLiteral("FIB_STACK_DIR"), qEnvironmentVariable("FIB_TEST_STACK_DIR"));
    env.insert(QStringLiteral("FIB_BUILD_DIR"), QStringLiteral(FIB_BUILD_DIR));
    env.insert(QStringLiteral("FIB_WORKERS"), QStringLiteral("0"));
    return env;
}

QString runStackScript(const QString &command, int *exitCode)
{
    QProcess stack;
    stack.setProcessEnvironment(stackScriptEnvironment());
    stack.setProcessChannelMode(QProcess::MergedChannels);
    stack.start(QStringLiteral(FIB_SOURCE_DIR "/scripts/stack"), {command});
    if (!stack.waitForFinished(120000)) {
        stack.kill();
        stack.waitForFinished();
    }
    *exitCode = stack.exitStatus() == QProcess::NormalExit ? stack.exitCode() : -1;
    return QString::fromUtf8(stack.readAll());
}

bool gone(qint64 pid)
{
    // PID 1 may reap late: a zombie counts as gone.
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray text = stat.readAll();
    const auto close = text.lastIndexOf(')');
    return close >= 0 && text.size() > close + 2 && text.at(close + 2) == 'Z';
}

} // namespace

bool Stack::up() const
{
    int code = 0;
    const QString output = runStackScript(QStringLiteral("up"), &code);
    if (code != 0)
        qWarning().noquote() << "scripts/stack up failed:" << output;
    return code == 0;
}

qint64 Stack::pidOf(const QString &component) const
{
    int code = 0;
    const QString output = runStackScript(QStringLiteral("status"), &code);
    for (const auto &line : output.split(QLatin1Char('\n'))) {
        const auto fields = line.simplified().split(QLatin1Char(' '));
        if (fields.size() >= 3 && fields[0] == component && fields[1] == QLatin1String("running") &&
            fields[2].startsWith(QLatin1String("pid=")))
            return fields[2].mid(4).toLongLong();
    }
    return 0;
}

bool Stack::stopComponent(const QString &component, int signal) const
{
    const qint64 pid = pidOf(component);
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), signal) != 0)
        return false;
    QElapsedTimer timer;
    timer.start();
    while (!gone(pid) && timer.elapsed() < 30000)
        QThread::msleep(20);
    return gone(pid);
}

namespace {

// A child the test starts dies with the test, even when the test itself crashes or is killed
// by ctest's timeout before its destructors run.
void dieWithParent(QProcess &process)
{
    process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
}

} // namespace

Worker::Worker(const Stack &stack, const QString &name, const QHash<QString, QString> &extraEnv)
{
    dieWithParent(m_process);
    auto env = stack.environment();
    env.insert(QStringLiteral("FIB_WORKER_NAME"), name);
    for (auto it = extraEnv.begin(); it != extraEnv.end(); ++it)
        env.insert(it.key(), it.value());
    m_process.setProcessEnvironment(env);
    m_logPath = QDir::current().filePath(QStringLiteral("worker-%1.log").arg(name));
    QFile::remove(m_logPath);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.setStandardOutputFile(m_logPath);
    m_process.start(QStringLiteral(FIB_WORKER_BINARY), {});
    if (!m_process.waitForStarted(5000))
        throw std::runtime_error("cannot start fib-worker: " +
                                 m_process.errorString().toStdString());
}

Worker::~Worker()
{
    if (running()) {
        terminate(15000);
        if (running())
            kill();
    }
}

void Worker::kill()
{
    m_process.kill();
    m_process.waitForFinished(5000);
}

bool Worker::terminate(int timeoutMs)
{
    m_process.terminate();
    if (!m_process.waitForFinished(timeoutMs))
        return false;
    return m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
}

QString Worker::log() const
{
    QFile file(m_logPath);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

bool Worker::waitUntilConnected(int timeoutMs) const
{
    QElapsedTimer timer;
    timer.start();
    while (!log().contains(QLatin1String("\"msg\":\"connected\""))) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QThread::msleep(20);
    }
    return true;
}

int freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost))
        throw std::runtime_error("cannot find a free port");
    return probe.serverPort();
}

ServerProcess::ServerProcess(const Stack &stack, const QHash<QString, QString> &extraEnv)
    : m_port(freePort())
{
    auto env = stack.environment();
    env.insert(QStringLiteral("FIB_API_HOST"), QStringLiteral("127.0.0.1"));
    env.insert(QStringLiteral("FIB_API_PORT"), QString::number(m_port));
    for (auto it = extraEnv.begin(); it != extraEnv.end(); ++it)
        env.insert(it.key(), it.value());
    m_process.setProcessEnvironment(env);
    dieWithParent(m_process);
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.setStandardOutputFile(QProcess::nullDevice());
    m_process.start(QStringLiteral(FIB_SERVER_BINARY), {});
    if (!m_process.waitForStarted(5000))
        throw std::runtime_error("cannot start fib-server: " +
                                 m_process.errorString().toStdString());
}

ServerProcess::~ServerProcess()
{
    if (m_process.state() != QProcess::NotRunning && terminate() < 0) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

std::unique_ptr<httplib::Client> ServerProcess::client() const
{
    auto client = std::make_unique<httplib::Client>("127.0.0.1", m_port);
    client->set_read_timeout(30, 0);
    return client;
}

bool ServerProcess::waitUntilLive(int timeoutMs) const
{
    QElapsedTimer timer;
    timer.start();
    const auto probe = client();
    while (timer.elapsed() < timeoutMs) {
        if (const auto res = probe->Get("/healthz"); res && res->status == 200)
            return true;
        QThread::msleep(50);
    }
    return false;
}

int ServerProcess::terminate(int timeoutMs)
{
    m_process.terminate();
    if (!m_process.waitForFinished(timeoutMs))
        return -1;
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

NginxProcess::NginxProcess(const Stack &stack, int maxSubscribers)
    : m_httpPort(freePort()),
      m_eventsPort(freePort())
{
    if (!m_dir.isValid())
        throw std::runtime_error("no temporary directory for nginx");
    const QString dir = m_dir.path();
    QFile source(QStringLiteral(FIB_SOURCE_DIR "/deploy/nginx/fib.conf"));
    if (!source.open(QIODevice::ReadOnly))
        throw std::runtime_error("cannot read deploy/nginx/fib.conf");
    QString conf = QString::fromUtf8(source.readAll());
    conf.replace(QStringLiteral("@FIB_HTTP_PORT@"), QStringLiteral("127.0.0.1:%1").arg(m_httpPort))
        .replace(QStringLiteral("@FIB_API_UPSTREAM@"),
                 QStringLiteral("127.0.0.1:%1").arg(stack.apiPort()))
        .replace(QStringLiteral("@FIB_HTML_ROOT@"),
                 QStringLiteral(FIB_SOURCE_DIR "/deploy/nginx/html"))
        .replace(QStringLiteral("@FIB_SET_REAL_IP_FROM@"), QString())
        .replace(QStringLiteral("@FIB_EVENTS_LISTEN@"),
                 QStringLiteral("127.0.0.1:%1").arg(m_eventsPort))
        .replace(QStringLiteral("@FIB_MAX_SUBSCRIBERS@"), QString::number(maxSubscribers));
    QFile fib(dir + QStringLiteral("/fib.conf"));
    if (!fib.open(QIODevice::WriteOnly) || fib.write(conf.toUtf8()) < 0)
        throw std::runtime_error("cannot write fib.conf");
    fib.close();
    // The stack's main configuration, reduced to what a test needs (scripts/stack writes the
    // full one).
    const QString main =
        QStringLiteral(
            "load_module /usr/lib/nginx/modules/ngx_nchan_module.so;\n"
            "%1"
            "daemon off;\nworker_processes 2;\npid %2/nginx.pid;\nerror_log %2/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n  default_type application/octet-stream;\n  variables_hash_max_size 2048;\n  "
            "access_log off;\n"
            "  client_body_temp_path %2/body;\n  proxy_temp_path %2/proxy;\n"
            "  fastcgi_temp_path %2/fastcgi;\n  uwsgi_temp_path %2/uwsgi;\n"
            "  scgi_temp_path %2/scgi;\n  include %2/fib.conf;\n}\n")
            .arg(geteuid() == 0 ? QStringLiteral("user root;\n") : QString(), dir);
    QFile nginxConf(dir + QStringLiteral("/nginx.conf"));
    if (!nginxConf.open(QIODevice::WriteOnly) || nginxConf.write(main.toUtf8()) < 0)
        throw std::runtime_error("cannot write nginx.conf");
    nginxConf.close();
    dieWithParent(m_process);
    m_process.setProcessChannelMode(QProcess::ForwardedChannels);
    m_process.start(QStringLiteral("nginx"),
                    {QStringLiteral("-p"), dir + QLatin1Char('/'), QStringLiteral("-c"),
                     dir + QStringLiteral("/nginx.conf"), QStringLiteral("-e"),
                     dir + QStringLiteral("/error.log")});
    if (!m_process.waitForStarted(5000))
        throw std::runtime_error("cannot start nginx: " + m_process.errorString().toStdString());
}

NginxProcess::~NginxProcess()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    ::kill(static_cast<pid_t>(m_process.processId()), SIGQUIT); // graceful stop
    if (!m_process.waitForFinished(10000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

QHash<QString, QString> NginxProcess::relayEnvironment() const
{
    return {{QStringLiteral("FIB_EVENTS_PUBLISH_URL"),
             QStringLiteral("http://127.0.0.1:%1/publish/computed").arg(m_eventsPort)}};
}

bool NginxProcess::waitUntilLive(int timeoutMs) const
{
    httplib::Client client("127.0.0.1", m_httpPort);
    client.set_connection_timeout(1, 0);
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        if (m_process.state() != QProcess::Running)
            return false;
        const auto res = client.Get("/");
        if (res && res->status == 200)
            return true;
        QThread::msleep(100);
    }
    return false;
}

EventReader::EventReader(int port, std::string path, httplib::Headers headers)
    : m_client("127.0.0.1", port)
{
    m_client.set_read_timeout(60, 0);
    if (headers.find("Accept") == headers.end())
        headers.emplace("Accept", "text/event-stream");
    m_thread = std::thread([this, path = std::move(path), headers = std::move(headers)] {
        m_client.Get(
            path.c_str(), headers,
            [this](const httplib::Response &response) {
                const std::lock_guard lock(m_mutex);
                m_status = response.status;
                return true;
            },
            [this](const char *data, size_t length) {
                const std::lock_guard lock(m_mutex);
                m_opened = m_status == 200;
                for (auto &event : m_parser.feed(std::string_view(data, length)))
                    m_events.push_back(std::move(event));
                return true;
            });
        m_finished.store(true);
    });
}

EventReader::~EventReader()
{
    m_client.stop();
    m_thread.join();
}

std::vector<SseEvent> EventReader::events() const
{
    const std::lock_guard lock(m_mutex);
    return m_events;
}

bool EventReader::opened() const
{
    const std::lock_guard lock(m_mutex);
    return m_opened;
}

int EventReader::status() const
{
    const std::lock_guard lock(m_mutex);
    return m_status;
}

bool EventReader::finished() const
{
    return m_finished.load();
}

std::vector<Index> wrongValues(redis::Connection &redis, Index first, Index count)
{
    std::vector<std::string> texts;
    for (Index i = first; i < first + count; ++i)
        texts.push_back(indexText(i));
    redis::Args args{"HMGET", keys::kValuesHash};
    for (const auto &text : texts)
        args.emplace_back(text);
    const auto reply = redis.checked(args);
    std::vector<Index> wrong;
    for (Index i = 0; i < count; ++i) {
        const auto value = redis::optionalText(redis::element(*reply, i));
        if (!value || *value != fibonacciDecimal(first + i))
            wrong.push_back(first + i);
    }
    return wrong;
}

httplib::Result postIndex(httplib::Client &client, const std::string &body,
                          const std::string &prefix)
{
    return client.Post((prefix + "/values").c_str(), body, "application/json");
}

} // namespace fib::test
