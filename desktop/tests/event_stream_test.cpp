// EventStream against the fake server: live events, reconnecting with Last-Event-ID, the
// server's reset, and the fall-back to polling on 503 (and on an older server without /events).
#include <QtTest>

#include <QNetworkAccessManager>

#include "fake_http_server.hpp"
#include "fib/desktop/event_stream.hpp"
#include "wait.hpp"

using fib::desktop::EventStream;
using fib::desktop::test::FakeHttpServer;
using fib::desktop::test::FakeRequest;
using fib::desktop::test::FakeResponse;
using State = EventStream::State;

namespace {

const QString kEvents = QStringLiteral("/api/events");

EventStream::Timing fastTiming()
{
    EventStream::Timing timing;
    timing.retryMs = 50;
    timing.maxRetryMs = 400;
    timing.pollBusyMs = 50;
    timing.pollIdleMaxMs = 400;
    timing.probeMs = 5000;
    timing.idleTimeoutMs = 5000;
    return timing;
}

bool sawState(const QSignalSpy &spy, State state)
{
    for (const QList<QVariant> &arguments : spy)
        if (arguments.value(0).value<State>() == state)
            return true;
    return false;
}

} // namespace

class EventStreamTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<FakeHttpServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_network;
    std::unique_ptr<EventStream> m_stream;

    void makeStream(const EventStream::Timing &timing = fastTiming())
    {
        m_stream = std::make_unique<EventStream>(m_network.get());
        m_stream->setTiming(timing);
        m_stream->setUrl(QUrl(m_server->url().toString() + kEvents));
    }

private slots:
    void init()
    {
        m_server = std::make_unique<FakeHttpServer>();
        QVERIFY(m_server->listen());
        m_network = std::make_unique<QNetworkAccessManager>();
    }

    void cleanup()
    {
        m_stream.reset();
        m_server.reset();
        m_network.reset();
    }

    void liveEvents()
    {
        m_server->route("GET", kEvents, [](const FakeRequest &) {
            return FakeResponse::eventStream("retry: 2000\n\n");
        });
        makeStream();
        QSignalSpy computed(m_stream.get(), &EventStream::computed);
        QSignalSpy reset(m_stream.get(), &EventStream::resetRequested);
        QSignalSpy events(m_stream.get(), &EventStream::eventReceived);
        m_stream->start();
        QCOMPARE(m_stream->state(), State::Connecting);
        QTRY_COMPARE(m_stream->state(), State::Live);
        QCOMPARE(reset.count(), 1); // no Last-Event-ID: whatever happened before is unknown

        const auto request = m_server->requestsFor("GET", kEvents).value(0);
        QCOMPARE(request.header("Accept"), QByteArray("text/event-stream"));
        QVERIFY(request.header("Last-Event-ID").isEmpty());

        // An event split across two chunks, with a heartbeat before it.
        m_server->push(": keep-alive\n\nid: b-1\nevent: computed\ndata: {\"index\":10,");
        m_server->push("\"value\":\"55\"}\r");
        m_server->push("\n\r\n");
        QTRY_COMPARE(computed.count(), 1);
        QCOMPARE(computed.first().at(0).value<fib::Index>(), fib::Index{10});
        QCOMPARE(computed.first().at(1).toString(), QStringLiteral("55"));
        QCOMPARE(m_stream->lastEventId(), QStringLiteral("b-1"));

        m_server->push("id: b-2\nevent: reset\ndata: {}\n\n");
        QTRY_COMPARE(reset.count(), 2);
        QCOMPARE(events.count(), 2);

        m_server->push("event: computed\ndata: not json\n\n"); // ignored, not fatal
        QTRY_COMPARE(events.count(), 3);
        QCOMPARE(computed.count(), 1);
        QCOMPARE(m_stream->state(), State::Live);
    }

    // The numbers of computed events ("seq"): a replayed one is dropped, a late one is awaited,
    // and one that stays missing for holeGraceMs asks for a refetch.
    void aHoleInTheNumbersAsksForARefetch()
    {
        m_server->route("GET", kEvents,
                        [](const FakeRequest &) { return FakeResponse::eventStream(": hi\n\n"); });
        auto timing = fastTiming();
        timing.holeGraceMs = 300;
        timing.idleTimeoutMs = 60000; // no reconnection (which asks for a refetch too) here
        makeStream(timing);
        QSignalSpy computed(m_stream.get(), &EventStream::computed);
        QSignalSpy reset(m_stream.get(), &EventStream::resetRequested);
        m_stream->start();
        QTRY_COMPARE(m_stream->state(), State::Live);
        QCOMPARE(reset.count(), 1);
        const auto event = [](int index, int seq) {
            return QStringLiteral(
                       "event: computed\ndata: {\"index\":%1,\"value\":\"1\",\"seq\":%2}\n\n")
                .arg(index)
                .arg(seq)
                .toUtf8();
        };
        m_server->push(event(1, 10) + event(1, 10)); // the second is a replay
        QTRY_COMPARE(computed.count(), 1);
        // 12 before 11: a late one, not a lost one, if 11 comes within the grace period.
        m_server->push(event(3, 12));
        QTRY_COMPARE(computed.count(), 2);
        m_server->push(event(2, 11));
        QTRY_COMPARE(computed.count(), 3);
        QTest::qWait(600);
        QCOMPARE(reset.count(), 1);
        // 14 without 13: a missed event, so a refetch, once.
        m_server->push(event(5, 14));
        QTRY_COMPARE(reset.count(), 2);
        QTest::qWait(600);
        QCOMPARE(reset.count(), 2);
        QCOMPARE(computed.count(), 4);
    }

    void reconnectResendsLastEventId()
    {
        m_server->route("GET", kEvents, [](const FakeRequest &) {
            return FakeResponse::eventStream("retry: 30\n\n");
        });
        makeStream();
        QSignalSpy states(m_stream.get(), &EventStream::stateChanged);
        QSignalSpy reset(m_stream.get(), &EventStream::resetRequested);
        m_stream->start();
        QTRY_COMPARE(m_stream->state(), State::Live);
        m_server->push("id: boot-7\nevent: computed\ndata: {\"index\":3,\"value\":\"2\"}\n\n");
        QTRY_COMPARE(m_stream->lastEventId(), QStringLiteral("boot-7"));

        // The server ends the stream (a restart, a proxy timeout): the client comes back by
        // itself and says where it was.
        m_server->closeStreams();
        QTRY_VERIFY(sawState(states, State::Reconnecting));
        QTRY_COMPARE(m_server->count("GET", kEvents), 2);
        QTRY_COMPARE(m_stream->state(), State::Live);
        QCOMPARE(m_server->requestsFor("GET", kEvents).at(1).header("Last-Event-ID"),
                 QByteArray("boot-7"));
        // The server can replay from there, so no refetch is asked for.
        QCOMPARE(reset.count(), 1);

        // A connection that drops (no clean end) is retried too, still with the ID.
        m_server->abortStreams();
        QTRY_COMPARE(m_server->count("GET", kEvents), 3);
        QCOMPARE(m_server->requestsFor("GET", kEvents).at(2).header("Last-Event-ID"),
                 QByteArray("boot-7"));
        QTRY_COMPARE(m_stream->state(), State::Live);
    }

    void unreachableServerBacksOff()
    {
        m_network = std::make_unique<QNetworkAccessManager>();
        m_stream = std::make_unique<EventStream>(m_network.get());
        auto timing = fastTiming();
        timing.retryMs = 20;
        timing.maxRetryMs = 160;
        m_stream->setTiming(timing);
        const fib::desktop::test::RefusingPort refusing;
        m_stream->setUrl(refusing.url(QStringLiteral("/api/events")));
        QSignalSpy polls(m_stream.get(), &EventStream::pollRequested);
        m_stream->start();
        QTRY_COMPARE(m_stream->state(), State::Reconnecting);
        // Each failed attempt asks the app to check the server (so it can show it is down).
        QTRY_VERIFY(polls.count() >= 4);
        // Capped at maxRetryMs. Qt's coarse timers (the default) may fire up to 5% late, and
        // remainingTime() counts to that adjusted moment: checked right after the timer started
        // (a busy machine gets here at once), 160 ms may read as up to 168.
        const int next = m_stream->nextAttemptMs();
        QVERIFY2(next <= 160 * 105 / 100 + 1, qPrintable(QString::number(next)));
        m_stream->stop();
        QCOMPARE(m_stream->state(), State::Stopped);
    }

    void overStreamCapFallsBackToPolling()
    {
        bool full = true;
        m_server->route("GET", kEvents, [&full](const FakeRequest &) {
            if (full)
                return FakeResponse::problem(
                    503, QStringLiteral("Too many streams"),
                    QStringLiteral("the server is at its live-stream limit"));
            return FakeResponse::eventStream("retry: 2000\n\n");
        });
        auto timing = fastTiming();
        timing.probeMs = 600;
        makeStream(timing);
        QSignalSpy polls(m_stream.get(), &EventStream::pollRequested);
        m_stream->start();
        QTRY_COMPARE(m_stream->state(), State::Polling);
        QCOMPARE(polls.count(), 1); // at once, then on a timer

        // Idle: 50, 100, 200, 400, 400 ... ms.
        QTRY_COMPARE(polls.count(), 4);
        QVERIFY(m_stream->pollIntervalMs() >= 200);
        // Something pending: back to the short interval.
        m_stream->setBusy(true);
        QCOMPARE(m_stream->pollIntervalMs(), 50);
        const int before = static_cast<int>(polls.count());
        QTRY_VERIFY_WITH_TIMEOUT(polls.count() >= before + 3, 10000);

        // The stream is probed again now and then, and used once the server has room.
        full = false;
        QTRY_COMPARE_WITH_TIMEOUT(m_stream->state(), State::Live, 3000);
        QVERIFY(m_server->count("GET", kEvents) >= 2);
        const int atLive = static_cast<int>(polls.count());
        QTest::qWait(200);
        QCOMPARE(polls.count(), atLive); // no more polling
    }

    void serverWithoutEventsRoutePolls()
    {
        // No route: the fake answers 404, as an older fib-server does.
        makeStream();
        QSignalSpy polls(m_stream.get(), &EventStream::pollRequested);
        m_stream->start();
        QTRY_COMPARE(m_stream->state(), State::Polling);
        QTRY_VERIFY(polls.count() >= 2);
    }

    void silentStreamIsReplaced()
    {
        m_server->route("GET", kEvents,
                        [](const FakeRequest &) { return FakeResponse::eventStream(); });
        // Heartbeats every 100 ms against a 2 s idle limit: a busy machine that delays a few of
        // them still keeps the stream.
        auto timing = fastTiming();
        timing.idleTimeoutMs = 2000;
        makeStream(timing);
        m_stream->start();
        QTRY_COMPARE(m_stream->state(), State::Live);
        // Heartbeats keep it alive...
        for (int i = 0; i < 30; ++i) {
            QTest::qWait(100);
            m_server->push(": keep-alive\n\n");
        }
        QCOMPARE(m_server->count("GET", kEvents), 1);
        // ...silence does not.
        QTRY_COMPARE_WITH_TIMEOUT(m_server->count("GET", kEvents), 2, 15000);
    }

    // nginx answers 400 to a Last-Event-ID it never gave (an older server's, another kind of
    // server's): the stream starts afresh without it, and asks for a refetch.
    void anIdTheServerRefusesIsDropped()
    {
        m_server->route("GET", kEvents, [](const FakeRequest &request) {
            return request.header("Last-Event-ID").isEmpty()
                       ? FakeResponse::eventStream(": hi\n\n")
                       : FakeResponse::problem(400, QStringLiteral("Bad Request"),
                                               QStringLiteral("Last-Event-ID"));
        });
        makeStream();
        QSignalSpy reset(m_stream.get(), &EventStream::resetRequested);
        m_stream->start();
        QTRY_COMPARE(m_stream->state(), State::Live);
        m_server->push("id: old-7\nevent: computed\ndata: {\"index\":3,\"value\":\"2\"}\n\n");
        QTRY_COMPARE(m_stream->lastEventId(), QStringLiteral("old-7"));
        m_server->closeStreams();
        QTRY_COMPARE(m_server->count("GET", kEvents), 3); // with the id (400), then without
        QCOMPARE(m_server->requestsFor("GET", kEvents).at(1).header("Last-Event-ID"),
                 QByteArray("old-7"));
        QVERIFY(m_server->requestsFor("GET", kEvents).at(2).header("Last-Event-ID").isEmpty());
        QTRY_COMPARE(m_stream->state(), State::Live);
        QCOMPARE(reset.count(), 2);
    }

    void newUrlForgetsTheId()
    {
        m_server->route("GET", kEvents,
                        [](const FakeRequest &) { return FakeResponse::eventStream(); });
        makeStream();
        m_stream->start();
        QTRY_COMPARE(m_stream->state(), State::Live);
        m_server->push("id: x-1\ndata: {}\n\n");
        QTRY_COMPARE(m_stream->lastEventId(), QStringLiteral("x-1"));

        FakeHttpServer other;
        QVERIFY(other.listen());
        other.route("GET", kEvents,
                    [](const FakeRequest &) { return FakeResponse::eventStream(); });
        m_stream->setUrl(QUrl(other.url().toString() + kEvents));
        QTRY_COMPARE(other.count("GET", kEvents), 1);
        QVERIFY(other.requestsFor("GET", kEvents).at(0).header("Last-Event-ID").isEmpty());
        QTRY_COMPARE(m_stream->state(), State::Live);
        m_stream->stop();
    }
};

QTEST_MAIN(EventStreamTest)
#include "event_stream_test.moc"
