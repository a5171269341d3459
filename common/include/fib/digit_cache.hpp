#pragma once
// The full digits of large values are a cache with a memory budget (FIB_VALUE_CACHE_BYTES), so
// Redis stays bounded whatever users submit (docs/design.md, "Value cache"). A value longer than
// kSummaryThreshold digits keeps its brief for ever, and its full digits in the values hash only
// while they fit: storing one beyond the budget drops the least recently used others. A value
// within kSummaryThreshold digits is its own brief and is never dropped.
//
// Both writers go through one Lua script: the worker storing what it computed, and fib-server
// storing a value it recomputed for a read.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fib/index.hpp"
#include "fib/redis.hpp"

namespace fib::digits {

// Whether a value of this many digits goes through the budget (and may be dropped).
bool isCached(std::size_t digits) noexcept;

// The store script's call for `values` (index text, digits), every one of them isCached. The
// views must outlive the call, `budget` included (its decimal text). The script answers with the
// number of values it dropped.
redis::Args storeArgs(const std::string &budget,
                      const std::vector<std::pair<std::string_view, std::string_view>> &values);

// Stores one value's digits within `budget` bytes; returns how many values it dropped.
long long store(redis::Connection &redis, Index index, std::string_view digits, std::size_t budget);

// What Redis has of an index for GET /values/{n}: its values entry (full digits, the pending or
// the failed text), marking a cached value as just used; and when there is none, its brief.
struct Stored {
    std::optional<std::string> value;
    std::optional<std::string> brief; // read only when value is empty
    // A computed value whose full digits were dropped: recompute them.
    bool dropped() const;
};
Stored read(redis::Connection &redis, Index index);

} // namespace fib::digits
