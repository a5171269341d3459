#include "fib/worker/processor.hpp"

#include "fib/errors.hpp"
#include "fib/fibonacci.hpp"
#include "fib/keys.hpp"
#include "fib/models.hpp"

namespace fib::worker {

std::variant<Index, Poison> validateJob(const Fields &fields, Index maxIndex)
{
    const std::string *found = nullptr;
    for (const auto &[name, value] : fields) {
        if (name != keys::kJobIndexField)
            continue;
        if (found != nullptr)
            return Poison{"the entry has more than one index field"};
        found = &value;
    }
    if (found == nullptr)
        return Poison{"the entry has no index field"};
    try {
        return parseIndex(std::string_view(*found), maxIndex);
    } catch (const InvalidIndexError &e) {
        return Poison{e.title() + ": " + e.what()};
    }
}

Result compute(Index index)
{
    Result result;
    result.digits = fibonacciDecimal(index);
    result.brief = briefValue(result.digits);
    return result;
}

} // namespace fib::worker
