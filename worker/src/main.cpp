// fib-worker: computes the jobs of the Redis stream. A thin main; the work is in fib_worker.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include <CLI/CLI.hpp>

#include "fib/config.hpp"
#include "fib/errors.hpp"
#include "fib/log.hpp"
#include "fib/version.hpp"
#include "fib/worker/consumer.hpp"

int main(int argc, char **argv)
{
    CLI::App app{"fib-worker: computes Fibonacci jobs from the Redis stream (configured by environment variables; "
                 "see README)"};
    app.set_version_flag("--version", std::string("fib-worker ") + fib::kVersion);
    CLI11_PARSE(app, argc, argv);

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGUSR1); // sent by main itself to end the waiter
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    try {
        const auto config = fib::Config::fromEnvironment();
        std::atomic<bool> stopping{false};
        std::thread signalWaiter([&] {
            int received = 0;
            sigwait(&signals, &received);
            if (received != SIGUSR1)
                fib::log::info("stopping after the current job", {{"signal", received}});
            stopping.store(true);
        });
        fib::log::info("starting", {{"consumer", config.workerName}, {"max_index", config.maxIndex},
                                    {"claim_idle_ms", config.claimIdle.count()}, {"version", fib::kVersion}});
        fib::worker::Consumer consumer(config, stopping);
        consumer.run();
        pthread_kill(signalWaiter.native_handle(), SIGUSR1);
        signalWaiter.join();
        return 0;
    } catch (const fib::ConfigError &e) {
        std::fprintf(stderr, "fib-worker: %s\n", e.what());
        return 2;
    }
}
