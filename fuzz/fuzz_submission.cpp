// libFuzzer target: the body of POST /values. Any input either yields an index within the cap
// or throws one of the two client-error types; nothing else may escape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fib/errors.hpp"
#include "fib/index.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view body(reinterpret_cast<const char *>(data), size);
    try {
        if (fib::parseSubmission(body, 1'000'000) > 1'000'000)
            std::abort();
    } catch (const fib::BadRequestError &) {
    } catch (const fib::InvalidIndexError &) {
    }
    return 0;
}
