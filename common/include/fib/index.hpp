#pragma once
// The one parser and validator of a Fibonacci index (docs/design.md, "Input grammar"): a JSON
// integer, or a string of ASCII digits with no sign, space, dot or exponent, in 0..maxIndex.
// Everything else throws InvalidIndexError (or BadRequestError for a body that is not a JSON
// object).

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace fib {

using Index = std::uint64_t;

// Parses the digits of an index; leading zeros are allowed and dropped ("007" is 7).
Index parseIndex(std::string_view text, Index maxIndex);
// A JSON integer or a digit string.
Index parseIndexValue(const nlohmann::json &value, Index maxIndex);
// The body of POST /values: a JSON object with an "index" member.
Index parseSubmission(std::string_view body, Index maxIndex);

std::string indexText(Index index);

} // namespace fib
