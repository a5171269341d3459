#include "fib/server/list_cache.hpp"

#include <exception>
#include <limits>

#include <nlohmann/json.hpp>

#include "fib/keys.hpp"
#include "fib/models.hpp"

namespace fib::server {
namespace {

// The index a message names: fib:invalidate carries it as text (the submit script), fib:changed
// in its live event.
std::optional<Index> changedIndex(std::string_view channel, std::string_view message)
{
    try {
        if (channel == keys::kInvalidateChannel)
            return parseIndex(message, std::numeric_limits<Index>::max());
        if (channel == keys::kChangedChannel)
            return nlohmann::json::parse(message).get<ComputedEvent>().index;
    } catch (const std::exception &) {
    }
    return std::nullopt;
}

} // namespace

void ListCache::heard(std::string_view channel, std::string_view message)
{
    if (const auto index = changedIndex(channel, message))
        invalidate(*index);
    else
        invalidate();
}

} // namespace fib::server
