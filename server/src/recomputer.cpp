#include "fib/server/recomputer.hpp"

#include "fib/errors.hpp"
#include "fib/log.hpp"

namespace fib::server {

Recomputer::Recomputer(std::size_t concurrency, std::chrono::milliseconds wait, Compute compute)
    : m_concurrency(concurrency == 0 ? 1 : concurrency),
      m_wait(wait),
      m_compute(std::move(compute))
{
}

bool Recomputer::takeTurn()
{
    std::unique_lock lock(m_mutex);
    if (!m_turnFree.wait_for(lock, m_wait, [this] { return m_running < m_concurrency; }))
        return false;
    ++m_running;
    return true;
}

void Recomputer::endTurn()
{
    {
        const std::lock_guard lock(m_mutex);
        --m_running;
    }
    m_turnFree.notify_one();
}

std::string Recomputer::digitsOf(Index index, const Store &store)
{
    std::promise<std::string> promise;
    std::shared_future<std::string> result;
    bool leader = false;
    {
        const std::lock_guard lock(m_mutex);
        auto [it, added] = m_inFlight.try_emplace(index);
        if (added)
            it->second.result = promise.get_future().share();
        ++it->second.readers;
        result = it->second.result;
        leader = added;
    }
    if (!leader)
        return result.get(); // another reader computes it; its failure is ours too

    const auto finish = [&] {
        const std::lock_guard lock(m_mutex);
        m_inFlight.erase(index);
    };
    if (!takeTurn()) {
        finish();
        promise.set_exception(std::make_exception_ptr(UnavailableError(
            "Server busy", "too many values are being recomputed at once; retry shortly")));
        return result.get();
    }
    std::string digits;
    try {
        digits = m_compute(index);
    } catch (...) {
        endTurn();
        finish();
        promise.set_exception(std::current_exception());
        throw;
    }
    endTurn();
    {
        const std::lock_guard lock(m_mutex);
        ++m_computations;
    }
    try {
        store(index, digits);
    } catch (const std::exception &e) {
        // The reader still gets the value; the next read computes it again.
        log::warn("recomputed value not cached", {{"index", index}, {"error", e.what()}});
    }
    finish();
    promise.set_value(digits);
    return digits;
}

unsigned long long Recomputer::computations() const
{
    const std::lock_guard lock(m_mutex);
    return m_computations;
}

std::size_t Recomputer::readersOf(Index index) const
{
    const std::lock_guard lock(m_mutex);
    const auto it = m_inFlight.find(index);
    return it == m_inFlight.end() ? 0 : it->second.readers;
}

} // namespace fib::server
