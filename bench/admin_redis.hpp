#pragma once
// The bench tools' Redis connection: to the throwaway stack's Redis on loopback, logged in as its
// administrator fib_admin when scripts/bench exports FIB_REDIS_ADMIN_PASSWORD (the stack's Redis
// has no passwordless user; the tools FLUSHALL and read every key). And the workers' count of
// computed jobs, which the tools time.

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "fib/keys.hpp"
#include "fib/redis.hpp"

inline std::unique_ptr<fib::redis::Connection> adminRedis(int port,
                                                          std::chrono::milliseconds timeout)
{
    auto redis = std::make_unique<fib::redis::Connection>("127.0.0.1", port, timeout);
    if (const char *password = std::getenv("FIB_REDIS_ADMIN_PASSWORD");
        password != nullptr && *password != '\0')
        redis->login("fib_admin", password);
    return redis;
}

// The `computed` field of the workers' stats hash (0 before the first job).
inline long long computedCount(fib::redis::Connection &redis)
{
    const auto reply =
        redis.checked({"HGET", fib::keys::kWorkerStatsHash, fib::keys::kStatComputed});
    return fib::redis::isNil(*reply) ? 0 : std::stoll(std::string(fib::redis::text(*reply)));
}
