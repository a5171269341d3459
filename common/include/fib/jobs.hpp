#pragma once
// The job queue's write side, used by the server on POST and by the worker's reconciler, so
// that a job is always enqueued the same way: the pending marks and the stream entry together.
// And the one way to read where an index stands (the brief hash), for the same three readers.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fib/index.hpp"
#include "fib/redis.hpp"

namespace fib::jobs {

enum class SubmitOutcome {
    Queued,  // a new job is on the stream
    Pending, // a job for this index is already waiting; nothing added
    Done,    // the value is known; nothing added
};

enum class Requeue {
    None,    // a submission: a job only for an index Redis knows nothing of
    Pending, // the reconciler's repair: an index still pending gets a new job too
    Failed,  // an operator's retry: an index whose job failed gets a new job
};

// Atomically (one Lua script): if the index has no value, mark it pending and XADD a job.
// `listed` says PostgreSQL has just recorded the index for the first time: the servers' cached
// lists are then told to drop (fib:invalidate), even when no job is added.
SubmitOutcome submit(redis::Connection &redis, Index index, std::string_view requestId,
                     Requeue requeue = Requeue::None, bool listed = false);

// submit() for several indexes in one round trip (the scripts pipelined, each atomic on its own);
// the outcomes in the same order. For bulk feeders such as the bench's steady job feed.
std::vector<SubmitOutcome> submitMany(redis::Connection &redis, const std::vector<Index> &indexes,
                                      std::string_view requestId, Requeue requeue = Requeue::None);

// The brief of each index, in one HMGET: the value as lists show it, keys::kPendingValue, or
// nullopt when Redis has nothing for it.
std::vector<std::optional<std::string>> briefs(redis::Connection &redis,
                                               const std::vector<Index> &indexes);

// A brief that needs no job: a computed value, or a failure (keys::kFailedPrefix...), which only
// an operator's retry queues again.
bool isSettled(const std::optional<std::string> &brief);
// The text shown instead of the value of an index whose job failed, and its reason back.
std::string failedText(std::string_view reason);
std::optional<std::string> failureReason(std::string_view brief);

} // namespace fib::jobs
