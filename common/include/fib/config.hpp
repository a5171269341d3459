#pragma once
// Settings read once from the environment, with defaults. See the README's table.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "fib/index.hpp"

namespace fib {

// FIB_EVENTS_PUBLISH_URL taken apart: http://host:port/path, host a name, an IPv4 address or
// [IPv6] (without its brackets here).
struct PublishUrl {
    std::string host;
    int port = 0;
    std::string path;
};

struct Config {
    // Reads the environment; throws ConfigError naming the variable on a bad value.
    using Lookup = std::function<const char *(const char *)>;
    static Config fromEnvironment(const Lookup &lookup);
    static Config fromEnvironment();

    std::string redisHost = "127.0.0.1";
    int redisPort = 6379;
    // Never logged or shown: see redis::Connection for where they go.
    std::string redisUsername;
    std::string redisPassword;
    // REDIS_TLS=1: the connection is encrypted, and the server's certificate is verified against
    // redisTlsCa (empty: the system's CA store) and REDIS_HOST. Never a fallback to plain text.
    bool redisTls = false;
    std::string redisTlsCa;
    std::string redisTlsCert; // a client certificate, with its key, when Redis asks for one
    std::string redisTlsKey;

    Index maxIndex = 1'000'000;

    std::string apiHost = "0.0.0.0";
    int apiPort = 5000;
    int serverThreads = 64;

    std::chrono::milliseconds claimIdle{60'000};
    std::chrono::seconds reconcileInterval{60};
    int maxDeliveries = 5;
    std::string workerName; // default: <hostname>-<pid>
    // What the full digits of long values may take in Redis (fib/digit_cache.hpp).
    std::size_t valueCacheBytes = std::size_t{256} << 20;
    // Where the worker's event relay publishes live events: nginx's internal Nchan publisher
    // (FIB_EVENTS_PUBLISH_URL, http://host:port/path, taken apart). None: the relay is off.
    std::optional<PublishUrl> eventsPublish;

    // libpq reads PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE; this adds what they cannot
    // say.
    std::string postgresConninfo() const;
};

// The largest FIB_MAX_INDEX accepted: F(10^8) already has 20.9 million digits.
inline constexpr Index kMaxIndexCeiling = 100'000'000;

} // namespace fib
