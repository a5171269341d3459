#pragma once
// The threads that serve fib-server's connections. cpp-httplib gives every accepted connection
// one thread for its whole life, idle keep-alive waits included, so the pool must reach as many
// threads as nginx keeps connections open (FIB_SERVER_THREADS, 64 by default). A fixed pool
// holds all of them between bursts, and each keeps its stack, glibc's per-thread malloc cache
// (up to ~230 KB that malloc_trim cannot return) and its own Redis connection (backend.cpp). This
// pool starts a thread when a job finds none idle, up to the maximum (later jobs wait in order),
// and a thread that has waited `idleExit` for work ends, down to `keep` threads; ending gives
// back all three.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace fib::server {

class ElasticThreadPool {
public:
    ElasticThreadPool(std::size_t maxThreads, std::size_t keep, std::chrono::milliseconds idleExit);
    ~ElasticThreadPool();
    ElasticThreadPool(const ElasticThreadPool &) = delete;
    ElasticThreadPool &operator=(const ElasticThreadPool &) = delete;

    // Runs `job` on a pool thread: an idle one, a new one while fewer than the maximum run, or
    // the first that frees up (if no thread can be started and none runs, on the caller's).
    // After shutdown() the job is dropped (false).
    bool enqueue(std::function<void()> job);
    // Runs every job already queued, then joins the threads. Idempotent.
    void shutdown();

    std::size_t threads() const;   // running now
    std::size_t queued() const;    // jobs waiting for a thread
    std::uint64_t started() const; // threads started since construction
    std::uint64_t retired() const; // threads ended for being idle

private:
    void run();

    const std::size_t m_max;
    const std::size_t m_keep;
    const std::chrono::milliseconds m_idleExit;
    mutable std::mutex m_mutex;
    std::condition_variable m_work;
    std::deque<std::function<void()>> m_jobs;
    std::list<std::thread> m_running;    // handles of the threads that run
    std::vector<std::thread> m_finished; // of those that retired, to be joined
    std::size_t m_idle = 0;
    std::uint64_t m_started = 0;
    std::uint64_t m_retired = 0;
    bool m_stopping = false;
};

} // namespace fib::server
