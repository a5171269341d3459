#pragma once

#include <atomic>
#include <mutex>
#include <thread>

#include "fib/config.hpp"
#include "fib/server/event_hub.hpp"
#include "fib/server/list_cache.hpp"

namespace fib::redis {
class Connection;
}

namespace fib::server {

// Subscribes to fib:changed and fib:invalidate on its own Redis connection; hands every message
// to the list cache (ListCache::heard) and then the computed ones to the live-event hub.
// Reconnects with backoff; after every reconnection the hub sends a reset event, and while it
// is not subscribed the cache serves nothing.
class ChangeListener {
public:
    // `cache` (optional) hears every message and is enabled only while subscribed.
    ChangeListener(Config config, EventHub &hub, ListCache *cache = nullptr);
    ~ChangeListener();
    ChangeListener(const ChangeListener &) = delete;
    ChangeListener &operator=(const ChangeListener &) = delete;
    void start();
    void stop();

private:
    void run();
    Config m_config;
    EventHub &m_hub;
    ListCache *m_cache = nullptr;
    std::atomic<bool> m_stopping{false};
    std::mutex m_connectionMutex;
    redis::Connection *m_connection = nullptr; // the live one, for stop() to interrupt
    std::thread m_thread;
};

} // namespace fib::server
