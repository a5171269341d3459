#include "fib/server/group_commit.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace fib::server {

bool GroupCommit::record(Index index)
{
    Waiter self;
    self.index = index;
    std::unique_lock lock(m_mutex);
    m_queue.push_back(&self);
    while (!self.done) {
        if (m_writing) {
            m_changed.wait(lock);
            continue;
        }
        // Lead: take the oldest queued callers, up to the batch limit (this one among them, or in a
        // later batch when more than the limit wait).
        std::vector<Waiter *> batch;
        try {
            const auto count = static_cast<std::ptrdiff_t>(std::min(m_queue.size(), m_maxBatch));
            batch.assign(m_queue.begin(), m_queue.begin() + count);
            m_queue.erase(m_queue.begin(), m_queue.begin() + count);
        } catch (...) {
            // Out of memory: this caller leaves the queue and fails; the others carry on.
            m_queue.erase(std::remove(m_queue.begin(), m_queue.end(), &self), m_queue.end());
            throw;
        }
        m_writing = true;
        lock.unlock();

        std::vector<bool> inserted;
        std::exception_ptr error;
        try {
            std::vector<Index> indexes;
            indexes.reserve(batch.size());
            std::transform(batch.begin(), batch.end(), std::back_inserter(indexes),
                           [](const Waiter *w) { return w->index; });
            inserted = m_writer(indexes);
            if (inserted.size() != indexes.size())
                throw std::logic_error(
                    "group commit: the writer answered for a different number of indexes");
        } catch (...) {
            error = std::current_exception();
        }

        lock.lock();
        for (std::size_t i = 0; i < batch.size(); ++i) {
            batch[i]->done = true;
            batch[i]->error = error;
            batch[i]->inserted = !error && inserted[i];
        }
        m_writing = false;
        m_changed.notify_all();
    }
    if (self.error)
        std::rethrow_exception(self.error);
    return self.inserted;
}

} // namespace fib::server
