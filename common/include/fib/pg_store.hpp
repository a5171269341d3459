#pragma once
// PostgreSQL, the durable record of every submitted index (table "values", one row per index).
// All queries bind their parameters. Any database failure throws UnavailableError.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fib/index.hpp"

namespace fib {

class PgStore {
public:
    explicit PgStore(const std::string &conninfo);
    ~PgStore();
    PgStore(const PgStore &) = delete;
    PgStore &operator=(const PgStore &) = delete;

    // Creates or upgrades the schema; an advisory lock keeps two servers from racing.
    // Upgrades the original's `values(number INT)` table (duplicates allowed) in place.
    void migrate();

    // Records a submission: the first one inserts the row, later ones count. True if new.
    bool recordSubmission(Index index);
    // Indexes in ascending order, strictly after `after` when given.
    std::vector<Index> indexes(std::optional<Index> after, std::size_t limit);
    bool contains(Index index);
    void ping();

    bool broken() const noexcept { return m_broken; }

private:
    template <typename F>
    auto guarded(const char *what, F &&body);
    struct Connection;
    std::unique_ptr<Connection> m_connection;
    bool m_broken = false;
};

} // namespace fib
