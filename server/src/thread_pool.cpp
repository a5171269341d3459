#include "fib/server/thread_pool.hpp"

#include <algorithm>
#include <system_error>
#include <utility>

namespace fib::server {

ElasticThreadPool::ElasticThreadPool(std::size_t maxThreads, std::size_t keep,
                                     std::chrono::milliseconds idleExit)
    : m_max(std::max<std::size_t>(1, maxThreads)),
      m_keep(std::min(keep, m_max)),
      m_idleExit(idleExit)
{
}

ElasticThreadPool::~ElasticThreadPool()
{
    shutdown();
}

bool ElasticThreadPool::enqueue(std::function<void()> job)
{
    std::vector<std::thread> finished;
    std::function<void()> runHere;
    {
        const std::lock_guard lock(m_mutex);
        if (m_stopping)
            return false;
        m_jobs.push_back(std::move(job));
        bool started = false;
        if (m_jobs.size() > m_idle && m_running.size() < m_max) {
            try {
                m_running.emplace_back([this] { run(); });
                ++m_started;
                started = true;
            } catch (const std::system_error &) {
                // No thread to be had (a process or memory limit): the threads there are take the
                // job in turn; with none at all, the caller runs it rather than lose it.
                if (m_running.empty()) {
                    runHere = std::move(m_jobs.back());
                    m_jobs.pop_back();
                }
            }
        }
        if (!started)
            m_work.notify_one();
        finished.swap(m_finished);
    }
    if (runHere)
        runHere();
    // A retired thread's handle is joined here, outside the lock: it has left run() already and
    // may still be running its thread_local destructors (closing its Redis connection).
    for (auto &thread : finished)
        thread.join();
    return true;
}

void ElasticThreadPool::run()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        ++m_idle;
        const bool woken =
            m_work.wait_for(lock, m_idleExit, [this] { return m_stopping || !m_jobs.empty(); });
        --m_idle;
        if (!m_jobs.empty()) {
            auto job = std::move(m_jobs.front());
            m_jobs.pop_front();
            lock.unlock();
            job();
            lock.lock();
            continue;
        }
        if (m_stopping)
            return;
        if (!woken && m_running.size() > m_keep) {
            const auto self = std::find_if(m_running.begin(), m_running.end(), [](const auto &t) {
                return t.get_id() == std::this_thread::get_id();
            });
            m_finished.push_back(std::move(*self));
            m_running.erase(self);
            ++m_retired;
            return;
        }
    }
}

void ElasticThreadPool::shutdown()
{
    std::list<std::thread> running;
    std::vector<std::thread> finished;
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
        running.swap(m_running);
        finished.swap(m_finished);
    }
    m_work.notify_all();
    for (auto &thread : running)
        thread.join();
    for (auto &thread : finished)
        thread.join();
}

std::size_t ElasticThreadPool::threads() const
{
    const std::lock_guard lock(m_mutex);
    return m_running.size();
}

std::size_t ElasticThreadPool::queued() const
{
    const std::lock_guard lock(m_mutex);
    return m_jobs.size();
}

std::uint64_t ElasticThreadPool::started() const
{
    const std::lock_guard lock(m_mutex);
    return m_started;
}

std::uint64_t ElasticThreadPool::retired() const
{
    const std::lock_guard lock(m_mutex);
    return m_retired;
}

} // namespace fib::server
