#pragma once
// JSON models shared by the server, the worker and the desktop app. Every Fibonacci value
// travels as a string of decimal digits: a double cannot hold F(79) exactly.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "fib/index.hpp"

namespace fib {

// JSON field names.
namespace field {
inline constexpr const char *kIndex = "index";
inline constexpr const char *kNumber = "number";
inline constexpr const char *kWorking = "working";
inline constexpr const char *kStatus = "status";
inline constexpr const char *kValue = "value";
inline constexpr const char *kDigits = "digits";
inline constexpr const char *kError = "error";
inline constexpr const char *kSeq = "seq";
} // namespace field

// Values longer than this are summarised in lists (docs/design.md, "Limits").
inline constexpr std::size_t kSummaryThreshold = 1000;
// How many leading and trailing digits a summary keeps.
inline constexpr std::size_t kSummaryEdge = 20;

// "12345678901234567890...09876543210987654321 (208988 digits)" for long values, else the digits.
std::string briefValue(const std::string &digits);

// GET /values/{n}.
struct ValueRecord {
    enum class Status { Pending, Done, Failed };
    Index index = 0;
    Status status = Status::Pending;
    std::optional<std::string> value; // set when Done
    std::optional<std::string> error; // why, when Failed
};
void to_json(nlohmann::json &j, const ValueRecord &record);
void from_json(const nlohmann::json &j, ValueRecord &record);

// The payload of a "computed" notification (Redis channel fib:changed) and of the live event
// that nginx sends to clients: the value as lists show it, and the event's number (keys::kEventSeq;
// 0 when absent, in JSON it is then left out).
struct ComputedEvent {
    Index index = 0;
    std::string value;
    std::uint64_t seq = 0;
};
void to_json(nlohmann::json &j, const ComputedEvent &event);
void from_json(const nlohmann::json &j, ComputedEvent &event);

// RFC 9457 problem details.
struct Problem {
    std::string type;
    std::string title;
    int status = 500;
    std::string detail;
};
void to_json(nlohmann::json &j, const Problem &problem);
void from_json(const nlohmann::json &j, Problem &problem);

} // namespace fib
