#include "fib/digit_cache.hpp"

#include <hiredis.h>

#include "fib/jobs.hpp"
#include "fib/keys.hpp"
#include "fib/models.hpp"

namespace fib::digits {
namespace {

// KEYS: values hash, cached set (index -> last use), stats hash. ARGV: budget in bytes, the
// bytes field, the dropped field, then index, digits, ... Each value's cost is its string as
// jemalloc rounds it (four size classes per doubling), plus its hash field and set member; the
// least recently used values are dropped until the sum is within the budget again.
constexpr std::string_view kStoreScript = R"lua(
local function cost(length)
  local size = length + 16
  local step = 16
  while step * 8 < size do step = step * 2 end
  return math.ceil(size / step) * step + 128
end
local budget = tonumber(ARGV[1])
local bytes = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0')
local top = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local tick = tonumber(top[2]) or 0
for i = 4, #ARGV, 2 do
  if redis.call('ZSCORE', KEYS[2], ARGV[i]) then
    bytes = bytes - cost(redis.call('HSTRLEN', KEYS[1], ARGV[i]))
  end
  tick = tick + 1
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[2], tick, ARGV[i])
  bytes = bytes + cost(#ARGV[i + 1])
end
local dropped = 0
while bytes > budget do
  local victim = redis.call('ZPOPMIN', KEYS[2])
  if not victim[1] then break end
  bytes = bytes - cost(redis.call('HSTRLEN', KEYS[1], victim[1]))
  redis.call('HDEL', KEYS[1], victim[1])
  dropped = dropped + 1
end
if bytes < 0 then bytes = 0 end
redis.call('HSET', KEYS[3], ARGV[2], bytes)
if dropped > 0 then redis.call('HINCRBY', KEYS[3], ARGV[3], dropped) end
return dropped
)lua";

// KEYS: values hash, cached set, brief hash. ARGV: index. Answers [value] or [nil, brief]. Marking
// the value used is a write that a Redis out of memory refuses: the read goes on without it.
constexpr std::string_view kReadScript = R"lua(
local value = redis.call('HGET', KEYS[1], ARGV[1])
if value then
  if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
    local top = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    redis.pcall('ZADD', KEYS[2], tonumber(top[2]) + 1, ARGV[1])
  end
  return {value}
end
return {false, redis.call('HGET', KEYS[3], ARGV[1])}
)lua";

} // namespace

bool isCached(std::size_t digits) noexcept
{
    return digits > kSummaryThreshold;
}

redis::Args storeArgs(const std::string &budget,
                      const std::vector<std::pair<std::string_view, std::string_view>> &values)
{
    redis::Args args{"EVAL",
                     kStoreScript,
                     "3",
                     keys::kValuesHash,
                     keys::kCachedDigitsSet,
                     keys::kWorkerStatsHash,
                     budget,
                     keys::kStatCachedDigitBytes,
                     keys::kStatDigitsDropped};
    for (const auto &[index, digits] : values) {
        args.push_back(index);
        args.push_back(digits);
    }
    return args;
}

long long store(redis::Connection &redis, Index index, std::string_view digits, std::size_t budget)
{
    const std::string indexString = indexText(index);
    const std::string budgetText = std::to_string(budget);
    return redis::integer(*redis.checked(storeArgs(budgetText, {{indexString, digits}})));
}

bool Stored::dropped() const
{
    return !value && brief && jobs::isSettled(brief) && !jobs::failureReason(*brief);
}

Stored read(redis::Connection &redis, Index index)
{
    const std::string indexString = indexText(index);
    const auto reply = redis.checked({"EVAL", kReadScript, "3", keys::kValuesHash,
                                      keys::kCachedDigitsSet, keys::kBriefHash, indexString});
    Stored stored;
    stored.value = redis::optionalText(redis::element(*reply, 0));
    if (redis::size(*reply) > 1)
        stored.brief = redis::optionalText(redis::element(*reply, 1));
    return stored;
}

} // namespace fib::digits
