// fib-bench-client: the HTTP side of scripts/bench, against the stack's nginx on 127.0.0.1.
//
//   post --port P --first A --last B [--index N]...   POST each index (one keep-alive connection)
//   wait --port P [--timeout S]                       until no value in /api/values/current
//                                                     (all pages) is still "Nothing yet!"
//   e2e  --port P --redis-port R --index N [--samples K] [--warmup W]
//        POST -> "event: computed" for N on GET /api/events, K times. Before each sample the
//        value is deleted from the Redis hashes `values` and `fib:brief`, so the POST queues a
//        new job. Prints one line of key=value pairs (milliseconds).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fib/index.hpp"
#include "fib/keys.hpp"
#include "admin_redis.hpp"
#include "fib/redis.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char *kHost = "127.0.0.1";

std::unique_ptr<httplib::Client> client(int port)
{
    auto cli = std::make_unique<httplib::Client>(kHost, port);
    cli->set_keep_alive(true);
    // Without it the request line and the body leave in two writes, and the body waits for the
    // server's delayed ACK (~40 ms).
    cli->set_tcp_nodelay(true);
    cli->set_connection_timeout(5, 0);
    cli->set_read_timeout(30, 0);
    cli->set_write_timeout(5, 0);
    return cli;
}

void postIndex(httplib::Client &cli, fib::Index index)
{
    const std::string body = "{\"index\":" + fib::indexText(index) + "}";
    const auto res = cli.Post("/api/values", body, "application/json");
    if (!res)
        throw std::runtime_error("POST /api/values failed: " + httplib::to_string(res.error()));
    if (res->status != 200)
        throw std::runtime_error("POST /api/values {\"index\":" + fib::indexText(index) + "} answered " +
                                 std::to_string(res->status) + ": " + res->body);
}

int cmdPost(int port, fib::Index first, fib::Index last, const std::vector<fib::Index> &extra)
{
    auto cli = client(port);
    std::size_t count = 0;
    for (fib::Index i = first; i <= last && last >= first; ++i, ++count)
        postIndex(*cli, i);
    for (const auto index : extra) {
        postIndex(*cli, index);
        ++count;
    }
    std::printf("posted %zu indexes\n", count);
    return 0;
}

int cmdWait(int port, int timeoutSeconds)
{
    auto cli = client(port);
    const auto deadline = Clock::now() + std::chrono::seconds(timeoutSeconds);
    for (;;) {
        std::size_t total = 0, pending = 0;
        std::optional<std::string> after;
        for (;;) {
            std::string path = "/api/values/current?limit=1000";
            if (after)
                path += "&after=" + *after;
            const auto res = cli->Get(path.c_str());
            if (!res || res->status != 200)
                throw std::runtime_error("GET " + path + " failed");
            const auto body = nlohmann::json::parse(res->body);
            std::string last;
            for (const auto &[key, value] : body.items()) {
                ++total;
                if (value.get<std::string>() == fib::keys::kPendingValue)
                    ++pending;
                last = key;
            }
            if (!res->has_header("Link") || last.empty())
                break;
            after = last;
        }
        if (pending == 0) {
            std::printf("all %zu values computed\n", total);
            return 0;
        }
        if (Clock::now() > deadline) {
            std::fprintf(stderr, "fib-bench-client: %zu of %zu values still pending after %d s\n", pending, total,
                         timeoutSeconds);
            return 1;
        }
        std::this_thread::sleep_for(50ms);
    }
}

// Reads GET /api/events on its own thread and timestamps "computed" events for one index.
class EventWatcher {
public:
    explicit EventWatcher(int port) : m_client(kHost, port)
    {
        m_client.set_read_timeout(60, 0);
        m_client.set_tcp_nodelay(true);
        m_thread = std::thread([this] { run(); });
    }
    ~EventWatcher()
    {
        m_stopping = true;
        m_client.stop();
        if (m_thread.joinable())
            m_thread.join();
    }

    void waitConnected(std::chrono::seconds timeout)
    {
        std::unique_lock lock(m_mutex);
        if (!m_cv.wait_for(lock, timeout, [this] { return m_connected || m_failed; }) || m_failed)
            throw std::runtime_error("GET /api/events did not start streaming: " + m_error);
    }

    // Arms the watcher for one index; the next matching event is recorded.
    void expect(fib::Index index)
    {
        const std::lock_guard lock(m_mutex);
        m_expected = index;
        m_seenAt.reset();
    }

    std::optional<Clock::time_point> waitSeen(std::chrono::seconds timeout)
    {
        std::unique_lock lock(m_mutex);
        m_cv.wait_for(lock, timeout, [this] { return m_seenAt.has_value() || m_failed; });
        if (m_failed)
            throw std::runtime_error("the event stream ended: " + m_error);
        return m_seenAt;
    }

private:
    void run()
    {
        const auto res = m_client.Get("/api/events", [this](const char *data, std::size_t length) {
            onData(data, length);
            return !m_stopping.load();
        });
        const std::lock_guard lock(m_mutex);
        if (!m_stopping) {
            m_failed = true;
            m_error = res ? "status " + std::to_string(res->status) : httplib::to_string(res.error());
        }
        m_cv.notify_all();
    }

    void onData(const char *data, std::size_t length)
    {
        const auto now = Clock::now();
        m_buffer.append(data, length);
        std::size_t end;
        while ((end = m_buffer.find("\n\n")) != std::string::npos) {
            const std::string block = m_buffer.substr(0, end);
            m_buffer.erase(0, end + 2);
            onEvent(block, now);
        }
        const std::lock_guard lock(m_mutex);
        if (!m_connected) {
            m_connected = true;
            m_cv.notify_all();
        }
    }

    void onEvent(const std::string &block, Clock::time_point at)
    {
        std::string event, payload;
        std::size_t start = 0;
        while (start < block.size()) {
            auto stop = block.find('\n', start);
            if (stop == std::string::npos)
                stop = block.size();
            const std::string line = block.substr(start, stop - start);
            if (line.rfind("event: ", 0) == 0)
                event = line.substr(7);
            else if (line.rfind("data: ", 0) == 0)
                payload = line.substr(6);
            start = stop + 1;
        }
        if (event != "computed")
            return;
        const auto json = nlohmann::json::parse(payload, nullptr, false);
        if (json.is_discarded() || !json.contains("index"))
            return;
        const auto index = json["index"].get<fib::Index>();
        const std::lock_guard lock(m_mutex);
        if (m_expected && *m_expected == index && !m_seenAt) {
            m_seenAt = at;
            m_cv.notify_all();
        }
    }

    httplib::Client m_client;
    std::thread m_thread;
    std::atomic<bool> m_stopping{false};
    std::string m_buffer; // touched by the reader thread only
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_connected = false;
    bool m_failed = false;
    std::string m_error;
    std::optional<fib::Index> m_expected;
    std::optional<Clock::time_point> m_seenAt;
};

// Nearest-rank percentile of sorted samples.
double percentile(const std::vector<double> &sorted, double p)
{
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1];
}

int cmdE2e(int port, int redisPort, fib::Index index, int samples, int warmup)
{
    const auto admin = adminRedis(redisPort, 5000ms);
    auto &redis = *admin;
    EventWatcher watcher(port);
    watcher.waitConnected(10s);
    auto cli = client(port);
    const std::string text = fib::indexText(index);

    std::vector<double> endToEnd, postRoundTrip;
    for (int i = 0; i < warmup + samples; ++i) {
        redis.pipeline({{"HDEL", fib::keys::kValuesHash, text}, {"HDEL", fib::keys::kBriefHash, text}});
        watcher.expect(index);
        const auto start = Clock::now();
        postIndex(*cli, index);
        const auto posted = Clock::now();
        const auto seen = watcher.waitSeen(30s);
        if (!seen)
            throw std::runtime_error("no 'computed' event for index " + text + " within 30 s");
        if (i >= warmup) {
            endToEnd.push_back(std::chrono::duration<double, std::milli>(*seen - start).count());
            postRoundTrip.push_back(std::chrono::duration<double, std::milli>(posted - start).count());
        }
        std::this_thread::sleep_for(5ms);
    }
    std::sort(endToEnd.begin(), endToEnd.end());
    std::sort(postRoundTrip.begin(), postRoundTrip.end());
    double sum = 0;
    for (const double v : endToEnd)
        sum += v;
    std::printf("index=%s samples=%zu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f min_ms=%.3f max_ms=%.3f mean_ms=%.3f "
                "post_p50_ms=%.3f\n",
                text.c_str(), endToEnd.size(), percentile(endToEnd, 50), percentile(endToEnd, 90),
                percentile(endToEnd, 99), endToEnd.front(), endToEnd.back(), sum / static_cast<double>(endToEnd.size()),
                percentile(postRoundTrip, 50));
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"fib-bench-client: HTTP load helpers and the end-to-end latency probe of scripts/bench"};
    app.require_subcommand(1);
    int port = 0, redisPort = 0, timeout = 120, samples = 100, warmup = 5;
    fib::Index first = 1, last = 0, index = 0;
    std::vector<fib::Index> extra;

    auto *post = app.add_subcommand("post", "POST indexes first..last (and each --index)");
    post->add_option("--port", port, "nginx port")->required();
    post->add_option("--first", first);
    post->add_option("--last", last);
    post->add_option("--index", extra);

    auto *wait = app.add_subcommand("wait", "wait until no submitted value is pending");
    wait->add_option("--port", port, "nginx port")->required();
    wait->add_option("--timeout", timeout, "seconds");

    auto *e2e = app.add_subcommand("e2e", "POST until the live event arrives, repeatedly");
    e2e->add_option("--port", port, "nginx port")->required();
    e2e->add_option("--redis-port", redisPort)->required();
    e2e->add_option("--index", index)->required();
    e2e->add_option("--samples", samples)->check(CLI::Range(1, 100000));
    e2e->add_option("--warmup", warmup)->check(CLI::Range(0, 1000));

    CLI11_PARSE(app, argc, argv);
    try {
        if (post->parsed())
            return cmdPost(port, first, last, extra);
        if (wait->parsed())
            return cmdWait(port, timeout);
        return cmdE2e(port, redisPort, index, samples, warmup);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "fib-bench-client: %s\n", e.what());
        return 1;
    }
}
