// The service's own routes: liveness, readiness, what a client needs to know, metrics, and the
// API's description.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fib/errors.hpp"
#include "fib/server/backend.hpp"
#include "fib/server/list_cache.hpp"
#include "fib/server/metrics.hpp"
#include "fib/version.hpp"
#include "request.hpp"

namespace fib::server::routes {

using nlohmann::json;

// The original answered "Hi"; kept as a trivial liveness page.
void home(const RouteContext &, const httplib::Request &, httplib::Response &res)
{
    res.set_content("Hi", "text/html");
}

void health(const RouteContext &, const httplib::Request &, httplib::Response &res)
{
    sendJson(res, json{{"status", "ok"}});
}

// 503 naming what is down (Backend::checkReady throws UnavailableError).
void ready(const RouteContext &context, const httplib::Request &, httplib::Response &res)
{
    context.backend.checkReady();
    sendJson(res, json{{"status", "ready"}});
}

// What a client needs to know before it sends anything: the version and the index cap.
void info(const RouteContext &context, const httplib::Request &, httplib::Response &res)
{
    sendJson(res, json{{"service", "fib-server"},
                       {"version", kVersion},
                       {"max_index", context.config.maxIndex}});
}

// Prometheus text format. nginx does not route it: scrape fib-server directly.
void metrics(const RouteContext &context, const httplib::Request &, httplib::Response &res)
{
    std::string out;
    context.metrics.render(out);
    out += "# HELP fib_value_cache_budget_bytes FIB_VALUE_CACHE_BYTES: what the cached full digits "
           "of long values may take in Redis.\n# TYPE fib_value_cache_budget_bytes gauge\n"
           "fib_value_cache_budget_bytes " +
           std::to_string(context.config.valueCacheBytes) + "\n";
    if (const auto *cache = context.cache)
        out += "# HELP fib_list_cache_requests_total GET /values/current pages answered from the "
               "cache or not.\n"
               "# TYPE fib_list_cache_requests_total counter\n"
               "fib_list_cache_requests_total{result=\"hit\"} " +
               std::to_string(cache->hits()) + "\nfib_list_cache_requests_total{result=\"miss\"} " +
               std::to_string(cache->misses()) +
               "\n# HELP fib_list_cache_invalidations_total Times the cached pages were dropped.\n"
               "# TYPE fib_list_cache_invalidations_total "
               "counter\nfib_list_cache_invalidations_total " +
               std::to_string(cache->invalidations()) + "\n";
    bool redisUp = true;
    try {
        Metrics::renderQueue(out, context.backend.queueStats());
    } catch (const UnavailableError &) {
        redisUp = false;
    }
    out += "# HELP fib_redis_up Whether Redis answered this scrape.\n# TYPE fib_redis_up "
           "gauge\nfib_redis_up " +
           std::string(redisUp ? "1" : "0") + "\n";
    res.set_content(out, "text/plain; version=0.0.4; charset=utf-8");
}

void openApi(const RouteContext &, const httplib::Request &, httplib::Response &res)
{
    res.set_content(kOpenApiDocument, kJsonType);
}

} // namespace fib::server::routes
