// Questions answered from the route table (fib/server/routes.hpp).
#include "fib/server/routes.hpp"

namespace fib::server {

bool methodAllowed(std::string_view allowed, std::string_view method)
{
    while (!allowed.empty()) {
        const auto comma = allowed.find(',');
        if (allowed.substr(0, comma) == method)
            return true;
        allowed = comma == std::string_view::npos ? std::string_view() : allowed.substr(comma + 2);
    }
    return false;
}

std::string allowedMethods(std::string_view path)
{
    std::string allowed;
    for (const auto &route : kRoutes) {
        if (!routeMatches(route, path) || methodAllowed(allowed, route.method))
            continue;
        allowed += (allowed.empty() ? "" : ", ") + std::string(route.method);
        if (std::string_view(route.method) == "GET")
            allowed += ", HEAD"; // cpp-httplib answers HEAD for every GET route
    }
    return allowed;
}

} // namespace fib::server
