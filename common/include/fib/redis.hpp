#pragma once
// A small RAII layer over hiredis (0.14 and 1.x): one connection, commands as argument
// vectors (never formatted strings), timeouts, and typed failures.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fib/errors.hpp"

struct redisContext;
struct redisReply;

namespace fib {
struct Config;
}

namespace fib::redis {

// Redis refused REDIS_USERNAME/REDIS_PASSWORD (a wrong or changed password, a disabled user).
// An UnavailableError, so a request that meets it gets a 503.
class LoginRefused : public UnavailableError {
    using UnavailableError::UnavailableError;
};

struct ReplyDeleter {
    void operator()(redisReply *reply) const noexcept;
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;
using Args = std::vector<std::string_view>;

class Connection {
public:
    // Connects; throws UnavailableError when Redis cannot be reached within `timeout`.
    // `timeout` also bounds every later command, so a blocking command must block for less,
    // unless `readsWait` is Forever (a pub/sub subscriber, for which silence is normal).
    enum class ReadsWait { Timeout, Forever };
    Connection(const std::string &host, int port, std::chrono::milliseconds timeout,
               ReadsWait readsWait = ReadsWait::Timeout);
    // To the services' Redis (REDIS_HOST, REDIS_PORT), logged in as REDIS_USERNAME with
    // REDIS_PASSWORD when one is set; throws LoginRefused when Redis refuses them.
    Connection(const Config &config, std::chrono::milliseconds timeout,
               ReadsWait readsWait = ReadsWait::Timeout);
    ~Connection();
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // One command. An I/O failure throws UnavailableError and marks the connection broken;
    // an error reply from Redis is returned for the caller to inspect (see isError).
    Reply command(const Args &args);
    // Like command(), but an error reply throws UnavailableError too.
    Reply checked(const Args &args);
    // Sends all commands at once and reads the replies in order.
    std::vector<Reply> pipeline(const std::vector<Args> &commands);

    // The next pushed message (pub/sub); blocks.
    Reply receive();
    // Makes a blocked command or receive() on another thread fail at once (shuts the socket).
    void interrupt() noexcept;

    bool broken() const noexcept { return m_broken; }

    // AUTH (username may be empty: the default user). Throws LoginRefused on an error reply.
    void login(const std::string &username, const std::string &password);

private:
    [[noreturn]] void fail(const char *what);
    struct ContextDeleter {
        void operator()(redisContext *context) const noexcept;
    };
    std::unique_ptr<redisContext, ContextDeleter> m_context;
    bool m_broken = false;
};

// Reply accessors. They throw UnavailableError on an unexpected reply shape.
bool isError(const redisReply &reply) noexcept;
bool isNil(const redisReply &reply) noexcept;
std::string_view text(const redisReply &reply);
long long integer(const redisReply &reply);
std::size_t size(const redisReply &reply); // elements of an array reply
const redisReply &element(const redisReply &reply, std::size_t i);
std::optional<std::string> optionalText(const redisReply &reply);

// The number after "name:" at the start of a line of an INFO reply's text; nullopt if absent.
std::optional<unsigned long long> infoNumber(std::string_view info, std::string_view name);
// From the text of INFO memory: when Redis has a maxmemory and uses it all (it then refuses writes
// under the noeviction policy), a sentence saying so; otherwise nullopt.
std::optional<std::string> outOfMemory(std::string_view info);

// At start-up: throws ConfigError naming REDIS_PASSWORD when Redis refuses the login, or requires
// one that is not set, and naming REDIS_TLS when this build cannot encrypt (hiredis without TLS).
// Redis not reachable is not an error here (the services wait for it), nor is a failed TLS
// handshake (readiness names the setting to check).
void checkLogin(const Config &config);

} // namespace fib::redis
