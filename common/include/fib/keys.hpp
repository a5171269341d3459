#pragma once
// Every name shared between programs: Redis keys, the stream and its group, JSON fields,
// environment variables. Defined once here and used from here.

#include <string_view>

namespace fib::keys {

// Hash index -> full decimal digits, or kPendingValue. The original's hash, kept for its readers.
inline constexpr std::string_view kValuesHash = "values";
// Hash index -> the value as lists show it: the digits, or a summary when longer than
// kSummaryThreshold digits. Lists read this one so they never move megabytes out of Redis.
inline constexpr std::string_view kBriefHash = "fib:brief";
// The job stream, its consumer group, and the dead-letter stream for poison entries.
inline constexpr std::string_view kJobsStream = "fib:jobs";
inline constexpr std::string_view kWorkersGroup = "workers";
inline constexpr std::string_view kDeadStream = "fib:dead";
// Pub/sub channel: "index N is computed". Only a hint for live clients; losing one is harmless.
inline constexpr std::string_view kChangedChannel = "fib:changed";
// Hash of worker counters (computed, dead_lettered, claimed, reconciled).
inline constexpr std::string_view kWorkerStatsHash = "fib:stats";

// Fields of a job entry.
inline constexpr std::string_view kJobIndexField = "index";
inline constexpr std::string_view kJobRequestField = "req";

// The value shown while an index waits for the worker (the original's text).
inline constexpr std::string_view kPendingValue = "Nothing yet!";

} // namespace fib::keys

namespace fib::env {

// The original's names, kept so an existing Beanstalk environment keeps working (decisions.md §9).
// PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE are read by libpq itself.
inline constexpr const char *kRedisHost = "REDIS_HOST";
inline constexpr const char *kRedisPort = "REDIS_PORT";
// New settings.
inline constexpr const char *kMaxIndex = "FIB_MAX_INDEX";
inline constexpr const char *kApiHost = "FIB_API_HOST";
inline constexpr const char *kApiPort = "FIB_API_PORT";
inline constexpr const char *kServerThreads = "FIB_SERVER_THREADS";
inline constexpr const char *kMaxEventStreams = "FIB_MAX_EVENT_STREAMS";
inline constexpr const char *kClaimIdleMs = "FIB_CLAIM_IDLE_MS";
inline constexpr const char *kReconcileSeconds = "FIB_RECONCILE_SECONDS";
inline constexpr const char *kMaxDeliveries = "FIB_MAX_DELIVERIES";
inline constexpr const char *kWorkerName = "FIB_WORKER_NAME";

} // namespace fib::env
