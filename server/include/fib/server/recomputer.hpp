#pragma once
// Reads of a value whose full digits were dropped from the value cache (fib/digit_cache.hpp)
// recompute them here, in fib-server, rather than through the worker: a read then never waits
// behind the queue, and GMP takes milliseconds even for F(10^6). The work is bounded: at most
// `concurrency` computations at once, each index computed once however many readers ask for it
// meanwhile, and a reader that cannot get a turn within `wait` gets an UnavailableError (503).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>

#include "fib/index.hpp"

namespace fib::server {

class Recomputer {
public:
    using Compute = std::function<std::string(Index)>;
    // Called once with each recomputed value, to cache it again; what it throws is ignored.
    using Store = std::function<void(Index, const std::string &)>;

    Recomputer(std::size_t concurrency, std::chrono::milliseconds wait, Compute compute);

    // The digits of F(index), stored again by `store` on the thread that computed them.
    std::string digitsOf(Index index, const Store &store);

    // Computations done (not the readers that shared them).
    unsigned long long computations() const;
    // Readers of `index`'s computation in progress, its leader included; 0 when none runs.
    std::size_t readersOf(Index index) const;

private:
    bool takeTurn();
    void endTurn();

    const std::size_t m_concurrency;
    const std::chrono::milliseconds m_wait;
    const Compute m_compute;
    mutable std::mutex m_mutex;
    std::condition_variable m_turnFree;
    std::size_t m_running = 0;
    unsigned long long m_computations = 0;
    struct InFlight {
        std::shared_future<std::string> result;
        std::size_t readers = 0;
    };
    std::map<Index, InFlight> m_inFlight;
};

} // namespace fib::server
