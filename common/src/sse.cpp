#include "fib/sse.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

namespace fib {
namespace {

constexpr char kCr = '\r';
constexpr char kLf = '\n';
constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool startsWith(std::string_view text, std::string_view prefix)
{
    return text.substr(0, prefix.size()) == prefix;
}

} // namespace

std::vector<SseEvent> SseParser::feed(std::string_view chunk)
{
    std::vector<SseEvent> events;
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
        const auto length = static_cast<std::size_t>(stop - p);
        if (!m_lineTooLong) {
            if (m_line.size() + length > kMaxLineBytes) {
                m_line.clear();
                m_line.shrink_to_fit();
                m_lineTooLong = true;
            } else {
                m_line.append(p, length);
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

void SseParser::setLastEventId(std::string id)
{
    m_idBuffer = id;
    m_lastEventId = std::move(id);
}

void SseParser::endLine(std::vector<SseEvent> &events)
{
    const bool firstLine = std::exchange(m_firstLine, false);
    if (m_lineTooLong) {
        m_lineTooLong = false;
        return;
    }
    std::string_view line = m_line;
    if (firstLine && startsWith(line, kBom))
        line.remove_prefix(kBom.size());
    if (line.empty())
        dispatch(events);
    else if (line.front() != ':') // a comment, e.g. ": keep-alive"
        processField(line);
    m_line.clear(); // keeps its capacity for the next line
}

void SseParser::processField(std::string_view line)
{
    std::string_view name = line;
    std::string_view value;
    if (const auto colon = line.find(':'); colon != std::string_view::npos) {
        name = line.substr(0, colon);
        value = line.substr(colon + 1);
        if (startsWith(value, " "))
            value.remove_prefix(1);
    }
    if (name == "event") {
        m_eventType.assign(value);
    } else if (name == "data") {
        m_data.append(value);
        m_data.push_back(kLf);
    } else if (name == "id") {
        if (value.find('\0') == std::string_view::npos)
            m_idBuffer.assign(value);
    } else if (name == "retry") {
        if (value.empty())
            return;
        constexpr std::int64_t kMax = std::numeric_limits<int>::max();
        std::int64_t ms = 0;
        for (const char c : value) {
            if (c < '0' || c > '9')
                return; // not all digits: ignored
            ms = std::min<std::int64_t>(ms * 10 + (c - '0'), kMax);
        }
        m_retryMs = static_cast<int>(ms);
    }
    // Any other field is ignored.
}

void SseParser::dispatch(std::vector<SseEvent> &events)
{
    m_lastEventId = m_idBuffer;
    if (m_data.empty()) {
        m_eventType.clear();
        return;
    }
    m_data.pop_back(); // the LF after the last data line
    SseEvent event;
    if (!m_eventType.empty())
        event.type = std::move(m_eventType);
    event.data = std::move(m_data);
    event.id = m_lastEventId;
    events.push_back(std::move(event));
    m_data.clear();
    m_eventType.clear();
}

} // namespace fib
