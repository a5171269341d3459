#pragma once
// The worker's pure part: check a job entry read from the stream (queue data is input too,
// OWASP API10) and compute its value. No Redis here, so it is unit-tested without services.

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "fib/index.hpp"

namespace fib::worker {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Poison {
    std::string reason;
};

// The index a job entry asks for, or why the entry is poison.
std::variant<Index, Poison> validateJob(const Fields &fields, Index maxIndex);

struct Result {
    std::string digits; // the full value, for the values hash
    std::string brief;  // what lists show, for the brief hash
};
Result compute(Index index);

} // namespace fib::worker
