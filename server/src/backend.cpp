#include "fib/server/backend.hpp"

#include <algorithm>
#include <memory>
#include <thread>

#include "fib/digit_cache.hpp"
#include "fib/errors.hpp"
#include "fib/fibonacci.hpp"
#include "fib/keys.hpp"
#include "fib/log.hpp"
#include "fib/pg_store.hpp"
#include "fib/redis.hpp"

namespace fib::server {
namespace {

constexpr std::chrono::milliseconds kRedisTimeout{2000};
constexpr std::chrono::milliseconds kPoolWait{3000};

// Redis connections belong to the pool thread that made them (hiredis handles are not
// thread-safe, and Redis takes thousands of clients). A broken one is dropped, and the next
// request on that thread reconnects.
thread_local std::unique_ptr<redis::Connection> t_redis;

redis::Connection &redisFor(const Config &config)
{
    if (t_redis && t_redis->broken())
        t_redis.reset();
    if (!t_redis)
        t_redis = std::make_unique<redis::Connection>(config, kRedisTimeout);
    return *t_redis;
}

// A thread's connection may have died with a Redis restart while it sat idle; that shows only
// on use. The request then gets one more try on a new connection. Every command sent here is
// safe to repeat (reads, and the submit script, which adds no second job).
template <typename F>
auto withRedis(const Config &config, F &&body)
{
    const bool reused = t_redis && !t_redis->broken();
    try {
        return body(redisFor(config));
    } catch (const UnavailableError &) {
        if (!reused || !t_redis || !t_redis->broken())
            throw;
    }
    return body(redisFor(config));
}

} // namespace

template <typename F>
auto LiveBackend::withPg(F &&body)
{
    // An idle pooled session may have died with a PostgreSQL restart; that shows only on use.
    // It is then dropped, and the request gets one more try on a fresh session.
    for (int attempt = 0;; ++attempt) {
        auto lease = m_pg.acquire();
        try {
            return body(*lease);
        } catch (const CommitInDoubtError &) {
            throw; // the work may be done: never simply repeated (see writeSubmissions)
        } catch (const UnavailableError &) {
            if (attempt > 0 || !lease->broken())
                throw;
        }
    }
}

LiveBackend::LiveBackend(Config config)
    : m_config(std::move(config)),
      m_pg(
          kPgConnections,
          [this] {
              auto store = std::make_unique<PgStore>(m_config.postgresConninfo());
              if (!m_schemaReady.load(std::memory_order_acquire)) {
                  const std::lock_guard lock(m_schemaMutex);
                  if (!m_schemaReady.load()) {
                      store->migrate();
                      m_schemaReady.store(true, std::memory_order_release);
                  }
              }
              return store;
          },
          kPoolWait),
      m_submissions([this](const std::vector<Index> &indexes) { return writeSubmissions(indexes); },
                    kMaxSubmissionBatch),
      m_recomputer(std::max(1U, std::thread::hardware_concurrency()), kRecomputeWait,
                   [](Index index) { return fibonacciDecimal(index); })
{
}

int migrateSchema(const Config &config)
{
    try {
        PgStore store(config.postgresConninfo());
        const auto done = store.migrate(true);
        log::info("schema ready", {{"version_found", done.from},
                                   {"version", done.to},
                                   {"app_role", std::string(keys::kAppRole)},
                                   {"app_role_granted", done.appRoleGranted}});
        if (!done.appRoleGranted)
            log::warn("no PostgreSQL role to grant: create it with deploy/postgres/roles.sql, then "
                      "migrate again",
                      {{"app_role", std::string(keys::kAppRole)}});
        return 0;
    } catch (const UnavailableError &e) {
        log::error("cannot migrate the schema", {{"error", e.what()}});
        return 1;
    }
}

std::vector<bool> LiveBackend::writeSubmissions(const std::vector<Index> &indexes)
{
    try {
        return withPg([&](PgStore &pg) { return pg.recordSubmissions(indexes); });
    } catch (const CommitInDoubtError &e) {
        // The connection died while committing. Writing again could count every request twice,
        // so another session asks what became of the transaction; its backend may take a moment
        // to notice the lost client and finish.
        for (int check = 0; check < kInDoubtChecks; ++check) {
            switch (withPg([&](PgStore &pg) { return pg.outcome(e.transactionId()); })) {
            case PgStore::Outcome::Committed:
                log::warn("commit reply lost; the submissions were stored",
                          {{"xid", e.transactionId()}});
                // Which rows were new is not known: report all as new, so every cache drops.
                return std::vector<bool>(indexes.size(), true);
            case PgStore::Outcome::Aborted:
                log::warn("commit reply lost; the submissions were not stored, writing them again",
                          {{"xid", e.transactionId()}});
                return withPg([&](PgStore &pg) { return pg.recordSubmissions(indexes); });
            case PgStore::Outcome::Unknown: std::this_thread::sleep_for(kInDoubtPause); break;
            }
        }
        throw UnavailableError(
            "Database unavailable",
            "the connection to PostgreSQL was lost while committing, and whether the "
            "submission was stored is not known yet");
    }
}

void LiveBackend::prepare()
{
    m_pg.acquire();
}

bool LiveBackend::recordSubmission(Index index)
{
    return m_submissions.record(index);
}

std::vector<Index> LiveBackend::indexes(std::optional<Index> after, std::size_t limit)
{
    return withPg([&](PgStore &pg) { return pg.indexes(after, limit); });
}

bool LiveBackend::isSubmitted(Index index)
{
    return withPg([&](PgStore &pg) { return pg.contains(index); });
}

jobs::SubmitOutcome LiveBackend::enqueue(Index index, std::string_view requestId, bool listed)
{
    return withRedis(m_config, [&](redis::Connection &redis) {
        return jobs::submit(redis, index, requestId, jobs::Requeue::None, listed);
    });
}

std::vector<std::optional<std::string>> LiveBackend::briefs(const std::vector<Index> &indexes)
{
    return withRedis(m_config,
                     [&](redis::Connection &redis) { return jobs::briefs(redis, indexes); });
}

ValueRead LiveBackend::value(Index index)
{
    auto stored =
        withRedis(m_config, [&](redis::Connection &redis) { return digits::read(redis, index); });
    if (!stored.dropped())
        return {stored.value ? std::move(stored.value) : std::move(stored.brief), false};
    return {m_recomputer.digitsOf(index,
                                  [this](Index computed, const std::string &digits) {
                                      withRedis(m_config, [&](redis::Connection &redis) {
                                          return digits::store(redis, computed, digits,
                                                               m_config.valueCacheBytes);
                                      });
                                  }),
            true};
}

void LiveBackend::checkReady()
{
    withPg([](PgStore &pg) { pg.ping(); });
    // Redis answers PING even when it is out of memory and refuses every write.
    const auto reply = withRedis(m_config, [](redis::Connection &redis) {
        return redis.checked({"INFO", "memory"});
    });
    if (const auto full = redis::outOfMemory(redis::text(*reply)))
        throw UnavailableError("Redis out of memory", *full);
}

} // namespace fib::server

namespace fib::server {

QueueStats LiveBackend::queueStats()
{
    const auto replies = withRedis(m_config, [](redis::Connection &redis) {
        return redis.pipeline({{"HGETALL", keys::kWorkerStatsHash},
                               {"XLEN", keys::kJobsStream},
                               {"XLEN", keys::kDeadStream},
                               {"XPENDING", keys::kJobsStream, keys::kWorkersGroup},
                               {"XINFO", "GROUPS", keys::kJobsStream},
                               {"HLEN", keys::kFailedHash}});
    });
    QueueStats stats;
    const auto &hash = *replies[0];
    for (std::size_t i = 0; i + 1 < redis::size(hash); i += 2)
        stats.workerStats[std::string(redis::text(redis::element(hash, i)))] =
            std::string(redis::text(redis::element(hash, i + 1)));
    stats.streamLength = redis::integer(*replies[1]);
    stats.deadLetters = redis::integer(*replies[2]);
    stats.failedIndexes = redis::integer(*replies[5]);
    // Before a worker has created the group, XPENDING and XINFO answer with errors: nothing
    // pending.
    if (!redis::isError(*replies[3]))
        stats.pending = redis::integer(redis::element(*replies[3], 0));
    stats.lag = stats.streamLength - stats.pending;
    if (!redis::isError(*replies[4])) {
        // Each group is a flat [name, value, ...] list; Redis 7 adds "lag" (nil when unknown).
        for (std::size_t g = 0; g < redis::size(*replies[4]); ++g) {
            const auto &group = redis::element(*replies[4], g);
            bool ours = false;
            for (std::size_t i = 0; i + 1 < redis::size(group); i += 2) {
                const auto name = redis::text(redis::element(group, i));
                const auto &value = redis::element(group, i + 1);
                if (name == "name")
                    ours = redis::text(value) == keys::kWorkersGroup;
                else if (ours && name == "lag" && !redis::isNil(value))
                    stats.lag = redis::integer(value);
            }
        }
    }
    return stats;
}

} // namespace fib::server
