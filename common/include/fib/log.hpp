#pragma once
// Structured logs: one JSON object per line on stdout, with ts, level and msg.

#include <string_view>

#include <nlohmann/json.hpp>

namespace fib::log {

void write(std::string_view level, std::string_view message,
           const nlohmann::json &fields = nlohmann::json::object());
inline void info(std::string_view m, const nlohmann::json &f = nlohmann::json::object())
{
    write("info", m, f);
}
inline void warn(std::string_view m, const nlohmann::json &f = nlohmann::json::object())
{
    write("warn", m, f);
}
inline void error(std::string_view m, const nlohmann::json &f = nlohmann::json::object())
{
    write("error", m, f);
}

} // namespace fib::log
