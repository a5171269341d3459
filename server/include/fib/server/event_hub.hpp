#pragma once
// Live events for clients (GET /events, Server-Sent Events). The worker's "computed"
// notifications arrive on the Redis channel fib:changed; ChangeListener (change_listener.hpp)
// hands them to the EventHub, which numbers them, keeps the latest ones for clients that reconnect
// with Last-Event-ID, and wakes the streams. Pub/sub is only a hint: a client that cannot be
// replayed what it missed is told to refetch (a "reset" event).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace fib::server {

class EventHub {
public:
    struct Event {
        std::uint64_t seq = 0;
        std::string data; // the JSON payload of a "computed" event
    };
    struct Batch {
        bool reset = false; // the client missed events that are no longer kept
        std::vector<Event> events;
    };
    // A place in the event sequence, as a stream has reached it.
    struct Cursor {
        std::uint64_t seq = 0;
        bool reset = false;
    };

    EventHub(std::size_t maxStreams, std::size_t keep = 1024);

    void publish(std::string data);
    // Tells every stream to refetch: events may have been lost (the listener reconnected).
    void publishReset();
    // Where a stream starts: after Last-Event-ID when it can be replayed, else at the newest
    // event, with reset set when the id was unknown or too old.
    Cursor resume(const std::string &lastEventId) const;
    // Events after `cursor`, waiting up to `timeout` for one; empty on timeout or stop.
    Batch waitAfter(Cursor &cursor, std::chrono::milliseconds timeout);
    std::string eventId(std::uint64_t seq) const;

    // Stream slots; acquireStream() throws UnavailableError when all are taken.
    void acquireStream();
    void releaseStream();
    std::size_t openStreams() const { return m_streams.load(); }

    void stop();
    bool stopped() const { return m_stopped.load(); }

private:
    const std::size_t m_maxStreams;
    const std::size_t m_keep;
    const std::string m_boot; // distinguishes this process's ids from an earlier one's
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Event> m_recent;
    std::uint64_t m_seq = 0;
    std::uint64_t m_resetSeq = 0; // a reset happened before this sequence number
    std::atomic<std::size_t> m_streams{0};
    std::atomic<bool> m_stopped{false};
};

} // namespace fib::server
