#pragma once
// Encrypted connections to Redis (REDIS_TLS=1). CMake compiles redis_tls.cpp when hiredis has
// its TLS library (hiredis >= 1.0, Debian 13), and redis_tls_none.cpp otherwise (hiredis 0.14,
// Debian 12), which supports nothing and says so: never a silent fallback to plain text.

#include <string>

struct redisContext;

namespace fib {
struct Config;
}

namespace fib::redis::tls {

// Whether this build can encrypt its Redis connections.
bool supported() noexcept;

// Why REDIS_TLS=1 is refused, in a build that cannot encrypt; empty in one that can.
std::string unsupportedReason();

// Starts TLS on a connected context (blocking, within the context's timeout): the server's
// certificate must chain to REDIS_TLS_CA (or the system's CA store) and name REDIS_HOST.
// Throws UnavailableError with a message that names the setting to check.
void start(redisContext &context, const Config &config);

} // namespace fib::redis::tls
