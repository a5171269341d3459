#include "fib/worker/event_relay.hpp"

#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fib/errors.hpp"
#include "fib/keys.hpp"
#include "fib/log.hpp"

namespace fib::worker {
namespace {
constexpr const char *kResetData = "{}";
}

EventRelay::EventRelay(const Config &config)
    : m_feed(config, {std::string(keys::kChangedChannel)}, *this, "event relay")
{
    if (!config.eventsPublish)
        throw ConfigError("Missing setting", std::string(env::kEventsPublishUrl) + " is not set");
    const PublishUrl &url = *config.eventsPublish;
    m_path = url.path;
    m_client = std::make_unique<httplib::Client>(url.host, url.port);
    m_client->set_connection_timeout(1, 0);
    m_client->set_read_timeout(2, 0);
    m_client->set_write_timeout(2, 0);
    m_client->set_keep_alive(true);
    // Headers and body go out in two writes: without this, Nagle holds the body back until the
    // headers are acknowledged, which a delayed ACK makes 40 ms.
    m_client->set_tcp_nodelay(true);
}

EventRelay::~EventRelay()
{
    stop();
}

void EventRelay::start()
{
    m_feed.start();
    m_watcher = std::thread([this] { watch(); });
}

void EventRelay::stop()
{
    {
        const std::lock_guard lock(m_stopMutex);
        m_stopping = true;
    }
    m_stopWake.notify_all();
    m_feed.stop();
    if (m_watcher.joinable())
        m_watcher.join();
}

void EventRelay::subscribed()
{
    m_owesReset.store(true); // what was published while not subscribed went unheard
    publishReset();
}

void EventRelay::lost()
{
}

void EventRelay::message(std::string_view channel, std::string_view payload)
{
    if (channel != keys::kChangedChannel)
        return;
    if (m_owesReset.load() && !publishReset())
        return; // nginx is not taking messages: the reset comes first once it does
    publish("computed", std::string(payload));
}

bool EventRelay::publish(const char *type, const std::string &data)
{
    const httplib::Headers headers{{"X-EventSource-Event", type}};
    bool published = false;
    {
        const std::lock_guard lock(m_clientMutex);
        // Twice: nginx may have closed the kept-alive connection just before.
        for (int attempt = 0; attempt < 2 && !published; ++attempt) {
            const auto res = m_client->Post(m_path, headers, data, "application/json");
            published = res && (res->status == 201 || res->status == 202);
        }
    }
    if (!published) {
        m_owesReset.store(true);
        if (!m_failing.exchange(true))
            log::warn("live events: nginx does not take them; clients will be told to refetch",
                      {{"publish_path", m_path}, {"event", type}});
    } else if (m_failing.exchange(false)) {
        log::info("live events: nginx takes them again", {{"publish_path", m_path}});
    }
    return published;
}

bool EventRelay::publishReset()
{
    if (!publish("reset", kResetData))
        return false;
    m_owesReset.store(false);
    return true;
}

bool EventRelay::channelEmpty()
{
    const std::lock_guard lock(m_clientMutex);
    const auto res = m_client->Get(m_path, {{"Accept", "application/json"}});
    if (!res || res->status == 404)
        return true; // unreachable, or no channel yet
    const auto info = nlohmann::json::parse(res->body, nullptr, false);
    return info.is_discarded() || info.value("messages", 0) == 0;
}

void EventRelay::watch()
{
    std::unique_lock lock(m_stopMutex);
    while (!m_stopWake.wait_for(lock, kWatchEvery, [this] { return m_stopping; })) {
        lock.unlock();
        if (m_owesReset.load() || channelEmpty())
            publishReset();
        lock.lock();
    }
}

} // namespace fib::worker
