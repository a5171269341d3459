#pragma once
// The bench tools' HTTP client for the stack's nginx on loopback, and the POST of one index.

#include <memory>
#include <stdexcept>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fib/index.hpp"
#include "fib/models.hpp"

inline constexpr const char *kBenchHost = "127.0.0.1";

inline std::unique_ptr<httplib::Client> apiClient(int port)
{
    auto cli = std::make_unique<httplib::Client>(kBenchHost, port);
    cli->set_keep_alive(true);
    // Without it the request line and the body leave in two writes, and the body waits for the
    // server's delayed ACK (~40 ms).
    cli->set_tcp_nodelay(true);
    cli->set_connection_timeout(5, 0);
    cli->set_read_timeout(30, 0);
    cli->set_write_timeout(5, 0);
    return cli;
}

// The body of POST /api/values: {"index":N}.
inline std::string indexBody(fib::Index index)
{
    return nlohmann::json{{fib::field::kIndex, index}}.dump();
}

// POST /api/values {"index":N}; throws unless the answer is 200.
inline void postIndex(httplib::Client &cli, fib::Index index)
{
    const std::string body = indexBody(index);
    const auto res = cli.Post("/api/values", body, "application/json");
    if (!res)
        throw std::runtime_error("POST /api/values failed: " + httplib::to_string(res.error()));
    if (res->status != 200)
        throw std::runtime_error("POST /api/values " + body + " answered " +
                                 std::to_string(res->status) + ": " + res->body);
}
