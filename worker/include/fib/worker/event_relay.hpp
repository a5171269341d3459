#pragma once
// The live-event relay: hands every "computed" message of the Redis channel fib:changed on to one
// nginx's live-event channel (Nchan's publisher at FIB_EVENTS_PUBLISH_URL), which holds the
// subscribers of GET /api/events. One relay feeds one nginx: each Beanstalk instance's worker
// feeds its own nginx, so a value computed on any instance reaches the subscribers of all.
//
// When events may have been missed, it publishes "event: reset" (clients refetch the lists):
// - on every subscription to fib:changed, the first one included (what was published before
//   went unheard);
// - after a publish that failed (nginx down or restarting), once nginx takes messages again;
// - when nginx's channel holds no message (nginx restarted and lost its buffer). An empty channel
//   is also what Nchan 1.3.6 handles badly: resuming subscribers with unknown ids can crash an
//   nginx worker there; a channel with a message in it is safe.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "fib/change_feed.hpp"
#include "fib/config.hpp"

namespace httplib {
class Client;
}

namespace fib::worker {

class EventRelay : private ChangeFeed::Handler {
public:
    // How often the relay looks at nginx's channel (and retries a reset it owes).
    static constexpr std::chrono::seconds kWatchEvery{2};

    // config.eventsPublish must be set (FIB_EVENTS_PUBLISH_URL).
    explicit EventRelay(const Config &config);
    ~EventRelay() override;
    EventRelay(const EventRelay &) = delete;
    EventRelay &operator=(const EventRelay &) = delete;
    void start();
    void stop();

private:
    void subscribed() override;
    void lost() override;
    void message(std::string_view channel, std::string_view payload) override;
    // Publishes one event; false when nginx did not take it (a reset is then owed).
    bool publish(const char *type, const std::string &data);
    bool publishReset();
    // nginx's channel holds no message (or nginx cannot say).
    bool channelEmpty();
    void watch();

    std::string m_path;
    std::mutex m_clientMutex;
    std::unique_ptr<httplib::Client> m_client;
    std::atomic<bool> m_owesReset{true};
    std::atomic<bool> m_failing{false};
    ChangeFeed m_feed;
    std::mutex m_stopMutex;
    std::condition_variable m_stopWake;
    bool m_stopping = false;
    std::thread m_watcher;
};

} // namespace fib::worker
