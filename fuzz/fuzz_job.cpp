// libFuzzer target: a job entry read from the Redis stream (queue data is input too). The
// bytes are split into field/value pairs at NUL bytes; the worker must either get an index
// within its cap or a poison reason, and never crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fib/worker/processor.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string bytes(reinterpret_cast<const char *>(data), size);
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= bytes.size(); ++i) {
        if (i == bytes.size() || bytes[i] == '\0') {
            parts.push_back(bytes.substr(start, i - start));
            start = i + 1;
        }
    }
    fib::worker::Fields fields;
    for (std::size_t i = 0; i + 1 < parts.size(); i += 2)
        fields.emplace_back(parts[i], parts[i + 1]);
    const auto checked = fib::worker::validateJob(fields, 1000);
    if (const auto *index = std::get_if<fib::Index>(&checked); index && *index > 1000)
        std::abort();
    if (const auto *poison = std::get_if<fib::worker::Poison>(&checked);
        poison && poison->reason.empty())
        std::abort();
    return 0;
}
