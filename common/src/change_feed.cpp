#include "fib/change_feed.hpp"

#include <algorithm>
#include <chrono>

#include "fib/errors.hpp"
#include "fib/log.hpp"
#include "fib/redis.hpp"

namespace fib {

ChangeFeed::ChangeFeed(Config config, std::vector<std::string> channels, Handler &handler,
                       std::string name)
    : m_config(std::move(config)),
      m_channels(std::move(channels)),
      m_handler(handler),
      m_name(std::move(name))
{
}

ChangeFeed::~ChangeFeed()
{
    stop();
}

void ChangeFeed::start()
{
    m_thread = std::thread([this] { run(); });
}

void ChangeFeed::stop()
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

void ChangeFeed::run()
{
    using namespace std::chrono_literals;
    auto backoff = 500ms;
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
            redis::Args subscribe{"SUBSCRIBE"};
            for (const auto &channel : m_channels)
                subscribe.emplace_back(channel);
            connection.checked(subscribe);
            for (std::size_t i = 1; i < m_channels.size(); ++i)
                connection.receive(); // the other channels' confirmations
            m_handler.subscribed();
            backoff = 500ms;
            for (;;) {
                const auto message = connection.receive(); // ["message", channel, payload]
                if (redis::size(*message) != 3 ||
                    redis::text(redis::element(*message, 0)) != "message")
                    continue;
                m_handler.message(redis::text(redis::element(*message, 1)),
                                  redis::text(redis::element(*message, 2)));
            }
        } catch (const UnavailableError &e) {
            m_handler.lost();
            {
                const std::lock_guard lock(m_connectionMutex);
                m_connection = nullptr;
            }
            if (m_stopping.load())
                return;
            log::warn(m_name + ": redis unavailable, retrying",
                      {{"error", e.what()}, {"retry_ms", backoff.count()}});
            for (auto waited = 0ms; waited < backoff && !m_stopping.load(); waited += 100ms)
                std::this_thread::sleep_for(100ms);
            backoff = std::min<std::chrono::milliseconds>(backoff * 2, 10s);
        }
    }
}

} // namespace fib
