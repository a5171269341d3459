#pragma once
// A bounded pool of connections shared by the HTTP threads, so the number of PostgreSQL
// sessions does not grow with the thread count. A connection that reports broken() is dropped
// when it comes back, and the next acquire() makes a new one.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "fib/errors.hpp"

namespace fib::server {

template <typename T>
class Pool {
public:
    using Factory = std::function<std::unique_ptr<T>()>;

    class Lease {
    public:
        Lease(Pool &pool, std::unique_ptr<T> item) : m_pool(&pool), m_item(std::move(item)) {}
        Lease(Lease &&other) noexcept = default;
        Lease &operator=(Lease &&) = delete;
        Lease(const Lease &) = delete;
        ~Lease()
        {
            if (m_item)
                m_pool->release(std::move(m_item));
        }
        T &operator*() const { return *m_item; }
        T *operator->() const { return m_item.get(); }

    private:
        Pool *m_pool;
        std::unique_ptr<T> m_item;
    };

    Pool(std::size_t capacity, Factory factory, std::chrono::milliseconds wait)
        : m_capacity(capacity),
          m_factory(std::move(factory)),
          m_wait(wait)
    {
    }

    // Waits up to `wait` for a free connection; throws UnavailableError when none comes, or when
    // a new connection cannot be made.
    Lease acquire()
    {
        std::unique_lock lock(m_mutex);
        if (!m_ready.wait_for(lock, m_wait,
                              [&] { return !m_idle.empty() || m_created < m_capacity; }))
            throw UnavailableError("Busy",
                                   "every database connection stayed busy; try again shortly");
        if (!m_idle.empty()) {
            auto item = std::move(m_idle.back());
            m_idle.pop_back();
            return Lease(*this, std::move(item));
        }
        ++m_created;
        lock.unlock();
        try {
            return Lease(*this, m_factory());
        } catch (...) {
            lock.lock();
            --m_created;
            m_ready.notify_one();
            throw;
        }
    }

    std::size_t created() const
    {
        const std::lock_guard lock(m_mutex);
        return m_created;
    }

private:
    void release(std::unique_ptr<T> item)
    {
        {
            const std::lock_guard lock(m_mutex);
            if (item->broken())
                --m_created;
            else
                m_idle.push_back(std::move(item));
        }
        m_ready.notify_one();
    }

    const std::size_t m_capacity;
    Factory m_factory;
    const std::chrono::milliseconds m_wait;
    mutable std::mutex m_mutex;
    std::condition_variable m_ready;
    std::vector<std::unique_ptr<T>> m_idle;
    std::size_t m_created = 0;
};

} // namespace fib::server
