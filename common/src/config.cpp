#include "fib/config.hpp"

#include <charconv>
#include <cstdlib>
#include <regex>
#include <string>

#include <unistd.h>

#include "fib/errors.hpp"
#include "fib/keys.hpp"

namespace fib {
namespace {

template <typename T>
T readNumber(const Config::Lookup &lookup, const char *name, T fallback, T min, T max)
{
    const char *raw = lookup(name);
    if (raw == nullptr || *raw == '\0')
        return fallback;
    const std::string_view text(raw);
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
        throw ConfigError("Invalid setting", std::string(name) + "=" + std::string(text) +
                                                 " is not a whole number between " +
                                                 std::to_string(min) + " and " +
                                                 std::to_string(max));
    return value;
}

std::string readText(const Config::Lookup &lookup, const char *name, const std::string &fallback)
{
    const char *raw = lookup(name);
    return raw == nullptr || *raw == '\0' ? fallback : std::string(raw);
}

std::string defaultWorkerName()
{
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    return std::string(host[0] ? host : "worker") + "-" + std::to_string(getpid());
}

// FIB_EVENTS_PUBLISH_URL: http://host:port/path.
std::optional<PublishUrl> parsePublishUrl(const std::string &url)
{
    static const std::regex pattern(
        R"(http://([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})(/[!-~]*))");
    std::smatch match;
    if (!std::regex_match(url, match, pattern))
        return std::nullopt;
    const int port = std::stoi(match[2].str());
    if (port < 1 || port > 65535)
        return std::nullopt;
    std::string host = match[1].str();
    if (host.front() == '[')
        host = host.substr(1, host.size() - 2);
    return PublishUrl{host, port, match[3].str()};
}

} // namespace

Config Config::fromEnvironment(const Lookup &lookup)
{
    Config c;
    c.redisHost = readText(lookup, env::kRedisHost, c.redisHost);
    c.redisPort = readNumber(lookup, env::kRedisPort, c.redisPort, 1, 65535);
    c.redisUsername = readText(lookup, env::kRedisUsername, "");
    c.redisPassword = readText(lookup, env::kRedisPassword, "");
    if (!c.redisUsername.empty() && c.redisPassword.empty())
        throw ConfigError("Invalid setting", std::string(env::kRedisUsername) + " is set but " +
                                                 env::kRedisPassword +
                                                 " is empty: the user needs its password");
    c.redisTls = readNumber(lookup, env::kRedisTls, 0, 0, 1) == 1;
    c.redisTlsCa = readText(lookup, env::kRedisTlsCa, "");
    c.redisTlsCert = readText(lookup, env::kRedisTlsCert, "");
    c.redisTlsKey = readText(lookup, env::kRedisTlsKey, "");
    if (c.redisTlsCert.empty() != c.redisTlsKey.empty())
        throw ConfigError("Invalid setting", std::string(env::kRedisTlsCert) + " and " +
                                                 env::kRedisTlsKey +
                                                 " go together: set both or neither");
    if (!c.redisTls && !(c.redisTlsCa.empty() && c.redisTlsCert.empty()))
        throw ConfigError("Invalid setting", std::string(env::kRedisTlsCa) + ", " +
                                                 env::kRedisTlsCert + " and " + env::kRedisTlsKey +
                                                 " take effect only with " + env::kRedisTls +
                                                 "=1: set it, or the connection is not encrypted");
    c.maxIndex = readNumber<Index>(lookup, env::kMaxIndex, c.maxIndex, 0, kMaxIndexCeiling);
    c.apiHost = readText(lookup, env::kApiHost, c.apiHost);
    c.apiPort = readNumber(lookup, env::kApiPort, c.apiPort, 1, 65535);
    c.serverThreads = readNumber(lookup, env::kServerThreads, c.serverThreads, 2, 1024);
    const std::string publishUrl = readText(lookup, env::kEventsPublishUrl, "");
    if (!publishUrl.empty()) {
        c.eventsPublish = parsePublishUrl(publishUrl);
        if (!c.eventsPublish)
            throw ConfigError("Invalid setting", std::string(env::kEventsPublishUrl) + "='" +
                                                     publishUrl + "' is not http://host:port/path");
    }
    c.claimIdle = std::chrono::milliseconds(
        readNumber<long long>(lookup, env::kClaimIdleMs, c.claimIdle.count(), 100, 86'400'000));
    c.reconcileInterval = std::chrono::seconds(readNumber<long long>(
        lookup, env::kReconcileSeconds, c.reconcileInterval.count(), 1, 86'400));
    c.maxDeliveries = readNumber(lookup, env::kMaxDeliveries, c.maxDeliveries, 1, 1000);
    c.workerName = readText(lookup, env::kWorkerName, defaultWorkerName());
    c.valueCacheBytes = readNumber<std::size_t>(lookup, env::kValueCacheBytes, c.valueCacheBytes, 0,
                                                std::size_t{1} << 40);
    return c;
}

Config Config::fromEnvironment()
{
    return fromEnvironment([](const char *name) { return std::getenv(name); });
}

std::string Config::postgresConninfo() const
{
    // A short connect timeout lets readiness and requests fail fast while PostgreSQL is down.
    return "connect_timeout=3 application_name=fib";
}

} // namespace fib
