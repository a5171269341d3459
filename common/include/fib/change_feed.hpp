#pragma once
// Listens to Redis pub/sub channels on a connection of its own, on a thread of its own, and hands
// every message to a handler. Reconnects with backoff (0.5 s, doubling up to 10 s). Pub/sub keeps
// nothing for a subscriber that is away, so the handler is told when the subscription is lost
// and when it holds again: what was published in between went unheard.
//
// fib-server's list cache (fib/server/change_listener.hpp) and the worker's live-event relay
// (fib/worker/event_relay.hpp) listen through it.

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fib/config.hpp"

namespace fib {

namespace redis {
class Connection;
}

class ChangeFeed {
public:
    class Handler {
    public:
        virtual ~Handler() = default;
        // Subscribed to every channel, the first time or again: from here on every message is
        // heard, and those published before were not.
        virtual void subscribed() = 0;
        // The subscription is gone (Redis unreachable); messages go unheard until subscribed().
        virtual void lost() = 0;
        virtual void message(std::string_view channel, std::string_view payload) = 0;
    };

    // `name` names the feed in log lines.
    ChangeFeed(Config config, std::vector<std::string> channels, Handler &handler,
               std::string name);
    ~ChangeFeed();
    ChangeFeed(const ChangeFeed &) = delete;
    ChangeFeed &operator=(const ChangeFeed &) = delete;
    void start();
    void stop();

private:
    void run();
    Config m_config;
    std::vector<std::string> m_channels;
    Handler &m_handler;
    std::string m_name;
    std::atomic<bool> m_stopping{false};
    std::mutex m_connectionMutex;
    redis::Connection *m_connection = nullptr; // the live one, for stop() to interrupt
    std::thread m_thread;
};

} // namespace fib
