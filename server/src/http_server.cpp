#include "fib/server/http_server.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include <malloc.h>
#include <sys/socket.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fib/errors.hpp"
#include "fib/keys.hpp"
#include "fib/log.hpp"
#include "fib/models.hpp"
#include "fib/server/problem.hpp"
#include "fib/version.hpp"

namespace fib::server {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr const char *kJson = "application/json";

void sendJson(httplib::Response &res, const json &body, int status = 200)
{
    res.status = status;
    res.set_content(body.dump(), kJson);
}

void sendJson(httplib::Response &res, const ordered_json &body, int status = 200)
{
    res.status = status;
    res.set_content(body.dump(), kJson);
}

bool isJsonMediaType(const std::string &contentType)
{
    std::string mediaType = contentType.substr(0, contentType.find(';'));
    mediaType.erase(std::remove_if(mediaType.begin(), mediaType.end(), [](unsigned char c) { return std::isspace(c); }),
                    mediaType.end());
    std::transform(mediaType.begin(), mediaType.end(), mediaType.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return mediaType == kJson;
}

// ?limit=&after= of the list endpoints.
struct Page {
    std::size_t limit = kDefaultPageSize;
    std::optional<Index> after;
};

Page pageOf(const httplib::Request &req)
{
    Page page;
    if (req.has_param("limit")) {
        const auto text = req.get_param_value("limit");
        Index limit = 0;
        try {
            limit = parseIndex(std::string_view(text), std::numeric_limits<Index>::max());
        } catch (const InvalidIndexError &) {
            throw BadRequestError("Invalid limit", "limit must be a whole number from 1 to " +
                                                       std::to_string(kMaxPageSize));
        }
        if (limit < 1 || limit > kMaxPageSize)
            throw BadRequestError("Invalid limit", "limit must be a whole number from 1 to " +
                                                       std::to_string(kMaxPageSize));
        page.limit = static_cast<std::size_t>(limit);
    }
    if (req.has_param("after")) {
        try {
            page.after = parseIndex(std::string_view(req.get_param_value("after")), std::numeric_limits<Index>::max());
        } catch (const InvalidIndexError &) {
            throw BadRequestError("Invalid cursor", "after must be an index, a whole number such as 10");
        }
    }
    return page;
}

// The body keeps the original's shape; the next page is announced in a Link header (RFC 8288),
// relative to the request so it works both directly and behind nginx's /api prefix.
// The last index of a full page, where the next one starts; none when the page is not full.
std::optional<Index> fullPageEnd(const Page &page, const std::vector<Index> &rows)
{
    if (rows.empty() || rows.size() < page.limit)
        return std::nullopt;
    return rows.back();
}

void linkNextPage(httplib::Response &res, const Page &page, const std::vector<Index> &rows)
{
    if (const auto end = fullPageEnd(page, rows))
        res.set_header("Link", "<?limit=" + std::to_string(page.limit) + "&after=" + indexText(*end) +
                                   ">; rel=\"next\"");
}

std::string requestId(const httplib::Request &req)
{
    auto id = req.get_header_value("X-Request-Id");
    if (id.size() > 64)
        id.resize(64);
    return id;
}

// One Server-Sent Events stream. Runs on its server thread until the client goes away or the
// server stops; the slot in the hub is given back by the releaser either way.
void serveEvents(const httplib::Request &req, httplib::Response &res, EventHub &hub)
{
    hub.acquireStream(); // throws UnavailableError (503) past FIB_MAX_EVENT_STREAMS
    struct State {
        EventHub::Cursor cursor;
        bool started = false;
    };
    auto state = std::make_shared<State>();
    state->cursor = hub.resume(req.get_header_value("Last-Event-ID"));
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no"); // nginx passes each event on at once
    res.set_chunked_content_provider(
        "text/event-stream",
        [state, &hub](std::size_t, httplib::DataSink &sink) {
            std::string out;
            if (!state->started) {
                state->started = true;
                out = "retry: 2000\n\n";
                if (state->cursor.reset)
                    out += "event: reset\ndata: {}\n\n";
            } else {
                const auto batch = hub.waitAfter(state->cursor, kEventHeartbeat);
                if (hub.stopped()) {
                    sink.done();
                    return false;
                }
                if (batch.reset)
                    out += "event: reset\ndata: {}\n\n";
                for (const auto &event : batch.events)
                    out += "id: " + hub.eventId(event.seq) + "\nevent: computed\ndata: " + event.data + "\n\n";
                if (out.empty())
                    out = ": keep-alive\n\n";
            }
            return sink.write(out.data(), out.size()); // false once the client has gone
        },
        [&hub](bool) { hub.releaseStream(); });
}

// When the request on this thread reached routing; read by the logger for the histogram.
thread_local std::chrono::steady_clock::time_point t_requestStart;

std::string peerOf(const httplib::Request &req)
{
    return req.remote_addr + ":" + std::to_string(req.remote_port);
}

void registerRoutes(httplib::Server &http, const Config &config, Backend &backend, EventHub &events,
                    Metrics &metrics, ResponseCache *cache, ReadDeadline &readDeadline)
{
    // The original answered "Hi"; kept as a trivial liveness page.
    http.Get("/", [](const httplib::Request &, httplib::Response &res) { res.set_content("Hi", "text/html"); });

    http.Get("/openapi.json", [](const httplib::Request &, httplib::Response &res) {
        res.set_content(kOpenApiDocument, kJson);
    });

    http.Get("/healthz", [](const httplib::Request &, httplib::Response &res) {
        sendJson(res, json{{"status", "ok"}});
    });

    // What a client needs to know before it sends anything: the version and the index cap.
    http.Get("/info", [&config](const httplib::Request &, httplib::Response &res) {
        sendJson(res, json{{"service", "fib-server"}, {"version", kVersion}, {"max_index", config.maxIndex}});
    });

    http.Get("/readyz", [&backend](const httplib::Request &, httplib::Response &res) {
        backend.checkReady();
        sendJson(res, json{{"status", "ready"}});
    });

    // Prometheus text format. nginx does not route it: scrape fib-server directly.
    http.Get("/metrics", [&backend, &events, &metrics, cache](const httplib::Request &, httplib::Response &res) {
        std::string out;
        metrics.render(out);
        out += "# HELP fib_event_streams Open live-event streams.\n# TYPE fib_event_streams gauge\n"
               "fib_event_streams " +
               std::to_string(events.openStreams()) + "\n";
        if (cache != nullptr)
            out += "# HELP fib_list_cache_requests_total GET /values/current pages answered from the cache or not.\n"
                   "# TYPE fib_list_cache_requests_total counter\n"
                   "fib_list_cache_requests_total{result=\"hit\"} " +
                   std::to_string(cache->hits()) + "\nfib_list_cache_requests_total{result=\"miss\"} " +
                   std::to_string(cache->misses()) +
                   "\n# HELP fib_list_cache_invalidations_total Times the cached pages were dropped.\n"
                   "# TYPE fib_list_cache_invalidations_total counter\nfib_list_cache_invalidations_total " +
                   std::to_string(cache->invalidations()) + "\n";
        bool redisUp = true;
        try {
            const auto queue = backend.queueStats();
            Metrics::renderQueue(out, queue);
        } catch (const UnavailableError &) {
            redisUp = false;
        }
        out += "# HELP fib_redis_up Whether Redis answered this scrape.\n# TYPE fib_redis_up gauge\nfib_redis_up " +
               std::string(redisUp ? "1" : "0") + "\n";
        res.set_content(out, "text/plain; version=0.0.4; charset=utf-8");
    });

    http.Get("/events", [&events](const httplib::Request &req, httplib::Response &res) {
        serveEvents(req, res, events);
    });

    http.Get("/values/all", [&backend](const httplib::Request &req, httplib::Response &res) {
        const Page page = pageOf(req);
        const auto rows = backend.indexes(page.after, page.limit);
        json body = json::array();
        for (const auto index : rows)
            body.push_back(json{{field::kNumber, index}});
        linkNextPage(res, page, rows);
        sendJson(res, body);
    });

    http.Get("/values/current", [&backend, cache](const httplib::Request &req, httplib::Response &res) {
        const Page page = pageOf(req);
        const std::string key = std::to_string(page.limit) + "," + (page.after ? indexText(*page.after) : "");
        if (cache != nullptr) {
            if (auto hit = cache->find(key)) {
                if (!hit->link.empty())
                    res.set_header("Link", hit->link);
                res.status = 200;
                res.set_content(std::move(hit->body), kJson);
                return;
            }
        }
        // Read before the data: a change after this point makes the stored copy unservable.
        const auto generation = cache != nullptr ? cache->generation() : 0;
        const auto rows = backend.indexes(page.after, page.limit);
        const auto briefs = backend.briefs(rows);
        // Ordered by index, as the original's page showed them. Postgres names the indexes;
        // one that Redis lost shows as pending until the reconciler has it computed again.
        ordered_json body = ordered_json::object();
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto &brief = i < briefs.size() ? briefs[i] : std::nullopt;
            body[indexText(rows[i])] = brief ? *brief : std::string(keys::kPendingValue);
        }
        linkNextPage(res, page, rows);
        sendJson(res, body);
        if (cache != nullptr)
            cache->store(key, generation, ResponseCache::Entry{res.body, res.get_header_value("Link")},
                         ResponseCache::Span{page.after, fullPageEnd(page, rows)});
    });

    http.Post("/values", [&backend, &config, &metrics, cache, &readDeadline](const httplib::Request &req,
                                                                             httplib::Response &res) {
        readDeadline.handling(peerOf(req)); // the body is read
        if (req.get_header_value_count("Content-Type") > 1)
            throw BadRequestError("Malformed request", "the request has more than one Content-Type");
        if (!isJsonMediaType(req.get_header_value("Content-Type")))
            throw UnsupportedMediaTypeError("Unsupported media type",
                                            "send the body as application/json, e.g. {\"index\": 10}");
        const Index index = parseSubmission(req.body, config.maxIndex);
        // Postgres first: once it has the index, the reconciler can always rebuild the job.
        // Each change drops the cached lists at once, before anything else can fail: the
        // client's next poll must list the index, even if this request ends in a 503.
        const bool listed = backend.recordSubmission(index);
        if (listed && cache != nullptr)
            cache->invalidate(index);
        // A new index in the list is announced to the other servers' caches by the submit
        // script (fib:invalidate), with or without a job.
        if (backend.enqueue(index, requestId(req), listed) == jobs::SubmitOutcome::Queued) {
            if (cache != nullptr)
                cache->invalidate(index);
            metrics.recordJobQueued();
        }
        sendJson(res, json{{field::kWorking, true}});
    });

    http.Get(R"(/values/([^/]+))", [&backend, &config](const httplib::Request &req, httplib::Response &res) {
        const Index index = parseIndex(std::string_view(req.matches[1].str()), config.maxIndex);
        auto stored = backend.value(index);
        ValueRecord record;
        record.index = index;
        if (stored && *stored != keys::kPendingValue) {
            if (auto reason = jobs::failureReason(*stored)) {
                record.status = ValueRecord::Status::Failed;
                record.error = std::move(reason);
            } else {
                record.status = ValueRecord::Status::Done;
                record.value = std::move(*stored);
            }
        } else if (!stored && !backend.isSubmitted(index)) {
            throw NotFoundError("Not submitted", "index " + indexText(index) +
                                                     " has not been submitted; POST it to /values first");
        }
        sendJson(res, json(record));
    });
}

bool methodAllowed(const std::string &allowed, const std::string &method)
{
    std::string_view rest = allowed;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        if (rest.substr(0, comma) == method)
            return true;
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
    }
    return false;
}

} // namespace

std::string allowedMethods(std::string_view path)
{
    std::string allowed;
    for (const auto &route : kRoutes) {
        if (!routeMatches(route, path) || methodAllowed(allowed, route.method))
            continue;
        allowed += (allowed.empty() ? "" : ", ") + std::string(route.method);
        if (std::string_view(route.method) == "GET")
            allowed += ", HEAD"; // cpp-httplib answers HEAD for every GET route
    }
    return allowed;
}

HttpServer::HttpServer(const Config &config, Backend &backend, EventHub &events, ResponseCache *cache)
    : m_http(std::make_unique<httplib::Server>()), m_events(events)
{
    auto &http = *m_http;
    const int threads = config.serverThreads;
    http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
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
        const bool bodyMethod = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
                                req.method == "DELETE" || req.method == "PRI";
        if (req.has_header("Transfer-Encoding")) {
            writeProblem(res, Problem{problemType("length-required"), "Length required", 411,
                                      "chunked request bodies are not accepted; send a Content-Length"});
        } else if (req.get_header_value_count("Content-Length") > 1 ||
                   (!length.empty() && !std::all_of(length.begin(), length.end(),
                                                    [](unsigned char c) { return std::isdigit(c); }))) {
            // cpp-httplib would wait for a body of some other length until its read timeout.
            writeProblem(res, Problem{problemType("bad-request"), "Malformed request", 400,
                                      "Content-Length must be one whole number"});
        } else if (!allowed.empty() && !methodAllowed(allowed, req.method)) {
            writeProblem(res, Problem{problemType("method-not-allowed"), "Method not allowed", 405,
                                      req.method + " is not allowed on " + req.path + "; allowed: " + allowed});
            res.set_header("Allow", allowed);
        } else if (bodyMethod && !req.has_header("Content-Length")) {
            if (allowed.empty())
                writeProblem(res, problemForStatus(404));
            else
                writeProblem(res, Problem{problemType("length-required"), "Length required", 411,
                                          "the request has no Content-Length; send the body as JSON with its "
                                          "length, e.g. {\"index\": 10}"});
        } else {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
    });
    // Without this handler cpp-httplib 0.11 would leak what() in an EXCEPTION_WHAT header.
    http.set_exception_handler([](const httplib::Request &req, httplib::Response &res, std::exception_ptr error) {
        writeProblem(res, problemFor(error, req.method + " " + req.path));
    });
    // Errors cpp-httplib makes itself (no route, 413, a bad request line) get problem bodies too.
    http.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request &, httplib::Response &res) {
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
            log::warn("request failed", {{"method", req.method}, {"path", req.path}, {"status", res.status},
                                         {"req_id", req.get_header_value("X-Request-Id")}});
    });
    registerRoutes(http, config, backend, events, m_metrics, cache, m_readDeadline);
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
// One malloc_trim() when a second passes without requests after some gives it back.
void HttpServer::trimAfterBursts()
{
    std::uint64_t seen = m_requests.load();
    bool busy = false;
    std::unique_lock lock(m_trimMutex);
    while (!m_trimWake.wait_for(lock, std::chrono::seconds(1), [this] { return m_trimStop; })) {
        const std::uint64_t now = m_requests.load(std::memory_order_relaxed);
        if (now != seen) {
            seen = now;
            busy = true;
        } else if (busy) {
            busy = false;
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
    m_events.stop(); // wakes the live-event streams, which then end
    const int socket = m_listenSocket.load();
    if (socket >= 0)
        ::shutdown(socket, SHUT_RDWR);
    else
        m_http->stop();
}

} // namespace fib::server
