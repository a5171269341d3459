#pragma once
// SIGTERM and SIGINT for the long-running programs: taken by one thread with sigwait, so the
// stop action runs as ordinary code, never inside a signal handler.

#include <functional>
#include <thread>

namespace fib {

class StopSignals {
public:
    // Construct first in main, before any thread starts: threads inherit the blocked signals.
    // Also ignores SIGPIPE (a client that hangs up must not kill the process).
    StopSignals();
    // Joins the waiting thread, waking it if no signal came.
    ~StopSignals();
    StopSignals(const StopSignals &) = delete;
    StopSignals &operator=(const StopSignals &) = delete;

    // Calls onStop(signal) on the waiting thread when the first SIGTERM or SIGINT arrives.
    void start(std::function<void(int)> onStop);

private:
    std::thread m_waiter;
};

} // namespace fib
