// libFuzzer target: the index grammar on arbitrary text. It must accept exactly the strings of
// ASCII digits whose value is within the cap, and never crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fib/errors.hpp"
#include "fib/index.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    constexpr fib::Index kMax = 1'000'000;
    try {
        const fib::Index value = fib::parseIndex(text, kMax);
        // Accepted: only digits, and the value round-trips.
        if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos ||
            value > kMax)
            std::abort();
        const auto digits = text.find_first_not_of('0') == std::string_view::npos
                                ? std::string_view("0")
                                : text.substr(text.find_first_not_of('0'));
        if (fib::indexText(value) != digits)
            std::abort();
    } catch (const fib::InvalidIndexError &) {
    }
    return 0;
}
