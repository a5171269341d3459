#pragma once
// The job queue's write side, used by the server on POST and by the worker's reconciler, so
// that a job is always enqueued the same way: the pending marks and the stream entry together.

#include <string_view>

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

} // namespace fib::jobs
