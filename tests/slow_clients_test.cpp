// Slow and bodyless clients, with tools nobody here wrote (Debian's slowhttptest): slowloris,
// slow body and slow read, 1,000 connections each against nginx; waves of 200 POSTs without a
// body; 200 slowloris connections straight to fib-server. During each attack a normal client
// polls GET /api/values/current through nginx: at least 99% of its requests must be answered,
// with a p99 under kStarvedMs, and everything is normal once the attack has ended. Loopback only;
// each attack lasts kAttackSeconds.
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "fib/server/http_server.hpp"
#include "stack.hpp"

namespace {

constexpr int kAttackSeconds = 12;
// A normal client that waits this long was starved by the attack, not slowed by a busy machine:
// idle, its p99 is 20-50 ms; on a CI machine running a parallel build beside the tests it reached
// 0.8 s under the slow-read attack. Latency is measured (each attack logs it), not asserted here.
constexpr double kStarvedMs = 2000.0;

// A normal client on a thread of its own: GET /api/values/current through nginx every 20 ms.
class Poller {
public:
    explicit Poller(int httpPort) : m_port(httpPort)
    {
        m_thread = std::thread([this] {
            httplib::Client client("127.0.0.1", m_port);
            client.set_connection_timeout(5, 0);
            client.set_read_timeout(5, 0);
            while (!m_stop.load()) {
                const auto start = std::chrono::steady_clock::now();
                const auto res = client.Get("/api/values/current");
                const double ms = std::chrono::duration<double, std::milli>(
                                      std::chrono::steady_clock::now() - start)
                                      .count();
                {
                    const std::lock_guard lock(m_mutex);
                    ++m_sent;
                    if (res && res->status == 200) {
                        ++m_answered;
                        m_latencies.push_back(ms);
                    }
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        });
    }
    ~Poller() { stop(); }
    void stop()
    {
        m_stop.store(true);
        if (m_thread.joinable())
            m_thread.join();
    }
    int sent() const { return m_sent; }
    int answered() const { return m_answered; }
    double p99() const
    {
        if (m_latencies.empty())
            return 1e9;
        auto sorted = m_latencies;
        std::sort(sorted.begin(), sorted.end());
        return sorted[std::min(sorted.size() - 1, sorted.size() * 99 / 100)];
    }
    double max() const
    {
        return m_latencies.empty() ? 1e9
                                   : *std::max_element(m_latencies.begin(), m_latencies.end());
    }

private:
    int m_port;
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    int m_sent = 0;
    int m_answered = 0;
    std::vector<double> m_latencies;
    std::thread m_thread;
};

// slowhttptest's statistics (-g -o): per second, connections closed, pending, connected, and
// whether its probe was answered. Returns the most connected at once and the last line.
std::pair<int, QString> attackFigures(const QString &csvPath)
{
    QFile csv(csvPath);
    if (!csv.open(QIODevice::ReadOnly))
        return {0, QStringLiteral("no statistics")};
    int most = 0;
    QString last;
    for (const auto &line :
         QString::fromUtf8(csv.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const auto fields = line.split(QLatin1Char(','));
        if (fields.size() < 5 || !fields[0].at(0).isDigit())
            continue;
        most = std::max(most, fields[3].toInt());
        last = QStringLiteral("after %1 s: %2 closed, %3 pending, %4 connected")
                   .arg(fields[0], fields[1], fields[2], fields[3]);
    }
    return {most, last};
}

} // namespace

class SlowClientsTest : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<fib::test::Stack> m_stack;

    QString nginx(const char *path) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2")
            .arg(m_stack->httpPort())
            .arg(QLatin1String(path));
    }

    // Runs slowhttptest with `arguments` while the poller measures; checks the poller's figures:
    // at least 99% answered, and p99 under `p99Bound` ms.
    void attack(const QString &name, const QStringList &arguments, int expectConnections,
                double p99Bound = kStarvedMs)
    {
        QTemporaryDir statistics;
        const QString prefix = statistics.filePath(QStringLiteral("attack"));
        Poller poller(m_stack->httpPort());
        QProcess tool;
        tool.setProcessChannelMode(QProcess::MergedChannels);
        tool.start(QStringLiteral("slowhttptest"),
                   arguments + QStringList{QStringLiteral("-l"), QString::number(kAttackSeconds),
                                           QStringLiteral("-p"), QStringLiteral("3"),
                                           QStringLiteral("-g"), QStringLiteral("-o"), prefix});
        QVERIFY2(tool.waitForStarted(5000),
                 "slowhttptest is missing (scripts/lib/deps.sh installs it)");
        if (!tool.waitForFinished((kAttackSeconds + 60) * 1000)) {
            tool.kill();
            tool.waitForFinished(5000);
        }
        poller.stop();
        const QString output = QString::fromUtf8(tool.readAll());
        const auto [most, last] = attackFigures(prefix + QStringLiteral(".csv"));
        report(name, poller, QStringLiteral("most connected at once %1; %2").arg(most).arg(last),
               p99Bound);
        QVERIFY2(most >= expectConnections, qPrintable(output.right(2000)));
        checkNormalAfter();
    }

    void report(const QString &name, const Poller &poller, const QString &attackSide,
                double p99Bound = kStarvedMs)
    {
        qInfo(
            "%s: normal client sent %d, answered %d (%.1f%%), p99 %.1f ms, max %.1f ms; attack: %s",
            qPrintable(name), poller.sent(), poller.answered(),
            100.0 * poller.answered() / std::max(1, poller.sent()), poller.p99(), poller.max(),
            qPrintable(attackSide));
        QVERIFY(poller.sent() > 50);
        QVERIFY2(poller.answered() * 100 >= poller.sent() * 99, qPrintable(name));
        QVERIFY2(poller.p99() < p99Bound, qPrintable(name));
    }

    void checkNormalAfter()
    {
        // nginx had the connections it needed (1,024, its old size, were not enough).
        QFile errors(qEnvironmentVariable("FIB_TEST_STACK_DIR") +
                     QStringLiteral("/logs/nginx-error.log"));
        if (errors.open(QIODevice::ReadOnly))
            QVERIFY(!errors.readAll().contains("worker_connections are not enough"));
        auto client = m_stack->nginx();
        QTRY_VERIFY_WITH_TIMEOUT(
            client->Get("/api/readyz") && client->Get("/api/readyz")->status == 200, 15000);
        QCOMPARE(client->Get("/api/values/current")->status, 200);
        QCOMPARE(fib::test::postIndex(*client, R"({"index": 12})")->status, 200);
        QCOMPARE(m_stack->api()->Get("/healthz")->status, 200);
    }

private slots:
    void initTestCase()
    {
        m_stack = std::make_unique<fib::test::Stack>();
        QVERIFY(m_stack->reset());
        // 1,000 connections need more than the usual 1,024 descriptors in slowhttptest.
        rlimit limit{};
        ::getrlimit(RLIMIT_NOFILE, &limit);
        limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 65536);
        ::setrlimit(RLIMIT_NOFILE, &limit);
        QVERIFY(limit.rlim_cur >= 4096);
    }

    void slowlorisAgainstNginx()
    {
        attack(QStringLiteral("slowloris, 1000 connections to nginx"),
               {QStringLiteral("-H"), QStringLiteral("-c"), QStringLiteral("1000"),
                QStringLiteral("-r"), QStringLiteral("500"), QStringLiteral("-i"),
                QStringLiteral("3"), QStringLiteral("-x"), QStringLiteral("24"),
                QStringLiteral("-u"), nginx("/api/values/current")},
               900);
    }

    void slowBodyAgainstNginx()
    {
        attack(QStringLiteral("slow body, 1000 connections to nginx"),
               {QStringLiteral("-B"), QStringLiteral("-c"), QStringLiteral("1000"),
                QStringLiteral("-r"), QStringLiteral("500"), QStringLiteral("-i"),
                QStringLiteral("3"), QStringLiteral("-s"), QStringLiteral("4000"),
                QStringLiteral("-x"), QStringLiteral("24"), QStringLiteral("-t"),
                QStringLiteral("POST"), QStringLiteral("-f"), QStringLiteral("application/json"),
                QStringLiteral("-u"), nginx("/api/values")},
               900);
    }

    void slowReadAgainstNginx()
    {
        attack(QStringLiteral("slow read, 1000 connections to nginx"),
               {QStringLiteral("-X"), QStringLiteral("-c"), QStringLiteral("1000"),
                QStringLiteral("-r"), QStringLiteral("500"), QStringLiteral("-w"),
                QStringLiteral("10"), QStringLiteral("-y"), QStringLiteral("20"),
                QStringLiteral("-n"), QStringLiteral("3"), QStringLiteral("-z"),
                QStringLiteral("32"), QStringLiteral("-k"), QStringLiteral("3"),
                QStringLiteral("-u"), nginx("/api/openapi.json")},
               900);
    }

    void slowlorisStraightToTheServer()
    {
        attack(QStringLiteral("slowloris, 200 connections straight to fib-server"),
               {QStringLiteral("-H"), QStringLiteral("-c"), QStringLiteral("200"),
                QStringLiteral("-r"), QStringLiteral("200"), QStringLiteral("-i"),
                QStringLiteral("2"), QStringLiteral("-x"), QStringLiteral("24"),
                QStringLiteral("-u"),
                QStringLiteral("http://127.0.0.1:%1/values/current").arg(m_stack->apiPort())},
               150,
               // Here the attack holds fib-server's own threads: a normal request waits for one
               // until the read deadline cuts a slow connection (kRequestReadLimit, 2 s, checked
               // every 100 ms). Runs here measured p99 from 27 ms to 1.8 s; the bound is what the
               // deadline promises, with room for a busy machine.
               2.5 * static_cast<double>(fib::server::kRequestReadLimit.count()));
    }

    void wavesOfPostsWithoutBody()
    {
        // Three waves of 200 `curl -X POST -H 'Content-Type: application/json'` without a body,
        // each connection kept open as curl keeps it, through nginx.
        const std::string rowsBefore = m_stack->sql("SELECT count(*) FROM \"values\"");
        Poller poller(m_stack->httpPort());
        int answered = 0, sent = 0;
        for (int wave = 0; wave < 3; ++wave) {
            std::vector<int> sockets;
            for (int i = 0; i < 200; ++i) {
                const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
                sockaddr_in address{};
                address.sin_family = AF_INET;
                address.sin_port = htons(static_cast<uint16_t>(m_stack->httpPort()));
                address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                timeval timeout{10, 0};
                ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
                const std::string request =
                    "POST /api/values HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/7.88.1\r\n"
                    "Accept: */*\r\nContent-Type: application/json\r\n\r\n";
                if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
                    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
                        static_cast<ssize_t>(request.size()))
                    ++sent;
                sockets.push_back(fd);
            }
            for (const int fd : sockets) {
                char head[16] = {};
                if (::recv(fd, head, sizeof head - 1, MSG_WAITALL) >= 12 &&
                    std::string(head).rfind("HTTP/1.1 411", 0) == 0)
                    ++answered;
            }
            std::this_thread::sleep_for(std::chrono::seconds(2));
            for (const int fd : sockets)
                ::close(fd);
        }
        poller.stop();
        report(QStringLiteral("3 waves of 200 POSTs without a body, through nginx"), poller,
               QStringLiteral("%1 sent, %2 answered 411").arg(sent).arg(answered));
        QCOMPARE(answered, sent);
        QCOMPARE(m_stack->sql("SELECT count(*) FROM \"values\""), rowsBefore);
        checkNormalAfter();
    }
};

QTEST_GUILESS_MAIN(SlowClientsTest)
#include "slow_clients_test.moc"
