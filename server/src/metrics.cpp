#include "fib/server/metrics.hpp"

#include <cstdio>

#include "fib/server/routes.hpp"

namespace fib::server {
namespace {

std::string number(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

} // namespace

void Histogram::observe(double seconds)
{
    for (std::size_t i = keys::durationBucket(seconds); i < keys::kDurationBuckets.size(); ++i)
        ++m_buckets[i];
    ++m_count;
    m_sum += seconds;
}

Histogram Histogram::fromBuckets(
    const std::array<unsigned long long, keys::kDurationBuckets.size() + 1> &counts, double sum)
{
    Histogram h;
    unsigned long long running = 0;
    for (std::size_t i = 0; i < keys::kDurationBuckets.size(); ++i) {
        running += counts[i];
        h.m_buckets[i] = running;
    }
    h.m_count = running + counts.back();
    h.m_sum = sum;
    return h;
}

void Histogram::render(std::string &out, const std::string &name, const std::string &labels) const
{
    const std::string prefix = labels.empty() ? "" : labels + ",";
    for (std::size_t i = 0; i < keys::kDurationBuckets.size(); ++i)
        out.append(name)
            .append("_bucket{")
            .append(prefix)
            .append("le=\"")
            .append(number(keys::kDurationBuckets[i]))
            .append("\"} ")
            .append(std::to_string(m_buckets[i]))
            .append("\n");
    out += name + "_bucket{" + prefix + "le=\"+Inf\"} " + std::to_string(m_count) + "\n";
    const std::string braces = labels.empty() ? "" : "{" + labels + "}";
    out += name + "_sum" + braces + " " + number(m_sum) + "\n";
    out += name + "_count" + braces + " " + std::to_string(m_count) + "\n";
}

std::string_view Metrics::routeOf(std::string_view method, std::string_view path)
{
    // Exact paths first: /values/all is not /values/{n}.
    for (const auto &route : kRoutes)
        if (method == route.method && path == route.path)
            return route.path;
    for (const auto &route : kRoutes)
        if (method == route.method && routeMatches(route, path))
            return route.path;
    return "other";
}

void Metrics::recordRequest(std::string_view method, std::string_view route, int status,
                            std::chrono::duration<double> elapsed)
{
    // Methods outside the routes (FOO, DELETE) all count as "other", like unknown paths.
    const bool known = route != "other";
    std::string labels = "method=\"" + std::string(known ? method : "other") + "\",route=\"" +
                         std::string(route) + "\"";
    const std::lock_guard lock(m_mutex);
    ++m_requests[{labels, status}];
    m_latency[std::move(labels)].observe(elapsed.count());
}

void Metrics::recordJobQueued()
{
    const std::lock_guard lock(m_mutex);
    ++m_jobsQueued;
}

void Metrics::recordRecomputedRead(std::chrono::duration<double> elapsed)
{
    const std::lock_guard lock(m_mutex);
    m_recomputedReads.observe(elapsed.count());
}

void Metrics::render(std::string &out) const
{
    const std::lock_guard lock(m_mutex);
    out += "# HELP fib_http_requests_total HTTP requests answered by fib-server, by route and "
           "status.\n"
           "# TYPE fib_http_requests_total counter\n";
    for (const auto &[key, count] : m_requests)
        out += "fib_http_requests_total{" + key.first + ",status=\"" + std::to_string(key.second) +
               "\"} " + std::to_string(count) + "\n";
    out += "# HELP fib_http_request_duration_seconds Time from routing to the response, by route.\n"
           "# TYPE fib_http_request_duration_seconds histogram\n";
    for (const auto &[labels, histogram] : m_latency)
        histogram.render(out, "fib_http_request_duration_seconds", labels);
    out += "# HELP fib_jobs_enqueued_total Jobs this server put on the stream.\n"
           "# TYPE fib_jobs_enqueued_total counter\n"
           "fib_jobs_enqueued_total " +
           std::to_string(m_jobsQueued) + "\n";
    out += "# HELP fib_recomputed_read_seconds GET /values/{n} answers whose digits had been "
           "dropped from the value cache and were recomputed for the read, by time taken.\n"
           "# TYPE fib_recomputed_read_seconds histogram\n";
    m_recomputedReads.render(out, "fib_recomputed_read_seconds", "");
}

} // namespace fib::server

namespace fib::server {
namespace {

unsigned long long counterOf(const std::map<std::string, std::string> &stats,
                             const std::string &field)
{
    const auto it = stats.find(field);
    if (it == stats.end())
        return 0;
    try {
        return std::stoull(it->second);
    } catch (const std::exception &) {
        return 0;
    }
}

} // namespace

void Metrics::renderQueue(std::string &out, const QueueStats &queue)
{
    const auto &workerStats = queue.workerStats;
    const auto counter = [&](const char *name, const char *help, const char *field) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" +
               name + " " + std::to_string(counterOf(workerStats, field)) + "\n";
    };
    const auto gauge = [&](const char *name, const char *help, long long value) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name +
               " " + std::to_string(value) + "\n";
    };
    counter("fib_jobs_completed_total", "Jobs the workers computed and stored.",
            keys::kStatComputed);
    counter("fib_jobs_failed_total",
            "Jobs the workers dead-lettered (poison, or too many deliveries).",
            keys::kStatDeadLettered);
    counter("fib_jobs_claimed_total", "Jobs taken over from a consumer that left them idle.",
            keys::kStatClaimed);
    counter("fib_jobs_reconciled_total", "Jobs re-queued by the reconciler from PostgreSQL.",
            keys::kStatReconciled);
    gauge("fib_stream_length", "Entries on the job stream (waiting or being worked on).",
          queue.streamLength);
    gauge("fib_stream_pending", "Entries delivered to a worker and not yet acknowledged.",
          queue.pending);
    gauge("fib_stream_lag", "Entries not yet delivered to any worker.", queue.lag);
    gauge("fib_dead_letters", "Entries on the dead-letter stream.", queue.deadLetters);
    gauge("fib_value_cache_bytes",
          "What the cached full digits of long values take in Redis, as the budget counts it.",
          static_cast<long long>(counterOf(workerStats, keys::kStatCachedDigitBytes)));
    counter("fib_value_cache_dropped_total",
            "Long values whose full digits were dropped to keep the value cache within its budget.",
            keys::kStatDigitsDropped);
    gauge("fib_failed_indexes",
          "Indexes shown as failed: their job was dead-lettered and not retried yet.",
          queue.failedIndexes);

    std::array<unsigned long long, keys::kDurationBuckets.size() + 1> counts{};
    for (std::size_t i = 0; i < counts.size(); ++i)
        counts[i] = counterOf(workerStats, keys::durationBucketField(i));
    double sum = 0;
    if (const auto it = workerStats.find(keys::kStatComputeSecondsSum); it != workerStats.end()) {
        try {
            sum = std::stod(it->second);
        } catch (const std::exception &) {
        }
    }
    out += "# HELP fib_compute_seconds Time the workers took to compute a value and its digits.\n"
           "# TYPE fib_compute_seconds histogram\n";
    Histogram::fromBuckets(counts, sum).render(out, "fib_compute_seconds", "");
}

} // namespace fib::server
