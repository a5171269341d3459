// Every route, through nginx and straight to fib-server, against the real stack.
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "fib/fibonacci.hpp"
#include "fib/keys.hpp"
#include "fib/models.hpp"
#include "fib/server/http_server.hpp"
#include "fib/sse.hpp"
#include "fib/version.hpp"
#include "stack.hpp"

using fib::test::postIndex;
using nlohmann::json;

namespace {

constexpr char kOpenBracket = '[';

json bodyOf(const httplib::Result &res)
{
    return json::parse(res->body);
}

std::string currentValue(httplib::Client &client, const std::string &index)
{
    const auto res = client.Get("/api/values/current?limit=1000");
    if (!res || res->status != 200)
        return "<no answer>";
    const auto body = json::parse(res->body);
    return body.contains(index) ? body.at(index).get<std::string>() : "<absent>";
}

// The first "computed" event the reader got for `index`, if any.
std::optional<fib::SseEvent> computedEvent(const fib::test::EventReader &reader, fib::Index index)
{
    for (const auto &event : reader.events()) {
        if (event.type != "computed")
            continue;
        const auto data = json::parse(event.data, nullptr, false);
        if (data.is_object() && data.contains("index") && data.at("index") == index)
            return event;
    }
    return std::nullopt;
}

// The value of the reader's "computed" event for `index`, or "<none>" before one came.
std::string computedValue(const fib::test::EventReader &reader, fib::Index index)
{
    const auto event = computedEvent(reader, index);
    return event ? json::parse(event->data).get<fib::ComputedEvent>().value : "<none>";
}

// The "seq" of the reader's "computed" event for `index`, or 0.
std::uint64_t computedSeq(const fib::test::EventReader &reader, fib::Index index)
{
    const auto event = computedEvent(reader, index);
    return event ? json::parse(event->data).get<fib::ComputedEvent>().seq : 0;
}

// Whether the reader got an event of `type` (with exactly this data, if given).
bool sawEvent(const fib::test::EventReader &reader, const std::string &type,
              const std::optional<std::string> &data = std::nullopt)
{
    const auto events = reader.events();
    return std::any_of(events.begin(), events.end(), [&](const fib::SseEvent &event) {
        return event.type == type && (!data || event.data == *data);
    });
}

} // namespace

class ApiTest : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<fib::test::Stack> m_stack;
    std::unique_ptr<fib::test::Worker> m_worker;
    std::unique_ptr<httplib::Client> m_nginx;

    // Nothing reached PostgreSQL or Redis.
    void verifyNothingWritten()
    {
        QCOMPARE(m_stack->sql("SELECT count(*) FROM \"values\""), std::string("0"));
        // No value, no pending mark, no job. (The worker may recreate its empty stream and group
        // after a reset at any time; that is its bookkeeping, not a write of the request.)
        auto redis = m_stack->redis();
        QCOMPARE(fib::redis::integer(*redis->checked({"HLEN", fib::keys::kValuesHash})), 0LL);
        QCOMPARE(fib::redis::integer(*redis->checked({"HLEN", fib::keys::kBriefHash})), 0LL);
        QCOMPARE(fib::redis::integer(*redis->checked({"XLEN", fib::keys::kJobsStream})), 0LL);
    }

private slots:
    void initTestCase()
    {
        m_stack = std::make_unique<fib::test::Stack>();
        m_nginx = m_stack->nginx();
        // The stack's live-event relay, as scripts/stack makes its first worker.
        m_worker = std::make_unique<fib::test::Worker>(*m_stack, QStringLiteral("api-test"),
                                                       m_stack->relayEnvironment());
    }

    void init() { QVERIFY(m_stack->reset()); }

    void cleanupTestCase()
    {
        if (m_worker)
            QVERIFY(m_worker->terminate());
    }

    void rootPageNamesTheService()
    {
        const auto res = m_nginx->Get("/");
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        QVERIFY(res->get_header_value("Content-Type").find("text/html") == 0);
        QVERIFY(res->body.find("/api/values") != std::string::npos);
    }

    void originalRootAnswersHi()
    {
        const auto res = m_stack->api()->Get("/");
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        QCOMPARE(res->body, std::string("Hi"));
    }

    void healthAndReadiness()
    {
        for (const char *path : {"/api/healthz", "/api/readyz"}) {
            const auto res = m_nginx->Get(path);
            QVERIFY(res);
            QCOMPARE(res->status, 200);
        }
    }

    void infoNamesVersionAndCap()
    {
        const auto res = m_nginx->Get("/api/info");
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        const auto body = bodyOf(res);
        QCOMPARE(body.at("max_index").get<fib::Index>(), fib::Index(1'000'000));
        QVERIFY(!body.at("version").get<std::string>().empty());
    }

    void readinessIs503WithoutRedis()
    {
        // A second fib-server aimed at a port where nothing listens.
        fib::test::ServerProcess server(
            *m_stack, {{QStringLiteral("REDIS_PORT"), QString::number(fib::test::freePort())}});
        QVERIFY(server.waitUntilLive());
        auto client = server.client();
        const auto res = client->Get("/readyz");
        QVERIFY(res);
        QCOMPARE(res->status, 503);
        QCOMPARE(res->get_header_value("Content-Type"), std::string("application/problem+json"));
        QCOMPARE(bodyOf(res).at("status").get<int>(), 503);
        // POST while Redis is down: a clear 503, never a crash.
        const auto post = postIndex(*client, R"({"index": 3})", "");
        QVERIFY(post);
        QCOMPARE(post->status, 503);
        QCOMPARE(server.terminate(), 0);
    }

    void theOriginalTableIsUpgradedOnceByRacingServers()
    {
        // The original's schema: values(number INT), one row per POST, duplicates included.
        m_stack->sql("DROP DATABASE IF EXISTS legacy");
        m_stack->sql("CREATE DATABASE legacy");
        fib::test::Stack legacy = *m_stack;
        legacy.setDatabase("legacy");
        // A database from before the least-privilege roles: the services used the superuser.
        legacy.setServiceRole("postgres");
        legacy.sql("CREATE TABLE values (number INT)");
        legacy.sql("INSERT INTO values VALUES (5), (5), (7), (5), (40)");

        // Two servers start at once against it: the advisory lock lets one migrate.
        fib::test::ServerProcess first(legacy), second(legacy);
        for (auto *server : {&first, &second}) {
            QVERIFY(server->waitUntilLive());
            auto client = server->client();
            QTRY_COMPARE_WITH_TIMEOUT(client->Get("/readyz")->status, 200, 15000);
            const auto all = client->Get("/values/all");
            QCOMPARE(bodyOf(all), json::parse(R"([{"number":5},{"number":7},{"number":40}])"));
        }
        QCOMPARE(legacy.sql("SELECT times_requested FROM values WHERE number = 5"),
                 std::string("3"));
        QCOMPARE(legacy.sql("SELECT count(*) FROM fib_schema"), std::string("1"));
        QCOMPARE(first.terminate(), 0);
        QCOMPARE(second.terminate(), 0);
        m_stack->sql("DROP DATABASE legacy");
    }

    void currentIsAnEmptyObjectWhenEmpty()
    {
        const auto res = m_nginx->Get("/api/values/current");
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        QCOMPARE(res->body, std::string("{}"));
        const auto all = m_nginx->Get("/api/values/all");
        QCOMPARE(all->body, std::string("[]"));
    }

    void postThenPollUntilDone()
    {
        const auto res = postIndex(*m_nginx, R"({"index":"10"})");
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        QCOMPARE(res->body, std::string(R"({"working":true})"));
        QTRY_COMPARE_WITH_TIMEOUT(currentValue(*m_nginx, "10"), std::string("55"), 10000);

        const auto value = m_nginx->Get("/api/values/10");
        QCOMPARE(value->status, 200);
        QCOMPARE(bodyOf(value),
                 json::parse(R"({"index":10,"status":"done","digits":2,"value":"55"})"));
        const auto all = m_nginx->Get("/api/values/all");
        QCOMPARE(bodyOf(all), json::parse(R"([{"number":10}])"));
    }

    void standardNumberingAtTheEdges()
    {
        for (const char *index : {"0", "1", "93", "94"})
            QCOMPARE(postIndex(*m_nginx, std::string(R"({"index":)") + index + "}")->status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(currentValue(*m_nginx, "94"), fib::fibonacciDecimal(94), 10000);
        QCOMPARE(currentValue(*m_nginx, "0"), std::string("0"));
        QCOMPARE(currentValue(*m_nginx, "1"), std::string("1"));
        QCOMPARE(currentValue(*m_nginx, "93"), std::string("12200160415121876738"));
    }

    void eachIndexIsListedOnce()
    {
        for (const char *body :
             {R"({"index": 5})", R"({"index": "5"})", R"({"index": "005"})", R"({"index": 6})"})
            QCOMPARE(postIndex(*m_nginx, body)->status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(currentValue(*m_nginx, "5"), std::string("5"), 10000);
        QCOMPARE(bodyOf(m_nginx->Get("/api/values/all")),
                 json::parse(R"([{"number":5},{"number":6}])"));
        QCOMPARE(m_stack->sql("SELECT times_requested FROM \"values\" WHERE number = 5"),
                 std::string("3"));
        QCOMPARE(m_stack->sql("SELECT count(*) FROM \"values\" WHERE first_seen <= now()"),
                 std::string("2"));
    }

    void resubmittingAComputedIndexDoesNotRecompute()
    {
        QCOMPARE(postIndex(*m_nginx, R"({"index": 30})")->status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(currentValue(*m_nginx, "30"), std::string("832040"), 10000);
        auto redis = m_stack->redis();
        const auto before =
            redis->checked({"HGET", fib::keys::kWorkerStatsHash, fib::keys::kStatComputed});
        QCOMPARE(postIndex(*m_nginx, R"({"index": 30})")->status, 200);
        // Answered at once: the value is never reset to "Nothing yet!" and no job is queued.
        QCOMPARE(currentValue(*m_nginx, "30"), std::string("832040"));
        QCOMPARE(fib::redis::integer(*redis->checked({"XLEN", fib::keys::kJobsStream})), 0LL);
        const auto after =
            redis->checked({"HGET", fib::keys::kWorkerStatsHash, fib::keys::kStatComputed});
        QCOMPARE(fib::redis::text(*after), fib::redis::text(*before));
    }

    void listsArePaginated()
    {
        for (int i = 0; i < 25; ++i)
            QCOMPARE(postIndex(*m_nginx, "{\"index\": " + std::to_string(i) + "}")->status, 200);
        std::vector<int> seen;
        std::string path = "/api/values/all?limit=10";
        int pages = 0;
        while (!path.empty()) {
            const auto res = m_nginx->Get(path.c_str());
            QVERIFY(res);
            QCOMPARE(res->status, 200);
            for (const auto &row : bodyOf(res))
                seen.push_back(row.at("number").get<int>());
            ++pages;
            const auto link = res->get_header_value("Link");
            path.clear();
            if (!link.empty()) {
                QVERIFY(link.find("rel=\"next\"") != std::string::npos);
                path = "/api/values/all" + link.substr(1, link.find('>') - 1);
            }
        }
        QCOMPARE(pages, 3);
        QCOMPARE(seen.size(), std::size_t{25});
        for (int i = 0; i < 25; ++i)
            QCOMPARE(seen[static_cast<std::size_t>(i)], i);

        const auto current = m_nginx->Get("/api/values/current?limit=5&after=19");
        QCOMPARE(bodyOf(current).size(), std::size_t{5});
        QVERIFY(bodyOf(current).contains("20"));
        QVERIFY(current->get_header_value("Link").empty() == false);
    }

    void aCursorBeyondEveryIndexIsAnEmptyPage()
    {
        // The column is an INT; a larger cursor once reached PostgreSQL as an error (503).
        QCOMPARE(postIndex(*m_nginx, "{\"index\": 7}")->status, 200);
        for (const char *after :
             {"2147483646", "2147483647", "2147483648", "99999999999", "18446744073709551615"}) {
            const auto all = m_nginx->Get((std::string("/api/values/all?after=") + after).c_str());
            QVERIFY(all);
            QCOMPARE(all->status, 200);
            QCOMPARE(bodyOf(all), json::array());
            const auto current =
                m_nginx->Get((std::string("/api/values/current?after=") + after).c_str());
            QVERIFY(current);
            QCOMPARE(current->status, 200);
            QCOMPARE(bodyOf(current), json::object());
        }
        QCOMPARE(m_nginx->Get("/api/readyz")->status, 200);
    }

    void badPageParameters_data()
    {
        QTest::addColumn<QString>("query");
        QTest::newRow("zero") << "limit=0";
        QTest::newRow("above max") << "limit=1001";
        QTest::newRow("letters") << "limit=ten";
        QTest::newRow("negative") << "limit=-5";
        QTest::newRow("bad cursor") << "after=abc";
        QTest::newRow("negative cursor") << "after=-1";
    }
    void badPageParameters()
    {
        QFETCH(QString, query);
        for (const char *path : {"/api/values/all?", "/api/values/current?"}) {
            const auto res = m_nginx->Get((path + query.toStdString()).c_str());
            QVERIFY(res);
            QCOMPARE(res->status, 400);
            QCOMPARE(res->get_header_value("Content-Type"),
                     std::string("application/problem+json"));
        }
    }

    void longValuesAreSummarisedInLists()
    {
        QCOMPARE(postIndex(*m_nginx, R"({"index": 1000000})")->status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(
            currentValue(*m_nginx, "1000000").find("(208988 digits)") != std::string::npos, 20000);
        QVERIFY(currentValue(*m_nginx, "1000000").size() < 100);
        const auto full = m_nginx->Get("/api/values/1000000");
        QVERIFY(full);
        QCOMPARE(full->status, 200);
        const auto body = bodyOf(full);
        QCOMPARE(body.at("digits").get<std::size_t>(), std::size_t{208988});
        QCOMPARE(body.at("value").get<std::string>().size(), std::size_t{208988});
        QCOMPARE(body.at("value").get<std::string>(), fib::fibonacciDecimal(1'000'000));
    }

    void valueEndpoint()
    {
        const auto missing = m_nginx->Get("/api/values/77");
        QCOMPARE(missing->status, 404);
        QCOMPARE(missing->get_header_value("Content-Type"),
                 std::string("application/problem+json"));
        const auto invalid = m_nginx->Get("/api/values/abc");
        QCOMPARE(invalid->status, 422);
        const auto tooHigh = m_nginx->Get("/api/values/1000001");
        QCOMPARE(tooHigh->status, 422);
        QCOMPARE(bodyOf(tooHigh).at("title").get<std::string>(), std::string("Index too high"));
    }

    void indexAboveTheCapIs422()
    {
        auto direct = m_stack->api();
        for (auto *client : {m_nginx.get(), direct.get()}) {
            const std::string prefix = client == m_nginx.get() ? "/api" : "";
            const auto res = postIndex(*client, R"({"index": 1000001})", prefix);
            QVERIFY(res);
            QCOMPARE(res->status, 422);
            QCOMPARE(res->get_header_value("Content-Type"),
                     std::string("application/problem+json"));
            QCOMPARE(bodyOf(res).at("title").get<std::string>(), std::string("Index too high"));
        }
        verifyNothingWritten();
    }

    void malformedRequestsAre4xxAndWriteNothing_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("status");
        const QByteArray jsonType = "application/json";
        QTest::newRow("not JSON") << QByteArray("index=5") << jsonType << 400;
        QTest::newRow("empty body") << QByteArray("") << jsonType << 400;
        QTest::newRow("truncated") << QByteArray(R"({"index": )") << jsonType << 400;
        QTest::newRow("array") << QByteArray("[5]") << jsonType << 400;
        QTest::newRow("missing index") << QByteArray(R"({"number": 5})") << jsonType << 400;
        QTest::newRow("invalid UTF-8") << QByteArray("{\"index\": \"\xc3(\"}") << jsonType << 400;
        QTest::newRow("deep nesting") << QByteArray(1000, kOpenBracket) << jsonType << 400;
        QTest::newRow("letters") << QByteArray(R"({"index": "abc"})") << jsonType << 422;
        QTest::newRow("empty string") << QByteArray(R"({"index": ""})") << jsonType << 422;
        QTest::newRow("negative") << QByteArray(R"({"index": -1})") << jsonType << 422;
        QTest::newRow("sign") << QByteArray(R"({"index": "+7"})") << jsonType << 422;
        QTest::newRow("space") << QByteArray(R"({"index": " 7"})") << jsonType << 422;
        QTest::newRow("decimal") << QByteArray(R"({"index": "3.5"})") << jsonType << 422;
        QTest::newRow("float") << QByteArray(R"({"index": 7.0})") << jsonType << 422;
        QTest::newRow("exponent") << QByteArray(R"({"index": 1e3})") << jsonType << 422;
        QTest::newRow("null") << QByteArray(R"({"index": null})") << jsonType << 422;
        QTest::newRow("object") << QByteArray(R"({"index": {}})") << jsonType << 422;
        QTest::newRow("SQL injection")
            << QByteArray("{\"index\": \"1); DROP TABLE values; --\"}") << jsonType << 422;
        QTest::newRow("huge number")
            << QByteArray(R"({"index": 99999999999999999999999999})") << jsonType << 422;
        QTest::newRow("text/plain")
            << QByteArray(R"({"index": 5})") << QByteArray("text/plain") << 415;
        QTest::newRow("form") << QByteArray("index=5")
                              << QByteArray("application/x-www-form-urlencoded") << 415;
        QTest::newRow("oversized")
            << QByteArray("{\"index\": \"" + QByteArray(8000, '1') + "\"}") << jsonType << 413;
    }
    void malformedRequestsAre4xxAndWriteNothing()
    {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(int, status);
        auto direct = m_stack->api();
        for (auto *client : {m_nginx.get(), direct.get()}) {
            const std::string prefix = client == m_nginx.get() ? "/api" : "";
            const auto res = client->Post((prefix + "/values").c_str(), body.toStdString(),
                                          contentType.toStdString().c_str());
            QVERIFY(res);
            QCOMPARE(res->status, status);
            QCOMPARE(res->get_header_value("Content-Type"),
                     std::string("application/problem+json"));
            QVERIFY(!res->has_header("EXCEPTION_WHAT"));
            const auto problem = bodyOf(res);
            QCOMPARE(problem.at("status").get<int>(), status);
            QVERIFY(!problem.at("title").get<std::string>().empty());
        }
        verifyNothingWritten();
        // Everything is still up.
        QCOMPARE(m_nginx->Get("/api/healthz")->status, 200);
        QVERIFY(m_worker->running());
    }

    void chunkedBodyStraightToTheServerIsRefused()
    {
        auto direct = m_stack->api();
        httplib::Headers headers{{"Transfer-Encoding", "chunked"}};
        const std::string chunked = "5\r\n{\"ind\r\n0\r\n\r\n";
        const auto res = direct->Post("/values", headers, chunked, "application/json");
        QVERIFY(res);
        QVERIFY(res->status >= 400 && res->status < 500);
        verifyNothingWritten();
    }

    void liveEventsCarryComputedValues()
    {
        fib::test::EventReader reader(m_stack->httpPort(), "/api/events");
        QTRY_VERIFY_WITH_TIMEOUT(reader.opened(), 10000);
        QCOMPARE(postIndex(*m_nginx, R"({"index": 12})")->status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(computedEvent(reader, 12).has_value(), 10000);
        QCOMPARE(postIndex(*m_nginx, R"({"index": 100000})")->status, 200);
        // The data is one compact JSON object with the event's number, and the event has an ID
        // to resume from.
        const auto seq = computedSeq(reader, 12);
        QVERIFY(seq > 0);
        QVERIFY(sawEvent(reader, "computed",
                         R"({"index":12,"seq":)" + std::to_string(seq) + R"(,"value":"144"})"));
        QVERIFY(!computedEvent(reader, 12)->id.empty());
        // Long values arrive in their list form, numbered next.
        const std::string summary = fib::briefValue(fib::fibonacciDecimal(100'000));
        QTRY_COMPARE_WITH_TIMEOUT(computedValue(reader, 100'000), summary, 10000);
        QCOMPARE(computedSeq(reader, 100'000), seq + 1);
        // fib-server has no stream of its own any more: nginx holds every subscriber.
        QCOMPARE(m_stack->api()->Get("/events")->status, 404);
    }

    void theCachedListIsNeverStaleForTheClientThatChangedIt()
    {
        // fib-server caches GET /values/current. A client that POSTs must see its index listed
        // at once, and the value in the list once the computed event arrives; while another
        // client keeps the cache warm with the same request.
        fib::test::EventReader reader(m_stack->httpPort(), "/api/events");
        QTRY_VERIFY_WITH_TIMEOUT(reader.opened(), 10000);
        std::atomic<bool> done{false};
        std::thread poller([&] {
            auto client = m_stack->nginx();
            while (!done.load())
                client->Get("/api/values/current?limit=1000");
        });
        for (int i = 0; i < 40; ++i) {
            const std::string index = std::to_string(300 + i);
            QCOMPARE(currentValue(*m_nginx, index), std::string("<absent>"));
            QCOMPARE(postIndex(*m_nginx, "{\"index\": " + index + "}")->status, 200);
            const std::string listed = currentValue(*m_nginx, index);
            QVERIFY2(listed == fib::keys::kPendingValue || listed == fib::fibonacciDecimal(300 + i),
                     listed.c_str());
            QTRY_VERIFY_WITH_TIMEOUT(computedEvent(reader, fib::Index(300 + i)).has_value(), 10000);
            // The relay (in the worker) and fib-server's cache hear the same message each on its
            // own, so the list may lag the event for a moment, never for long.
            QTRY_COMPARE_WITH_TIMEOUT(currentValue(*m_nginx, index),
                                      fib::briefValue(fib::fibonacciDecimal(300 + i)), 10000);
        }
        done = true;
        poller.join();
    }

    // A change names its index: a new index after a full page leaves that page cached (it cannot
    // be on it), and the page that is not full lists it at once.
    void aNewIndexBeyondAFullPageLeavesItCached()
    {
        for (int i = 1; i <= 5; ++i)
            QCOMPARE(postIndex(*m_nginx, "{\"index\": " + std::to_string(i) + "}")->status, 200);
        const auto api = m_stack->api();
        const auto read = [&api](const char *path) {
            const auto res = api->Get(path);
            return res && res->status == 200 ? res->body : std::string("<failed>");
        };
        QTRY_VERIFY_WITH_TIMEOUT(read("/values/current?limit=5").find(fib::keys::kPendingValue) ==
                                     std::string::npos,
                                 10000);
        const std::string misses = R"(fib_list_cache_requests_total{result="miss"})";
        // A few tries: a page older than the cache's second is fetched again.
        bool kept = false;
        for (int attempt = 0; attempt < 5 && !kept; ++attempt) {
            const std::string full = read("/values/current?limit=5"); // from here on, cached
            const std::string index = std::to_string(1000 + attempt);
            QCOMPARE(postIndex(*m_nginx, "{\"index\": " + index + "}")->status, 200);
            QVERIFY2(json::parse(read("/values/current?limit=10")).contains(index), index.c_str());
            const auto missesBefore = m_stack->metric(misses);
            QCOMPARE(read("/values/current?limit=5"), full);
            kept = m_stack->metric(misses) == missesBefore;
        }
        QVERIFY2(
            kept,
            "every read of the first page after a POST of an index beyond it missed the cache");
    }

    void aSubmissionDropsEveryServersCachedList()
    {
        // Two fib-server processes on one Redis and PostgreSQL (Beanstalk runs one per instance):
        // a POST on one drops the other's cached list as soon as the notice arrives, both for an
        // index that gets a job and for one whose value Redis already holds (no job then).
        fib::test::ServerProcess other(*m_stack);
        QVERIFY(other.waitUntilLive());
        const auto client = other.client();
        const std::string hits = R"(fib_list_cache_requests_total{result="hit"})";
        const auto listedByOther = [&](const std::string &index) {
            const auto res = client->Get("/values/current");
            return res && res->status == 200 && json::parse(res->body).contains(index);
        };
        auto redis = m_stack->redis();
        redis->checked({"HSET", fib::keys::kValuesHash, "62", "4052739537881"});
        redis->checked({"HSET", fib::keys::kBriefHash, "62", "4052739537881"});
        for (const std::string index : {"61", "62"}) {
            // The other server's page is cached (its listener is subscribed once a read hits).
            const auto hitsBefore = fib::test::metricOf(*client, hits);
            QTRY_VERIFY_WITH_TIMEOUT(
                !listedByOther(index) && fib::test::metricOf(*client, hits) > hitsBefore, 10000);
            const auto invalidations =
                fib::test::metricOf(*client, "fib_list_cache_invalidations_total");
            QCOMPARE(postIndex(*m_nginx, "{\"index\": " + index + "}")->status, 200);
            QTRY_VERIFY_WITH_TIMEOUT(
                fib::test::metricOf(*client, "fib_list_cache_invalidations_total") > invalidations,
                10000);
            QVERIFY2(listedByOther(index), index.c_str());
        }
    }

    void liveEventsReplayAfterLastEventId()
    {
        std::string firstId;
        {
            fib::test::EventReader reader(m_stack->httpPort(), "/api/events");
            QTRY_VERIFY_WITH_TIMEOUT(reader.opened(), 10000);
            QCOMPARE(postIndex(*m_nginx, R"({"index": 13})")->status, 200);
            QTRY_VERIFY_WITH_TIMEOUT(computedEvent(reader, 13).has_value(), 10000);
            firstId = computedEvent(reader, 13)->id;
            QVERIFY(!firstId.empty());
        }
        // Missed while disconnected, then replayed on reconnection.
        QCOMPARE(postIndex(*m_nginx, R"({"index": 14})")->status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(currentValue(*m_nginx, "14"), std::string("377"), 10000);
        fib::test::EventReader again(m_stack->httpPort(), "/api/events",
                                     {{"Last-Event-ID", firstId}});
        QTRY_COMPARE_WITH_TIMEOUT(computedValue(again, 14), std::string("377"), 10000);
        QVERIFY(!computedEvent(again, 13).has_value());
        QVERIFY(!sawEvent(again, "reset"));
    }

    // When the relay starts again (a new worker), events may have been published while none was
    // listening: a client resuming from before is told to refetch.
    void aRestartedRelayAsksForARefetch()
    {
        fib::test::EventReader reader(m_stack->httpPort(), "/api/events");
        QTRY_VERIFY_WITH_TIMEOUT(reader.opened(), 10000);
        QCOMPARE(postIndex(*m_nginx, R"({"index": 19})")->status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(computedEvent(reader, 19).has_value(), 10000);
        const std::string lastId = computedEvent(reader, 19)->id;
        QVERIFY(m_worker->terminate());
        m_worker = std::make_unique<fib::test::Worker>(*m_stack, QStringLiteral("api-test-2"),
                                                       m_stack->relayEnvironment());
        QTRY_VERIFY_WITH_TIMEOUT(sawEvent(reader, "reset", "{}"), 10000);
        fib::test::EventReader resumed(m_stack->httpPort(), "/api/events",
                                       {{"Last-Event-ID", lastId}});
        QTRY_VERIFY_WITH_TIMEOUT(sawEvent(resumed, "reset", "{}"), 10000);
    }

    void liveEventRequestsNginxCannotServeAreRefused()
    {
        const auto problem = [](const httplib::Result &res, int status) {
            return res && res->status == status &&
                   res->get_header_value("Content-Type") == "application/problem+json";
        };
        // Not an event-stream client, another method, an id Nchan never gave. A stream instead of
        // an answer would hang: the client gives up after 10 s (nginx answers at once).
        auto client = m_stack->nginx();
        client->set_read_timeout(10, 0);
        QVERIFY(problem(client->Get("/api/events"), 406));
        QVERIFY(problem(m_nginx->Post("/api/events", "", "text/plain"), 405));
        for (const char *id : {"elsewhere-12", "1:2:3", "99999999999999:1", "1:1x", "-1:0"}) {
            const auto res = client->Get("/api/events",
                                         {{"Accept", "text/event-stream"}, {"Last-Event-ID", id}});
            QVERIFY2(problem(res, 400), id);
        }
        // The publisher, its status and figures are not on the public port.
        for (const char *path : {"/publish/computed", "/status", "/api/publish/computed"}) {
            QVERIFY2(
                problem(m_nginx->Post(path, R"({"index":1,"value":"1"})", "application/json"), 404),
                path);
            QVERIFY2(problem(m_nginx->Get(path), 404), path);
        }
        verifyNothingWritten();
    }

    void liveEventSubscribersAreCapped()
    {
        // The test stack's cap is 5 (FIB_MAX_SUBSCRIBERS in tests/stack-fixture.sh), and an
        // `up` without the setting (as other tests do) keeps it.
        QVERIFY(m_stack->up());
        std::vector<std::unique_ptr<fib::test::EventReader>> readers;
        for (int i = 0; i < 5; ++i) {
            readers.push_back(
                std::make_unique<fib::test::EventReader>(m_stack->httpPort(), "/api/events"));
            QTRY_VERIFY_WITH_TIMEOUT(readers.back()->opened(), 10000);
        }
        auto client = m_stack->nginx();
        client->set_read_timeout(10, 0); // a stream instead of the 503 would hang
        const auto over = client->Get("/api/events", {{"Accept", "text/event-stream"}});
        QVERIFY(over);
        QCOMPARE(over->status, 503);
        QCOMPARE(over->get_header_value("Content-Type"), std::string("application/problem+json"));
        QCOMPARE(over->get_header_value("Retry-After"), std::string("10"));
        QVERIFY2(over->body.find("FIB_MAX_SUBSCRIBERS") != std::string::npos, over->body.c_str());
        // The API is still served, and nginx's figures count the subscribers.
        QCOMPARE(m_nginx->Get("/api/healthz")->status, 200);
        httplib::Client internal("127.0.0.1", m_stack->eventsPort());
        QCOMPARE(fib::test::metricOf(internal, "fib_nginx_event_subscribers"), 5LL);
        // A place comes back as soon as a subscriber leaves.
        readers.pop_back();
        bool reopened = false;
        QElapsedTimer total;
        total.start();
        while (!reopened && total.elapsed() < 20000) {
            fib::test::EventReader again(m_stack->httpPort(), "/api/events");
            QVERIFY(QTest::qWaitFor([&] { return again.opened() || again.finished(); }, 10000));
            reopened = again.opened();
        }
        QVERIFY(reopened);
    }

    // Beanstalk runs an nginx per instance, each with its own relay: a value computed once
    // reaches the subscribers of both, with the same number.
    void liveEventsReachEveryNginx()
    {
        fib::test::NginxProcess second(*m_stack);
        QVERIFY(second.waitUntilLive());
        // Before its relay's first message nginx has no channel, and refuses subscribers with
        // Nchan's bare 403 (Nchan would crash a worker on resumed subscribers of an empty one).
        httplib::Client secondClient("127.0.0.1", second.httpPort());
        secondClient.set_read_timeout(10, 0);
        const auto early = secondClient.Get(
            "/api/events", {{"Accept", "text/event-stream"}, {"Last-Event-ID", "1700000000:0"}});
        QVERIFY(early);
        QCOMPARE(early->status, 403);
        fib::test::Worker relay(*m_stack, QStringLiteral("api-test-relay"),
                                second.relayEnvironment());
        httplib::Client internal("127.0.0.1", second.eventsPort());
        QTRY_VERIFY_WITH_TIMEOUT(fib::test::metricOf(internal, "fib_nginx_events_stored") >= 1,
                                 10000);
        fib::test::EventReader first(m_stack->httpPort(), "/api/events");
        fib::test::EventReader other(second.httpPort(), "/api/events");
        QTRY_VERIFY_WITH_TIMEOUT(first.opened() && other.opened(), 10000);
        // Through the second nginx; either worker may compute it.
        auto client = std::make_unique<httplib::Client>("127.0.0.1", second.httpPort());
        QCOMPARE(postIndex(*client, R"({"index": 21})")->status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(computedValue(first, 21), std::string("10946"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(computedValue(other, 21), std::string("10946"), 10000);
        QCOMPARE(computedSeq(first, 21), computedSeq(other, 21));
        QVERIFY(relay.terminate());
    }

    void metricsInPrometheusFormat()
    {
        QCOMPARE(postIndex(*m_nginx, R"({"index": 25})")->status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(currentValue(*m_nginx, "25"), std::string("75025"), 10000);
        const auto res = m_stack->api()->Get("/metrics");
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        QVERIFY(res->get_header_value("Content-Type").find("text/plain; version=0.0.4") == 0);
        const QString text = QString::fromStdString(res->body);
        QVERIFY2(
            text.contains(QRegularExpression(
                R"(fib_http_requests_total\{method="POST",route="/values",status="200"\} [1-9])")),
            qPrintable(text.left(2000)));
        QVERIFY(
            text.contains(QStringLiteral("# TYPE fib_http_request_duration_seconds histogram")));
        QVERIFY(text.contains(QRegularExpression(R"(fib_jobs_enqueued_total [1-9])")));
        QVERIFY(text.contains(QStringLiteral("fib_jobs_completed_total 1\n")));
        QVERIFY(text.contains(QStringLiteral("fib_compute_seconds_count 1\n")));
        QVERIFY(text.contains(QStringLiteral("fib_compute_seconds_bucket{le=\"+Inf\"} 1\n")));
        QVERIFY(text.contains(QStringLiteral("fib_stream_pending 0\n")));
        QVERIFY(text.contains(QStringLiteral("fib_redis_up 1\n")));
        QVERIFY(text.contains(
            QRegularExpression(R"(fib_list_cache_requests_total\{result="miss"\} [1-9][0-9]*\n)")));
        QVERIFY(text.contains(
            QRegularExpression(R"(fib_list_cache_invalidations_total [1-9][0-9]*\n)")));
        // Every sample line is "name{labels} value" or "name value".
        for (const auto &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            QVERIFY2(
                line.startsWith(QLatin1Char('#')) ||
                    QRegularExpression(R"(^[a-z_]+(\{.*\})? [0-9.e+-]+$)").match(line).hasMatch(),
                qPrintable(line));
        // Not reachable from outside.
        QCOMPARE(m_nginx->Get("/api/metrics")->status, 404);

        // While nothing changes, a second read of the same page comes from the list cache (a
        // few tries: a page older than the cache's second is fetched again).
        const std::string hits = R"(fib_list_cache_requests_total{result="hit"})";
        const auto hitsBefore = m_stack->metric(hits);
        QVERIFY(hitsBefore >= 0);
        bool hit = false;
        for (int i = 0; i < 20 && !hit; ++i) {
            QCOMPARE(m_nginx->Get("/api/values/current")->status, 200);
            hit = m_stack->metric(hits) > hitsBefore;
        }
        QVERIFY2(hit, "20 reads of an unchanged page, none answered from the list cache");
    }

    void everyDocumentedRouteAnswers()
    {
        const auto res = m_nginx->Get("/api/openapi.json");
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        const auto document = bodyOf(res);
        QCOMPARE(document.at("openapi").get<std::string>().substr(0, 2), std::string("3."));
        QCOMPARE(document.at("info").at("version").get<std::string>(), std::string(fib::kVersion));
        // routes_test checks the document against the route table; here every documented route
        // answers on the real fib-server, with its services.
        std::set<std::pair<std::string, std::string>> documented;
        for (const auto &[path, item] : document.at("paths").items())
            for (const auto &[method, operation] : item.items())
                documented.emplace(QString::fromStdString(method).toUpper().toStdString(), path);
        QCOMPARE(postIndex(*m_nginx, R"({"index": 10})")->status, 200);
        auto direct = m_stack->api();
        for (const auto &[method, path] : documented) {
            QString url =
                QString::fromStdString(path).replace(QStringLiteral("{n}"), QStringLiteral("10"));
            if (path == "/events") { // nginx's (x-served-by), not fib-server's
                fib::test::EventReader reader(m_stack->httpPort(), "/api/events");
                QTRY_VERIFY_WITH_TIMEOUT(reader.opened(), 10000);
                continue;
            }
            const auto answer = method == "POST"
                                    ? direct->Post(url.toStdString().c_str(), R"({"index": 10})",
                                                   "application/json")
                                    : direct->Get(url.toStdString().c_str());
            QVERIFY2(answer, qPrintable(url));
            QVERIFY2(answer->status == 200,
                     qPrintable(url + QStringLiteral(": ") + QString::number(answer->status)));
        }
    }

    void nginxCompressesWithGzipAndNeverAsksTheServer()
    {
        // cpp-httplib would answer "br" at brotli's highest quality (about 1 s of CPU for a large
        // page); nginx strips Accept-Encoding upstream and compresses with gzip itself.
        auto client = m_stack->nginx();
        client->set_decompress(false);
        const auto res = client->Get("/api/openapi.json", {{"Accept-Encoding", "br, gzip"}});
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        QCOMPARE(res->get_header_value("Content-Encoding"), std::string("gzip"));
        QVERIFY(res->body.size() < std::string_view(fib::server::kOpenApiDocument).size());
    }

    void theRequestIdReachesTheWorkersLog()
    {
        const auto res = postIndex(*m_nginx, R"({"index": 17})");
        QVERIFY(res);
        const auto id = res->get_header_value("X-Request-Id");
        QVERIFY(id.size() >= 16);
        QTRY_VERIFY_WITH_TIMEOUT(
            m_worker->log().contains(
                QStringLiteral("\"req_id\":\"%1\"").arg(QString::fromStdString(id))),
            10000);
        // One JSON object per line.
        for (const auto &line : m_worker->log().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            const auto parsed = nlohmann::json::parse(line.toStdString(), nullptr, false);
            QVERIFY2(!parsed.is_discarded() && parsed.contains("ts") && parsed.contains("level") &&
                         parsed.contains("msg"),
                     qPrintable(line));
        }
    }

    void unknownRoutesAre404ProblemJson()
    {
        for (const char *path : {"/api/nope", "/api/values/1/2", "/nope", "/metrics"}) {
            const auto res = m_nginx->Get(path);
            QVERIFY(res);
            QCOMPARE(res->status, 404);
            QCOMPARE(res->get_header_value("Content-Type"),
                     std::string("application/problem+json"));
        }
    }
};

QTEST_GUILESS_MAIN(ApiTest)
#include "api_test.moc"
