#include "request.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string_view>

#include "fib/errors.hpp"

namespace fib::server {

bool isJsonMediaType(const std::string &contentType)
{
    std::string mediaType = contentType.substr(0, contentType.find(';'));
    mediaType.erase(std::remove_if(mediaType.begin(), mediaType.end(),
                                   [](unsigned char c) { return std::isspace(c); }),
                    mediaType.end());
    std::transform(mediaType.begin(), mediaType.end(), mediaType.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return mediaType == kJsonType;
}

Page pageOf(const httplib::Request &req)
{
    Page page;
    if (req.has_param("limit")) {
        const auto invalid = [] {
            return BadRequestError("Invalid limit", "limit must be a whole number from 1 to " +
                                                        std::to_string(kMaxPageSize));
        };
        Index limit = 0;
        try {
            limit = parseIndex(std::string_view(req.get_param_value("limit")),
                               std::numeric_limits<Index>::max());
        } catch (const InvalidIndexError &) {
            throw invalid();
        }
        if (limit < 1 || limit > kMaxPageSize)
            throw invalid();
        page.limit = static_cast<std::size_t>(limit);
    }
    if (req.has_param("after")) {
        try {
            page.after = parseIndex(std::string_view(req.get_param_value("after")),
                                    std::numeric_limits<Index>::max());
        } catch (const InvalidIndexError &) {
            throw BadRequestError("Invalid cursor",
                                  "after must be an index, a whole number such as 10");
        }
    }
    return page;
}

std::optional<Index> fullPageEnd(const Page &page, const std::vector<Index> &rows)
{
    if (rows.empty() || rows.size() < page.limit)
        return std::nullopt;
    return rows.back();
}

void linkNextPage(httplib::Response &res, const Page &page, const std::vector<Index> &rows)
{
    if (const auto end = fullPageEnd(page, rows))
        res.set_header("Link", "<?limit=" + std::to_string(page.limit) +
                                   "&after=" + indexText(*end) + ">; rel=\"next\"");
}

std::string requestId(const httplib::Request &req)
{
    auto id = req.get_header_value("X-Request-Id");
    if (id.size() > 64)
        id.resize(64);
    return id;
}

std::string peerOf(const httplib::Request &req)
{
    return req.remote_addr + ":" + std::to_string(req.remote_port);
}

} // namespace fib::server
