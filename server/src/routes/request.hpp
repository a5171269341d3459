#pragma once
// What the route handlers share: reading a request's page and headers, writing JSON.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fib/index.hpp"
#include "fib/server/routes.hpp"

namespace fib::server {

inline constexpr const char *kJsonType = "application/json";

template <typename Json>
void sendJson(httplib::Response &res, const Json &body, int status = 200)
{
    res.status = status;
    res.set_content(body.dump(), kJsonType);
}

// Whether a Content-Type names application/json (any case, any parameters).
bool isJsonMediaType(const std::string &contentType);

// ?limit=&after= of the list endpoints.
struct Page {
    std::size_t limit = kDefaultPageSize;
    std::optional<Index> after;
};
// Throws BadRequestError (400) for a limit outside 1..kMaxPageSize or a cursor that is no index.
Page pageOf(const httplib::Request &req);
// The last index of a full page, where the next one starts; none when the page is not full.
std::optional<Index> fullPageEnd(const Page &page, const std::vector<Index> &rows);
// A full page announces the next one in a Link header (RFC 8288). The body keeps the original's
// shape. The link is relative to the request, so it works both directly and behind nginx's /api.
void linkNextPage(httplib::Response &res, const Page &page, const std::vector<Index> &rows);

// The client's X-Request-Id, cut to 64 bytes; "" without one.
std::string requestId(const httplib::Request &req);
// "address:port" of the connection, as ReadDeadline names it.
std::string peerOf(const httplib::Request &req);

} // namespace fib::server
