#pragma once
// The live-event connection: GET /api/events (Server-Sent Events). It owns the streaming reply,
// reconnects by itself with backoff and resends Last-Event-ID, and when the server has no stream
// for us (503 over its stream cap, or no /events route at all) it falls back to asking for polls:
// every 2 s while something is pending, backing off to 30 s when idle, and it probes the stream
// again now and then.

#include <QElapsedTimer>
#include <QMetaType>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QUrl>

#include "fib/event_sequence.hpp"
#include "fib/index.hpp"
#include "fib/sse.hpp"

class QNetworkAccessManager;
class QNetworkReply;

namespace fib::desktop {

// An event as EventStream::eventReceived hands it on: fib::SseEvent with its UTF-8 decoded.
struct SseEvent {
    QString type = QStringLiteral("message"); // the "event" field, "message" when absent
    QString data;                             // "data" lines joined with \n
    QString id;                               // the last event ID when the event was dispatched
};

class EventStream : public QObject {
    Q_OBJECT

public:
    enum class State {
        Stopped,      // start() not called, or stop()
        Connecting,   // the request is out, no answer yet
        Live,         // the stream is open
        Reconnecting, // the stream failed or ended; waiting to try again
        Polling,      // the server has no stream for us; polls are requested instead
    };
    Q_ENUM(State)

    // Every delay, in milliseconds; the tests shorten them.
    struct Timing {
        int retryMs = 2000;        // first reconnect delay, unless the server sends "retry:"
        int maxRetryMs = 5000;     // reconnect backoff cap: a server back up is seen within 5 s
        int pollBusyMs = 2000;     // poll interval while a value is pending
        int pollIdleMaxMs = 30000; // poll backoff cap when nothing is pending
        int probeMs = 60000;       // while polling, how often the stream is tried again
        int idleTimeoutMs = 45000; // a live stream silent this long is dead (heartbeats: 15 s)
        int holeGraceMs = 2000;    // a missing event number this long is a missed event
    };

    explicit EventStream(QNetworkAccessManager *network, QObject *parent = nullptr);
    ~EventStream() override;

    // The full URL of the stream, e.g. http://localhost:3050/api/events. Changing it forgets
    // the last event ID (it belongs to another server) and reconnects if running.
    void setUrl(const QUrl &url);
    QUrl url() const { return m_url; }
    void setTiming(const Timing &timing);
    const Timing &timing() const { return m_timing; }

    State state() const { return m_state; }
    QString lastEventId() const { return QString::fromStdString(m_parser.lastEventId()); }
    // While polling or reconnecting: milliseconds until the next poll or attempt.
    int nextAttemptMs() const;
    // While polling: the current poll interval.
    int pollIntervalMs() const { return m_pollIntervalMs; }

public slots:
    void start();
    void stop();
    // Tells the stream whether any value is pending: polls come every 2 s while one is.
    void setBusy(bool busy);
    // Drops the connection and connects again now (after a settings change, or on Refresh while
    // disconnected).
    void reconnectNow();

signals:
    void stateChanged(fib::desktop::EventStream::State state);
    // A value was computed (the list form: digits, or the summary of a long value).
    void computed(fib::Index index, const QString &value);
    // The client may have missed events: refetch everything. Sent for the server's "reset"
    // event, after connecting without a Last-Event-ID to resume from, and when an event number
    // (the "seq" of computed events) stays missing for Timing::holeGraceMs.
    void resetRequested();
    // Polling mode: fetch the lists now.
    void pollRequested();
    // Any event, as parsed (after the typed signals above).
    void eventReceived(const fib::desktop::SseEvent &event);

private:
    void connectStream();
    void dropReply();
    void setState(State state);
    void onMetaData();
    void onReadyRead();
    void onFinished();
    void handleEvent(const fib::SseEvent &event);
    void scheduleReconnect();
    void enterPolling();
    void onPollTimer();
    void onProbeTimer();
    void onIdleTimeout();
    void onHoleTimer();
    void requestReset();

    QNetworkAccessManager *m_network;
    QUrl m_url;
    Timing m_timing;
    State m_state = State::Stopped;
    QPointer<QNetworkReply> m_reply;
    bool m_replyChecked = false; // the reply's status has been looked at
    bool m_replyIsStream = false;
    bool m_probing = false; // a connection attempt made while polling
    bool m_sentLastEventId = false;
    bool m_busy = false;
    int m_attempt = 0; // failed attempts in a row
    int m_pollIntervalMs = 0;
    fib::SseParser m_parser;
    fib::EventSequence m_sequence;
    QTimer m_reconnectTimer;
    QTimer m_pollTimer;
    QTimer m_probeTimer;
    QTimer m_idleTimer;
    QTimer m_holeTimer;
};

} // namespace fib::desktop

Q_DECLARE_METATYPE(fib::desktop::SseEvent)
