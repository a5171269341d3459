#include "fib/index.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "fib/errors.hpp"

namespace fib {
namespace {

const char *const kGrammar =
    "an index is a whole number written with the digits 0-9 only, such as 10";

[[noreturn]] void tooHigh(std::string_view text, Index maxIndex)
{
    throw InvalidIndexError("Index too high", "index " + std::string(text) +
                                                  " is above the maximum " + indexText(maxIndex));
}

} // namespace

std::string indexText(Index index)
{
    return std::to_string(index);
}

Index parseIndex(std::string_view text, Index maxIndex)
{
    if (text.empty())
        throw InvalidIndexError("Invalid index", std::string("the index is empty; ") + kGrammar);
    for (const char c : text) {
        if (c < '0' || c > '9')
            throw InvalidIndexError("Invalid index",
                                    std::string("the index may hold only the digits 0-9; ") +
                                        kGrammar);
    }
    // Leading zeros carry no value; dropping them keeps a long run of zeros from overflowing.
    const auto first = text.find_first_not_of('0');
    if (first == std::string_view::npos)
        return 0;
    const std::string_view digits = text.substr(first);
    Index value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec == std::errc::result_out_of_range)
        tooHigh(digits.size() > 24 ? std::string(digits.substr(0, 20)) + "..."
                                   : std::string(digits),
                maxIndex);
    if (ec != std::errc() || end != digits.data() + digits.size())
        throw InvalidIndexError("Invalid index", kGrammar);
    if (value > maxIndex)
        tooHigh(digits, maxIndex);
    return value;
}

Index parseIndexValue(const nlohmann::json &value, Index maxIndex)
{
    switch (value.type()) {
    case nlohmann::json::value_t::string:
        return parseIndex(std::string_view(value.get_ref<const std::string &>()), maxIndex);
    case nlohmann::json::value_t::number_unsigned: {
        const auto n = value.get<std::uint64_t>();
        if (n > maxIndex)
            tooHigh(indexText(n), maxIndex);
        return n;
    }
    case nlohmann::json::value_t::number_integer:
        throw InvalidIndexError("Invalid index", std::string("the index is negative; ") + kGrammar);
    case nlohmann::json::value_t::number_float: {
        // Integers too large for 64 bits arrive here as doubles too.
        const double d = value.get<double>();
        if (d > static_cast<double>(maxIndex))
            tooHigh(value.dump(), maxIndex);
        throw InvalidIndexError("Invalid index",
                                std::string("the index must not have a fraction or an exponent; ") +
                                    kGrammar);
    }
    default:
        throw InvalidIndexError(
            "Invalid index", std::string("the index must be a number or a string of digits, not ") +
                                 value.type_name() + "; " + kGrammar);
    }
}

Index parseSubmission(std::string_view body, Index maxIndex)
{
    // nlohmann/json stops at a NUL byte as if the input ended there, so `{"index":1}\0junk`
    // would pass; no valid JSON text contains one outside a string escape.
    if (body.find('\0') != std::string_view::npos)
        throw BadRequestError("Malformed JSON", "the body contains a NUL byte");
    nlohmann::json document;
    try {
        // Depth is bounded by the body size limit of nginx and the server.
        document = nlohmann::json::parse(body.begin(), body.end());
    } catch (const nlohmann::json::exception &e) {
        // parse_error, and out_of_range for a number too large for a double (1e99999).
        throw BadRequestError("Malformed JSON",
                              std::string("the body is not valid JSON: ") + e.what());
    }
    if (!document.is_object())
        throw BadRequestError(
            "Malformed request",
            std::string("the body must be a JSON object such as {\"index\": 10}, not ") +
                document.type_name());
    const auto it = document.find("index");
    if (it == document.end())
        throw BadRequestError("Malformed request",
                              "the body has no \"index\" member, e.g. {\"index\": 10}");
    return parseIndexValue(*it, maxIndex);
}

} // namespace fib
