#include "fib/server/backend.hpp"

#include <atomic>
#include <memory>
#include <mutex>

#include "fib/errors.hpp"
#include "fib/keys.hpp"
#include "fib/pg_store.hpp"
#include "fib/redis.hpp"

namespace fib::server {
namespace {

constexpr std::chrono::milliseconds kRedisTimeout{2000};

// Connections belong to the pool thread that made them: libpq and hiredis handles are not
// thread-safe. A broken one is dropped, and the next request on that thread reconnects.
struct ThreadConnections {
    std::unique_ptr<PgStore> pg;
    std::unique_ptr<redis::Connection> redis;
};
thread_local ThreadConnections t_connections;

std::atomic<bool> g_schemaReady{false};
std::mutex g_schemaMutex;

} // namespace

LiveBackend::LiveBackend(Config config) : m_config(std::move(config)) {}

namespace {

PgStore &pg(const Config &config)
{
    auto &slot = t_connections.pg;
    if (slot && slot->broken())
        slot.reset();
    if (!slot)
        slot = std::make_unique<PgStore>(config.postgresConninfo());
    if (!g_schemaReady.load(std::memory_order_acquire)) {
        const std::lock_guard lock(g_schemaMutex);
        if (!g_schemaReady.load()) {
            slot->migrate();
            g_schemaReady.store(true, std::memory_order_release);
        }
    }
    return *slot;
}

redis::Connection &redisFor(const Config &config)
{
    auto &slot = t_connections.redis;
    if (slot && slot->broken())
        slot.reset();
    if (!slot)
        slot = std::make_unique<redis::Connection>(config.redisHost, config.redisPort, kRedisTimeout);
    return *slot;
}

} // namespace

void LiveBackend::prepare()
{
    pg(m_config);
}

bool LiveBackend::recordSubmission(Index index)
{
    return pg(m_config).recordSubmission(index);
}

std::vector<Index> LiveBackend::indexes(std::optional<Index> after, std::size_t limit)
{
    return pg(m_config).indexes(after, limit);
}

bool LiveBackend::isSubmitted(Index index)
{
    return pg(m_config).contains(index);
}

jobs::SubmitOutcome LiveBackend::enqueue(Index index, std::string_view requestId)
{
    return jobs::submit(redisFor(m_config), index, requestId);
}

std::vector<std::optional<std::string>> LiveBackend::briefs(const std::vector<Index> &indexes)
{
    std::vector<std::optional<std::string>> out;
    if (indexes.empty())
        return out;
    std::vector<std::string> texts;
    texts.reserve(indexes.size());
    for (const auto index : indexes)
        texts.push_back(indexText(index));
    redis::Args args{"HMGET", keys::kBriefHash};
    for (const auto &t : texts)
        args.emplace_back(t);
    const auto reply = redisFor(m_config).checked(args);
    out.reserve(indexes.size());
    for (std::size_t i = 0; i < redis::size(*reply); ++i)
        out.push_back(redis::optionalText(redis::element(*reply, i)));
    return out;
}

std::optional<std::string> LiveBackend::value(Index index)
{
    const auto reply = redisFor(m_config).checked({"HGET", keys::kValuesHash, indexText(index)});
    return redis::optionalText(*reply);
}

void LiveBackend::checkReady()
{
    pg(m_config).ping();
    const auto reply = redisFor(m_config).checked({"PING"});
    if (redis::text(*reply) != "PONG")
        throw UnavailableError("Redis unavailable", "Redis did not answer PING");
}

} // namespace fib::server
