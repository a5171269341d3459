// fib-server: the HTTP API. A thin main; the work is in the fib_server library.
#include <cstdio>
#include <cstdlib>

#include <malloc.h>

#include <CLI/CLI.hpp>

#include "fib/config.hpp"
#include "fib/errors.hpp"
#include "fib/log.hpp"
#include "fib/redis.hpp"
#include "fib/server/backend.hpp"
#include "fib/server/change_listener.hpp"
#include "fib/server/http_server.hpp"
#include "fib/stop_signals.hpp"
#include "fib/version.hpp"

int main(int argc, char **argv)
{
    try {
        CLI::App app{"fib-server: the Fibonacci calculator's HTTP API (configured by environment "
                     "variables; see README)"};
        app.set_version_flag("--version", std::string("fib-server ") + fib::kVersion);
        bool migrateOnly = false;
        app.add_flag(
            "--migrate", migrateOnly,
            "create or upgrade the PostgreSQL schema, grant role fib_app its privileges, and exit "
            "(run it as the schema's owner; see README, PostgreSQL roles)");
        CLI11_PARSE(app, argc, argv);
        // One malloc arena, not 8 per core: each arena keeps its own free memory after a burst
        // (RSS), and one showed no throughput cost here (docs/benchmarks.md, "Tuning").
        // MALLOC_ARENA_MAX in the environment still wins.
        if (std::getenv("MALLOC_ARENA_MAX") == nullptr)
            ::mallopt(M_ARENA_MAX, 1);

        const auto config = fib::Config::fromEnvironment();
        if (migrateOnly)
            return fib::server::migrateSchema(config);
        fib::redis::checkLogin(config);
        fib::server::LiveBackend backend(config);
        try {
            backend.prepare();
        } catch (const std::exception &e) {
            // Serve anyway: /healthz stays up, /readyz says what is missing, and the schema is
            // created on the first request that reaches PostgreSQL.
            fib::log::warn("starting without PostgreSQL", {{"error", e.what()}});
        }
        fib::server::ListCache cache;
        fib::server::ChangeListener listener(config, cache);
        fib::server::HttpServer server(config, backend, &cache);
        // Before any thread starts (they inherit the blocked signals), after what it stops.
        fib::StopSignals signals;
        if (!server.bind(config.apiHost, config.apiPort)) {
            fib::log::error("cannot listen", {{"host", config.apiHost}, {"port", config.apiPort}});
            return 1;
        }
        signals.start([&](int signal) {
            fib::log::info("stopping", {{"signal", signal}});
            listener.stop();
            server.stop();
        });
        listener.start();
        fib::log::info("listening", {{"host", config.apiHost},
                                     {"port", server.port()},
                                     {"max_index", config.maxIndex},
                                     {"threads", config.serverThreads},
                                     {"version", fib::kVersion}});
        const bool ok = server.serve();
        fib::log::info("stopped");
        return ok ? 0 : 1;
    } catch (const fib::ConfigError &e) {
        std::fprintf(stderr, "fib-server: %s\n", e.what());
        return 2;
    } catch (const std::exception &e) {
        // Whatever escaped the program's own handling ends it with a log line, not a terminate().
        std::fprintf(stderr, "fib-server: stopped by an unexpected error: %s\n", e.what());
        return 1;
    }
}
