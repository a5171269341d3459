#pragma once
// PostgreSQL, the durable record of every submitted index (table "values", one row per index).
// All queries bind their parameters. Any database failure throws UnavailableError.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fib/errors.hpp"
#include "fib/index.hpp"

namespace fib {

// The connection was lost while COMMIT was on its way: the transaction may have been stored or
// not. Another session can tell which (PgStore::outcome).
class CommitInDoubtError : public UnavailableError {
public:
    CommitInDoubtError(const std::string &detail, long long transactionId)
        : UnavailableError("Database unavailable", detail),
          m_transactionId(transactionId)
    {
    }
    long long transactionId() const noexcept { return m_transactionId; }

private:
    long long m_transactionId;
};

class PgStore {
public:
    explicit PgStore(const std::string &conninfo);
    ~PgStore();
    PgStore(const PgStore &) = delete;
    PgStore &operator=(const PgStore &) = delete;

    struct Migration {
        int from = 0;                // schema version found
        int to = 0;                  // schema version left
        bool appRoleGranted = false; // role fib_app got its privileges (when it exists)
    };
    // Creates or upgrades the schema; an advisory lock keeps two processes from racing. Upgrades
    // the original's `values(number INT)` table (duplicates allowed) in place. When it changed
    // the schema, or `grant` is true, grants role fib_app (if it exists) what the services need.
    // A role that may not do what is needed (fib_app itself) gets an UnavailableError saying so;
    // with the schema current there is nothing to do, and any role that may read it passes.
    Migration migrate(bool grant = false);

    // Records submissions in one statement and commit: the first of an index inserts its row,
    // later ones count. For each index given (repeats allowed), whether its row is new.
    // Throws CommitInDoubtError when the connection is lost while committing.
    std::vector<bool> recordSubmissions(const std::vector<Index> &indexes);
    // What became of a transaction of another (lost) session: committed, rolled back, or still
    // unknown (its backend has not finished yet).
    enum class Outcome { Committed, Aborted, Unknown };
    Outcome outcome(long long transactionId);
    // Indexes in ascending order, strictly after `after` when given.
    std::vector<Index> indexes(std::optional<Index> after, std::size_t limit);
    bool contains(Index index);
    void ping();

    bool broken() const noexcept { return m_broken; }

private:
    template <typename F>
    auto guarded(const char *what, F &&body);
    // Prepares the requests' statements on first use, after any migration: libpqxx 7 sends
    // PREPARE at once, which fails before the table exists (libpqxx 6.4 waited for the first use).
    void prepareStatements();
    struct Connection;
    std::unique_ptr<Connection> m_connection;
    bool m_broken = false;
    bool m_prepared = false;
};

} // namespace fib
