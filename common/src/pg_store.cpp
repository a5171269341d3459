#include "fib/pg_store.hpp"

#include <cctype>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <unordered_map>

#include <pqxx/pqxx>

#include "fib/errors.hpp"
#include "fib/keys.hpp"
#include "pqxx_compat.hpp"

namespace fib {
namespace {

// Any fixed number works, as long as every version of the program uses the same one.
constexpr long long kMigrationLock = 0x66696200; // "fib\0"
constexpr int kSchemaVersion = 1;

} // namespace

struct PgStore::Connection : pqxx::connection {
    using pqxx::connection::connection;
};

template <typename F>
auto PgStore::guarded(const char *what, F &&body)
{
    if (m_broken)
        throw UnavailableError("Database unavailable", "the PostgreSQL connection was lost");
    try {
        return body();
    } catch (const pqxx::broken_connection &e) {
        m_broken = true;
        throw UnavailableError("Database unavailable", std::string(what) + ": " + e.what());
    } catch (const pqxx::failure &e) {
        // Other failures (shutdown in progress, a killed backend) leave the session unusable too.
        m_broken = true;
        throw UnavailableError("Database failed", std::string(what) + ": " + e.what());
    }
}

// The statements of every request, prepared once per session (prepareStatements): no parse and
// plan on each request.
constexpr const char *kRecordSubmissions = "fib_record_submissions";
constexpr const char *kListIndexes = "fib_list_indexes";
constexpr const char *kHasIndex = "fib_has_index";
constexpr const char *kTransactionStatus = "fib_transaction_status";

PgStore::PgStore(const std::string &conninfo)
{
    try {
        m_connection = std::make_unique<Connection>(conninfo);
    } catch (const std::exception &e) {
        std::string what = std::string("cannot connect to PostgreSQL: ") + e.what();
        while (!what.empty() && std::isspace(static_cast<unsigned char>(what.back())) != 0)
            what.pop_back();
        // libpq's words for a refused certificate ("certificate verify failed", "server
        // certificate for ... does not match host name ...") name no setting; the title, which
        // every 503 (and /readyz) shows, does.
        if (what.find("certificate") != std::string::npos)
            throw UnavailableError(
                "PostgreSQL TLS: the server's certificate was refused (check PGSSLROOTCERT and "
                "PGHOST)",
                what + " (with PGSSLMODE=verify-full or verify-ca the server's certificate must be "
                       "signed by a CA in PGSSLROOTCERT, and with verify-full name PGHOST)");
        throw UnavailableError("Database unavailable", what);
    }
}

void PgStore::prepareStatements()
{
    if (m_prepared)
        return;
    // One statement for a batch of submissions (fib-server's group commit): each new index is
    // inserted, each known one has its counter raised by the times it occurs. Rows are taken in
    // index order, so two batches never wait for each other's locks in a cycle. xmax is 0 for a
    // freshly inserted row and set for an updated one.
    m_connection->prepare(
        kRecordSubmissions,
        "WITH input AS (SELECT n, count(*) AS c FROM unnest($1::int[]) AS n GROUP BY n)"
        " INSERT INTO \"values\" (number, times_requested) SELECT n, c FROM input ORDER BY n"
        " ON CONFLICT (number) DO UPDATE"
        " SET times_requested = \"values\".times_requested + excluded.times_requested"
        " RETURNING number, (xmax = 0), txid_current()");
    m_connection->prepare(
        kListIndexes, "SELECT number FROM \"values\" WHERE number > $1 ORDER BY number LIMIT $2");
    m_connection->prepare(kHasIndex, "SELECT 1 FROM \"values\" WHERE number = $1");
    m_connection->prepare(kTransactionStatus, "SELECT txid_status($1)");
    m_prepared = true;
}

PgStore::~PgStore() = default;

namespace {

// 0 when there is no schema yet (the original's bare "values" table counts as none).
int schemaVersion(pqxx::transaction_base &tx)
{
    if (pg::oneRow(tx, "SELECT to_regclass('fib_schema') IS NULL")[0].as<bool>())
        return 0;
    return pg::oneRow(tx, "SELECT COALESCE(MAX(version), 0) FROM fib_schema")[0].as<int>();
}

void upgradeFrom(pqxx::transaction_base &tx, int version)
{
    pg::run(tx, "CREATE TABLE IF NOT EXISTS fib_schema (version INT NOT NULL)");
    if (version < 1) {
        // The original created values(number INT): no key, duplicates, nulls. Keep its rows, once
        // each.
        const bool original =
            pg::oneRow(tx, "SELECT to_regclass('\"values\"') IS NOT NULL")[0].as<bool>();
        if (original)
            pg::run(tx, "ALTER TABLE \"values\" RENAME TO values_original");
        pg::run(tx, "CREATE TABLE \"values\" ("
                    " number INT PRIMARY KEY CHECK (number >= 0),"
                    " first_seen TIMESTAMPTZ NOT NULL DEFAULT now(),"
                    " times_requested BIGINT NOT NULL DEFAULT 1 CHECK (times_requested > 0))");
        if (original) {
            pg::run(
                tx,
                "INSERT INTO \"values\" (number, times_requested)"
                " SELECT number, COUNT(*) FROM values_original WHERE number >= 0 GROUP BY number");
            pg::run(tx, "DROP TABLE values_original");
        }
    }
    pg::withParams(tx, "INSERT INTO fib_schema (version) VALUES ($1)", kSchemaVersion);
}

// What the services' role may do, and no more (deploy/postgres/roles.sql creates the role).
// Returns false when there is no such role.
bool grantAppRole(pqxx::transaction_base &tx)
{
    if (pg::oneRow(tx, "SELECT to_regrole($1) IS NULL", std::string(keys::kAppRole))[0].as<bool>())
        return false;
    const auto role = tx.quote_name(std::string(keys::kAppRole));
    pg::run(tx, "GRANT SELECT ON fib_schema TO " + role);
    pg::run(tx, "GRANT SELECT, INSERT, UPDATE (times_requested) ON \"values\" TO " + role);
    return true;
}

} // namespace

PgStore::Migration PgStore::migrate(bool grant)
{
    return guarded("migrating the schema", [&] {
        pqxx::work tx(*m_connection);
        Migration result;
        try {
            pg::withParams(tx, "SELECT pg_advisory_xact_lock($1)", kMigrationLock);
            result.from = schemaVersion(tx);
            result.to = std::max(result.from, kSchemaVersion);
            if (result.from < kSchemaVersion)
                upgradeFrom(tx, result.from);
            if (grant || result.from < kSchemaVersion)
                result.appRoleGranted = grantAppRole(tx);
        } catch (const pqxx::insufficient_privilege &e) {
            // The services' least-privilege role may use the schema, not create or change it.
            const auto user = m_connection->username();
            throw UnavailableError(
                "Database schema not ready",
                "PostgreSQL role \"" + std::string(user ? user : "?") + "\" may not " +
                    (result.from < kSchemaVersion
                         ? "create or upgrade the schema (found version " +
                               std::to_string(result.from) + ", this program needs " +
                               std::to_string(kSchemaVersion) + ")"
                         : "read or grant it") +
                    ": run `fib-server --migrate` as the schema's owner (" +
                    std::string(keys::kOwnerRole) + "); " + e.what());
        }
        tx.commit();
        return result;
    });
}

std::vector<bool> PgStore::recordSubmissions(const std::vector<Index> &indexes)
{
    return guarded("recording submissions", [&] {
        prepareStatements();
        std::string array = "{";
        for (const auto index : indexes) {
            if (array.size() > 1)
                array += ',';
            array += indexText(index);
        }
        array += '}';
        // One statement in a transaction of its own, so its id is known before COMMIT is sent: if
        // the connection is lost while committing, the caller asks another session whether it
        // was stored instead of writing it again (which would count every request twice). The
        // batch shares one synchronous commit.
        pqxx::work tx(*m_connection);
        const auto result = pg::prepared(tx, kRecordSubmissions, array);
        std::unordered_map<Index, bool> inserted;
        for (const auto &row : result)
            inserted[row[0].as<Index>()] = row[1].as<bool>();
        const long long transactionId = result.empty() ? 0 : result[0][2].as<long long>();
        try {
            tx.commit();
        } catch (const pqxx::in_doubt_error &e) {
            m_broken = true;
            throw CommitInDoubtError(std::string("recording submissions: ") + e.what(),
                                     transactionId);
        }
        std::vector<bool> out;
        out.reserve(indexes.size());
        for (const auto index : indexes)
            out.push_back(inserted.at(index));
        return out;
    });
}

std::vector<Index> PgStore::indexes(std::optional<Index> after, std::size_t limit)
{
    // The column is an INT: nothing follows its largest value (and PostgreSQL would refuse a
    // larger parameter, which is the client's cursor, not a database failure).
    if (after && *after >= static_cast<Index>(std::numeric_limits<std::int32_t>::max()))
        return {};
    return guarded("listing indexes", [&] {
        prepareStatements();
        pqxx::nontransaction tx(*m_connection); // one statement: no BEGIN/COMMIT round trips
        const auto result =
            pg::prepared(tx, kListIndexes, after ? static_cast<long long>(*after) : -1LL,
                         static_cast<long long>(limit));
        std::vector<Index> out;
        out.reserve(result.size());
        for (const auto &row : result)
            out.push_back(row[0].as<Index>());
        return out;
    });
}

bool PgStore::contains(Index index)
{
    return guarded("looking up an index", [&] {
        prepareStatements();
        pqxx::nontransaction tx(*m_connection);
        return !pg::prepared(tx, kHasIndex, static_cast<long long>(index)).empty();
    });
}

PgStore::Outcome PgStore::outcome(long long transactionId)
{
    return guarded("checking a transaction", [&] {
        prepareStatements();
        pqxx::nontransaction tx(*m_connection);
        const auto result = pg::prepared(tx, kTransactionStatus, transactionId);
        const auto row = result.at(0);
        if (row[0].is_null())
            return Outcome::Unknown; // too old to tell: not the case for a lost commit
        const std::string status = row[0].c_str();
        if (status == "committed")
            return Outcome::Committed;
        if (status == "aborted")
            return Outcome::Aborted;
        return Outcome::Unknown; // in progress: the lost session's backend has not finished yet
    });
}

void PgStore::ping()
{
    guarded("checking PostgreSQL", [&] {
        pqxx::nontransaction tx(*m_connection);
        pg::oneRow(tx, "SELECT 1");
    });
}

} // namespace fib
