#include "fib/jobs.hpp"

#include <hiredis.h>

#include "fib/errors.hpp"
#include "fib/keys.hpp"

namespace fib::jobs {
namespace {

// KEYS: values hash, brief hash, jobs stream, failed hash. ARGV: index, pending text, request id,
// requeue mode (0 none, 1 pending, 2 failed), the servers' cache-invalidation channel, listed
// flag, failed prefix.
// The brief hash holds short strings, so the check never copies a large value.
constexpr std::string_view kSubmitScript = R"lua(
local brief = redis.call('HGET', KEYS[2], ARGV[1])
local outcome = 0
if brief and brief ~= ARGV[2] then
  local failed = string.sub(brief, 1, #ARGV[7]) == ARGV[7]
  if not (failed and ARGV[4] == '2') then outcome = 2 end
elseif brief and ARGV[4] ~= '1' then
  outcome = 1
end
if outcome == 0 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('HDEL', KEYS[4], ARGV[1])
  redis.call('XADD', KEYS[3], '*', 'index', ARGV[1], 'req', ARGV[3])
end
if outcome == 0 or ARGV[6] == '1' then redis.call('PUBLISH', ARGV[5], ARGV[1]) end
return outcome
)lua";

const char *modeText(Requeue requeue)
{
    switch (requeue) {
    case Requeue::Pending: return "1";
    case Requeue::Failed: return "2";
    case Requeue::None: break;
    }
    return "0";
}

// The submit script's call for one index; `indexString` must outlive the arguments.
redis::Args submitArgs(const std::string &indexString, std::string_view requestId, Requeue requeue,
                       bool listed)
{
    static_assert(keys::kJobIndexField == "index" && keys::kJobRequestField == "req",
                  "the submit script spells the job fields");
    return {"EVAL",
            kSubmitScript,
            "4",
            keys::kValuesHash,
            keys::kBriefHash,
            keys::kJobsStream,
            keys::kFailedHash,
            indexString,
            keys::kPendingValue,
            requestId,
            modeText(requeue),
            keys::kInvalidateChannel,
            listed ? "1" : "0",
            keys::kFailedPrefix};
}

SubmitOutcome outcomeOf(const redisReply &reply)
{
    switch (redis::integer(reply)) {
    case 0: return SubmitOutcome::Queued;
    case 1: return SubmitOutcome::Pending;
    default: return SubmitOutcome::Done;
    }
}

} // namespace

SubmitOutcome submit(redis::Connection &redis, Index index, std::string_view requestId,
                     Requeue requeue, bool listed)
{
    const std::string indexString = indexText(index);
    return outcomeOf(*redis.checked(submitArgs(indexString, requestId, requeue, listed)));
}

std::vector<SubmitOutcome> submitMany(redis::Connection &redis, const std::vector<Index> &indexes,
                                      std::string_view requestId, Requeue requeue)
{
    std::vector<std::string> texts;
    texts.reserve(indexes.size());
    for (const auto index : indexes)
        texts.push_back(indexText(index));
    std::vector<redis::Args> commands;
    commands.reserve(texts.size());
    for (const auto &text : texts)
        commands.push_back(submitArgs(text, requestId, requeue, false));
    std::vector<SubmitOutcome> outcomes;
    outcomes.reserve(indexes.size());
    for (const auto &reply : redis.pipeline(commands)) {
        if (redis::isError(*reply))
            throw UnavailableError("Redis failed",
                                   "the submit script failed: " + std::string(redis::text(*reply)));
        outcomes.push_back(outcomeOf(*reply));
    }
    return outcomes;
}

std::vector<std::optional<std::string>> briefs(redis::Connection &redis,
                                               const std::vector<Index> &indexes)
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

bool isSettled(const std::optional<std::string> &brief)
{
    return brief && *brief != keys::kPendingValue;
}

std::string failedText(std::string_view reason)
{
    return std::string(keys::kFailedPrefix) + std::string(reason);
}

std::optional<std::string> failureReason(std::string_view brief)
{
    if (brief.substr(0, keys::kFailedPrefix.size()) != keys::kFailedPrefix)
        return std::nullopt;
    return std::string(brief.substr(keys::kFailedPrefix.size()));
}

} // namespace fib::jobs
