#include "fib/jobs.hpp"

#include <hiredis.h>

#include "fib/errors.hpp"
#include "fib/keys.hpp"

namespace fib::jobs {
namespace {

// KEYS: values hash, brief hash, jobs stream. ARGV: index, pending text, request id, requeue flag,
// the servers' cache-invalidation channel.
// The brief hash holds short strings, so the check never copies a large value.
constexpr std::string_view kSubmitScript = R"lua(
local brief = redis.call('HGET', KEYS[2], ARGV[1])
if brief and brief ~= ARGV[2] then return 2 end
if brief and ARGV[4] ~= '1' then return 1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('XADD', KEYS[3], '*', 'index', ARGV[1], 'req', ARGV[3])
redis.call('PUBLISH', ARGV[5], ARGV[1])
return 0
)lua";

} // namespace

SubmitOutcome submit(redis::Connection &redis, Index index, std::string_view requestId, bool requeuePending)
{
    static_assert(keys::kJobIndexField == "index" && keys::kJobRequestField == "req",
                  "the submit script spells the job fields");
    const std::string indexString = indexText(index);
    const auto reply = redis.checked({"EVAL", kSubmitScript, "3", keys::kValuesHash, keys::kBriefHash,
                                      keys::kJobsStream, indexString, keys::kPendingValue, requestId,
                                      requeuePending ? "1" : "0", keys::kInvalidateChannel});
    switch (redis::integer(*reply)) {
    case 0:
        return SubmitOutcome::Queued;
    case 1:
        return SubmitOutcome::Pending;
    default:
        return SubmitOutcome::Done;
    }
}

std::vector<std::optional<std::string>> briefs(redis::Connection &redis, const std::vector<Index> &indexes)
{
    std::vector<std::optional<std::string>> out;
    if (indexes.empty())
        return out;
    std::vector<std::string> texts;
    texts.reserve(indexes.size());
    for (const auto index : indexes)
        texts.push_back(indexText(index));
    redis::Args args{"HMGET", keys::kBriefHash};
    for (const auto &text : texts)
        args.emplace_back(text);
    const auto reply = redis.checked(args);
    out.reserve(indexes.size());
    for (std::size_t i = 0; i < redis::size(*reply); ++i)
        out.push_back(redis::optionalText(redis::element(*reply, i)));
    return out;
}

bool isComputed(const std::optional<std::string> &brief)
{
    return brief && *brief != keys::kPendingValue;
}

} // namespace fib::jobs
