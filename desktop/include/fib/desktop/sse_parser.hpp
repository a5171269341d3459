#pragma once
// A Server-Sent Events parser (the "event stream interpretation" of the HTML standard), with no
// network: feed it bytes as they arrive, in chunks split anywhere, and it returns the events
// each chunk completes.

#include <optional>

#include <QByteArray>
#include <QByteArrayView>
#include <QMetaType>
#include <QString>
#include <QVector>

namespace fib::desktop {

struct SseEvent {
    QString type = QStringLiteral("message"); // the "event" field, "message" when absent
    QString data;                             // "data" lines joined with \n
    QString id;                               // the last event ID when the event was dispatched
};

class SseParser {
public:
    // A line longer than this is dropped, so a broken stream cannot grow memory without bound.
    static constexpr qsizetype kMaxLineBytes = 4 * 1024 * 1024;

    // Parses a chunk; returns the events completed by it, in order.
    QVector<SseEvent> feed(QByteArrayView chunk);

    // Forgets a partial line and event, for a new connection. The last event ID and the retry
    // time are kept: a reconnect resends the ID.
    void reset();

    // The last event ID seen (the "id" field of a dispatched event, or set by setLastEventId).
    const QString &lastEventId() const { return m_lastEventId; }
    void setLastEventId(const QString &id);
    // The reconnection time the server asked for with "retry:", in milliseconds.
    std::optional<int> retryMs() const { return m_retryMs; }

private:
    void endLine(QVector<SseEvent> &events);
    void processField(QByteArrayView line);
    void dispatch(QVector<SseEvent> &events);

    QByteArray m_line;          // the incomplete line so far
    bool m_lineTooLong = false; // dropping the rest of an overlong line
    bool m_afterCr = false;     // the last byte was CR: a following LF belongs to it
    bool m_firstLine = true;    // a UTF-8 byte order mark may start the stream
    QByteArray m_data;
    QByteArray m_eventType;
    QString m_idBuffer;
    QString m_lastEventId;
    std::optional<int> m_retryMs;
};

} // namespace fib::desktop

Q_DECLARE_METATYPE(fib::desktop::SseEvent)
