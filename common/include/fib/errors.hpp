#pragma once
// The project's error types. The server maps them to HTTP statuses and
// application/problem+json in exactly one place (server/src/problem.cpp).

#include <stdexcept>
#include <string>

namespace fib {

class Error : public std::runtime_error {
public:
    Error(std::string title, const std::string &detail)
        : std::runtime_error(detail),
          m_title(std::move(title))
    {
    }
    // A short, stable summary such as "Index too high"; what() holds the detail.
    const std::string &title() const noexcept { return m_title; }

private:
    std::string m_title;
};

// The request itself is malformed: not JSON, not an object, a bad query parameter.
class BadRequestError : public Error {
    using Error::Error;
};
// The body is not application/json.
class UnsupportedMediaTypeError : public Error {
    using Error::Error;
};
// Well-formed, but the index breaks the grammar or the range (docs/design.md, "Input grammar").
class InvalidIndexError : public Error {
    using Error::Error;
};
// The thing asked for does not exist, e.g. an index nobody submitted.
class NotFoundError : public Error {
    using Error::Error;
};
// A dependency (Redis, PostgreSQL) cannot be reached or failed.
class UnavailableError : public Error {
    using Error::Error;
};
// The environment holds an unusable setting; programs exit with status 2.
class ConfigError : public Error {
    using Error::Error;
};

} // namespace fib
