#pragma once
// The operator's side of the dead-letter stream (`fib-worker --retry-dead`): every dead-lettered
// job whose entry names a valid index is queued again, and its index leaves the failed state.

#include <cstddef>
#include <vector>

#include "fib/config.hpp"
#include "fib/index.hpp"
#include "fib/redis.hpp"

namespace fib::worker {

struct RetryReport {
    std::vector<Index> requeued; // a new job is on the stream (or one already was)
    std::size_t settled = 0;     // entries whose index has a value by now: dropped
    std::size_t invalid = 0;     // poison entries (no valid index): left on the stream
};

// Reads the whole dead-letter stream; throws UnavailableError when Redis fails part-way (what was
// done stays done, and running it again finishes the rest).
RetryReport retryDeadLetters(redis::Connection &redis, Index maxIndex);

// `fib-worker --retry-dead`: retries against the configured Redis and prints what it did.
// Returns the exit code: 0 done, 1 Redis unavailable.
int retryDeadLettersCommand(const Config &config);

} // namespace fib::worker
