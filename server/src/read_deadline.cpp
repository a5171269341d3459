#include "fib/server/read_deadline.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/tcp.h> // tcp_info with tcpi_bytes_received and tcpi_bytes_sent (glibc's lacks them)
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "fib/log.hpp"

namespace fib::server {
namespace {

// "address:port" of a socket's local or remote end, as cpp-httplib spells req.remote_addr.
std::string endpoint(const sockaddr_storage &address, int *port)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET) {
        const auto &in = reinterpret_cast<const sockaddr_in &>(address);
        ::inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
        *port = ntohs(in.sin_port);
    } else if (address.ss_family == AF_INET6) {
        const auto &in6 = reinterpret_cast<const sockaddr_in6 &>(address);
        ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
        *port = ntohs(in6.sin6_port);
    } else {
        *port = -1;
    }
    return text;
}

// The peer of an accepted connection on `port`, or "" for anything else (the listener, clients
// of Redis and PostgreSQL, files).
std::string peerOn(int fd, int port)
{
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&local), &length) != 0)
        return {};
    int localPort = -1;
    endpoint(local, &localPort);
    if (localPort != port)
        return {};
    sockaddr_storage remote{};
    length = sizeof remote;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&remote), &length) != 0)
        return {};
    int remotePort = -1;
    const std::string address = endpoint(remote, &remotePort);
    return address + ":" + std::to_string(remotePort);
}

// Request bytes arrived after the last response (or before any): a request is being read.
bool requestArriving(int fd)
{
    tcp_info info{};
    socklen_t length = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0)
        return false;
    if (info.tcpi_bytes_received == 0)
        return false;
    return info.tcpi_bytes_sent == 0 || info.tcpi_last_data_recv < info.tcpi_last_data_sent;
}

} // namespace

ReadDeadline::~ReadDeadline()
{
    stop();
}

void ReadDeadline::start(int port)
{
    if (!m_thread.joinable())
        m_thread = std::thread([this, port] { run(port); });
}

void ReadDeadline::stop()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void ReadDeadline::handling(const std::string &peer)
{
    const std::lock_guard lock(m_mutex);
    m_handling.insert(peer);
}

void ReadDeadline::answered(const std::string &peer)
{
    const std::lock_guard lock(m_mutex);
    m_handling.erase(peer);
}

void ReadDeadline::run(int port)
{
    std::unique_lock lock(m_mutex);
    while (!m_wake.wait_for(lock, std::chrono::milliseconds(100), [this] { return m_stopping; })) {
        lock.unlock();
        scan(port);
        lock.lock();
    }
}

void ReadDeadline::scan(int port)
{
    std::set<std::string> handlingBefore; // taken before the listing: each still open is in it
    {
        const std::lock_guard lock(m_mutex);
        handlingBefore = m_handling;
    }
    std::vector<std::pair<int, std::string>> arriving;
    std::set<std::string> open;
    if (DIR *dir = ::opendir("/proc/self/fd")) {
        while (const dirent *entry = ::readdir(dir)) {
            char *end = nullptr;
            const long fd = std::strtol(entry->d_name, &end, 10);
            if (end == entry->d_name || *end != '\0' || fd == ::dirfd(dir))
                continue;
            const std::string peer = peerOn(static_cast<int>(fd), port);
            if (peer.empty())
                continue;
            open.insert(peer);
            if (requestArriving(static_cast<int>(fd)))
                arriving.emplace_back(static_cast<int>(fd), peer);
        }
        ::closedir(dir);
    }
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::pair<int, std::string>> overdue;
    {
        const std::lock_guard lock(m_mutex);
        std::map<std::pair<int, std::string>, std::chrono::steady_clock::time_point> reading;
        for (const auto &connection : arriving) {
            if (m_handling.count(connection.second) != 0)
                continue;
            const auto known = m_reading.find(connection);
            const auto since = known == m_reading.end() ? now : known->second;
            if (now - since > m_limit)
                overdue.push_back(connection);
            else
                reading.emplace(connection, since);
        }
        m_reading.swap(reading);
        // A connection that closed during its handler never reached answered().
        for (const auto &peer : handlingBefore)
            if (open.count(peer) == 0)
                m_handling.erase(peer);
    }
    for (const auto &[fd, peer] : overdue) {
        // The descriptor may have been closed and reused since the scan: only the same peer is cut.
        if (peerOn(fd, port) != peer)
            continue;
        ::shutdown(fd, SHUT_RDWR);
        if (m_cut.fetch_add(1) % 100 == 0)
            log::warn(
                "request not read in time: connection closed",
                {{"peer", peer}, {"limit_ms", m_limit.count()}, {"cut_so_far", m_cut.load()}});
    }
}

} // namespace fib::server
