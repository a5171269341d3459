#include "fib/desktop/event_stream.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

#include <nlohmann/json.hpp>

#include "fib/models.hpp"

namespace fib::desktop {
namespace {

Q_LOGGING_CATEGORY(lcEvents, "fib.desktop.events", QtInfoMsg)

// Answers that mean "there is no stream for you here": over the cap (503), no such route on an
// older server (404, 405, 501), or something that is not an event stream at all (a 2xx page).
// Anything else (no answer, 502, 504, 429, 500) is worth reconnecting to.
bool noStreamHere(int status)
{
    if (status == 503 || status == 501)
        return true;
    if (status >= 400 && status < 500)
        return status != 408 && status != 429;
    return status >= 200 && status < 300;
}

} // namespace

EventStream::EventStream(QNetworkAccessManager *network, QObject *parent)
    : QObject(parent),
      m_network(network)
{
    for (QTimer *timer :
         {&m_reconnectTimer, &m_pollTimer, &m_probeTimer, &m_idleTimer, &m_holeTimer})
        timer->setSingleShot(true);
    connect(&m_holeTimer, &QTimer::timeout, this, &EventStream::onHoleTimer);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &EventStream::connectStream);
    connect(&m_pollTimer, &QTimer::timeout, this, &EventStream::onPollTimer);
    connect(&m_probeTimer, &QTimer::timeout, this, &EventStream::onProbeTimer);
    connect(&m_idleTimer, &QTimer::timeout, this, &EventStream::onIdleTimeout);
}

EventStream::~EventStream()
{
    dropReply();
}

void EventStream::setTiming(const Timing &timing)
{
    m_timing = timing;
}

void EventStream::setUrl(const QUrl &url)
{
    if (url == m_url)
        return;
    m_url = url;
    m_parser.setLastEventId(std::string());
    m_sequence.forget();
    if (m_state != State::Stopped)
        reconnectNow();
}

int EventStream::nextAttemptMs() const
{
    switch (m_state) {
    case State::Reconnecting: return m_reconnectTimer.remainingTime();
    case State::Polling: return m_pollTimer.remainingTime();
    default: return -1;
    }
}

void EventStream::start()
{
    if (m_state != State::Stopped)
        return;
    m_attempt = 0;
    connectStream();
}

void EventStream::stop()
{
    dropReply();
    for (QTimer *timer : {&m_reconnectTimer, &m_pollTimer, &m_probeTimer})
        timer->stop();
    m_probing = false;
    m_attempt = 0;
    setState(State::Stopped);
}

void EventStream::reconnectNow()
{
    for (QTimer *timer : {&m_reconnectTimer, &m_pollTimer, &m_probeTimer})
        timer->stop();
    m_probing = false;
    m_attempt = 0;
    connectStream();
}

void EventStream::setBusy(bool busy)
{
    m_busy = busy;
    // A value just became pending: poll soon rather than at the end of a long idle wait.
    if (busy && m_state == State::Polling && m_pollTimer.remainingTime() > m_timing.pollBusyMs) {
        m_pollIntervalMs = m_timing.pollBusyMs;
        m_pollTimer.start(m_pollIntervalMs);
    }
}

void EventStream::connectStream()
{
    dropReply();
    if (!m_url.isValid()) {
        setState(State::Stopped);
        return;
    }
    m_parser.reset();
    QNetworkRequest request(m_url);
    request.setRawHeader("Accept", "text/event-stream");
    request.setRawHeader("Cache-Control", "no-cache");
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    const std::string &lastId = m_parser.lastEventId();
    m_sentLastEventId = !lastId.empty();
    if (m_sentLastEventId)
        request.setRawHeader("Last-Event-ID", QByteArray::fromStdString(lastId));
    m_replyChecked = false;
    m_replyIsStream = false;
    m_reply = m_network->get(request);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &EventStream::onMetaData);
    connect(m_reply, &QIODevice::readyRead, this, &EventStream::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &EventStream::onFinished);
    m_idleTimer.start(m_timing.idleTimeoutMs);
    if (!m_probing)
        setState(State::Connecting);
}

void EventStream::dropReply()
{
    m_idleTimer.stop();
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    disconnect(reply, nullptr, this, nullptr);
    reply->abort();
    reply->deleteLater();
}

void EventStream::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    emit stateChanged(state);
}

void EventStream::onMetaData()
{
    if (!m_reply || m_replyChecked)
        return;
    const QVariant status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!status.isValid())
        return;
    m_replyChecked = true;
    const QByteArray type =
        m_reply->header(QNetworkRequest::ContentTypeHeader).toByteArray().trimmed().toLower();
    if (status.toInt() != 200 || !type.startsWith("text/event-stream"))
        return; // onFinished decides what to do
    m_replyIsStream = true;
    m_attempt = 0;
    m_probing = false;
    m_pollTimer.stop();
    m_probeTimer.stop();
    m_reconnectTimer.stop();
    setState(State::Live);
    // Without an ID to resume from, events may have been missed before the stream opened.
    if (!m_sentLastEventId)
        requestReset();
}

void EventStream::onReadyRead()
{
    onMetaData();
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    const QByteArray bytes = reply->readAll();
    if (!m_replyIsStream)
        return; // the body of an error answer: not events
    m_idleTimer.start(m_timing.idleTimeoutMs);
    const std::vector<fib::SseEvent> events =
        m_parser.feed(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
    for (const fib::SseEvent &event : events) {
        handleEvent(event);
        if (m_reply != reply)
            return; // a slot stopped or restarted the stream
    }
}

void EventStream::onFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    if (reply->bytesAvailable() > 0)
        onReadyRead();
    if (m_reply != reply)
        return;
    onMetaData();
    const bool wasStream = m_replyIsStream;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    qCDebug(lcEvents) << "stream ended: status" << status << reply->errorString();
    m_reply = nullptr;
    m_idleTimer.stop();
    disconnect(reply, nullptr, this, nullptr);
    reply->deleteLater();

    if (wasStream) {
        scheduleReconnect();
    } else if (status == 400 && m_sentLastEventId) {
        // An id this server does not take (another server's, or an older version's): start
        // afresh, which also asks for a refetch.
        m_parser.setLastEventId(std::string());
        m_reconnectTimer.start(0);
    } else if (status > 0 && noStreamHere(status)) {
        enterPolling();
    } else if (m_probing) {
        // The server stopped answering while we were polling: the polls will say so.
        m_probing = false;
        m_probeTimer.start(m_timing.probeMs);
    } else {
        scheduleReconnect();
        // Let the app find out whether the server is reachable at all (and show it).
        emit pollRequested();
    }
}

void EventStream::handleEvent(const fib::SseEvent &event)
{
    if (event.type == "computed") {
        try {
            const auto computedEvent = nlohmann::json::parse(event.data).get<ComputedEvent>();
            const auto seen = computedEvent.seq == 0 ? EventSequence::Seen::New
                                                     : m_sequence.see(computedEvent.seq);
            if (seen != EventSequence::Seen::Duplicate)
                emit computed(computedEvent.index, QString::fromStdString(computedEvent.value));
            if (seen == EventSequence::Seen::Restarted) {
                requestReset();
            } else if (!m_sequence.hasHole()) {
                m_holeTimer.stop();
            } else if (!m_holeTimer.isActive()) {
                m_holeTimer.start(m_timing.holeGraceMs);
            }
        } catch (const nlohmann::json::exception &error) {
            qCWarning(lcEvents) << "ignoring a malformed computed event:" << error.what();
        }
    } else if (event.type == "reset") {
        requestReset();
    }
    emit eventReceived(SseEvent{QString::fromStdString(event.type),
                                QString::fromStdString(event.data),
                                QString::fromStdString(event.id)});
}

void EventStream::requestReset()
{
    m_sequence.forget();
    m_holeTimer.stop();
    emit resetRequested();
}

void EventStream::onHoleTimer()
{
    if (!m_sequence.hasHole())
        return;
    qCInfo(lcEvents) << "an event did not arrive: refetching";
    m_sequence.fillHoles();
    emit resetRequested();
}

void EventStream::scheduleReconnect()
{
    const qint64 base = m_parser.retryMs().value_or(m_timing.retryMs);
    const qint64 delay = std::min<qint64>(base << std::min(m_attempt, 16), m_timing.maxRetryMs);
    ++m_attempt;
    m_probing = false;
    setState(State::Reconnecting);
    m_reconnectTimer.start(static_cast<int>(std::max<qint64>(delay, 0)));
}

void EventStream::enterPolling()
{
    m_probing = false;
    m_probeTimer.start(m_timing.probeMs);
    if (m_state == State::Polling)
        return; // a probe failed: keep the poll rhythm
    m_pollIntervalMs = m_timing.pollBusyMs;
    setState(State::Polling);
    m_pollTimer.start(m_pollIntervalMs);
    emit pollRequested();
}

void EventStream::onPollTimer()
{
    m_pollIntervalMs =
        m_busy ? m_timing.pollBusyMs : std::min(m_pollIntervalMs * 2, m_timing.pollIdleMaxMs);
    m_pollTimer.start(m_pollIntervalMs);
    emit pollRequested();
}

void EventStream::onProbeTimer()
{
    m_probing = true;
    connectStream();
}

void EventStream::onIdleTimeout()
{
    qCDebug(lcEvents) << "no bytes for" << m_timing.idleTimeoutMs << "ms: reconnecting";
    const bool probing = m_probing;
    dropReply();
    if (probing) {
        m_probing = false;
        m_probeTimer.start(m_timing.probeMs);
    } else {
        scheduleReconnect();
    }
}

} // namespace fib::desktop
