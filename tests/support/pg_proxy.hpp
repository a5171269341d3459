#pragma once
// A loopback TCP proxy in front of PostgreSQL that can lose the reply to a commit: the fault of a
// connection that dies after the server has committed and before the client has heard so.
// It reads the server's messages (protocol 3: a type byte and a length), so the client's session
// must not use TLS or GSS encryption (PGSSLMODE=disable, PGGSSENCMODE=disable).

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace fib::test {

class PgCommitDropper {
public:
    explicit PgCommitDropper(int postgresPort);
    ~PgCommitDropper();
    PgCommitDropper(const PgCommitDropper &) = delete;
    PgCommitDropper &operator=(const PgCommitDropper &) = delete;

    int port() const { return m_port; }
    // From now on, the first transaction that a session ends committed (COMMIT, or an INSERT
    // outside a transaction block) has its reply withheld and both connections closed.
    void arm() { m_armed.store(true); }
    // How many replies it withheld.
    int dropped() const { return m_dropped.load(); }

private:
    void acceptLoop();
    void relay(int client, int server);

    int m_postgresPort;
    int m_listener = -1;
    int m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::atomic<bool> m_armed{false};
    std::atomic<int> m_dropped{0};
    std::mutex m_mutex;
    std::vector<int> m_sockets; // open relay sockets, shut down on destruction
    std::vector<std::thread> m_relays;
    std::thread m_acceptor;
};

} // namespace fib::test
