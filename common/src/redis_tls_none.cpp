// The build's hiredis has no TLS library (see redis_tls.hpp).
#include "redis_tls.hpp"

#include <hiredis.h>

#include "fib/errors.hpp"
#include "fib/keys.hpp"

namespace fib::redis::tls {

bool supported() noexcept
{
    return false;
}

std::string unsupportedReason()
{
    return std::string(env::kRedisTls) + "=1, but this build has no TLS for Redis: its hiredis (" +
           std::to_string(HIREDIS_MAJOR) + "." + std::to_string(HIREDIS_MINOR) +
           ") has no TLS library (hiredis_ssl, hiredis 1.0 or later, as in Debian 13). Build "
           "with it, or unset " +
           env::kRedisTls + " where the connection may be plain text";
}

void start(redisContext & /*context*/, const Config & /*config*/)
{
    throw UnavailableError("Redis unavailable", unsupportedReason());
}

} // namespace fib::redis::tls
