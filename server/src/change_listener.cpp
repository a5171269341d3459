#include "fib/server/change_listener.hpp"

#include <string>

#include "fib/keys.hpp"

namespace fib::server {

ChangeListener::ChangeListener(Config config, ListCache &cache)
    : m_cache(cache),
      m_feed(std::move(config),
             {std::string(keys::kChangedChannel), std::string(keys::kInvalidateChannel)}, *this,
             "list cache")
{
}

void ChangeListener::subscribed()
{
    m_cache.setEnabled(true); // from here on every change is heard
}

void ChangeListener::lost()
{
    m_cache.setEnabled(false); // changes may go unheard until resubscribed
}

void ChangeListener::message(std::string_view channel, std::string_view payload)
{
    m_cache.heard(channel, payload);
}

} // namespace fib::server
