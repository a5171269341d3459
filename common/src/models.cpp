#include "fib/models.hpp"

#include <stdexcept>

namespace fib {

std::string briefValue(const std::string &digits)
{
    if (digits.size() <= kSummaryThreshold)
        return digits;
    return digits.substr(0, kSummaryEdge) + "..." + digits.substr(digits.size() - kSummaryEdge) +
           " (" + std::to_string(digits.size()) + " digits)";
}

namespace {
constexpr const char *statusText(ValueRecord::Status status)
{
    switch (status) {
    case ValueRecord::Status::Done: return "done";
    case ValueRecord::Status::Failed: return "failed";
    case ValueRecord::Status::Pending: break;
    }
    return "pending";
}
} // namespace

void to_json(nlohmann::json &j, const ValueRecord &record)
{
    j = nlohmann::json{{field::kIndex, record.index}, {field::kStatus, statusText(record.status)}};
    if (record.status == ValueRecord::Status::Done && record.value) {
        j[field::kDigits] = record.value->size();
        j[field::kValue] = *record.value;
    }
    if (record.status == ValueRecord::Status::Failed)
        j[field::kError] = record.error.value_or("");
}

void from_json(const nlohmann::json &j, ValueRecord &record)
{
    record.index = j.at(field::kIndex).get<Index>();
    const auto status = j.at(field::kStatus).get<std::string>();
    record.value.reset();
    record.error.reset();
    if (status == "done") {
        record.status = ValueRecord::Status::Done;
        record.value = j.at(field::kValue).get<std::string>();
    } else if (status == "pending") {
        record.status = ValueRecord::Status::Pending;
    } else if (status == "failed") {
        record.status = ValueRecord::Status::Failed;
        record.error = j.at(field::kError).get<std::string>();
    } else {
        throw std::invalid_argument("unknown status: " + status);
    }
}

void to_json(nlohmann::json &j, const ComputedEvent &event)
{
    j = nlohmann::json{{field::kIndex, event.index}, {field::kValue, event.value}};
    if (event.seq != 0)
        j[field::kSeq] = event.seq;
}

void from_json(const nlohmann::json &j, ComputedEvent &event)
{
    event.index = j.at(field::kIndex).get<Index>();
    event.value = j.at(field::kValue).get<std::string>();
    event.seq = j.contains(field::kSeq) ? j.at(field::kSeq).get<std::uint64_t>() : 0;
}

void to_json(nlohmann::json &j, const Problem &problem)
{
    j = nlohmann::json{
        {"type", problem.type}, {"title", problem.title}, {"status", problem.status}};
    if (!problem.detail.empty())
        j["detail"] = problem.detail;
}

void from_json(const nlohmann::json &j, Problem &problem)
{
    problem.type = j.value("type", std::string("about:blank"));
    problem.title = j.value("title", std::string());
    problem.status = j.value("status", 0);
    problem.detail = j.value("detail", std::string());
}

} // namespace fib
