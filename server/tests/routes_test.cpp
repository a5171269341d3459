// Every route, in one process: fib-server's HttpServer on a free loopback port over a fake
// Backend, and cpp-httplib's client. Pagination and cursors, the Link header, content types and
// lengths, a problem for each error class, and the list cache's hits and invalidation order.
// No PostgreSQL or Redis: those paths are covered by the integration suites in tests/.
#include <QtTest>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fib/errors.hpp"
#include "fib/keys.hpp"
#include "fib/server/backend.hpp"
#include "fib/server/http_server.hpp"
#include "fib/server/list_cache.hpp"
#include "fib/version.hpp"

using nlohmann::json;
namespace server = fib::server;

namespace {

// PostgreSQL's record and Redis's values in two maps. Handlers call it from server threads.
class FakeBackend final : public server::Backend {
public:
    enum class Fail { None, Unavailable, Bug };

    bool recordSubmission(fib::Index index) override
    {
        const std::lock_guard lock(m_mutex);
        calls.push_back("record " + std::to_string(index));
        fail(failRecord);
        return submitted.insert(index).second;
    }
    std::vector<fib::Index> indexes(std::optional<fib::Index> after, std::size_t limit) override
    {
        const std::lock_guard lock(m_mutex);
        ++indexReads;
        fail(failReads);
        std::vector<fib::Index> rows;
        for (auto it = after ? submitted.upper_bound(*after) : submitted.begin();
             it != submitted.end() && rows.size() < limit; ++it)
            rows.push_back(*it);
        return rows;
    }
    bool isSubmitted(fib::Index index) override
    {
        const std::lock_guard lock(m_mutex);
        return submitted.count(index) != 0;
    }
    fib::jobs::SubmitOutcome enqueue(fib::Index index, std::string_view, bool) override
    {
        const std::lock_guard lock(m_mutex);
        calls.push_back("enqueue " + std::to_string(index));
        fail(failEnqueue);
        const auto it = values.find(index);
        if (it == values.end()) {
            values[index] = std::string(fib::keys::kPendingValue);
            return fib::jobs::SubmitOutcome::Queued;
        }
        return it->second == fib::keys::kPendingValue ? fib::jobs::SubmitOutcome::Pending
                                                      : fib::jobs::SubmitOutcome::Done;
    }
    std::vector<std::optional<std::string>> briefs(const std::vector<fib::Index> &rows) override
    {
        const std::lock_guard lock(m_mutex);
        std::vector<std::optional<std::string>> out;
        for (const auto index : rows) {
            const auto it = values.find(index);
            out.push_back(it == values.end() ? std::nullopt
                                             : std::optional<std::string>(it->second));
        }
        return out;
    }
    server::ValueRead value(fib::Index index) override
    {
        const std::lock_guard lock(m_mutex);
        const auto it = values.find(index);
        if (it == values.end())
            return {};
        return {it->second, false};
    }
    void checkReady() override
    {
        const std::lock_guard lock(m_mutex);
        fail(failReads);
    }
    server::QueueStats queueStats() override
    {
        server::QueueStats stats;
        stats.streamLength = 3;
        return stats;
    }

    // Set between requests only.
    std::set<fib::Index> submitted;
    std::map<fib::Index, std::string> values;
    std::vector<std::string> calls;
    int indexReads = 0;
    Fail failRecord = Fail::None;
    Fail failReads = Fail::None;
    Fail failEnqueue = Fail::None;

private:
    static void fail(Fail how)
    {
        if (how == Fail::Unavailable)
            throw fib::UnavailableError("PostgreSQL unavailable", "connection refused (fake)");
        if (how == Fail::Bug)
            throw std::logic_error("secret internals (fake)");
    }
    std::mutex m_mutex;
};

// HttpServer serving on 127.0.0.1 from its own thread, for one test.
struct InProcessServer {
    InProcessServer()
    {
        config.serverThreads = 8;
        config.maxIndex = 1000;
        cache.setEnabled(true); // as the change listener does once subscribed
        if (!http.bind("127.0.0.1", 0))
            throw std::runtime_error("cannot bind a loopback port");
        thread = std::thread([this] { http.serve(); });
    }
    ~InProcessServer()
    {
        http.stop();
        thread.join();
    }
    httplib::Client client() const
    {
        httplib::Client client("127.0.0.1", http.port());
        client.set_read_timeout(10, 0);
        return client;
    }
    void submit(std::initializer_list<fib::Index> indexes)
    {
        for (const auto index : indexes)
            backend.submitted.insert(index);
    }

    fib::Config config;
    FakeBackend backend;
    server::ListCache cache;
    server::HttpServer http{config, backend, &cache};
    std::thread thread;
};

json bodyOf(const httplib::Result &res)
{
    return json::parse(res->body);
}

// The answer is a problem document with this status and title.
void checkProblem(const httplib::Result &res, int status, const std::string &title = {})
{
    QVERIFY(res);
    QCOMPARE(res->status, status);
    QCOMPARE(res->get_header_value("Content-Type"), std::string("application/problem+json"));
    const auto problem = bodyOf(res);
    QCOMPARE(problem.at("status").get<int>(), status);
    QVERIFY(problem.at("type").get<std::string>().rfind("urn:fib:problem:", 0) == 0);
    if (!title.empty())
        QCOMPARE(problem.at("title").get<std::string>(), title);
}

httplib::Result postJson(httplib::Client &client, const std::string &body,
                         const char *type = "application/json")
{
    return client.Post("/values", body, type);
}

} // namespace

class RoutesTest : public QObject {
    Q_OBJECT
private slots:
    // The table, the document and the server agree: every route is documented, every documented
    // route is in the table (only /metrics is not under /api), and each answers.
    void everyRouteIsDocumentedAndAnswers()
    {
        InProcessServer s;
        s.submit({10});
        s.backend.values[10] = "55";
        auto client = s.client();
        const auto document = json::parse(std::string(server::kOpenApiDocument));
        QCOMPARE(document.at("info").at("version").get<std::string>(), std::string(fib::kVersion));
        std::set<std::pair<std::string, std::string>> documented;
        for (const auto &[path, item] : document.at("paths").items())
            for (const auto &[method, operation] : item.items())
                if (!operation.contains("x-served-by")) // nginx's, not fib-server's
                    documented.emplace(QString::fromStdString(method).toUpper().toStdString(),
                                       path);
        std::set<std::pair<std::string, std::string>> served;
        for (const auto &route : server::kRoutes)
            if (std::string_view(route.path) != "/metrics")
                served.emplace(route.method, route.path);
        QCOMPARE(documented, served);
        for (const auto &route : server::kRoutes) {
            QString path = QString::fromLatin1(route.path)
                               .replace(QStringLiteral("{n}"), QStringLiteral("10"));
            const std::string url = path.toStdString();
            const auto res = std::string_view(route.method) == "POST"
                                 ? postJson(client, R"({"index": 10})")
                                 : client.Get(url.c_str());
            QVERIFY2(res, route.path);
            QVERIFY2(res->status == 200,
                     qPrintable(path + QStringLiteral(": ") + QString::number(res->status)));
        }
    }

    void contentTypesAndLengthsMatchTheBodies()
    {
        InProcessServer s;
        s.submit({1, 2});
        s.backend.values[1] = "1";
        auto client = s.client();
        const std::pair<const char *, const char *> expected[] = {
            {"/", "text/html"},
            {"/healthz", "application/json"},
            {"/readyz", "application/json"},
            {"/info", "application/json"},
            {"/openapi.json", "application/json"},
            {"/metrics", "text/plain; version=0.0.4; charset=utf-8"},
            {"/values/all", "application/json"},
            {"/values/current", "application/json"},
            {"/values/1", "application/json"},
            {"/values/9", "application/problem+json"},
        };
        for (const auto &[path, type] : expected) {
            // Uncompressed, so the length is the body's: cpp-httplib built with zlib and brotli
            // (Debian 13) asks for and decodes compressed bodies by itself.
            const auto res = client.Get(path, {{"Accept-Encoding", "identity"}});
            QVERIFY2(res, path);
            QCOMPARE(res->get_header_value("Content-Type"), std::string(type));
            QCOMPARE(res->get_header_value("Content-Length"), std::to_string(res->body.size()));
        }
    }

    // A full page links the next one (relative, so it works behind nginx's /api); the last one
    // that is not full does not.
    void listsPageWithCursorsAndLinks()
    {
        InProcessServer s;
        for (fib::Index i = 1; i <= 250; ++i)
            s.backend.submitted.insert(i * 2);
        auto client = s.client();
        auto res = client.Get("/values/all");
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        auto rows = bodyOf(res);
        QCOMPARE(rows.size(), std::size_t(100)); // the default page
        QCOMPARE(rows.front(), json({{"number", 2}}));
        QCOMPARE(rows.back(), json({{"number", 200}}));
        QCOMPARE(res->get_header_value("Link"),
                 std::string("<?limit=100&after=200>; rel=\"next\""));

        res = client.Get("/values/all?limit=100&after=200");
        QCOMPARE(bodyOf(res).front(), json({{"number", 202}}));
        res = client.Get("/values/all?limit=100&after=400");
        QCOMPARE(bodyOf(res).size(), std::size_t(50));
        QVERIFY(!res->has_header("Link"));

        res = client.Get("/values/current?limit=3&after=10");
        QCOMPARE(res->status, 200);
        QCOMPARE(res->body,
                 std::string(R"({"12":"Nothing yet!","14":"Nothing yet!","16":"Nothing yet!"})"));
        QCOMPARE(res->get_header_value("Link"), std::string("<?limit=3&after=16>; rel=\"next\""));
        // A cursor beyond every index is an empty page, also beyond 2^31.
        res = client.Get("/values/current?after=99999999999");
        QCOMPARE(res->status, 200);
        QCOMPARE(res->body, std::string("{}"));
        QVERIFY(!res->has_header("Link"));
    }

    void badPagesAreRefusedBeforeAnyRead()
    {
        InProcessServer s;
        auto client = s.client();
        for (const char *query :
             {"limit=0", "limit=1001", "limit=abc", "limit=-1", "limit=", "limit=1.5"})
            for (const char *path : {"/values/all?", "/values/current?"})
                checkProblem(client.Get((std::string(path) + query).c_str()), 400, "Invalid limit");
        for (const char *query : {"after=x", "after=-1", "after=", "after=1e3"})
            checkProblem(client.Get((std::string("/values/current?") + query).c_str()), 400,
                         "Invalid cursor");
        QCOMPARE(s.backend.indexReads, 0);
    }

    void oneValueSaysDonePendingOrFailed()
    {
        InProcessServer s;
        s.submit({5, 6, 7});
        s.backend.values[5] = "5";
        s.backend.values[7] = fib::jobs::failedText("the worker ran out of memory");
        auto client = s.client();
        QCOMPARE(bodyOf(client.Get("/values/5")),
                 json({{"index", 5}, {"status", "done"}, {"digits", 1}, {"value", "5"}}));
        QCOMPARE(bodyOf(client.Get("/values/6")), json({{"index", 6}, {"status", "pending"}}));
        QCOMPARE(
            bodyOf(client.Get("/values/7")),
            json({{"index", 7}, {"status", "failed"}, {"error", "the worker ran out of memory"}}));
        checkProblem(client.Get("/values/8"), 404, "Not submitted");
        checkProblem(client.Get("/values/abc"), 422);
        checkProblem(client.Get("/values/1001"), 422, "Index too high"); // config.maxIndex
    }

    // One problem per error class, each as application/problem+json with its status.
    void eachErrorClassIsItsProblem()
    {
        InProcessServer s;
        auto client = s.client();
        checkProblem(postJson(client, "{\"index\": "), 400);                  // not JSON
        checkProblem(postJson(client, R"({"index": 5})", "text/plain"), 415); // not JSON's type
        checkProblem(postJson(client, R"({"index": -5})"), 422);              // not an index
        checkProblem(postJson(client, R"({"index": 1001})"), 422, "Index too high");
        checkProblem(client.Get("/nowhere"), 404);
        checkProblem(client.Get("/openapi-json"), 404); // a route's dot is no regex wildcard
        checkProblem(postJson(client, std::string(server::kMaxBodyBytes + 1, ' ')), 413);
        const auto wrongMethod = client.Delete("/values");
        checkProblem(wrongMethod, 405);
        QCOMPARE(wrongMethod->get_header_value("Allow"), std::string("POST"));
        QCOMPARE(client.Put("/values/current", "", "text/plain")->get_header_value("Allow"),
                 std::string("GET, HEAD"));
        QVERIFY(s.backend.calls.empty()); // no bad request reached storage

        s.backend.failReads = FakeBackend::Fail::Unavailable;
        const auto down = client.Get("/readyz");
        checkProblem(down, 503);
        QCOMPARE(down->get_header_value("Retry-After"), std::string("1"));
        s.backend.failReads = FakeBackend::Fail::Bug;
        const auto bug = client.Get("/values/all");
        checkProblem(bug, 500, "Internal error");
        QVERIFY(bug->body.find("secret") == std::string::npos); // what() stays in the log
    }

    // A repeated poll is answered from the cache; the cache is per page (limit and cursor).
    void repeatedPollsAreServedFromTheCache()
    {
        InProcessServer s;
        s.submit({1, 2, 3});
        auto client = s.client();
        const auto first = client.Get("/values/current");
        QCOMPARE(s.backend.indexReads, 1);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(client.Get("/values/current")->body, first->body);
        QCOMPARE(s.backend.indexReads, 1);
        QCOMPARE(s.cache.hits(), std::uint64_t(5));
        client.Get("/values/current?limit=2");
        QCOMPARE(s.backend.indexReads, 2);
        const auto linked = client.Get("/values/current?limit=2");
        QCOMPARE(s.backend.indexReads, 2);
        QCOMPARE(linked->get_header_value("Link"), std::string("<?limit=2&after=2>; rel=\"next\""));
        QVERIFY(
            client.Get("/metrics")->body.find("fib_list_cache_requests_total{result=\"hit\"} 6") !=
            std::string::npos);
    }

    // The POST records the index, then queues it, and the page that lists it drops before the
    // answer: the client's next poll shows it.
    void aSubmissionIsListedByTheNextPoll()
    {
        InProcessServer s;
        s.submit({1});
        auto client = s.client();
        QCOMPARE(client.Get("/values/current")->body, std::string(R"({"1":"Nothing yet!"})"));
        const auto res = postJson(client, R"({"index": 4})");
        QCOMPARE(res->status, 200);
        QCOMPARE(bodyOf(res), json({{"working", true}}));
        QCOMPARE(s.backend.calls, (std::vector<std::string>{"record 4", "enqueue 4"}));
        QCOMPARE(client.Get("/values/current")->body,
                 std::string(R"({"1":"Nothing yet!","4":"Nothing yet!"})"));
    }

    // Redis failing after PostgreSQL listed the index: 503, and the list shows it all the same.
    void aFailedQueueStillDropsThePage()
    {
        InProcessServer s;
        s.submit({1});
        auto client = s.client();
        client.Get("/values/current");
        s.backend.failEnqueue = FakeBackend::Fail::Unavailable;
        checkProblem(postJson(client, R"({"index": 2})"), 503);
        QCOMPARE(client.Get("/values/current")->body,
                 std::string(R"({"1":"Nothing yet!","2":"Nothing yet!"})"));
    }

    // PostgreSQL failing: 503 and nothing queued (the reconciler could not rebuild the job).
    void aFailedRecordQueuesNothing()
    {
        InProcessServer s;
        auto client = s.client();
        s.backend.failRecord = FakeBackend::Fail::Unavailable;
        checkProblem(postJson(client, R"({"index": 2})"), 503);
        QCOMPARE(s.backend.calls, std::vector<std::string>{"record 2"});
        QVERIFY(s.backend.values.empty());
    }

    // A value computed elsewhere reaches the cache as a pub/sub message (ChangeListener hands it
    // to ListCache::heard); the next poll shows it.
    void aHeardValueReplacesTheCachedPage()
    {
        InProcessServer s;
        s.submit({7});
        auto client = s.client();
        QCOMPARE(client.Get("/values/current")->body, std::string(R"({"7":"Nothing yet!"})"));
        s.backend.values[7] = "13";
        QCOMPARE(client.Get("/values/current")->body,
                 std::string(R"({"7":"Nothing yet!"})")); // cached
        s.cache.heard(fib::keys::kChangedChannel, R"({"index":7,"value":"13"})");
        QCOMPARE(client.Get("/values/current")->body, std::string(R"({"7":"13"})"));
    }
};

QTEST_GUILESS_MAIN(RoutesTest)
#include "routes_test.moc"
