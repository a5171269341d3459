#include "fib/server/http_server.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <utility>

#include <malloc.h>
#include <sys/socket.h>

#include <httplib.h>

#include "fib/log.hpp"
#include "fib/server/problem.hpp"
#include "routes/request.hpp"

namespace fib::server {
namespace {

// When the request on this thread reached routing; read by the logger for the histogram.
thread_local std::chrono::steady_clock::time_point t_requestStart;

// The route's path as cpp-httplib's pattern (a regular expression): {n} captures one segment.
std::string patternOf(const Route &route)
{
    std::string pattern;
    for (const char *c = route.path; *c != '\0'; ++c) {
        if (std::string_view(c).substr(0, 3) == "{n}") {
            pattern += "([^/]+)";
            c += 2;
        } else {
            if (std::string_view(".^$|()[]{}*+?\\").find(*c) != std::string_view::npos)
                pattern += '\\';
            pattern += *c;
        }
    }
    return pattern;
}

// cpp-httplib's task queue over the elastic pool. enqueue() returns void in cpp-httplib 0.11
// (Debian 12) and bool in 0.18 (Debian 13): false there makes it close the connection. (A
// static_cast to void is a valid return value.)
class PoolQueue final : public httplib::TaskQueue {
    using Result = decltype(std::declval<httplib::TaskQueue &>().enqueue(std::function<void()>()));

public:
    explicit PoolQueue(std::shared_ptr<ElasticThreadPool> pool) : m_pool(std::move(pool)) {}
    Result enqueue(std::function<void()> job) override
    {
        return static_cast<Result>(m_pool->enqueue(std::move(job)));
    }
    void shutdown() override { m_pool->shutdown(); }

private:
    std::shared_ptr<ElasticThreadPool> m_pool;
};

} // namespace

HttpServer::HttpServer(const Config &config, Backend &backend, ListCache *cache)
    : m_pool(std::make_shared<ElasticThreadPool>(static_cast<std::size_t>(config.serverThreads),
                                                 kKeptThreads, kThreadIdleExit)),
      m_http(std::make_unique<httplib::Server>()),
      m_context{config, backend, m_metrics, cache, m_readDeadline}
{
    auto &http = *m_http;
    http.new_task_queue = [this] { return new PoolQueue(m_pool); };
    // Without no-delay every response stalls ~40 ms (headers and body leave in two sends).
    http.set_tcp_nodelay(true);
    http.set_payload_max_length(kMaxBodyBytes);
    http.set_read_timeout(5, 0);
    http.set_write_timeout(5, 0);
    http.set_keep_alive_max_count(1000);
    http.set_keep_alive_timeout(5);
    // Remember the listening socket (the only one this callback sees) for stop().
    http.set_socket_options([this](socket_t socket) {
        httplib::default_socket_options(socket);
        m_listenSocket.store(socket);
    });

    // Runs once the headers are read, before cpp-httplib reads a body. Requests whose body is
    // never needed are answered here, and the connection closed (the body stays unread):
    // - chunked bodies: cpp-httplib 0.11 reads them without a size limit (nginx never sends them);
    // - a known path with another method: 405 with Allow;
    // - POST, PUT, PATCH or DELETE without Content-Length: cpp-httplib 0.11 would read "the body"
    //   until the client closes or its read timeout (5 s) ends, holding a thread all along;
    // - a Content-Length that is not one whole number (400).
    http.set_pre_routing_handler([this](const httplib::Request &req, httplib::Response &res) {
        t_requestStart = std::chrono::steady_clock::now();
        // Headers read; without a body (or once it is, in the handler) the request is complete.
        const auto length = req.get_header_value("Content-Length");
        if (length.empty() || length == "0")
            m_readDeadline.handling(peerOf(req));
        const std::string allowed = allowedMethods(req.path);
        const bool bodyMethod = req.method == "POST" || req.method == "PUT" ||
                                req.method == "PATCH" || req.method == "DELETE" ||
                                req.method == "PRI";
        if (req.has_header("Transfer-Encoding")) {
            writeProblem(res,
                         Problem{problemType("length-required"), "Length required", 411,
                                 "chunked request bodies are not accepted; send a Content-Length"});
        } else if (req.get_header_value_count("Content-Length") > 1 ||
                   (!length.empty() &&
                    !std::all_of(length.begin(), length.end(),
                                 [](unsigned char c) { return std::isdigit(c); }))) {
            // cpp-httplib would wait for a body of some other length until its read timeout.
            writeProblem(res, Problem{problemType("bad-request"), "Malformed request", 400,
                                      "Content-Length must be one whole number"});
        } else if (!allowed.empty() && !methodAllowed(allowed, req.method)) {
            writeProblem(res, Problem{problemType("method-not-allowed"), "Method not allowed", 405,
                                      req.method + " is not allowed on " + req.path +
                                          "; allowed: " + allowed});
            res.set_header("Allow", allowed);
        } else if (bodyMethod && !req.has_header("Content-Length")) {
            if (allowed.empty())
                writeProblem(res, problemForStatus(404));
            else
                writeProblem(
                    res,
                    Problem{problemType("length-required"), "Length required", 411,
                            "the request has no Content-Length; send the body as JSON with its "
                            "length, e.g. {\"index\": 10}"});
        } else {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
    });
    // Without this handler cpp-httplib 0.11 would leak what() in an EXCEPTION_WHAT header.
    http.set_exception_handler(
        [](const httplib::Request &req, httplib::Response &res, const std::exception_ptr &error) {
            writeProblem(res, problemFor(error, req.method + " " + req.path));
        });
    // Errors cpp-httplib makes itself (no route, 413, a bad request line) get problem bodies too.
    http.set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request &, httplib::Response &res) {
            if (!res.body.empty())
                return httplib::Server::HandlerResponse::Unhandled;
            writeProblem(res, problemForStatus(res.status));
            return httplib::Server::HandlerResponse::Handled;
        }));
    // Once stopping, every answer ends its connection (clients and nginx close it on
    // "Connection: close"): a busy keep-alive connection would otherwise be served for up to
    // keep_alive_max_count more requests, and the process would not exit until it went idle.
    http.set_post_routing_handler([this](const httplib::Request &, httplib::Response &res) {
        if (m_stopping.load())
            res.set_header("Connection", "close");
    });
    http.set_logger([this](const httplib::Request &req, const httplib::Response &res) {
        m_requests.fetch_add(1, std::memory_order_relaxed);
        m_readDeadline.answered(peerOf(req));
        m_metrics.recordRequest(req.method, Metrics::routeOf(req.method, req.path), res.status,
                                std::chrono::steady_clock::now() - t_requestStart);
        if (res.status >= 500)
            log::warn("request failed", {{"method", req.method},
                                         {"path", req.path},
                                         {"status", res.status},
                                         {"req_id", req.get_header_value("X-Request-Id")}});
    });
    for (const auto &route : kRoutes) {
        auto handler = [this, handle = route.handle](const httplib::Request &req,
                                                     httplib::Response &res) {
            handle(m_context, req, res);
        };
        if (std::string_view(route.method) == "GET")
            http.Get(patternOf(route), std::move(handler));
        else
            http.Post(patternOf(route), std::move(handler));
    }
}

HttpServer::~HttpServer()
{
    {
        const std::lock_guard lock(m_trimMutex);
        m_trimStop = true;
    }
    m_trimWake.notify_all();
    if (m_trimmer.joinable())
        m_trimmer.join();
}

// glibc keeps what the pool threads freed in their arenas (and, once a large block has been
// freed, raises its trim threshold to tens of MB), so RSS after a burst stays near its peak.
// One malloc_trim() when a second passes without requests after some gives it back, and one
// after pool threads ended (their malloc caches went back to the arenas).
void HttpServer::trimAfterBursts()
{
    std::uint64_t seen = m_requests.load();
    std::uint64_t retired = m_pool->retired();
    bool busy = false;
    std::unique_lock lock(m_trimMutex);
    while (!m_trimWake.wait_for(lock, std::chrono::seconds(1), [this] { return m_trimStop; })) {
        const std::uint64_t now = m_requests.load(std::memory_order_relaxed);
        const std::uint64_t nowRetired = m_pool->retired();
        if (now != seen) {
            seen = now;
            busy = true;
        } else if (busy || nowRetired != retired) {
            busy = false;
            retired = nowRetired;
            lock.unlock();
            ::malloc_trim(0);
            lock.lock();
        }
    }
}

bool HttpServer::bind(const std::string &host, int port)
{
    bool ok = false;
    if (port == 0) {
        m_port = m_http->bind_to_any_port(host);
        ok = m_port > 0;
    } else {
        m_port = port;
        ok = m_http->bind_to_port(host, port);
    }
    // cpp-httplib 0.11 listens with a backlog of 5 (compiled into the library): a burst of new
    // connections (nginx opening upstream connections beyond its keepalive pool) overflows it
    // and each dropped SYN costs a 1 s retransmission. listen() again only resizes the queue.
    const int socket = m_listenSocket.load();
    if (ok && socket >= 0)
        ::listen(socket, kListenBacklog);
    return ok;
}

bool HttpServer::serve()
{
    // Started here, not in the constructor: main blocks the stop signals in between, and every
    // thread must inherit that.
    if (!m_trimmer.joinable())
        m_trimmer = std::thread([this] { trimAfterBursts(); });
    m_readDeadline.start(m_port);
    const bool ok = m_http->listen_after_bind();
    // After stop() the accept loop ends with an error on purpose.
    return ok || m_stopping.load();
}

void HttpServer::stop()
{
    // httplib::Server::stop() would also drop connections accepted but not yet served. Shutting
    // the listening socket instead ends the accept loop only: the thread pool then answers what
    // it holds (keep-alive connections end at their next idle timeout) and serve() returns.
    m_stopping.store(true);
    const int socket = m_listenSocket.load();
    if (socket >= 0)
        ::shutdown(socket, SHUT_RDWR);
    else
        m_http->stop();
}

} // namespace fib::server
