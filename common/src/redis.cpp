#include "fib/redis.hpp"

#include <charconv>

#include <sys/socket.h>
#include <sys/time.h>

// hiredis's string type, for its reader buffer. The header has no C++ guard, and hiredis.h
// includes it too, so it comes first, as C.
extern "C" {
#include <sds.h>
}
#include <hiredis.h>

#include "fib/config.hpp"
#include "fib/errors.hpp"
#include "fib/keys.hpp"
#include "redis_tls.hpp"

namespace fib::redis {
namespace {

timeval toTimeval(std::chrono::milliseconds ms)
{
    timeval tv{};
    tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
    tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
    return tv;
}

// hiredis keeps its read buffer at the size of the largest reply until the next read on the
// connection, which may never come on an idle server thread: F(10^6) leaves ~256 KB behind on
// every thread that served it. Drop a large buffer once everything in it has been parsed.
constexpr std::size_t kMaxIdleReadBuffer =
    std::size_t{16} * 1024; // hiredis's own REDIS_READER_MAX_BUF

void releaseLargeReadBuffer(redisContext *context) noexcept
{
    redisReader *reader = context->reader;
    if (reader == nullptr || reader->buf == nullptr || reader->pos != reader->len)
        return;
    if (sdsalloc(reader->buf) <= kMaxIdleReadBuffer)
        return;
    sds empty = sdsempty();
    if (empty == nullptr)
        return;
    sdsfree(reader->buf);
    reader->buf = empty;
    reader->pos = 0;
    reader->len = 0;
}

[[noreturn]] void badShape(const char *expected)
{
    throw UnavailableError("Redis failed",
                           std::string("unexpected reply from Redis: expected ") + expected);
}

} // namespace

void ReplyDeleter::operator()(redisReply *reply) const noexcept
{
    freeReplyObject(reply);
}

void Connection::ContextDeleter::operator()(redisContext *context) const noexcept
{
    redisFree(context);
}

Connection::Connection(const std::string &host, int port, std::chrono::milliseconds timeout,
                       ReadsWait readsWait)
    : m_context(redisConnectWithTimeout(host.c_str(), port, toTimeval(timeout)))
{
    if (!m_context)
        throw UnavailableError("Redis unavailable", "cannot allocate a Redis connection");
    if (m_context->err != 0)
        throw UnavailableError("Redis unavailable", "cannot connect to Redis at " + host + ":" +
                                                        std::to_string(port) + ": " +
                                                        m_context->errstr);
    if (readsWait == ReadsWait::Timeout)
        redisSetTimeout(m_context.get(), toTimeval(timeout));
    redisEnableKeepAlive(m_context.get());
}

Connection::Connection(const Config &config, std::chrono::milliseconds timeout, ReadsWait readsWait)
    : Connection(config.redisHost, config.redisPort, timeout, readsWait)
{
    if (config.redisTls) {
        // The handshake waits for the server within `timeout`, whatever later reads may do.
        redisSetTimeout(m_context.get(), toTimeval(timeout));
        tls::start(*m_context, config);
        if (readsWait == ReadsWait::Forever)
            redisSetTimeout(m_context.get(), timeval{});
    }
    if (!config.redisPassword.empty())
        login(config.redisUsername, config.redisPassword);
}

Connection::~Connection() = default;

void Connection::login(const std::string &username, const std::string &password)
{
    Args args{"AUTH"};
    if (!username.empty())
        args.emplace_back(username);
    args.emplace_back(password);
    const Reply reply = command(args);
    if (isError(*reply)) {
        m_broken = true;
        // Redis's message ("WRONGPASS invalid username-password pair or user is disabled.")
        // never contains the password.
        throw LoginRefused("Redis login refused",
                           "Redis refused the login" +
                               (username.empty() ? std::string() : " of user '" + username + "'") +
                               ": " + std::string(reply->str, reply->len));
    }
}

void Connection::fail(const char *what)
{
    m_broken = true;
    throw UnavailableError("Redis unavailable",
                           std::string(what) + ": " +
                               (m_context->err ? m_context->errstr : "no reply"));
}

Reply Connection::command(const Args &args)
{
    if (m_broken)
        throw UnavailableError("Redis unavailable", "the Redis connection was lost");
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto &arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    Reply reply(static_cast<redisReply *>(redisCommandArgv(
        m_context.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
    if (!reply)
        fail("Redis command failed");
    releaseLargeReadBuffer(m_context.get());
    return reply;
}

Reply Connection::checked(const Args &args)
{
    Reply reply = command(args);
    if (isError(*reply))
        throw UnavailableError("Redis failed",
                               std::string(args.empty() ? "" : args.front()) +
                                   " failed: " + std::string(reply->str, reply->len));
    return reply;
}

Reply Connection::receive()
{
    if (m_broken)
        throw UnavailableError("Redis unavailable", "the Redis connection was lost");
    void *raw = nullptr;
    if (redisGetReply(m_context.get(), &raw) != REDIS_OK || raw == nullptr)
        fail("Redis read failed");
    return Reply(static_cast<redisReply *>(raw));
}

void Connection::interrupt() noexcept
{
    ::shutdown(m_context->fd, SHUT_RDWR);
}

std::vector<Reply> Connection::pipeline(const std::vector<Args> &commands)
{
    if (m_broken)
        throw UnavailableError("Redis unavailable", "the Redis connection was lost");
    for (const auto &args : commands) {
        std::vector<const char *> argv;
        std::vector<size_t> lengths;
        for (const auto &arg : args) {
            argv.push_back(arg.data());
            lengths.push_back(arg.size());
        }
        if (redisAppendCommandArgv(m_context.get(), static_cast<int>(argv.size()), argv.data(),
                                   lengths.data()) != REDIS_OK)
            fail("Redis pipeline failed");
    }
    std::vector<Reply> replies;
    replies.reserve(commands.size());
    for (std::size_t i = 0; i < commands.size(); ++i) {
        void *raw = nullptr;
        if (redisGetReply(m_context.get(), &raw) != REDIS_OK || raw == nullptr)
            fail("Redis pipeline failed");
        replies.emplace_back(static_cast<redisReply *>(raw));
    }
    releaseLargeReadBuffer(m_context.get());
    return replies;
}

bool isError(const redisReply &reply) noexcept
{
    return reply.type == REDIS_REPLY_ERROR;
}

bool isNil(const redisReply &reply) noexcept
{
    return reply.type == REDIS_REPLY_NIL;
}

std::string_view text(const redisReply &reply)
{
    if (reply.type != REDIS_REPLY_STRING && reply.type != REDIS_REPLY_STATUS &&
        reply.type != REDIS_REPLY_ERROR)
        badShape("a string");
    return {reply.str, reply.len};
}

long long integer(const redisReply &reply)
{
    if (reply.type != REDIS_REPLY_INTEGER)
        badShape("an integer");
    return reply.integer;
}

std::size_t size(const redisReply &reply)
{
    if (reply.type == REDIS_REPLY_NIL)
        return 0;
    if (reply.type != REDIS_REPLY_ARRAY)
        badShape("an array");
    return reply.elements;
}

const redisReply &element(const redisReply &reply, std::size_t i)
{
    if (i >= size(reply) || reply.element[i] == nullptr)
        badShape("a longer array");
    return *reply.element[i];
}

std::optional<std::string> optionalText(const redisReply &reply)
{
    if (isNil(reply))
        return std::nullopt;
    return std::string(text(reply));
}

std::optional<unsigned long long> infoNumber(std::string_view info, std::string_view name)
{
    for (std::size_t at = 0; at < info.size();) {
        auto end = info.find('\n', at);
        if (end == std::string_view::npos)
            end = info.size();
        auto line = info.substr(at, end - at);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.size() > name.size() && line.substr(0, name.size()) == name &&
            line[name.size()] == ':') {
            const auto number = line.substr(name.size() + 1);
            unsigned long long value = 0;
            const auto [ptr, ec] =
                std::from_chars(number.data(), number.data() + number.size(), value);
            if (ec == std::errc() && ptr == number.data() + number.size())
                return value;
            return std::nullopt;
        }
        at = end + 1;
    }
    return std::nullopt;
}

std::optional<std::string> outOfMemory(std::string_view info)
{
    const auto used = infoNumber(info, "used_memory");
    const auto limit = infoNumber(info, "maxmemory");
    if (!used || !limit || *limit == 0 || *used < *limit)
        return std::nullopt;
    return "Redis uses " + std::to_string(*used) + " bytes, its maxmemory is " +
           std::to_string(*limit) + ": it refuses writes until memory is freed or the limit raised";
}

void checkLogin(const Config &config)
{
    if (config.redisTls && !tls::supported())
        throw ConfigError("Invalid setting", tls::unsupportedReason());
    const std::string names = config.redisUsername.empty()
                                  ? std::string(env::kRedisPassword)
                                  : std::string(env::kRedisUsername) + "/" + env::kRedisPassword;
    std::unique_ptr<Connection> connection;
    try {
        connection = std::make_unique<Connection>(config, std::chrono::milliseconds(2000));
    } catch (const LoginRefused &e) {
        throw ConfigError("Invalid setting", names + ": " + e.what());
    } catch (const UnavailableError &) {
        return;
    }
    try {
        const Reply reply = connection->command({"PING"});
        if (isError(*reply) && std::string_view(reply->str, reply->len).rfind("NOAUTH", 0) == 0)
            throw ConfigError("Invalid setting",
                              "Redis at " + config.redisHost + ":" +
                                  std::to_string(config.redisPort) + " requires a login: set " +
                                  env::kRedisUsername + " and " + env::kRedisPassword);
    } catch (const UnavailableError &) {
    }
}

} // namespace fib::redis
