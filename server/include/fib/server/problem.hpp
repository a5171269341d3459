#pragma once
// The one place where errors become HTTP statuses and application/problem+json (RFC 9457).

#include <exception>
#include <string>

#include "fib/models.hpp"

namespace httplib {
struct Response;
}

namespace fib::server {

std::string problemType(const std::string &slug);
// Maps the project's error types to a status; anything else is a 500 without internals.
Problem problemFor(const std::exception_ptr &error, const std::string &context);
// A generic problem for a status that cpp-httplib produced itself.
Problem problemForStatus(int status);
void writeProblem(httplib::Response &res, const Problem &problem);

} // namespace fib::server
