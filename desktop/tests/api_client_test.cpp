// ApiClient against an in-process fake HTTP server: submissions and their errors, an
// unreachable server, paginated lists followed through Link headers.
#include <QtTest>

#include <QJsonDocument>
#include <QJsonObject>

#include "fake_http_server.hpp"
#include "fib/desktop/api_client.hpp"
#include "fib/desktop/event_stream.hpp"
#include "wait.hpp"

using fib::desktop::ApiClient;
using fib::desktop::ApiError;
using fib::desktop::FullValue;
using fib::desktop::ServerInfo;
using fib::desktop::ValueEntry;
using fib::desktop::test::FakeHttpServer;
using fib::desktop::test::FakeRequest;
using fib::desktop::test::FakeResponse;

class ApiClientTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<FakeHttpServer> m_server;
    std::unique_ptr<ApiClient> m_api;

private slots:
    void init()
    {
        m_server = std::make_unique<FakeHttpServer>();
        QVERIFY(m_server->listen());
        m_api = std::make_unique<ApiClient>(m_server->url());
    }

    void cleanup()
    {
        m_api.reset();
        m_server.reset();
    }

    void submitSuccess()
    {
        m_server->route("POST", QStringLiteral("/api/values"), [](const FakeRequest &) {
            return FakeResponse::json(R"({"working":true})");
        });
        QSignalSpy submitted(m_api.get(), &ApiClient::submitted);
        QSignalSpy failed(m_api.get(), &ApiClient::submitFailed);
        m_api->submitIndex(10);
        QVERIFY(submitted.wait());
        QCOMPARE(submitted.first().at(0).value<fib::Index>(), fib::Index{10});
        QCOMPARE(failed.count(), 0);

        const auto posts = m_server->requestsFor("POST", QStringLiteral("/api/values"));
        QCOMPARE(posts.size(), 1);
        QCOMPARE(posts[0].header("Content-Type"), QByteArray("application/json"));
        QCOMPARE(
            QJsonDocument::fromJson(posts[0].body).object().value(QStringLiteral("index")).toInt(),
            10);
    }

    void submitProblem_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("title");
        QTest::addColumn<QString>("detail");
        QTest::newRow("422 too high")
            << 422 << QStringLiteral("Index too high")
            << QStringLiteral("index 1000001 is above the maximum 1000000");
        QTest::newRow("415 media type")
            << 415 << QStringLiteral("Unsupported media type")
            << QStringLiteral("send the body as application/json, e.g. {\"index\": 10}");
    }

    void submitProblem()
    {
        QFETCH(int, status);
        QFETCH(QString, title);
        QFETCH(QString, detail);
        m_server->route("POST", QStringLiteral("/api/values"), [=](const FakeRequest &) {
            return FakeResponse::problem(status, title, detail);
        });
        QSignalSpy submitted(m_api.get(), &ApiClient::submitted);
        QSignalSpy failed(m_api.get(), &ApiClient::submitFailed);
        m_api->submitIndex(1000001);
        QVERIFY(failed.wait());
        QCOMPARE(submitted.count(), 0);
        QCOMPARE(failed.first().at(0).value<fib::Index>(), fib::Index{1000001});
        const auto error = failed.first().at(1).value<ApiError>();
        QCOMPARE(error.kind, ApiError::Kind::Http);
        QCOMPARE(error.status, status);
        QCOMPARE(error.title, title);
        QCOMPARE(error.detail, detail);
        QCOMPARE(error.message(), title + QStringLiteral(": ") + detail);
        QVERIFY(!error.unreachable());
    }

    void errorWithoutProblemBody()
    {
        m_server->route("POST", QStringLiteral("/api/values"), [](const FakeRequest &) {
            FakeResponse response;
            response.status = 502;
            response.addHeader("Content-Type", "text/html");
            response.body = "<html>bad gateway</html>";
            return response;
        });
        QSignalSpy failed(m_api.get(), &ApiClient::submitFailed);
        m_api->submitIndex(1);
        QVERIFY(failed.wait());
        const auto error = failed.first().at(1).value<ApiError>();
        QCOMPARE(error.status, 502);
        QCOMPARE(error.title, QStringLiteral("Bad Gateway"));
        QVERIFY(error.message().contains(QStringLiteral("502")));
    }

    void unreachableServer()
    {
        const fib::desktop::test::RefusingPort refusing;
        m_api->setServerUrl(refusing.url());
        QSignalSpy submitFailed(m_api.get(), &ApiClient::submitFailed);
        QSignalSpy requestFailed(m_api.get(), &ApiClient::requestFailed);
        m_api->submitIndex(5);
        m_api->fetchValues();
        QVERIFY(submitFailed.wait());
        QTRY_COMPARE(requestFailed.count(), 1);
        const auto error = submitFailed.first().at(1).value<ApiError>();
        QVERIFY(error.unreachable());
        QVERIFY2(error.message().startsWith(QStringLiteral("Cannot reach the server")),
                 qPrintable(error.message()));
        QCOMPARE(requestFailed.first().at(0).value<ApiClient::Call>(), ApiClient::Call::Values);
        QVERIFY(requestFailed.first().at(1).value<ApiError>().unreachable());
    }

    void indexesFollowLinkHeaders()
    {
        m_server->route("GET", QStringLiteral("/api/values/all"), [](const FakeRequest &request) {
            const QString after = request.query().queryItemValue(QStringLiteral("after"));
            if (after.isEmpty()) {
                auto response = FakeResponse::json(R"([{"number":1},{"number":2}])");
                response.addHeader("Link", R"(<?limit=1000&after=2>; rel="next")");
                return response;
            }
            if (after == QLatin1String("2")) {
                auto response = FakeResponse::json(R"([{"number":3},{"number":5}])");
                response.addHeader("Link", R"(<?limit=1000&after=5>; rel="next")");
                return response;
            }
            return FakeResponse::json("[]");
        });
        QSignalSpy received(m_api.get(), &ApiClient::indexesReceived);
        m_api->fetchIndexes();
        QVERIFY(received.wait());
        QCOMPARE(received.count(), 1);
        QCOMPARE(received.first().at(0).value<QVector<fib::Index>>(),
                 (QVector<fib::Index>{1, 2, 3, 5}));

        const auto gets = m_server->requestsFor("GET", QStringLiteral("/api/values/all"));
        QCOMPARE(gets.size(), 3);
        QCOMPARE(gets[0].target, QByteArray("/api/values/all?limit=1000"));
        QCOMPARE(gets[1].target, QByteArray("/api/values/all?limit=1000&after=2"));
        QCOMPARE(gets[2].target, QByteArray("/api/values/all?limit=1000&after=5"));
    }

    void valuesFollowLinkHeaders()
    {
        m_server->route("GET", QStringLiteral("/api/values/current"), [](const FakeRequest &request) {
            if (request.query().hasQueryItem(QStringLiteral("after")))
                return FakeResponse::json(
                    R"json({"1000000":"19532821287077577316...68996526838242546875 (208988 digits)"})json");
            auto response = FakeResponse::json(R"({"9":"34","10":"55","12":"Nothing yet!"})");
            response.addHeader("Link", R"(<?limit=1000&after=12>; rel="next")");
            return response;
        });
        QSignalSpy received(m_api.get(), &ApiClient::valuesReceived);
        m_api->fetchValues();
        QVERIFY(received.wait());
        const auto values = received.first().at(0).value<QVector<ValueEntry>>();
        QCOMPARE(values.size(), 4);
        QCOMPARE(values[0].index, fib::Index{9}); // numeric order, not "10" < "9"
        QCOMPARE(values[1].value, QStringLiteral("55"));
        QVERIFY(values[2].pending);
        QVERIFY(!values[1].pending);
        QCOMPARE(values[3].index, fib::Index{1000000});
    }

    // Calls made while a fetch runs are folded into one more fetch afterwards.
    void listFetchesCoalesce()
    {
        m_server->route("GET", QStringLiteral("/api/values/current"),
                        [](const FakeRequest &) { return FakeResponse::json("{}"); });
        QSignalSpy received(m_api.get(), &ApiClient::valuesReceived);
        m_api->fetchValues();
        m_api->fetchValues();
        m_api->fetchValues();
        QTRY_COMPARE(received.count(), 2);
        QTest::qWait(100);
        QCOMPARE(received.count(), 2);
        QCOMPARE(m_server->count("GET", QStringLiteral("/api/values/current")), 2);
    }

    void malformedListIsAProtocolError()
    {
        m_server->route("GET", QStringLiteral("/api/values/all"), [](const FakeRequest &) {
            return FakeResponse::json(R"({"not":"a list"})");
        });
        QSignalSpy failed(m_api.get(), &ApiClient::requestFailed);
        m_api->fetchIndexes();
        QVERIFY(failed.wait());
        QCOMPARE(failed.first().at(1).value<ApiError>().kind, ApiError::Kind::Protocol);
    }

    void info()
    {
        m_server->route("GET", QStringLiteral("/api/info"), [](const FakeRequest &) {
            return FakeResponse::json(
                R"({"max_index":5000,"service":"fib-server","version":"0.1.0"})");
        });
        QSignalSpy received(m_api.get(), &ApiClient::infoReceived);
        m_api->fetchInfo();
        QVERIFY(received.wait());
        const auto info = received.first().at(0).value<ServerInfo>();
        QCOMPARE(info.maxIndex, fib::Index{5000});
        QCOMPARE(info.version, QStringLiteral("0.1.0"));
        QCOMPARE(info.service, QStringLiteral("fib-server"));
    }

    void probes()
    {
        m_server->route("GET", QStringLiteral("/api/healthz"), [](const FakeRequest &) {
            return FakeResponse::json(R"({"status":"ok"})");
        });
        m_server->route("GET", QStringLiteral("/api/readyz"), [](const FakeRequest &) {
            return FakeResponse::problem(503, QStringLiteral("Service unavailable"),
                                         QStringLiteral("Redis is down"));
        });
        QSignalSpy health(m_api.get(), &ApiClient::healthReceived);
        QSignalSpy ready(m_api.get(), &ApiClient::readinessReceived);
        m_api->fetchHealth();
        m_api->fetchReadiness();
        QTRY_COMPARE(health.count(), 1);
        QTRY_COMPARE(ready.count(), 1);
        QVERIFY(health.first().at(0).value<fib::desktop::ProbeResult>().ok);
        QCOMPARE(health.first().at(0).value<fib::desktop::ProbeResult>().text,
                 QStringLiteral("ok"));
        QVERIFY(!ready.first().at(0).value<fib::desktop::ProbeResult>().ok);
        QVERIFY(ready.first().at(0).value<fib::desktop::ProbeResult>().text.contains(
            QStringLiteral("Redis is down")));
    }

    void fullValue()
    {
        m_server->route("GET", QStringLiteral("/api/values/10"), [](const FakeRequest &) {
            return FakeResponse::json(R"({"digits":2,"index":10,"status":"done","value":"55"})");
        });
        m_server->route("GET", QStringLiteral("/api/values/11"), [](const FakeRequest &) {
            return FakeResponse::json(R"({"index":11,"status":"pending"})");
        });
        m_server->route("GET", QStringLiteral("/api/values/13"), [](const FakeRequest &) {
            return FakeResponse::json(
                R"({"index":13,"status":"failed","error":"delivered 5 times without completing"})");
        });
        QSignalSpy received(m_api.get(), &ApiClient::fullValueReceived);
        QSignalSpy pending(m_api.get(), &ApiClient::fullValuePending);
        QSignalSpy failed(m_api.get(), &ApiClient::fullValueFailed);
        m_api->fetchFullValue(10);
        m_api->fetchFullValue(11);
        m_api->fetchFullValue(12); // no route: 404 problem
        QTRY_COMPARE(received.count(), 1);
        QTRY_COMPARE(pending.count(), 1);
        QTRY_COMPARE(failed.count(), 1);
        QCOMPARE(received.first().at(0).value<FullValue>().digits, QStringLiteral("55"));
        QCOMPARE(pending.first().at(0).value<fib::Index>(), fib::Index{11});
        QCOMPARE(failed.first().at(1).value<ApiError>().status, 404);

        // A failed job is reported as such, with its reason, not as "not calculated yet".
        m_api->fetchFullValue(13);
        QTRY_COMPARE(failed.count(), 2);
        const auto jobFailed = failed.at(1).at(1).value<ApiError>();
        QCOMPARE(failed.at(1).at(0).value<fib::Index>(), fib::Index{13});
        QCOMPARE(jobFailed.kind, ApiError::Kind::JobFailed);
        QVERIFY(
            jobFailed.message().contains(QStringLiteral("delivered 5 times without completing")));
        QCOMPARE(pending.count(), 1);
    }

    // The stream's state and signals come through the client, which is all the window uses.
    void forwardsTheLiveEvents()
    {
        using State = fib::desktop::EventStream::State;
        m_server->route("GET", QStringLiteral("/api/events"), [](const FakeRequest &) {
            return FakeResponse::eventStream("retry: 60000\n\n");
        });
        QSignalSpy states(m_api.get(), &ApiClient::liveStateChanged);
        QSignalSpy computed(m_api.get(), &ApiClient::valueComputed);
        QSignalSpy resets(m_api.get(), &ApiClient::liveResetRequested);
        QCOMPARE(m_api->liveState(), State::Stopped);
        m_api->startLiveEvents();
        QTRY_COMPARE(m_api->liveState(), State::Live);
        QCOMPARE(states.first().at(0).value<State>(), State::Connecting);
        QCOMPARE(states.last().at(0).value<State>(), State::Live);
        QCOMPARE(resets.count(), 1); // opened with no event ID to resume from

        m_server->push("id: 1\nevent: computed\ndata: {\"index\":10,\"value\":\"55\"}\n\n"
                       "id: 2\nevent: reset\ndata: {}\n\n");
        QTRY_COMPARE(resets.count(), 2);
        QCOMPARE(computed.count(), 1);
        QCOMPARE(computed.first().at(0).value<fib::Index>(), fib::Index{10});
        QCOMPARE(computed.first().at(1).toString(), QStringLiteral("55"));

        // Reconnecting now, not in a minute; the server's 503 turns it to polls.
        m_server->route("GET", QStringLiteral("/api/events"), [](const FakeRequest &) {
            return FakeResponse::problem(503, QStringLiteral("Too many streams"),
                                         QStringLiteral("try later"));
        });
        QSignalSpy polls(m_api.get(), &ApiClient::livePollRequested);
        m_api->reconnectLiveEvents();
        QTRY_COMPARE(m_api->liveState(), State::Polling);
        QTRY_VERIFY(polls.count() >= 1);
        QCOMPARE(m_api->livePollIntervalMs(), m_api->events()->timing().pollBusyMs);
        QVERIFY(m_api->nextLiveAttemptMs() >= 0); // the poll timer's (-1 when nothing waits)
    }

    void apiUrls()
    {
        m_api->setServerUrl(QUrl(QStringLiteral("http://host:3050")));
        QCOMPARE(m_api->apiUrl(QStringLiteral("values/all")),
                 QUrl(QStringLiteral("http://host:3050/api/values/all")));
        QCOMPARE(m_api->events()->url(), QUrl(QStringLiteral("http://host:3050/api/events")));
        m_api->setServerUrl(QUrl(QStringLiteral("https://host/fib/")));
        QCOMPARE(m_api->apiUrl(QStringLiteral("info")),
                 QUrl(QStringLiteral("https://host/fib/api/info")));
    }

    void nextPageUrl_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QString>("expected");
        QTest::newRow("none") << QByteArray() << QString();
        QTest::newRow("relative query")
            << QByteArray(R"(<?limit=100&after=7>; rel="next")")
            << QStringLiteral("http://h:1/api/values/all?limit=100&after=7");
        QTest::newRow("unquoted rel") << QByteArray("<?after=7>; rel=next")
                                      << QStringLiteral("http://h:1/api/values/all?after=7");
        QTest::newRow("several links")
            << QByteArray(R"(<?after=1>; rel="prev", <?after=9>; title="x"; rel="next last")")
            << QStringLiteral("http://h:1/api/values/all?after=9");
        QTest::newRow("absolute") << QByteArray(R"(<http://other/x?after=3>; rel="next")")
                                  << QStringLiteral("http://other/x?after=3");
        QTest::newRow("only prev") << QByteArray(R"(<?after=1>; rel="prev")") << QString();
    }

    void nextPageUrl()
    {
        QFETCH(QByteArray, header);
        QFETCH(QString, expected);
        const QUrl request(QStringLiteral("http://h:1/api/values/all?limit=100"));
        QCOMPARE(ApiClient::nextPageUrl(header, request).toString(), expected);
    }
};

QTEST_MAIN(ApiClientTest)
#include "api_client_test.moc"
