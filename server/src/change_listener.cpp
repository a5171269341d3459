#include "fib/server/change_listener.hpp"

#include <chrono>
#include <string>

#include "fib/errors.hpp"
#include "fib/keys.hpp"
#include "fib/log.hpp"
#include "fib/redis.hpp"

namespace fib::server {

ChangeListener::ChangeListener(Config config, EventHub &hub, ListCache *cache)
    : m_config(std::move(config)),
      m_hub(hub),
      m_cache(cache)
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
                if (redis::size(*message) != 3 ||
                    redis::text(redis::element(*message, 0)) != "message")
                    continue;
                const auto channel = redis::text(redis::element(*message, 1));
                const auto payload = redis::text(redis::element(*message, 2));
                // Invalidate before the event goes out: a client that sees it and then polls
                // must get the new value.
                if (m_cache != nullptr)
                    m_cache->heard(channel, payload);
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
            log::warn("live events: redis unavailable, retrying",
                      {{"error", e.what()}, {"retry_ms", backoff.count()}});
            for (auto waited = 0ms; waited < backoff && !m_stopping.load(); waited += 100ms)
                std::this_thread::sleep_for(100ms);
            backoff = std::min<std::chrono::milliseconds>(backoff * 2, 10s);
        }
    }
}

} // namespace fib::server
