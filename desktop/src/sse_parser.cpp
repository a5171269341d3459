#include "fib/desktop/sse_parser.hpp"

#include <limits>

namespace fib::desktop {
namespace {

constexpr char kCr = '\r';
constexpr char kLf = '\n';
const QByteArray kBom("\xEF\xBB\xBF");

} // namespace

QVector<SseEvent> SseParser::feed(QByteArrayView chunk)
{
    QVector<SseEvent> events;
    const char *p = chunk.data();
    const char *const end = p + chunk.size();
    while (p != end) {
        if (m_afterCr) {
            m_afterCr = false;
            if (*p == kLf) { // the second half of a CRLF, perhaps in the next chunk
                ++p;
                continue;
            }
        }
        // Copy the run up to the next line end in one go.
        const char *stop = p;
        while (stop != end && *stop != kCr && *stop != kLf)
            ++stop;
        if (!m_lineTooLong) {
            if (m_line.size() + (stop - p) > kMaxLineBytes) {
                m_line.clear();
                m_lineTooLong = true;
            } else {
                m_line.append(p, stop - p);
            }
        }
        p = stop;
        if (p == end)
            break;
        m_afterCr = *p == kCr;
        ++p;
        endLine(events);
    }
    return events;
}

void SseParser::reset()
{
    m_line.clear();
    m_lineTooLong = false;
    m_afterCr = false;
    m_firstLine = true;
    m_data.clear();
    m_eventType.clear();
    m_idBuffer = m_lastEventId;
}

void SseParser::setLastEventId(const QString &id)
{
    m_lastEventId = id;
    m_idBuffer = id;
}

void SseParser::endLine(QVector<SseEvent> &events)
{
    QByteArray line;
    line.swap(m_line);
    if (m_lineTooLong) {
        m_lineTooLong = false;
        return;
    }
    if (m_firstLine) {
        m_firstLine = false;
        if (line.startsWith(kBom))
            line.remove(0, kBom.size());
    }
    if (line.isEmpty())
        dispatch(events);
    else if (line.front() != ':') // a comment, e.g. ": keep-alive"
        processField(line);
}

void SseParser::processField(QByteArrayView line)
{
    QByteArrayView name = line;
    QByteArrayView value;
    const auto colon = line.indexOf(':');
    if (colon >= 0) {
        name = line.first(colon);
        value = line.sliced(colon + 1);
        if (value.startsWith(' '))
            value = value.sliced(1);
    }
    if (name == "event") {
        m_eventType = value.toByteArray();
    } else if (name == "data") {
        m_data.append(value.data(), value.size());
        m_data.append(kLf);
    } else if (name == "id") {
        if (!value.contains('\0'))
            m_idBuffer = QString::fromUtf8(value);
    } else if (name == "retry") {
        if (value.isEmpty())
            return;
        qint64 ms = 0;
        for (const char c : value) {
            if (c < '0' || c > '9')
                return; // not all digits: ignored
            ms = std::min<qint64>(ms * 10 + (c - '0'), std::numeric_limits<int>::max());
        }
        m_retryMs = static_cast<int>(ms);
    }
    // Any other field is ignored.
}

void SseParser::dispatch(QVector<SseEvent> &events)
{
    m_lastEventId = m_idBuffer;
    if (m_data.isEmpty()) {
        m_eventType.clear();
        return;
    }
    m_data.chop(1); // the LF after the last data line
    SseEvent event;
    if (!m_eventType.isEmpty())
        event.type = QString::fromUtf8(m_eventType);
    event.data = QString::fromUtf8(m_data);
    event.id = m_lastEventId;
    events.append(std::move(event));
    m_data.clear();
    m_eventType.clear();
}

} // namespace fib::desktop
