// fib-worker: computes the jobs of the Redis stream. A thin main; the work is in fib_worker.
#include <atomic>
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "fib/config.hpp"
#include "fib/errors.hpp"
#include "fib/log.hpp"
#include "fib/redis.hpp"
#include "fib/stop_signals.hpp"
#include "fib/version.hpp"
#include "fib/worker/consumer.hpp"
#include "fib/worker/dead_letters.hpp"
#include "fib/worker/event_relay.hpp"

int main(int argc, char **argv)
{
    try {
        CLI::App app{"fib-worker: computes Fibonacci jobs from the Redis stream (configured by "
                     "environment variables; "
                     "see README)"};
        app.set_version_flag("--version", std::string("fib-worker ") + fib::kVersion);
        bool retryDead = false;
        app.add_flag(
            "--retry-dead", retryDead,
            "Queue every dead-lettered job again (its index leaves the failed state), then exit");
        CLI11_PARSE(app, argc, argv);

        const auto config = fib::Config::fromEnvironment();
        fib::redis::checkLogin(config);
        if (retryDead)
            return fib::worker::retryDeadLettersCommand(config);
        std::atomic<bool> stopping{false};
        fib::StopSignals signals; // before any thread starts: they inherit the blocked signals
        signals.start([&](int signal) {
            fib::log::info("stopping after the current job", {{"signal", signal}});
            stopping.store(true);
        });
        fib::log::info("starting", {{"consumer", config.workerName},
                                    {"max_index", config.maxIndex},
                                    {"claim_idle_ms", config.claimIdle.count()},
                                    {"version", fib::kVersion}});
        std::unique_ptr<fib::worker::EventRelay> relay;
        if (config.eventsPublish) {
            relay = std::make_unique<fib::worker::EventRelay>(config);
            relay->start();
        }
        fib::worker::Consumer consumer(config, stopping);
        consumer.run();
        if (relay)
            relay->stop();
        return 0;
    } catch (const fib::ConfigError &e) {
        std::fprintf(stderr, "fib-worker: %s\n", e.what());
        return 2;
    } catch (const std::exception &e) {
        // Whatever escaped the program's own handling ends it with a log line, not a terminate().
        std::fprintf(stderr, "fib-worker: stopped by an unexpected error: %s\n", e.what());
        return 1;
    }
}
