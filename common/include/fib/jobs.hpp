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

// Atomically (one Lua script): if the index has no value, mark it pending and XADD a job.
// With requeuePending, an index still pending gets a new job too (the reconciler's repair).
SubmitOutcome submit(redis::Connection &redis, Index index, std::string_view requestId,
                     bool requeuePending = false);

// The brief of each index, in one HMGET: the value as lists show it, keys::kPendingValue, or
// nullopt when Redis has nothing for it.
std::vector<std::optional<std::string>> briefs(redis::Connection &redis, const std::vector<Index> &indexes);

// A brief that is a computed value (neither absent nor pending).
bool isComputed(const std::optional<std::string> &brief);

} // namespace fib::jobs
