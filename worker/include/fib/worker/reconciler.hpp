#pragma once
// Repairs Redis from PostgreSQL, the durable record: every submitted index whose value Redis
// lacks (Redis lost its data, say) gets a job again, and so does a pending index when the
// stream holds no job at all (its job was lost).

#include <memory>

#include "fib/config.hpp"
#include "fib/pg_store.hpp"
#include "fib/redis.hpp"

namespace fib::worker {

class Reconciler {
public:
    explicit Reconciler(Config config);
    // Returns how many jobs it queued. Throws UnavailableError when PostgreSQL or Redis fails.
    std::size_t run(redis::Connection &redis);

private:
    Config m_config;
    std::unique_ptr<PgStore> m_pg;
};

} // namespace fib::worker
