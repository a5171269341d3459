#pragma once
// Every name shared between programs: Redis keys, the stream and its group, JSON fields,
// environment variables. Defined once here and used from here.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace fib::keys {

// Hash index -> full decimal digits, kPendingValue, or the failed text. The original's hash, kept
// for its readers. The digits of values longer than kSummaryThreshold stay here only while they fit
// in FIB_VALUE_CACHE_BYTES (fib/digit_cache.hpp).
inline constexpr std::string_view kValuesHash = "values";
// Sorted set index -> last use (a counter): the long values whose digits the values hash holds,
// the least recently used dropped first.
inline constexpr std::string_view kCachedDigitsSet = "fib:cached";
// Hash index -> the value as lists show it: the digits, or a summary when longer than
// kSummaryThreshold digits. Lists read this one so they never move megabytes out of Redis.
inline constexpr std::string_view kBriefHash = "fib:brief";
// The job stream, its consumer group, and the dead-letter stream for poison entries.
inline constexpr std::string_view kJobsStream = "fib:jobs";
inline constexpr std::string_view kWorkersGroup = "workers";
inline constexpr std::string_view kDeadStream = "fib:dead";
// Hash index -> why its job was dead-lettered (it failed FIB_MAX_DELIVERIES times). While an index
// is here, the values and brief hashes hold kFailedPrefix + the reason instead of a value, no job
// is queued for it again, and `fib-worker --retry-dead` queues it again.
inline constexpr std::string_view kFailedHash = "fib:failed";
// Pub/sub channel: "index N is computed" (a ComputedEvent, fib/models.hpp). The event relay
// (fib/worker/event_relay.hpp) passes each message on to its nginx's live-event channel; losing
// one is harmless, since clients see the hole in the numbers (kEventSeq) and refetch.
inline constexpr std::string_view kChangedChannel = "fib:changed";
// Counter numbering the live events, in the commit that makes each one true (the worker's
// commit, or the dead-letter script), so that every relay and client sees the same numbers.
inline constexpr std::string_view kEventSeq = "fib:events:seq";
// Pub/sub channel: "the list of indexes or a value changed" (a job was queued), for the servers'
// response caches. Payload: the index.
inline constexpr std::string_view kInvalidateChannel = "fib:invalidate";
// Hash of worker counters: computed, dead_lettered, claimed, reconciled, compute_seconds_sum,
// and compute_bucket_<i>: computations that took at most kDurationBuckets[i] seconds and more
// than the bucket before (i = kDurationBuckets.size() for the rest). fib-server's /metrics
// renders them as Prometheus counters and a histogram.
inline constexpr std::string_view kWorkerStatsHash = "fib:stats";
// Its counter fields.
inline constexpr const char *kStatComputed = "computed";
inline constexpr const char *kStatDeadLettered = "dead_lettered";
inline constexpr const char *kStatClaimed = "claimed";
inline constexpr const char *kStatReconciled = "reconciled";
inline constexpr const char *kStatComputeSecondsSum = "compute_seconds_sum";
// The value cache's figures (fib/digit_cache.hpp): what the cached digits cost now, in bytes, and
// how many values' digits were dropped to stay within the budget.
inline constexpr const char *kStatCachedDigitBytes = "cached_digit_bytes";
inline constexpr const char *kStatDigitsDropped = "digits_dropped";
inline constexpr std::array<double, 12> kDurationBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
inline std::string durationBucketField(std::size_t bucket)
{
    return "compute_bucket_" + std::to_string(bucket);
}
// The bucket of kDurationBuckets a duration falls in.
inline std::size_t durationBucket(double seconds)
{
    std::size_t i = 0;
    while (i < kDurationBuckets.size() && seconds > kDurationBuckets[i])
        ++i;
    return i;
}

// Fields of a job entry.
inline constexpr std::string_view kJobIndexField = "index";
inline constexpr std::string_view kJobRequestField = "req";

// The value shown while an index waits for the worker (the original's text).
inline constexpr std::string_view kPendingValue = "Nothing yet!";
// The start of the text shown instead of a value for an index whose job failed: readable as it
// is by the original's page, and never the start of a number.
inline constexpr std::string_view kFailedPrefix = "Failed: ";

// The PostgreSQL role the services log in as, granted its privileges by the schema migration
// (deploy/postgres/roles.sql creates it, and its owner fib_owner).
inline constexpr std::string_view kAppRole = "fib_app";
// The role that owns schema fib and its tables, and runs `fib-server --migrate`.
inline constexpr std::string_view kOwnerRole = "fib_owner";

} // namespace fib::keys

namespace fib::env {

// The original's names, kept so an existing Beanstalk environment keeps working
// (docs/design.md, "Environment and dependencies").
// PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE are read by libpq itself.
inline constexpr const char *kRedisHost = "REDIS_HOST";
inline constexpr const char *kRedisPort = "REDIS_PORT";
// Redis ACL user and its password (ElastiCache RBAC), or only a password (an AUTH token, the
// `default` user). Both empty: no AUTH.
inline constexpr const char *kRedisUsername = "REDIS_USERNAME";
inline constexpr const char *kRedisPassword = "REDIS_PASSWORD";
// TLS to Redis (ElastiCache in-transit encryption): REDIS_TLS=1, the CA bundle that signs the
// server's certificate (default: the system's), and a client certificate and key when Redis asks
// for one. Needs a build with hiredis's TLS library (hiredis >= 1.0).
inline constexpr const char *kRedisTls = "REDIS_TLS";
inline constexpr const char *kRedisTlsCa = "REDIS_TLS_CA";
inline constexpr const char *kRedisTlsCert = "REDIS_TLS_CERT";
inline constexpr const char *kRedisTlsKey = "REDIS_TLS_KEY";
// New settings.
inline constexpr const char *kMaxIndex = "FIB_MAX_INDEX";
inline constexpr const char *kApiHost = "FIB_API_HOST";
inline constexpr const char *kApiPort = "FIB_API_PORT";
inline constexpr const char *kServerThreads = "FIB_SERVER_THREADS";
inline constexpr const char *kEventsPublishUrl = "FIB_EVENTS_PUBLISH_URL";
inline constexpr const char *kClaimIdleMs = "FIB_CLAIM_IDLE_MS";
inline constexpr const char *kReconcileSeconds = "FIB_RECONCILE_SECONDS";
inline constexpr const char *kMaxDeliveries = "FIB_MAX_DELIVERIES";
inline constexpr const char *kWorkerName = "FIB_WORKER_NAME";
inline constexpr const char *kValueCacheBytes = "FIB_VALUE_CACHE_BYTES";

} // namespace fib::env
