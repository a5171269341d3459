#pragma once
// A bound on the total time fib-server spends reading one request, headers and body together.
// cpp-httplib 0.11 bounds each read (5 s) but not a request: a client that sends a header line
// every few seconds (slowloris) holds a server thread for as long as it likes, and 64 of them
// hold them all. Nothing in cpp-httplib 0.11 can be hooked between accept and the end of the
// headers, so this watches the server's connections from outside: every 100 ms it looks at the
// sockets on the server's port (/proc/self/fd, TCP_INFO); a connection that received request
// bytes after its last response, whose request has not reached a handler within `limit`, is
// shut down, which ends the blocked read at once and frees the thread. Idle keep-alive
// connections are left alone (cpp-httplib closes them after its keep-alive timeout).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace fib::server {

class ReadDeadline {
public:
    explicit ReadDeadline(std::chrono::milliseconds limit) : m_limit(limit) {}
    ~ReadDeadline();
    ReadDeadline(const ReadDeadline &) = delete;
    ReadDeadline &operator=(const ReadDeadline &) = delete;

    // Starts watching the connections accepted on `port`.
    void start(int port);
    void stop();

    // The request from this peer ("address:port") has been read and its handler runs / has
    // answered.
    void handling(const std::string &peer);
    void answered(const std::string &peer);

    // Connections shut down for taking too long, since start.
    std::uint64_t cut() const noexcept { return m_cut.load(); }

private:
    void run(int port);
    void scan(int port);

    std::chrono::milliseconds m_limit;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::set<std::string> m_handling; // peers whose handler runs
    std::map<std::pair<int, std::string>, std::chrono::steady_clock::time_point>
        m_reading; // (fd, peer) -> since
    std::atomic<std::uint64_t> m_cut{0};
    std::thread m_thread;
};

} // namespace fib::server
