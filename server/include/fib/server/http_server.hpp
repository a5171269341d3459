#pragma once
// fib-server's HTTP side: the routes of the original API plus the additions, on cpp-httplib,
// hardened as docs/design.md, "Environment and dependencies", asks (body limit, timeouts,
// no-delay, exception handler).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "fib/config.hpp"
#include "fib/server/backend.hpp"
#include "fib/server/event_hub.hpp"
#include "fib/server/metrics.hpp"
#include "fib/server/read_deadline.hpp"
#include "fib/server/response_cache.hpp"

namespace httplib {
class Server;
}

namespace fib::server {

// The longest fib-server spends reading one request, headers and body (see ReadDeadline). nginx,
// the API's only client, sends each request whole; nobody else needs this long.
inline constexpr std::chrono::milliseconds kRequestReadLimit{2000};

class HttpServer {
public:
    // `cache` (optional) holds GET /values/current responses; see ResponseCache.
    HttpServer(const Config &config, Backend &backend, EventHub &events, ResponseCache *cache = nullptr);
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    // Binds; false if the address is taken. port 0 picks a free one (see port()).
    bool bind(const std::string &host, int port);
    int port() const noexcept { return m_port; }
    // Serves until stop(); returns false on a listen failure.
    bool serve();
    // Safe from any thread. Stops accepting (new connections are refused), ends the live-event
    // streams, and lets every connection already accepted be answered; serve() then returns.
    void stop();

private:
    // Gives freed heap memory back to the system once a burst of requests is over (see .cpp).
    void trimAfterBursts();

    std::unique_ptr<httplib::Server> m_http;
    EventHub &m_events;
    Metrics m_metrics;
    ReadDeadline m_readDeadline{kRequestReadLimit};
    std::atomic<int> m_listenSocket{-1};
    std::atomic<bool> m_stopping{false};
    int m_port = 0;
    std::atomic<std::uint64_t> m_requests{0};
    std::mutex m_trimMutex;
    std::condition_variable m_trimWake;
    bool m_trimStop = false;
    std::thread m_trimmer;
};

// Every route fib-server serves, as the OpenAPI document names it (paths without nginx's /api).
struct Route {
    const char *method;
    const char *path;
};
inline constexpr Route kRoutes[] = {
    {"GET", "/"},           {"GET", "/healthz"},        {"GET", "/readyz"},       {"GET", "/info"},
    {"GET", "/metrics"},    {"GET", "/openapi.json"},   {"GET", "/events"},       {"GET", "/values/all"},
    {"GET", "/values/current"}, {"POST", "/values"},    {"GET", "/values/{n}"},
};
// Whether `path` is `route`'s path; {n} stands for one non-empty segment.
inline bool routeMatches(const Route &route, std::string_view path)
{
    const std::string_view pattern = route.path;
    const auto param = pattern.find("{n}");
    if (param == std::string_view::npos)
        return path == pattern;
    return path.size() > param && path.substr(0, param) == pattern.substr(0, param) &&
           path.find('/', param) == std::string_view::npos;
}
// The methods a known path answers, for a 405's Allow header ("GET, HEAD"); "" for an unknown path.
std::string allowedMethods(std::string_view path);
// server/api/openapi.json, compiled in.
extern const char *const kOpenApiDocument;

// The largest request body fib-server reads; nginx enforces its own limit in front.
inline constexpr std::size_t kMaxBodyBytes = 4096;
// Page sizes of the list endpoints.
inline constexpr std::size_t kDefaultPageSize = 100;
inline constexpr std::size_t kMaxPageSize = 1000;
// A live-event stream sends a comment this often when idle, so proxies keep it open; a
// client that left is noticed at the second write after it left, which bounds how long its
// slot stays taken.
inline constexpr std::chrono::seconds kEventHeartbeat{5};
inline constexpr int kListenBacklog = 1024;

} // namespace fib::server
