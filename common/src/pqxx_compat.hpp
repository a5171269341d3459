#pragma once
// The one place where the libpqxx versions differ for this project: how a statement is run.
// libpqxx 6.4 (Debian 12) has exec0, exec1, exec_params and exec_prepared; 7.10 (Debian 13)
// deprecates them (8 removes them) for exec() with pqxx::params and pqxx::prepped, and
// no_rows() / one_row() on the result.

#include <utility>

#include <pqxx/pqxx>

#if PQXX_VERSION_MAJOR > 7 || (PQXX_VERSION_MAJOR == 7 && PQXX_VERSION_MINOR >= 10)
#define FIB_PQXX_PARAMS_API 1
#else
#define FIB_PQXX_PARAMS_API 0
#endif

namespace fib::pg {

// A statement that returns no rows.
template <typename Tx>
void run(Tx &tx, const std::string &query)
{
#if FIB_PQXX_PARAMS_API
    tx.exec(query).no_rows();
#else
    tx.exec0(query);
#endif
}

// A statement with parameters ($1, ...), whatever it returns.
template <typename Tx, typename... Args>
pqxx::result withParams(Tx &tx, const std::string &query, Args &&...args)
{
#if FIB_PQXX_PARAMS_API
    return tx.exec(query, pqxx::params{std::forward<Args>(args)...});
#else
    return tx.exec_params(query, std::forward<Args>(args)...);
#endif
}

// A statement with parameters that returns exactly one row.
template <typename Tx, typename... Args>
pqxx::row oneRow(Tx &tx, const std::string &query, Args &&...args)
{
#if FIB_PQXX_PARAMS_API
    return tx.exec(query, pqxx::params{std::forward<Args>(args)...}).one_row();
#else
    return tx.exec_params1(query, std::forward<Args>(args)...);
#endif
}

// A prepared statement (connection::prepare) with parameters.
template <typename Tx, typename... Args>
pqxx::result prepared(Tx &tx, const char *name, Args &&...args)
{
#if FIB_PQXX_PARAMS_API
    return tx.exec(pqxx::prepped{name}, pqxx::params{std::forward<Args>(args)...});
#else
    return tx.exec_prepared(name, std::forward<Args>(args)...);
#endif
}

} // namespace fib::pg
