#include "fib/server/problem.hpp"

#include <httplib.h>

#include "fib/errors.hpp"
#include "fib/log.hpp"

namespace fib::server {

std::string problemType(const std::string &slug)
{
    return "urn:fib:problem:" + slug;
}

Problem problemFor(const std::exception_ptr &error, const std::string &context)
{
    try {
        std::rethrow_exception(error);
    } catch (const BadRequestError &e) {
        return {problemType("bad-request"), e.title(), 400, e.what()};
    } catch (const UnsupportedMediaTypeError &e) {
        return {problemType("unsupported-media-type"), e.title(), 415, e.what()};
    } catch (const InvalidIndexError &e) {
        return {problemType(e.title() == "Index too high" ? "index-too-high" : "invalid-index"),
                e.title(), 422, e.what()};
    } catch (const NotFoundError &e) {
        return {problemType("not-found"), e.title(), 404, e.what()};
    } catch (const UnavailableError &e) {
        log::warn("dependency unavailable", {{"during", context}, {"error", e.what()}});
        return {problemType("unavailable"), e.title(), 503,
                "a backing service is unavailable; try again shortly"};
    } catch (const std::exception &e) {
        log::error("unhandled exception", {{"during", context}, {"error", e.what()}});
    } catch (...) {
        log::error("unhandled exception", {{"during", context}});
    }
    return {problemType("internal"), "Internal error", 500,
            "the server failed; the error is logged"};
}

Problem problemForStatus(int status)
{
    // Only statuses cpp-httplib produces on its own reach here.
    std::string reason;
    switch (status) {
    case 400: reason = "Bad Request"; break;
    case 404: reason = "Not Found"; break;
    case 405: reason = "Method Not Allowed"; break;
    case 408: reason = "Request Timeout"; break;
    case 413: reason = "Payload Too Large"; break;
    case 414: reason = "URI Too Long"; break;
    case 416: reason = "Range Not Satisfiable"; break;
    case 431: reason = "Request Header Fields Too Large"; break;
    default: reason = status >= 500 ? "Internal Server Error" : "Bad Request"; break;
    }
    std::string slug = reason;
    for (auto &c : slug)
        c = c == ' ' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return {problemType(slug), reason, status, ""};
}

void writeProblem(httplib::Response &res, const Problem &problem)
{
    res.status = problem.status;
    if (problem.status == 503)
        res.set_header("Retry-After", "1");
    // The detail may quote the client's bytes, which need not be valid UTF-8.
    res.set_content(
        nlohmann::json(problem).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
        "application/problem+json");
}

} // namespace fib::server
