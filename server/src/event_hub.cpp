#include "fib/server/event_hub.hpp"

#include <random>

#include "fib/errors.hpp"

namespace fib::server {
namespace {

std::string randomBootId()
{
    std::random_device device;
    std::uniform_int_distribution<unsigned> digit(0, 35);
    std::string id(8, '0');
    for (auto &c : id) {
        const auto d = digit(device);
        c = static_cast<char>(d < 10 ? '0' + d : 'a' + (d - 10));
    }
    return id;
}

} // namespace

EventHub::EventHub(std::size_t maxStreams, std::size_t keep)
    : m_maxStreams(maxStreams),
      m_keep(keep),
      m_boot(randomBootId())
{
}

void EventHub::publish(std::string data)
{
    {
        const std::lock_guard lock(m_mutex);
        m_recent.push_back(Event{++m_seq, std::move(data)});
        while (m_recent.size() > m_keep)
            m_recent.pop_front();
    }
    m_changed.notify_all();
}

void EventHub::publishReset()
{
    {
        const std::lock_guard lock(m_mutex);
        // Nothing before this point can be replayed faithfully any more.
        m_recent.clear();
        m_resetSeq = ++m_seq;
    }
    m_changed.notify_all();
}

std::string EventHub::eventId(std::uint64_t seq) const
{
    return m_boot + "-" + std::to_string(seq);
}

EventHub::Cursor EventHub::resume(const std::string &lastEventId) const
{
    const std::lock_guard lock(m_mutex);
    Cursor cursor{m_seq, false};
    if (lastEventId.empty())
        return cursor;
    const auto dash = lastEventId.rfind('-');
    std::uint64_t seq = 0;
    bool known = dash != std::string::npos && lastEventId.compare(0, dash, m_boot) == 0;
    if (known) {
        try {
            std::size_t used = 0;
            seq = std::stoull(lastEventId.substr(dash + 1), &used);
            known = used == lastEventId.size() - dash - 1 && seq <= m_seq;
        } catch (const std::exception &) {
            known = false;
        }
    }
    // Replayable when every event after `seq` is still kept and no reset came after it.
    const std::uint64_t oldestKept = m_recent.empty() ? m_seq + 1 : m_recent.front().seq;
    if (known && seq + 1 >= oldestKept && seq >= m_resetSeq) {
        cursor.seq = seq;
        return cursor;
    }
    cursor.reset = true;
    return cursor;
}

EventHub::Batch EventHub::waitAfter(Cursor &cursor, std::chrono::milliseconds timeout)
{
    std::unique_lock lock(m_mutex);
    m_changed.wait_for(lock, timeout, [&] { return m_stopped.load() || m_seq > cursor.seq; });
    Batch batch;
    if (m_stopped.load() || m_seq == cursor.seq)
        return batch;
    if (m_resetSeq > cursor.seq)
        batch.reset = true;
    for (const auto &event : m_recent)
        if (event.seq > cursor.seq && (!batch.reset || event.seq > m_resetSeq))
            batch.events.push_back(event);
    cursor.seq = m_seq;
    return batch;
}

void EventHub::acquireStream()
{
    auto open = m_streams.load();
    do {
        if (open >= m_maxStreams)
            throw UnavailableError(
                "Too many event streams",
                "all " + std::to_string(m_maxStreams) +
                    " live-event streams are taken; poll /values/current instead");
    } while (!m_streams.compare_exchange_weak(open, open + 1));
}

void EventHub::releaseStream()
{
    m_streams.fetch_sub(1);
}

void EventHub::stop()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stopped.store(true);
    }
    m_changed.notify_all();
}

} // namespace fib::server
