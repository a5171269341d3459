#pragma once
// fib-server's HTTP side on cpp-httplib: serves the route table (routes.hpp), hardened as
// docs/design.md, "Environment and dependencies", asks (body limit, read deadline, timeouts,
// no-delay, problem+json for every error).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "fib/config.hpp"
#include "fib/server/backend.hpp"
#include "fib/server/list_cache.hpp"
#include "fib/server/metrics.hpp"
#include "fib/server/read_deadline.hpp"
#include "fib/server/routes.hpp"
#include "fib/server/thread_pool.hpp"

namespace httplib {
class Server;
}

namespace fib::server {

// The longest fib-server spends reading one request, headers and body (see ReadDeadline). nginx,
// the API's only client, sends each request whole; nobody else needs this long.
inline constexpr std::chrono::milliseconds kRequestReadLimit{2000};

// The connection threads (ElasticThreadPool): FIB_SERVER_THREADS at most; one idle this long
// ends (nginx closes its idle upstream connections after 4 s), down to kKeptThreads.
inline constexpr std::size_t kKeptThreads = 4;
inline constexpr std::chrono::milliseconds kThreadIdleExit{3000};

class HttpServer {
public:
    // `cache` (optional) holds GET /values/current pages; see ListCache.
    HttpServer(const Config &config, Backend &backend, ListCache *cache = nullptr);
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

    std::shared_ptr<ElasticThreadPool> m_pool; // shared with cpp-httplib's task queue
    std::unique_ptr<httplib::Server> m_http;
    Metrics m_metrics;
    ReadDeadline m_readDeadline{kRequestReadLimit};
    const RouteContext m_context;
    std::atomic<int> m_listenSocket{-1};
    std::atomic<bool> m_stopping{false};
    int m_port = 0;
    std::atomic<std::uint64_t> m_requests{0};
    std::mutex m_trimMutex;
    std::condition_variable m_trimWake;
    bool m_trimStop = false;
    std::thread m_trimmer;
};

// The largest request body fib-server reads; nginx enforces its own limit in front.
inline constexpr std::size_t kMaxBodyBytes = 4096;
inline constexpr int kListenBacklog = 1024;

} // namespace fib::server
