#include "pg_proxy.hpp"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fib::test {
namespace {

sockaddr_in loopback(int port)
{
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

bool sendAll(int socket, const char *data, std::size_t size)
{
    while (size > 0) {
        const auto sent = ::send(socket, data, size, MSG_NOSIGNAL);
        if (sent <= 0)
            return false;
        data += sent;
        size -= static_cast<std::size_t>(sent);
    }
    return true;
}

} // namespace

PgCommitDropper::PgCommitDropper(int postgresPort) : m_postgresPort(postgresPort)
{
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto address = loopback(0);
    socklen_t length = sizeof address;
    if (m_listener < 0 ||
        ::bind(m_listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        ::listen(m_listener, 64) != 0 ||
        ::getsockname(m_listener, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        throw std::runtime_error(std::string("proxy: cannot listen: ") + std::strerror(errno));
    m_port = ntohs(address.sin_port);
    m_acceptor = std::thread([this] { acceptLoop(); });
}

PgCommitDropper::~PgCommitDropper()
{
    m_stopping.store(true);
    ::shutdown(m_listener, SHUT_RDWR);
    m_acceptor.join();
    ::close(m_listener);
    {
        const std::lock_guard lock(m_mutex);
        for (const int socket : m_sockets)
            ::shutdown(socket, SHUT_RDWR);
    }
    for (auto &relay : m_relays)
        relay.join();
    for (const int socket : m_sockets)
        ::close(socket);
}

void PgCommitDropper::acceptLoop()
{
    while (!m_stopping.load()) {
        const int client = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const auto address = loopback(m_postgresPort);
        if (server < 0 ||
            ::connect(server, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
            ::close(client);
            if (server >= 0)
                ::close(server);
            continue;
        }
        const std::lock_guard lock(m_mutex);
        m_sockets.push_back(client);
        m_sockets.push_back(server);
        m_relays.emplace_back([this, client, server] { relay(client, server); });
    }
}

void PgCommitDropper::relay(int client, int server)
{
    std::string fromServer; // server bytes not yet forwarded: an incomplete message, or held ones
    std::size_t parsed = 0; // bytes of fromServer read as whole messages
    std::size_t held = 0;   // of those, the ones withheld since a CommandComplete of interest
    bool holding = false;
    char buffer[65536];
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    for (;;) {
        if (::poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        if (fds[0].revents != 0) {
            const auto n = ::recv(client, buffer, sizeof buffer, 0);
            if (n <= 0 || !sendAll(server, buffer, static_cast<std::size_t>(n)))
                break;
        }
        if (fds[1].revents == 0)
            continue;
        const auto n = ::recv(server, buffer, sizeof buffer, 0);
        if (n <= 0)
            break;
        fromServer.append(buffer, static_cast<std::size_t>(n));
        bool drop = false;
        while (!drop && fromServer.size() - parsed >= 5) {
            std::uint32_t length = 0;
            std::memcpy(&length, fromServer.data() + parsed + 1, 4);
            length = ntohl(length);
            if (fromServer.size() - parsed < 1 + length)
                break;
            const char type = fromServer[parsed];
            const std::string_view body(fromServer.data() + parsed + 5, length - 4);
            if (type == 'C' && m_armed.load() &&
                (body.rfind("COMMIT", 0) == 0 || body.rfind("INSERT", 0) == 0))
                holding = true;
            if (type == 'Z' && holding) {
                // ReadyForQuery: 'I' means the transaction is over, committed.
                holding = false;
                if (!body.empty() && body[0] == 'I' && m_armed.exchange(false)) {
                    ++m_dropped;
                    drop = true;
                }
            }
            parsed += 1 + length;
            if (!holding)
                held = parsed;
        }
        if (drop)
            break;
        if (!sendAll(client, fromServer.data(), held))
            break;
        fromServer.erase(0, held);
        parsed -= held;
        held = 0;
    }
    ::shutdown(client, SHUT_RDWR);
    ::shutdown(server, SHUT_RDWR);
}

} // namespace fib::test
