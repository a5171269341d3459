#pragma once
// A Server-Sent Events parser (the "event stream interpretation" of the HTML standard), with no
// network: feed it bytes as they arrive, in chunks split anywhere, and it returns the events
// each chunk completes. The desktop's live-event stream, the bench client and the integration
// tests all read GET /events through it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fib {

struct SseEvent {
    std::string type = "message"; // the "event" field, "message" when absent
    std::string data;             // "data" lines joined with \n (bytes as sent: UTF-8)
    std::string id;               // the last event ID when the event was dispatched
};

inline bool operator==(const SseEvent &a, const SseEvent &b)
{
    return a.type == b.type && a.data == b.data && a.id == b.id;
}
inline bool operator!=(const SseEvent &a, const SseEvent &b)
{
    return !(a == b);
}

class SseParser {
public:
    // A line longer than this is dropped, so a broken stream cannot grow memory without bound.
    static constexpr std::size_t kMaxLineBytes = std::size_t{4} * 1024 * 1024;

    // Parses a chunk; returns the events completed by it, in order.
    std::vector<SseEvent> feed(std::string_view chunk);

    // Forgets a partial line and event, for a new connection. The last event ID and the retry
    // time are kept: a reconnect resends the ID.
    void reset();

    // The last event ID seen (the "id" field of a dispatched event, or set by setLastEventId).
    const std::string &lastEventId() const { return m_lastEventId; }
    void setLastEventId(std::string id);
    // The reconnection time the server asked for with "retry:", in milliseconds.
    std::optional<int> retryMs() const { return m_retryMs; }

private:
    void endLine(std::vector<SseEvent> &events);
    void processField(std::string_view line);
    void dispatch(std::vector<SseEvent> &events);

    std::string m_line;         // the incomplete line so far
    bool m_lineTooLong = false; // dropping the rest of an overlong line
    bool m_afterCr = false;     // the last byte was CR: a following LF belongs to it
    bool m_firstLine = true;    // a UTF-8 byte order mark may start the stream
    std::string m_data;
    std::string m_eventType;
    std::string m_idBuffer;
    std::string m_lastEventId;
    std::optional<int> m_retryMs;
};

} // namespace fib
