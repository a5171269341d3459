#pragma once
// Counters and histograms of fib-server, rendered in the Prometheus text format (0.0.4) by
// GET /metrics, together with the queue's figures read from Redis at scrape time.

#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "fib/keys.hpp"

namespace fib::server {

class Histogram {
public:
    void observe(double seconds);
    // From per-bucket (not cumulative) counts, as the worker keeps them in Redis.
    static Histogram
    fromBuckets(const std::array<unsigned long long, keys::kDurationBuckets.size() + 1> &counts,
                double sum);
    // Appends the _bucket, _sum and _count lines; `labels` is e.g. `route="/values"` or empty.
    void render(std::string &out, const std::string &name, const std::string &labels) const;

private:
    std::array<unsigned long long, keys::kDurationBuckets.size()> m_buckets{}; // cumulative
    unsigned long long m_count = 0;
    double m_sum = 0;
};

// The queue's figures, read from Redis at scrape time.
struct QueueStats {
    std::map<std::string, std::string> workerStats; // the fib:stats hash
    long long streamLength = 0;
    long long pending = 0;
    long long lag = 0;
    long long deadLetters = 0;
    long long failedIndexes = 0; // the fib:failed hash
};

class Metrics {
public:
    // The route a path belongs to, so labels stay few whatever clients send.
    static std::string_view routeOf(std::string_view method, std::string_view path);

    void recordRequest(std::string_view method, std::string_view route, int status,
                       std::chrono::duration<double> elapsed);
    void recordJobQueued();
    // A GET /values/{n} whose digits were not cached: recomputed for it (fib/digit_cache.hpp).
    void recordRecomputedRead(std::chrono::duration<double> elapsed);
    // Appends this process's metrics.
    void render(std::string &out) const;
    // Appends the queue's figures: the worker counters (HGETALL fib:stats) and the stream's.
    static void renderQueue(std::string &out, const QueueStats &queue);

private:
    mutable std::mutex m_mutex;
    std::map<std::pair<std::string, int>, unsigned long long> m_requests; // (labels, status)
    std::map<std::string, Histogram> m_latency;
    unsigned long long m_jobsQueued = 0;
    Histogram m_recomputedReads;
};

} // namespace fib::server
