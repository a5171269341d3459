#include "fib/worker/consumer.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <thread>
#include <unordered_set>

#include "fib/digit_cache.hpp"
#include "fib/errors.hpp"
#include "fib/jobs.hpp"
#include "fib/keys.hpp"
#include "fib/log.hpp"
#include "fib/models.hpp"

namespace fib::worker {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A blocking read waits at most this long, so a stop request is seen within it.
constexpr auto kBlock = 1000ms;
// Every command's socket timeout; above kBlock, as hiredis needs for the blocking read.
constexpr auto kRedisTimeout = 5000ms;
constexpr auto kMaxBackoff = 30s;
constexpr int kReadCount = 64;
// Computed results wait at most about this long (plus one job) before they are committed.
constexpr auto kCommitEvery = 2ms;
// From this index on a computation takes long enough (F(10^5) has 20,899 digits) to commit first.
constexpr Index kLargeIndex = 100000;
constexpr int kClaimCount = 100;

// XREADGROUP / XCLAIM entries: [[id, [field, value, ...]], ...]. Entries deleted while
// pending come back with a nil field list (Redis 6); Redis 7 skips them.
std::vector<Entry> parseEntries(const redisReply &list)
{
    std::vector<Entry> entries;
    for (std::size_t i = 0; i < redis::size(list); ++i) {
        const auto &item = redis::element(list, i);
        Entry entry;
        entry.id = std::string(redis::text(redis::element(item, 0)));
        const auto &fields = redis::element(item, 1);
        for (std::size_t f = 0; f + 1 < redis::size(fields); f += 2)
            entry.fields.emplace_back(std::string(redis::text(redis::element(fields, f))),
                                      std::string(redis::text(redis::element(fields, f + 1))));
        entries.push_back(std::move(entry));
    }
    return entries;
}

// Moves a job entry to the dead-letter stream, and shows its index as failed unless a value is
// known by now (a duplicate entry may fail where another was computed).
// KEYS: dead stream, jobs stream, stats hash, values hash, brief hash, failed hash, event counter.
// ARGV: group, entry id, stats field, index ('' for an entry without a valid one), pending text,
// failed text, reason, changed channel, the live event, the name of its number's field (numbered
// here), then the dead entry's field pairs.
constexpr std::string_view kDeadLetterScript = R"lua(
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 11))
redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
if ARGV[4] == '' then return 0 end
local brief = redis.call('HGET', KEYS[5], ARGV[4])
if brief and brief ~= ARGV[5] then return 0 end
redis.call('HSET', KEYS[4], ARGV[4], ARGV[6])
redis.call('HSET', KEYS[5], ARGV[4], ARGV[6])
redis.call('HSET', KEYS[6], ARGV[4], ARGV[7])
local event = cjson.decode(ARGV[9])
event[ARGV[10]] = redis.call('INCR', KEYS[7])
redis.call('PUBLISH', ARGV[8], cjson.encode(event))
return 1
)lua";

// EXEC ran, and none of the commands in it failed (a MULTI applies the others regardless).
bool committedCleanly(const redisReply &exec)
{
    if (redis::isNil(exec) || redis::isError(exec))
        return false;
    for (std::size_t i = 0; i < redis::size(exec); ++i)
        if (redis::isError(redis::element(exec, i)))
            return false;
    return true;
}

} // namespace

Consumer::Consumer(Config config, const std::atomic<bool> &stopping)
    : m_config(std::move(config)),
      m_stopping(stopping),
      m_reconciler(m_config)
{
}

void Consumer::sleepFor(std::chrono::milliseconds duration) const
{
    const auto until = Clock::now() + duration;
    while (!m_stopping.load() && Clock::now() < until)
        std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(100ms, duration));
}

void Consumer::connect()
{
    std::chrono::milliseconds backoff = 1000ms;
    while (!m_stopping.load()) {
        try {
            m_redis = std::make_unique<redis::Connection>(m_config, kRedisTimeout);
            createGroup();
            log::info("connected",
                      {{"redis", m_config.redisHost + ":" + std::to_string(m_config.redisPort)},
                       {"consumer", m_config.workerName}});
            drainOwnPending();
            return;
        } catch (const UnavailableError &e) {
            m_redis.reset();
            log::warn("redis unavailable, retrying",
                      {{"error", e.what()}, {"retry_ms", backoff.count()}});
            sleepFor(backoff);
            backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
        }
    }
}

void Consumer::createGroup()
{
    // From 0, not $: jobs queued before any worker existed must be delivered too.
    const auto reply = m_redis->command(
        {"XGROUP", "CREATE", keys::kJobsStream, keys::kWorkersGroup, "0", "MKSTREAM"});
    if (redis::isError(*reply) && redis::text(*reply).rfind("BUSYGROUP", 0) != 0)
        throw UnavailableError("Redis failed",
                               "XGROUP CREATE: " + std::string(redis::text(*reply)));
}

std::vector<Entry> Consumer::read(const char *startId, int count, bool block)
{
    redis::Args args{"XREADGROUP", "GROUP", keys::kWorkersGroup, m_config.workerName, "COUNT"};
    const std::string countText = std::to_string(count), blockText = std::to_string(kBlock.count());
    args.emplace_back(countText);
    if (block) {
        args.emplace_back("BLOCK");
        args.emplace_back(blockText);
    }
    args.insert(args.end(), {"STREAMS", keys::kJobsStream, startId});
    const auto reply = m_redis->checked(args);
    if (redis::isNil(*reply) || redis::size(*reply) == 0)
        return {};
    // [[stream, entries]]
    return parseEntries(redis::element(redis::element(*reply, 0), 1));
}

void Consumer::drainOwnPending()
{
    // After a restart under the same name, finish what this consumer had been given.
    // A stop request ends it: handle() then leaves entries pending, and reading them again
    // would return the same ones for ever.
    while (!m_stopping.load()) {
        const auto entries = read("0", kReadCount, false);
        if (entries.empty())
            return;
        // Each read of its own pending entries counts as one more delivery (Redis raises the
        // count), so a job that kills its worker is dead-lettered after FIB_MAX_DELIVERIES
        // attempts, whether the worker comes back under the same name or another claims it.
        const std::string countText = std::to_string(entries.size());
        const auto pending = m_redis->checked({"XPENDING", keys::kJobsStream, keys::kWorkersGroup,
                                               entries.front().id, entries.back().id, countText,
                                               m_config.workerName});
        std::map<std::string, long long, std::less<>> deliveries;
        for (std::size_t i = 0; i < redis::size(*pending); ++i) {
            const auto &row = redis::element(*pending, i); // [id, consumer, idle ms, deliveries]
            deliveries[std::string(redis::text(redis::element(row, 0)))] =
                redis::integer(redis::element(row, 3));
        }
        std::vector<long long> attempts;
        attempts.reserve(entries.size());
        for (const auto &entry : entries) {
            const auto it = deliveries.find(entry.id);
            attempts.push_back(it != deliveries.end() ? it->second : 1);
        }
        handleRedelivered(entries, attempts);
    }
}

void Consumer::handleRedelivered(const std::vector<Entry> &entries,
                                 const std::vector<long long> &attempts)
{
    std::vector<Entry> again;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (attempts[i] > m_config.maxDeliveries)
            deadLetter(entries[i], "delivered " + std::to_string(attempts[i] - 1) +
                                       " times without completing");
        else
            again.push_back(entries[i]);
    }
    handle(again);
}

void Consumer::claimIdle()
{
    const std::string idle = std::to_string(m_config.claimIdle.count());
    const std::string countText = std::to_string(kClaimCount);
    const auto pending = m_redis->checked(
        {"XPENDING", keys::kJobsStream, keys::kWorkersGroup, "IDLE", idle, "-", "+", countText});
    for (std::size_t i = 0; i < redis::size(*pending) && !m_stopping.load(); ++i) {
        const auto &row = redis::element(*pending, i); // [id, consumer, idle ms, deliveries]
        const std::string id(redis::text(redis::element(row, 0)));
        const std::string owner(redis::text(redis::element(row, 1)));
        const auto deliveries = redis::integer(redis::element(row, 3));
        const auto claimed = m_redis->checked(
            {"XCLAIM", keys::kJobsStream, keys::kWorkersGroup, m_config.workerName, idle, id});
        const auto entries = parseEntries(*claimed);
        if (entries.empty()) {
            // Claimed by another worker first, or the entry is gone: nothing for us.
            continue;
        }
        m_redis->checked({"HINCRBY", keys::kWorkerStatsHash, keys::kStatClaimed, "1"});
        log::info("claimed", {{"stream_id", id}, {"from", owner}, {"deliveries", deliveries + 1}});
        handleRedelivered(entries, {deliveries + 1});
    }
}

void Consumer::reconcileIfDue()
{
    // Due at start-up (m_nextReconcile starts at the clock's epoch), then every interval.
    const auto now = Clock::now();
    if (now < m_nextReconcile)
        return;
    m_nextReconcile = now + m_config.reconcileInterval;
    try {
        m_reconciler.run(*m_redis);
    } catch (const UnavailableError &e) {
        if (m_redis->broken())
            throw;
        // PostgreSQL down only delays the repair; jobs keep flowing.
        log::warn("reconciler skipped", {{"error", e.what()}});
    }
}

void Consumer::deadLetter(const Entry &entry, const std::string &reason)
{
    const auto checked = validateJob(entry.fields, m_config.maxIndex);
    const Index *index = std::get_if<Index>(&checked);
    const std::string indexString = index != nullptr ? indexText(*index) : std::string();
    const std::string failed = jobs::failedText(reason);
    const std::string event =
        index != nullptr ? nlohmann::json(ComputedEvent{*index, failed}).dump() : std::string();
    redis::Args args{"EVAL",
                     kDeadLetterScript,
                     "7",
                     keys::kDeadStream,
                     keys::kJobsStream,
                     keys::kWorkerStatsHash,
                     keys::kValuesHash,
                     keys::kBriefHash,
                     keys::kFailedHash,
                     keys::kEventSeq,
                     keys::kWorkersGroup,
                     entry.id,
                     keys::kStatDeadLettered,
                     indexString,
                     keys::kPendingValue,
                     failed,
                     reason,
                     keys::kChangedChannel,
                     event,
                     field::kSeq,
                     "id",
                     entry.id,
                     "reason",
                     reason};
    for (const auto &[name, value] : entry.fields) {
        args.emplace_back(name);
        args.emplace_back(value);
    }
    const bool marked = redis::integer(*m_redis->checked(args)) == 1;
    log::warn("dead-lettered", {{"stream_id", entry.id},
                                {"reason", reason},
                                {"index", indexString},
                                {"marked_failed", marked}});
}

void Consumer::handle(const std::vector<Entry> &entries)
{
    std::vector<Job> jobs;
    jobs.reserve(entries.size());
    for (const auto &entry : entries) {
        const auto checked = validateJob(entry.fields, m_config.maxIndex);
        if (const auto *poison = std::get_if<Poison>(&checked)) {
            deadLetter(entry, poison->reason);
            continue;
        }
        Job job;
        job.id = entry.id;
        job.index = std::get<Index>(checked);
        job.indexString = indexText(job.index);
        for (const auto &[name, value] : entry.fields)
            if (name == keys::kJobRequestField)
                job.requestId = value;
        jobs.push_back(std::move(job));
    }
    if (jobs.empty())
        return;

    // A redelivered or duplicate job whose value is known is only acknowledged: one HMGET for all.
    std::vector<Index> indexes;
    indexes.reserve(jobs.size());
    for (const auto &job : jobs)
        indexes.push_back(job.index);
    const auto briefs = jobs::briefs(*m_redis, indexes);
    std::unordered_set<Index> seen;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        // The same index twice in one batch (the reconciler may queue a duplicate): computed once.
        jobs[i].known = jobs::isSettled(briefs[i]) || !seen.insert(jobs[i].index).second;
    }

    // Results are committed together, but never held back long: a batch of small jobs costs three
    // round trips, and a large job's value is stored as soon as it is computed.
    std::size_t committed = 0;
    auto lastCommit = Clock::now();
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        // On a stop request, the jobs not yet computed stay pending (re-read or claimed later).
        if (m_stopping.load()) {
            jobs.resize(i);
            break;
        }
        auto &job = jobs[i];
        // What is computed already is not held back behind a long computation.
        if (!job.known && job.index >= kLargeIndex && committed < i) {
            commit(jobs, committed, i);
            committed = i;
            lastCommit = Clock::now();
        }
        // The batch's HMGET may be old by now: another worker may have claimed and stored a job
        // that waited here behind long ones. Before a long computation, look again.
        if (!job.known && job.index >= kLargeIndex && i > 0) {
            job.known = jobs::isSettled(jobs::briefs(*m_redis, {job.index}).front());
        }
        const auto started = Clock::now();
        if (!job.known)
            job.result = compute(job.index);
        job.seconds = std::chrono::duration<double>(Clock::now() - started).count();
        if (Clock::now() - lastCommit >= kCommitEvery) {
            commit(jobs, committed, i + 1);
            committed = i + 1;
            lastCommit = Clock::now();
        }
    }
    commit(jobs, committed, jobs.size());
}

void Consumer::commit(const std::vector<Job> &jobs, std::size_t begin, std::size_t end)
{
    if (begin >= end)
        return;
    // One MULTI: the values, the counters, the notifications and the acknowledgements, so a job is
    // acknowledged exactly when its value is stored.
    // Short values go straight into the values hash; long ones through the value cache's budget.
    redis::Args values{"HSET", keys::kValuesHash}, briefs{"HSET", keys::kBriefHash};
    std::vector<std::pair<std::string_view, std::string_view>> cached;
    redis::Args ack{"XACK", keys::kJobsStream, keys::kWorkersGroup}, del{"XDEL", keys::kJobsStream};
    std::vector<ComputedEvent> events;
    std::map<std::size_t, long long> buckets;
    long long computed = 0;
    double seconds = 0;
    for (std::size_t i = begin; i < end; ++i) {
        const auto &job = jobs[i];
        ack.emplace_back(job.id);
        del.emplace_back(job.id);
        if (job.known)
            continue;
        if (digits::isCached(job.result.digits.size())) {
            cached.emplace_back(job.indexString, job.result.digits);
        } else {
            values.emplace_back(job.indexString);
            values.emplace_back(job.result.digits);
        }
        briefs.emplace_back(job.indexString);
        briefs.emplace_back(job.result.brief);
        events.push_back(ComputedEvent{job.index, job.result.brief});
        ++buckets[keys::durationBucket(job.seconds)];
        ++computed;
        seconds += job.seconds;
    }
    // redis::Args holds views: every string they point into lives until the pipeline is sent.
    std::deque<std::string> texts;
    const auto text = [&texts](std::string value) -> std::string_view {
        return texts.emplace_back(std::move(value));
    };
    std::vector<redis::Args> commands{{"MULTI"}};
    const std::string budget = std::to_string(m_config.valueCacheBytes);
    if (computed > 0) {
        if (values.size() > 2)
            commands.push_back(std::move(values));
        if (!cached.empty())
            commands.push_back(digits::storeArgs(budget, cached));
        commands.push_back(std::move(briefs));
        commands.push_back({"HINCRBY", keys::kWorkerStatsHash, keys::kStatComputed,
                            text(std::to_string(computed))});
        for (const auto &[bucket, count] : buckets)
            commands.push_back({"HINCRBY", keys::kWorkerStatsHash,
                                text(keys::durationBucketField(bucket)),
                                text(std::to_string(count))});
        commands.push_back({"HINCRBYFLOAT", keys::kWorkerStatsHash, keys::kStatComputeSecondsSum,
                            text(std::to_string(seconds))});
        // The live events' numbers, taken just before the commit: a commit that fails leaves a
        // hole in them, which clients treat as a missed event (they refetch).
        auto last = static_cast<std::uint64_t>(redis::integer(
            *m_redis->checked({"INCRBY", keys::kEventSeq, text(std::to_string(events.size()))})));
        for (auto event = events.rbegin(); event != events.rend(); ++event)
            event->seq = last--;
        for (const auto &event : events)
            commands.push_back(
                {"PUBLISH", keys::kChangedChannel, text(nlohmann::json(event).dump())});
    }
    commands.push_back(std::move(ack));
    commands.push_back(std::move(del));
    commands.push_back({"EXEC"});
    const auto replies = m_redis->pipeline(commands);
    if (!committedCleanly(*replies.back()))
        throw UnavailableError("Redis failed", "storing " + std::to_string(end - begin) +
                                                   " results did not commit");
    for (std::size_t i = begin; i < end; ++i) {
        const auto &job = jobs[i];
        if (job.known)
            log::info("already computed",
                      {{"index", job.index}, {"stream_id", job.id}, {"req_id", job.requestId}});
        else
            log::info("computed", {{"index", job.index},
                                   {"stream_id", job.id},
                                   {"req_id", job.requestId},
                                   {"digits", job.result.digits.size()},
                                   {"duration_ms", job.seconds * 1000}});
    }
}

void Consumer::run()
{
    while (!m_stopping.load()) {
        if (!m_redis)
            connect();
        if (m_stopping.load())
            break;
        try {
            const auto now = Clock::now();
            if (now >= m_nextClaim) {
                claimIdle();
                m_nextClaim =
                    now + std::max<std::chrono::milliseconds>(m_config.claimIdle / 2, 100ms);
            }
            reconcileIfDue();
            // Entries read but not handled stay pending for this consumer: a restart under the
            // same name re-reads them, and otherwise another worker claims them.
            handle(read(">", kReadCount, true));
        } catch (const UnavailableError &e) {
            log::warn("lost redis", {{"error", e.what()}});
            m_redis.reset();
            sleepFor(1000ms);
        } catch (const std::exception &e) {
            // A bug, not bad input (that is dead-lettered): keep serving, start from a clean
            // connection.
            log::error("unexpected failure", {{"error", e.what()}});
            m_redis.reset();
            sleepFor(1000ms);
        }
    }
    log::info("stopped", {{"consumer", m_config.workerName}});
}

} // namespace fib::worker
