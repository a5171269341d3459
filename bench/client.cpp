// fib-bench-client: the HTTP side of scripts/bench, against the stack's nginx on 127.0.0.1.
//
//   post --port P --first A --last B [--index N]...   POST each index (one keep-alive connection)
//   wait --port P [--timeout S]                       until no value in /api/values/current
//                                                     (all pages) is still "Nothing yet!"
//   e2e  --port P --redis-port R --index N [--samples K] [--warmup W]
//        POST -> "event: computed" for N on GET /api/events, K times. Before each sample the
//        value is deleted from the Redis hashes `values` and `fib:brief`, so the POST queues a
//        new job. Prints one line of key=value pairs (milliseconds).
//   sustain --port P --redis-port R --first F [--seconds S] [--connections C] [--max-backlog B]
//        POSTs new indexes F, F+1, ... through nginx for S seconds from C keep-alive connections
//        (default 64), paced: the rate rises while the backlog (jobs accepted but not computed
//        yet, from the `computed` field of fib:stats) stays under B/4 and the requests keep up
//        with the pace, and falls when the backlog passes B, so it settles at what the workers
//        (or the API, whichever is slower) keep up with; api_bound and worker_bound are the
//        shares of the 100 ms ticks where each was the limit. Then waits until the backlog drains
//        and checks that every accepted index has its value in Redis. Prints one line of
//        key=value pairs.
//   storage --port P --redis-port R --first A --last B [--count N] [--samples K] [--timeout S]
//        POSTs N distinct indexes spread over A..B, waits until all are computed while sampling
//        Redis's used_memory every 10 ms, times GET /api/values/{n} for K values still cached and
//        K dropped from the value cache, then checks all N values against fib::fibonacciDecimal
//        (exit 3 if any is wrong). Prints one line of key=value pairs (bytes, milliseconds).
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
#include <string_view>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "admin_redis.hpp"
#include "api_client.hpp"
#include "fib/fibonacci.hpp"
#include "fib/index.hpp"
#include "fib/jobs.hpp"
#include "fib/keys.hpp"
#include "fib/redis.hpp"
#include "fib/sse.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

int cmdPost(int port, fib::Index first, fib::Index last, const std::vector<fib::Index> &extra)
{
    auto cli = apiClient(port);
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
    auto cli = apiClient(port);
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
            std::fprintf(stderr, "fib-bench-client: %zu of %zu values still pending after %d s\n",
                         pending, total, timeoutSeconds);
            return 1;
        }
        std::this_thread::sleep_for(50ms);
    }
}

// Reads GET /api/events on its own thread and timestamps "computed" events for one index.
class EventWatcher {
public:
    explicit EventWatcher(int port) : m_client(kBenchHost, port)
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
        const auto res = m_client.Get("/api/events", {{"Accept", "text/event-stream"}},
                                      [this](const char *data, std::size_t length) {
                                          onData(data, length);
                                          return !m_stopping.load();
                                      });
        const std::lock_guard lock(m_mutex);
        if (!m_stopping) {
            m_failed = true;
            m_error =
                res ? "status " + std::to_string(res->status) : httplib::to_string(res.error());
        }
        m_cv.notify_all();
    }

    void onData(const char *data, std::size_t length)
    {
        const auto now = Clock::now();
        for (const fib::SseEvent &event : m_parser.feed(std::string_view(data, length)))
            onEvent(event, now);
        const std::lock_guard lock(m_mutex);
        if (!m_connected) {
            m_connected = true;
            m_cv.notify_all();
        }
    }

    void onEvent(const fib::SseEvent &event, Clock::time_point at)
    {
        if (event.type != "computed")
            return;
        const auto json = nlohmann::json::parse(event.data, nullptr, false);
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
    fib::SseParser m_parser; // touched by the reader thread only
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
    const auto rank =
        static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1];
}

int cmdE2e(int port, int redisPort, fib::Index index, int samples, int warmup)
{
    const auto admin = adminRedis(redisPort, 5000ms);
    auto &redis = *admin;
    EventWatcher watcher(port);
    watcher.waitConnected(10s);
    auto cli = apiClient(port);
    const std::string text = fib::indexText(index);

    std::vector<double> endToEnd, postRoundTrip;
    for (int i = 0; i < warmup + samples; ++i) {
        redis.pipeline(
            {{"HDEL", fib::keys::kValuesHash, text}, {"HDEL", fib::keys::kBriefHash, text}});
        watcher.expect(index);
        const auto start = Clock::now();
        postIndex(*cli, index);
        const auto posted = Clock::now();
        const auto seen = watcher.waitSeen(30s);
        if (!seen)
            throw std::runtime_error("no 'computed' event for index " + text + " within 30 s");
        if (i >= warmup) {
            endToEnd.push_back(std::chrono::duration<double, std::milli>(*seen - start).count());
            postRoundTrip.push_back(
                std::chrono::duration<double, std::milli>(posted - start).count());
        }
        std::this_thread::sleep_for(5ms);
    }
    std::sort(endToEnd.begin(), endToEnd.end());
    std::sort(postRoundTrip.begin(), postRoundTrip.end());
    double sum = 0;
    for (const double v : endToEnd)
        sum += v;
    std::printf("index=%s samples=%zu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f min_ms=%.3f max_ms=%.3f "
                "mean_ms=%.3f "
                "post_p50_ms=%.3f\n",
                text.c_str(), endToEnd.size(), percentile(endToEnd, 50), percentile(endToEnd, 90),
                percentile(endToEnd, 99), endToEnd.front(), endToEnd.back(),
                sum / static_cast<double>(endToEnd.size()), percentile(postRoundTrip, 50));
    return 0;
}

// Hands out send times at a shared, adjustable rate.
class Pacer {
public:
    explicit Pacer(double rate) : m_rate(rate), m_next(Clock::now()) {}
    // The time this request may leave.
    Clock::time_point slot()
    {
        const std::lock_guard lock(m_mutex);
        const auto now = Clock::now();
        if (m_next < now - 100ms)
            m_next = now - 100ms; // a stall does not turn into a burst
        const auto at = m_next;
        m_next += std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(1.0 / m_rate));
        return at;
    }
    double rate()
    {
        const std::lock_guard lock(m_mutex);
        return m_rate;
    }
    void setRate(double rate)
    {
        const std::lock_guard lock(m_mutex);
        m_rate = std::clamp(rate, 20.0, 200000.0);
    }

private:
    std::mutex m_mutex;
    double m_rate;
    Clock::time_point m_next;
};

int cmdSustain(int port, int redisPort, fib::Index first, double seconds, int connections,
               long long maxBacklog, int drainTimeout)
{
    const auto admin = adminRedis(redisPort, 5000ms);
    auto &redis = *admin;
    const long long computedBefore = computedCount(redis);
    Pacer pacer(200);
    std::atomic<fib::Index> next{first};
    std::atomic<long long> accepted{0}, rejected{0}, failed{0};
    std::atomic<bool> stopping{false};
    std::mutex acceptedMutex;
    std::vector<fib::Index> acceptedIndexes;
    std::string firstError;

    const auto start = Clock::now();
    const auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::thread> threads;
    for (int i = 0; i < connections; ++i) {
        threads.emplace_back([&] {
            auto cli = apiClient(port);
            std::vector<fib::Index> mine;
            while (!stopping) {
                const auto at = pacer.slot();
                if (at >= end)
                    break;
                std::this_thread::sleep_until(at);
                const fib::Index index = next++;
                const auto res = cli->Post("/api/values", indexBody(index), "application/json");
                if (res && res->status == 200) {
                    mine.push_back(index);
                    ++accepted;
                } else {
                    ++(res ? rejected : failed);
                    const std::lock_guard lock(acceptedMutex);
                    if (firstError.empty())
                        firstError =
                            res ? "status " + std::to_string(res->status) + ": " + res->body
                                : httplib::to_string(res.error());
                }
            }
            const std::lock_guard lock(acceptedMutex);
            acceptedIndexes.insert(acceptedIndexes.end(), mine.begin(), mine.end());
        });
    }

    // Every 100 ms: the backlog past maxBacklog slows the pace; under a quarter of it, the pace
    // rises, but only while the requests keep up with it (else the API, not the worker, is the
    // limit, and a higher pace would only be a number).
    long long backlog = 0, maxSeen = 0, lastAccepted = 0;
    int ticks = 0, apiBound = 0, workerBound = 0;
    double peakRate = 0;
    auto lastTick = Clock::now();
    while (Clock::now() < end) {
        std::this_thread::sleep_for(100ms);
        const auto now = Clock::now();
        const long long acceptedNow = accepted;
        const double achieved = static_cast<double>(acceptedNow - lastAccepted) /
                                std::chrono::duration<double>(now - lastTick).count();
        lastAccepted = acceptedNow;
        lastTick = now;
        backlog = acceptedNow - (computedCount(redis) - computedBefore);
        maxSeen = std::max(maxSeen, backlog);
        const double rate = pacer.rate();
        ++ticks;
        if (backlog > maxBacklog) {
            pacer.setRate(rate * 0.8);
            ++workerBound;
        } else if (backlog < maxBacklog / 4) {
            if (achieved >= 0.9 * rate)
                pacer.setRate(rate * 1.05 + 10);
            else
                ++apiBound;
        }
        peakRate = std::max(peakRate, achieved);
    }
    stopping = true;
    for (auto &thread : threads)
        thread.join();
    const auto loadEnd = Clock::now();
    const double loadSeconds = std::chrono::duration<double>(loadEnd - start).count();
    const long long computedAtEnd = computedCount(redis) - computedBefore;
    const long long backlogAtEnd = accepted - computedAtEnd;

    double drainSeconds = -1;
    const auto drainDeadline = loadEnd + std::chrono::seconds(drainTimeout);
    for (;;) {
        const long long done = computedCount(redis) - computedBefore;
        if (done >= accepted) {
            drainSeconds = std::chrono::duration<double>(Clock::now() - loadEnd).count();
            break;
        }
        if (Clock::now() > drainDeadline)
            break;
        std::this_thread::sleep_for(5ms);
    }

    long long lost = 0;
    // Every accepted index must have its value: its brief (the full digits of long values are a
    // cache and may have been dropped; GET /values/{n} recomputes them).
    for (std::size_t at = 0; at < acceptedIndexes.size(); at += 1000) {
        std::vector<std::string> texts;
        for (std::size_t i = at; i < std::min(at + 1000, acceptedIndexes.size()); ++i)
            texts.push_back(fib::indexText(acceptedIndexes[i]));
        fib::redis::Args args{"HMGET", fib::keys::kBriefHash};
        for (const auto &text : texts)
            args.emplace_back(text);
        const auto reply = redis.checked(args);
        for (std::size_t i = 0; i < fib::redis::size(*reply); ++i)
            if (!fib::jobs::isSettled(fib::redis::optionalText(fib::redis::element(*reply, i))))
                ++lost;
    }
    if (!firstError.empty())
        std::fprintf(stderr, "fib-bench-client: first refused or failed POST: %s\n",
                     firstError.c_str());
    std::printf("seconds=%.3f accepted=%lld rejected=%lld failed=%lld accepted_per_s=%.0f "
                "computed_per_s=%.0f "
                "peak_rate=%.0f api_bound=%.2f worker_bound=%.2f backlog_max=%lld backlog_end=%lld "
                "drain_s=%.3f lost=%lld "
                "first=%lld last=%lld\n",
                loadSeconds, accepted.load(), rejected.load(), failed.load(),
                static_cast<double>(accepted) / loadSeconds,
                static_cast<double>(computedAtEnd) / loadSeconds, peakRate,
                ticks ? static_cast<double>(apiBound) / ticks : 0.0,
                ticks ? static_cast<double>(workerBound) / ticks : 0.0, maxSeen, backlogAtEnd,
                drainSeconds, lost, static_cast<long long>(first),
                static_cast<long long>(next.load() - 1));
    return drainSeconds < 0 ? 3 : 0;
}

// used_memory from INFO memory.
long long usedMemory(fib::redis::Connection &redis)
{
    const auto reply = redis.checked({"INFO", "memory"});
    const auto used = fib::redis::infoNumber(fib::redis::text(*reply), "used_memory");
    if (!used)
        throw std::runtime_error("INFO memory has no used_memory");
    return static_cast<long long>(*used);
}

// Milliseconds of each GET /api/values/{n}, checking each answer is done with F(n)'s digits when
// `verify`; the count of wrong answers goes to `wrong`.
std::vector<double> timeReads(httplib::Client &cli, const std::vector<fib::Index> &indexes,
                              bool verify, long long &wrong)
{
    std::vector<double> times;
    for (const auto index : indexes) {
        const std::string path = "/api/values/" + fib::indexText(index);
        const auto start = Clock::now();
        const auto res = cli.Get(path);
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        if (!res || res->status != 200)
            throw std::runtime_error("GET " + path + " failed");
        if (verify) {
            const auto body = nlohmann::json::parse(res->body);
            if (body.value("status", "") != "done" ||
                body.value("value", "") != fib::fibonacciDecimal(index))
                ++wrong;
        }
    }
    return times;
}

// The value cache under a burst of long values: POSTs `count` distinct indexes spread over
// [first, last], waits until all are computed while sampling Redis's used_memory every 10 ms,
// then times GET /api/values/{n} for `samples` cached and `samples` dropped values, and checks
// every value against fib::fibonacciDecimal.
int cmdStorage(int port, int redisPort, fib::Index first, fib::Index last, int count, int samples,
               int timeoutSeconds)
{
    if (last <= first || static_cast<fib::Index>(count) > last - first + 1)
        throw std::runtime_error("storage: --count must fit between --first and --last");
    const auto admin = adminRedis(redisPort, 5000ms);
    auto &redis = *admin;
    const long long baseline = usedMemory(redis);
    std::atomic<bool> sampling{true};
    std::atomic<long long> most{baseline};
    std::thread sampler([&] {
        const auto own = adminRedis(redisPort, 5000ms);
        while (sampling.load()) {
            const long long used = usedMemory(*own);
            long long seen = most.load();
            while (used > seen && !most.compare_exchange_weak(seen, used)) {
            }
            std::this_thread::sleep_for(10ms);
        }
    });
    struct Join {
        std::atomic<bool> &flag;
        std::thread &thread;
        ~Join()
        {
            flag = false;
            thread.join();
        }
    } join{sampling, sampler};

    std::vector<fib::Index> indexes;
    const double step = static_cast<double>(last - first) / count;
    for (int i = 0; i < count; ++i)
        indexes.push_back(first + static_cast<fib::Index>(step * i));
    auto cli = apiClient(port);
    const auto started = Clock::now();
    for (const auto index : indexes)
        postIndex(*cli, index);
    const auto deadline = started + std::chrono::seconds(timeoutSeconds);
    for (;;) {
        const auto briefs = fib::jobs::briefs(redis, indexes);
        if (std::all_of(briefs.begin(), briefs.end(),
                        [](const auto &brief) { return fib::jobs::isSettled(brief); }))
            break;
        if (Clock::now() > deadline)
            throw std::runtime_error("storage: not all values computed in time");
        std::this_thread::sleep_for(100ms);
    }
    const double computeSeconds = std::chrono::duration<double>(Clock::now() - started).count();
    const long long mostDuringBurst = most.load();

    const auto briefBytes = fib::redis::integer(
        *redis.checked({"MEMORY", "USAGE", fib::keys::kBriefHash, "SAMPLES", "0"}));
    const auto listed = fib::redis::integer(*redis.checked({"HLEN", fib::keys::kBriefHash}));
    std::vector<fib::Index> cached, dropped;
    for (const auto index : indexes) {
        const bool here = fib::redis::integer(*redis.checked(
                              {"HEXISTS", fib::keys::kValuesHash, fib::indexText(index)})) == 1;
        (here ? cached : dropped).push_back(index);
    }
    const auto stat = [&](const char *field) {
        const auto reply = redis.checked({"HGET", fib::keys::kWorkerStatsHash, field});
        return fib::redis::isNil(*reply) ? 0LL : std::stoll(std::string(fib::redis::text(*reply)));
    };
    const long long droppedCount = stat(fib::keys::kStatDigitsDropped);
    const long long cachedBytes = stat(fib::keys::kStatCachedDigitBytes);

    long long wrong = 0;
    const std::size_t n = static_cast<std::size_t>(samples);
    const std::vector<fib::Index> cachedSample(cached.end() - std::min(n, cached.size()),
                                               cached.end());
    const std::vector<fib::Index> droppedSample(dropped.begin(),
                                                dropped.begin() + std::min(n, dropped.size()));
    auto cachedTimes = timeReads(*cli, cachedSample, false, wrong);
    auto droppedTimes = timeReads(*cli, droppedSample, false, wrong);
    std::sort(cachedTimes.begin(), cachedTimes.end());
    std::sort(droppedTimes.begin(), droppedTimes.end());
    const auto p = [](const std::vector<double> &sorted, double at) {
        return sorted.empty() ? -1.0 : percentile(sorted, at);
    };
    // Every value, exactly (dropped ones are recomputed on the way, and cached again).
    timeReads(*cli, indexes, true, wrong);
    const long long end = usedMemory(redis);

    std::printf("indexes=%d compute_s=%.1f baseline=%lld used_max_burst=%lld used_max=%lld "
                "used_end=%lld listed=%lld brief_bytes=%lld cached=%zu dropped=%zu "
                "dropped_total=%lld cached_digit_bytes=%lld cached_reads=%zu cached_p50_ms=%.2f "
                "cached_p99_ms=%.2f dropped_reads=%zu dropped_p50_ms=%.2f dropped_p99_ms=%.2f "
                "wrong=%lld\n",
                count, computeSeconds, baseline, mostDuringBurst, most.load(), end, listed,
                briefBytes, cached.size(), dropped.size(), droppedCount, cachedBytes,
                cachedTimes.size(), p(cachedTimes, 50), p(cachedTimes, 99), droppedTimes.size(),
                p(droppedTimes, 50), p(droppedTimes, 99), wrong);
    return wrong == 0 ? 0 : 3;
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{
        "fib-bench-client: HTTP load helpers and the end-to-end latency probe of scripts/bench"};
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

    double seconds = 60;
    int connections = 64, drainTimeout = 120;
    long long maxBacklog = 1000;
    auto *sustain =
        app.add_subcommand("sustain", "POST new indexes at the rate the workers keep up with");
    sustain->add_option("--port", port, "nginx port")->required();
    sustain->add_option("--redis-port", redisPort)->required();
    sustain->add_option("--first", first, "first index; each request sends the next one")
        ->required();
    sustain->add_option("--seconds", seconds)->check(CLI::Range(1.0, 3600.0));
    sustain->add_option("--connections", connections)->check(CLI::Range(1, 256));
    sustain->add_option("--max-backlog", maxBacklog)->check(CLI::Range(10LL, 10000000LL));
    sustain->add_option("--drain-timeout", drainTimeout, "seconds")->check(CLI::Range(1, 3600));

    int count = 2000;
    auto *storage =
        app.add_subcommand("storage", "a burst of long values against the value cache's budget");
    storage->add_option("--port", port, "nginx port")->required();
    storage->add_option("--redis-port", redisPort)->required();
    storage->add_option("--first", first)->required();
    storage->add_option("--last", last)->required();
    storage->add_option("--count", count)->check(CLI::Range(1, 1000000));
    storage->add_option("--samples", samples, "reads timed of each kind")
        ->check(CLI::Range(1, 100000));
    storage->add_option("--timeout", timeout, "seconds for the burst to be computed");

    CLI11_PARSE(app, argc, argv);
    try {
        if (storage->parsed())
            return cmdStorage(port, redisPort, first, last, count, samples, timeout);
        if (sustain->parsed())
            return cmdSustain(port, redisPort, first, seconds, connections, maxBacklog,
                              drainTimeout);
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
