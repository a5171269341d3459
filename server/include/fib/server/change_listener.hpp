#pragma once

#include "fib/change_feed.hpp"
#include "fib/config.hpp"
#include "fib/server/list_cache.hpp"

namespace fib::server {

// Keeps the list cache honest: hands every fib:changed and fib:invalidate message to it
// (ListCache::heard), and enables it only while subscribed, since changes published while the
// subscription is down go unheard.
class ChangeListener : private ChangeFeed::Handler {
public:
    ChangeListener(Config config, ListCache &cache);
    void start() { m_feed.start(); }
    void stop() { m_feed.stop(); }

private:
    void subscribed() override;
    void lost() override;
    void message(std::string_view channel, std::string_view payload) override;
    ListCache &m_cache;
    ChangeFeed m_feed;
};

} // namespace fib::server
