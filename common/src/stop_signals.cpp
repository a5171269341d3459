#include "fib/stop_signals.hpp"

#include <csignal>
#include <pthread.h>

namespace fib {
namespace {

// SIGUSR1 only wakes the waiter when the program ends without a stop signal.
sigset_t waitedSignals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    return set;
}

} // namespace

StopSignals::StopSignals()
{
    const sigset_t set = waitedSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

StopSignals::~StopSignals()
{
    if (m_waiter.joinable()) {
        pthread_kill(m_waiter.native_handle(), SIGUSR1);
        m_waiter.join();
    }
}

void StopSignals::start(std::function<void(int)> onStop)
{
    m_waiter = std::thread([onStop = std::move(onStop)] {
        const sigset_t set = waitedSignals();
        int received = 0;
        sigwait(&set, &received);
        if (received != SIGUSR1)
            onStop(received);
    });
}

} // namespace fib
