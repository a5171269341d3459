// fib-bench-fanout: the live-event fan-out load client of scripts/bench. One thread holds many
// GET /api/events subscribers on nginx at once (epoll, loopback only), then has values computed
// and times their delivery to every subscriber.
//
//   fib-bench-fanout --port HTTP_PORT --subscribers N [--values V] [--interval-ms T]
//                    --first-index I --worker-log FILE
//
// 1. Opens N subscribers, at most 200 connecting at a time, and waits until each stream is open.
//    Prints `connected=N seconds=S`. A subscriber that nginx refuses, or whose stream closes
//    before it opens, fails the run (exit 1).
// 2. Waits for a line `go` on standard input, the streams served meanwhile (the caller measures
//    nginx and fib-server then).
// 3. POSTs the indexes I .. I+V-1 (new values; V = 100 by default) through nginx from a second
//    thread, one every T ms (200 by default) on a fixed schedule, and waits until every
//    subscriber has every value's event, or 60 s after the last POST.
// 4. Prints `delivered=D expected=E complete=C lost_streams=L p50_ms=.. p99_ms=.. max_ms=..
//    post_s=.. client_cpu_s=..`: events received, subscribers x values, subscribers that got every
//    value, streams that closed, the latency from each value's commit to its receipt by each
//    subscriber, the time the POSTs took and this client's own CPU time from the first POST to the
//    last receipt. The commit time is the worker's "computed" log line (written after its commit,
//    millisecond resolution), read from FILE; the receipt time is taken when epoll reports the
//    bytes.
// 5. Holds the subscribers until standard input ends, then exits.
//
// The soft open-files limit is raised to the hard one (each subscriber is a descriptor). The
// request of a subscriber is one GET written out; of the answer only the status line and the
// framing are looked at (nginx's Nchan answers 200 with a close-delimited event stream), and the
// stream goes through fib::SseParser.
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api_client.hpp"
#include "fib/index.hpp"
#include "fib/models.hpp"
#include "fib/sse.hpp"

namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr int kConnectAtOnce = 200;
constexpr auto kConnectTimeout = 60s;
constexpr auto kDeliveryTimeout = 60s; // after the last POST

[[noreturn]] void fail(const std::string &what)
{
    throw std::runtime_error(what);
}

[[noreturn]] void failErrno(const std::string &what)
{
    throw std::system_error(errno, std::generic_category(), what);
}

double wallSeconds()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// CPU time of this process so far (both threads), in seconds.
double cpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval &t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Subscriber {
    std::uint64_t slot = 0; // its place in FanOut::m_subs, the epoll data
    int fd = -1;
    bool connecting = true; // the TCP connection is not established yet
    bool open = false;      // the 200 head has arrived
    bool closed = false;
    std::string head; // the answer's head, until it is complete
    fib::SseParser parser;
    int received = 0; // events of the measured values
};

class FanOut {
public:
    FanOut(int port, int subscribers, int values, fib::Index firstIndex,
           std::chrono::milliseconds interval)
        : m_port(port),
          m_count(subscribers),
          m_values(values),
          m_first(firstIndex),
          m_interval(interval),
          m_received(static_cast<std::size_t>(values)),
          m_request("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n")
    {
        m_epoll = epoll_create1(EPOLL_CLOEXEC);
        if (m_epoll < 0)
            failErrno("epoll_create1");
        // Standard input is watched too ("go", then its end); a file or /dev/null cannot be
        // (epoll refuses them) and counts as ended.
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = kStdin;
        m_stdinOpen = epoll_ctl(m_epoll, EPOLL_CTL_ADD, STDIN_FILENO, &ev) == 0;
    }

    ~FanOut()
    {
        for (const auto &s : m_subs)
            if (s->fd >= 0)
                ::close(s->fd);
        ::close(m_epoll);
    }

    FanOut(const FanOut &) = delete;
    FanOut &operator=(const FanOut &) = delete;

    // Step 1: every subscriber connected and its stream open.
    void connectAll()
    {
        const auto deadline = SteadyClock::now() + kConnectTimeout;
        while (m_opened < m_count) {
            while (static_cast<int>(m_subs.size()) < m_count &&
                   static_cast<int>(m_subs.size()) - m_opened < kConnectAtOnce)
                startOne();
            if (SteadyClock::now() > deadline)
                fail(std::to_string(m_opened) + " of " + std::to_string(m_count) +
                     " streams open after " + std::to_string(kConnectTimeout.count()) + " s");
            poll(100);
        }
    }

    // Step 2: serves the streams until standard input gives a line; true if it is "go".
    bool waitForGo()
    {
        while (m_stdinOpen && m_line.find('\n') == std::string::npos)
            poll(1000);
        return m_line.substr(0, m_line.find('\n')) == "go";
    }

    // Step 3 and 4.
    std::string measure(const std::string &workerLog)
    {
        const double cpuAtStart = cpuSeconds();
        std::atomic<bool> posted{false};
        std::string postError;
        double postSeconds = 0;
        std::thread poster([&] {
            try {
                const auto started = SteadyClock::now();
                const auto cli = apiClient(m_port);
                for (int i = 0; i < m_values; ++i) {
                    // On a fixed schedule: a slow answer does not slow the pace down.
                    std::this_thread::sleep_until(started + i * m_interval);
                    postIndex(*cli, m_first + static_cast<fib::Index>(i));
                }
                postSeconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
            } catch (const std::exception &e) {
                postError = e.what();
            }
            posted = true;
        });
        std::optional<SteadyClock::time_point> deadline;
        while (m_complete < m_opened) {
            if (!deadline && posted)
                deadline = SteadyClock::now() + kDeliveryTimeout;
            if (deadline && SteadyClock::now() > *deadline)
                break;
            poll(100);
        }
        const double clientCpu = cpuSeconds() - cpuAtStart;
        poster.join();
        if (!postError.empty())
            fail(postError);

        const auto commits = commitTimes(workerLog);
        std::vector<double> latencies;
        for (int i = 0; i < m_values; ++i) {
            const auto found = commits.find(m_first + static_cast<fib::Index>(i));
            if (found == commits.end())
                fail("no 'computed' line in the worker's log for index " +
                     fib::indexText(m_first + static_cast<fib::Index>(i)));
            for (const double at : m_received[static_cast<std::size_t>(i)])
                latencies.push_back((at - found->second) * 1000.0);
        }
        if (latencies.empty())
            fail("no event was delivered");
        std::sort(latencies.begin(), latencies.end());
        const auto rank = [&](double p) {
            const auto r = static_cast<std::size_t>(
                std::ceil(p / 100.0 * static_cast<double>(latencies.size())));
            return latencies[std::clamp<std::size_t>(r, 1, latencies.size()) - 1];
        };
        char line[256];
        std::snprintf(line, sizeof line,
                      "delivered=%zu expected=%lld complete=%d lost_streams=%d p50_ms=%.2f "
                      "p99_ms=%.2f max_ms=%.2f post_s=%.2f client_cpu_s=%.2f",
                      latencies.size(), static_cast<long long>(m_opened) * m_values, m_complete,
                      m_lost, rank(50), rank(99), latencies.back(), postSeconds, clientCpu);
        return line;
    }

    // Step 5.
    void holdUntilStdinEnds()
    {
        while (m_stdinOpen)
            poll(1000);
    }

    int opened() const { return m_opened; }

private:
    static constexpr std::uint64_t kStdin = ~std::uint64_t{0};

    void startOne()
    {
        auto sub = std::make_unique<Subscriber>();
        sub->slot = m_subs.size();
        sub->fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (sub->fd < 0)
            failErrno("socket (subscriber " + std::to_string(m_subs.size() + 1) + ")");
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(m_port));
        inet_pton(AF_INET, kBenchHost, &addr.sin_addr);
        if (::connect(sub->fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0 &&
            errno != EINPROGRESS)
            failErrno("connect");
        epoll_event ev{};
        ev.events = EPOLLOUT;
        ev.data.u64 = sub->slot;
        if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, sub->fd, &ev) != 0)
            failErrno("epoll_ctl");
        m_subs.push_back(std::move(sub));
    }

    void poll(int timeoutMs)
    {
        std::array<epoll_event, 512> events{};
        const int n =
            epoll_wait(m_epoll, events.data(), static_cast<int>(events.size()), timeoutMs);
        if (n < 0 && errno != EINTR)
            failErrno("epoll_wait");
        const double now = wallSeconds();
        for (int i = 0; i < n; ++i) {
            if (events[static_cast<std::size_t>(i)].data.u64 == kStdin)
                readStdin();
            else
                serve(*m_subs[events[static_cast<std::size_t>(i)].data.u64], now);
        }
    }

    void readStdin()
    {
        char buf[256];
        const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n > 0) {
            m_line.append(buf, static_cast<std::size_t>(n));
            return;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, STDIN_FILENO, nullptr);
        m_stdinOpen = false;
    }

    void serve(Subscriber &sub, double now)
    {
        if (sub.closed)
            return;
        if (sub.connecting) {
            int error = 0;
            socklen_t length = sizeof error;
            getsockopt(sub.fd, SOL_SOCKET, SO_ERROR, &error, &length);
            if (error != 0)
                fail(std::string("connecting a subscriber: ") + std::strerror(error));
            if (::send(sub.fd, m_request.data(), m_request.size(), MSG_NOSIGNAL) !=
                static_cast<ssize_t>(m_request.size()))
                failErrno("sending a subscriber's request");
            sub.connecting = false;
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLRDHUP;
            ev.data.u64 = sub.slot;
            if (epoll_ctl(m_epoll, EPOLL_CTL_MOD, sub.fd, &ev) != 0)
                failErrno("epoll_ctl");
            return;
        }
        std::array<char, 65536> buf;
        for (;;) {
            const ssize_t n = ::read(sub.fd, buf.data(), buf.size());
            if (n > 0) {
                receive(sub, std::string_view(buf.data(), static_cast<std::size_t>(n)), now);
                if (static_cast<std::size_t>(n) < buf.size())
                    return;
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
            closeStream(sub);
            return;
        }
    }

    void receive(Subscriber &sub, std::string_view data, double now)
    {
        if (!sub.open) {
            sub.head.append(data);
            const auto end = sub.head.find("\r\n\r\n");
            if (end == std::string::npos) {
                if (sub.head.size() > 16384)
                    fail("GET /api/events: an answer head over 16 KB");
                return;
            }
            const std::string head = sub.head.substr(0, end);
            std::string lower = head;
            std::transform(lower.begin(), lower.end(), lower.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            if (head.rfind("HTTP/1.1 200 ", 0) != 0 ||
                lower.find("transfer-encoding: chunked") != std::string::npos)
                fail("GET /api/events answered: " + head.substr(0, head.find("\r\n")));
            sub.open = true;
            ++m_opened;
            const std::string rest = sub.head.substr(end + 4);
            sub.head.clear();
            sub.head.shrink_to_fit();
            if (!rest.empty())
                receive(sub, rest, now);
            return;
        }
        for (const fib::SseEvent &event : sub.parser.feed(data)) {
            if (event.type != "computed")
                continue;
            const fib::Index index = indexOf(event.data);
            if (index < m_first || index >= m_first + static_cast<fib::Index>(m_values))
                continue;
            m_received[static_cast<std::size_t>(index - m_first)].push_back(now);
            if (++sub.received == m_values)
                ++m_complete;
        }
    }

    // The index an event's data names. Every subscriber gets the same bytes, so each distinct
    // payload is parsed once: the client's own time per event stays small beside nginx's.
    fib::Index indexOf(const std::string &data)
    {
        const auto known = m_payloads.find(data);
        if (known != m_payloads.end())
            return known->second;
        const auto json = nlohmann::json::parse(data, nullptr, false);
        if (json.is_discarded())
            fail("an event whose data is not JSON: " + data);
        const auto index = json.get<fib::ComputedEvent>().index;
        m_payloads.emplace(data, index);
        return index;
    }

    void closeStream(Subscriber &sub)
    {
        if (!sub.open)
            fail("a subscriber's stream closed before it opened" +
                 (sub.head.empty() ? std::string()
                                   : ": " + sub.head.substr(0, sub.head.find("\r\n"))));
        sub.closed = true;
        ++m_lost;
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, sub.fd, nullptr);
        ::close(sub.fd);
        sub.fd = -1;
    }

    // The worker's "computed" log lines: index -> the time (seconds since the epoch) of the first.
    std::unordered_map<fib::Index, double> commitTimes(const std::string &path) const
    {
        std::ifstream log(path);
        if (!log)
            fail("cannot read the worker's log " + path);
        std::unordered_map<fib::Index, double> found;
        std::string line;
        while (std::getline(log, line)) {
            if (line.find("\"computed\"") == std::string::npos)
                continue;
            const auto entry = nlohmann::json::parse(line, nullptr, false);
            if (entry.is_discarded() || entry.value("msg", "") != "computed" ||
                !entry.contains("index") || !entry.contains("ts"))
                continue;
            const auto index = entry["index"].get<fib::Index>();
            if (index < m_first || index >= m_first + static_cast<fib::Index>(m_values))
                continue;
            found.emplace(index, parseStamp(entry["ts"].get<std::string>()));
        }
        return found;
    }

    // "2026-12-03T12:58:23.783Z" -> seconds since the epoch.
    static double parseStamp(const std::string &stamp)
    {
        std::tm tm{};
        int millis = 0;
        if (std::sscanf(stamp.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon,
                        &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis) != 7)
            fail("a log time stamp not in the form 2026-12-03T12:58:23.783Z: " + stamp);
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        return static_cast<double>(timegm(&tm)) + millis / 1000.0;
    }

    int m_port;
    int m_count;
    int m_values;
    fib::Index m_first;
    std::chrono::milliseconds m_interval;        // between two POSTs
    std::vector<std::vector<double>> m_received; // per value: when each subscriber got it
    std::string m_request;
    int m_epoll = -1;
    bool m_stdinOpen = false;
    std::string m_line;
    std::vector<std::unique_ptr<Subscriber>> m_subs;
    std::unordered_map<std::string, fib::Index> m_payloads;
    int m_opened = 0;
    int m_complete = 0;
    int m_lost = 0;
};

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"fib-bench-fanout: holds many live-event subscribers on nginx and times the "
                 "delivery of new values to all of them"};
    int port = 0, subscribers = 0, values = 100, intervalMs = 200;
    fib::Index firstIndex = 0;
    std::string workerLog;
    app.add_option("--port", port, "nginx's port")->required()->check(CLI::Range(1, 65535));
    app.add_option("--subscribers", subscribers)->required()->check(CLI::Range(1, 1000000));
    app.add_option("--values", values)->check(CLI::Range(1, 100000));
    app.add_option("--interval-ms", intervalMs, "from one POST to the next")
        ->check(CLI::Range(0, 60000));
    app.add_option("--first-index", firstIndex, "the first new index to POST")->required();
    app.add_option("--worker-log", workerLog, "the relay worker's log (its 'computed' lines)")
        ->required();
    CLI11_PARSE(app, argc, argv);
    try {
        rlimit limit{};
        if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
            failErrno("getrlimit");
        if (limit.rlim_max != RLIM_INFINITY &&
            static_cast<rlim_t>(subscribers) + 100 > limit.rlim_max)
            fail(std::to_string(subscribers) +
                 " subscribers need more descriptors than the hard limit " +
                 std::to_string(limit.rlim_max) + " (ulimit -Hn)");
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
            failErrno("setrlimit");

        FanOut fan(port, subscribers, values, firstIndex, std::chrono::milliseconds(intervalMs));
        const auto started = SteadyClock::now();
        fan.connectAll();
        std::printf("connected=%d seconds=%.2f\n", fan.opened(),
                    std::chrono::duration<double>(SteadyClock::now() - started).count());
        std::fflush(stdout);
        if (!fan.waitForGo())
            return 0;
        std::printf("%s\n", fan.measure(workerLog).c_str());
        std::fflush(stdout);
        fan.holdUntilStdinEnds();
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "fib-bench-fanout: %s\n", e.what());
        return 1;
    }
}
