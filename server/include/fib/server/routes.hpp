#pragma once
// Every route fib-server serves, in one table (kRoutes): HttpServer registers each handler from
// it, a 405's Allow header and the metrics' route label are read from it, and the tests check
// it against the OpenAPI document both ways. The handlers live in server/src/routes/, one file
// per group: service.cpp (liveness, readiness, info, metrics, the document), values.cpp (the
// original's API). The live events, GET /api/events, are nginx's (deploy/nginx/fib.conf); the
// OpenAPI document describes them too, marked "x-served-by": "nginx".

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "fib/config.hpp"

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace fib::server {

class Backend;
class ListCache;
class Metrics;
class ReadDeadline;

// What the handlers work with; HttpServer owns or borrows each part.
struct RouteContext {
    const Config &config;
    Backend &backend;
    Metrics &metrics;
    ListCache *cache; // the GET /values/current pages; null: not cached
    ReadDeadline &readDeadline;
};

using Handler = void (*)(const RouteContext &, const httplib::Request &, httplib::Response &);

namespace routes {
// server/src/routes/service.cpp
void home(const RouteContext &, const httplib::Request &, httplib::Response &);
void health(const RouteContext &, const httplib::Request &, httplib::Response &);
void ready(const RouteContext &, const httplib::Request &, httplib::Response &);
void info(const RouteContext &, const httplib::Request &, httplib::Response &);
void metrics(const RouteContext &, const httplib::Request &, httplib::Response &);
void openApi(const RouteContext &, const httplib::Request &, httplib::Response &);
// server/src/routes/values.cpp
void allIndexes(const RouteContext &, const httplib::Request &, httplib::Response &);
void currentValues(const RouteContext &, const httplib::Request &, httplib::Response &);
void submit(const RouteContext &, const httplib::Request &, httplib::Response &);
void value(const RouteContext &, const httplib::Request &, httplib::Response &);
} // namespace routes

// One route: the method, the path as the OpenAPI document names it (without nginx's /api;
// {n} stands for one non-empty path segment), and its handler.
struct Route {
    const char *method;
    const char *path;
    Handler handle;
};

inline constexpr Route kRoutes[] = {
    {"GET", "/", routes::home},
    {"GET", "/healthz", routes::health},
    {"GET", "/readyz", routes::ready},
    {"GET", "/info", routes::info},
    {"GET", "/metrics", routes::metrics}, // fib-server's own port; nginx does not route it
    {"GET", "/openapi.json", routes::openApi},
    {"GET", "/values/all", routes::allIndexes},
    {"GET", "/values/current", routes::currentValues},
    {"POST", "/values", routes::submit},
    {"GET", "/values/{n}", routes::value},
};

// Whether `path` is `route`'s path.
inline bool routeMatches(const Route &route, std::string_view path)
{
    const std::string_view pattern = route.path;
    const auto param = pattern.find("{n}");
    if (param == std::string_view::npos)
        return path == pattern;
    return path.size() > param && path.substr(0, param) == pattern.substr(0, param) &&
           path.find('/', param) == std::string_view::npos;
}
// The methods a known path answers, for a 405's Allow header ("GET, HEAD"); "" for an unknown
// path.
std::string allowedMethods(std::string_view path);
// Whether `method` is in an Allow list made by allowedMethods.
bool methodAllowed(std::string_view allowed, std::string_view method);

// server/api/openapi.json, compiled in.
extern const char *const kOpenApiDocument;

// Page sizes of the list endpoints.
inline constexpr std::size_t kDefaultPageSize = 100;
inline constexpr std::size_t kMaxPageSize = 1000;

} // namespace fib::server
