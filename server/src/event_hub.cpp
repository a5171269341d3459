#include "fib/server/event_hub.hpp"

#include <limits>
#include <optional>
#include <random>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fib/errors.hpp"
#include "fib/index.hpp"
#include "fib/keys.hpp"
#include "fib/log.hpp"
#include "fib/models.hpp"
#include "fib/redis.hpp"

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

// The index a change names: fib:invalidate carries it as text (the submit script), fib:changed
// in its live event. None for anything else, which then drops every cached page.
std::optional<Index> changedIndex(std::string_view channel, std::string_view payload)
{
    try {
        if (channel == keys::kInvalidateChannel)
            return parseIndex(payload, std::numeric_limits<Index>::max());
        if (channel == keys::kChangedChannel)
            return nlohmann::json::parse(payload).get<ComputedEvent>().index;
    } catch (const std::exception &) {
    }
    return std::nullopt;
}

} // namespace

EventHub::EventHub(std::size_t maxStreams, std::size_t keep)
    : m_maxStreams(maxStreams), m_keep(keep), m_boot(randomBootId())
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
            throw UnavailableError("Too many event streams",
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

ChangeListener::ChangeListener(Config config, EventHub &hub, ResponseCache *cache)
    : m_config(std::move(config)), m_hub(hub), m_cache(cache)
{
}

ChangeListener::~ChangeListener()
{
    stop();
}

void ChangeListener::start()
{
    m_thread = std::thread([this] { run(); });
}

void ChangeListener::stop()
{
    m_stopping.store(true);
    {
        const std::lock_guard lock(m_connectionMutex);
        if (m_connection != nullptr)
            m_connection->interrupt();
    }
    if (m_thread.joinable())
        m_thread.join();
}

void ChangeListener::run()
{
    using namespace std::chrono_literals;
    auto backoff = 500ms;
    bool everConnected = false;
    while (!m_stopping.load()) {
        try {
            // No read timeout: a quiet channel is normal. stop() interrupts the socket instead.
            redis::Connection connection(m_config, 2000ms, redis::Connection::ReadsWait::Forever);
            {
                const std::lock_guard lock(m_connectionMutex);
                if (m_stopping.load())
                    return;
                m_connection = &connection;
            }
            connection.checked({"SUBSCRIBE", keys::kChangedChannel, keys::kInvalidateChannel});
            connection.receive(); // the second channel's confirmation
            if (m_cache != nullptr)
                m_cache->setEnabled(true); // from here on every change is heard
            if (everConnected)
                m_hub.publishReset(); // messages sent while we were away are gone
            everConnected = true;
            backoff = 500ms;
            for (;;) {
                const auto message = connection.receive(); // ["message", channel, payload]
                if (redis::size(*message) != 3 || redis::text(redis::element(*message, 0)) != "message")
                    continue;
                const auto channel = redis::text(redis::element(*message, 1));
                const auto payload = redis::text(redis::element(*message, 2));
                // Invalidate before the event goes out: a client that sees it and then polls
                // must get the new value.
                if (m_cache != nullptr) {
                    if (const auto index = changedIndex(channel, payload))
                        m_cache->invalidate(*index);
                    else
                        m_cache->invalidate();
                }
                if (channel == keys::kChangedChannel)
                    m_hub.publish(std::string(payload));
            }
        } catch (const UnavailableError &e) {
            if (m_cache != nullptr)
                m_cache->setEnabled(false); // changes may go unheard until resubscribed
            {
                const std::lock_guard lock(m_connectionMutex);
                m_connection = nullptr;
            }
            if (m_stopping.load())
                return;
            log::warn("live events: redis unavailable, retrying", {{"error", e.what()}, {"retry_ms", backoff.count()}});
            for (auto waited = 0ms; waited < backoff && !m_stopping.load(); waited += 100ms)
                std::this_thread::sleep_for(100ms);
            backoff = std::min<std::chrono::milliseconds>(backoff * 2, 10s);
        }
    }
}

} // namespace fib::server
