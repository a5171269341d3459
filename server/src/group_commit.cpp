#include "fib/server/group_commit.hpp"

#include <algorithm>
#include <iterator>

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
        // Lead: take what is queued (this caller's index is among it), up to the batch limit.
        m_writing = true;
        const auto count = std::min(m_queue.size(), m_maxBatch);
        std::vector<Waiter *> batch(m_queue.begin(), m_queue.begin() + static_cast<std::ptrdiff_t>(count));
        m_queue.erase(m_queue.begin(), m_queue.begin() + static_cast<std::ptrdiff_t>(count));
        lock.unlock();

        std::vector<Index> indexes;
        indexes.reserve(batch.size());
        std::transform(batch.begin(), batch.end(), std::back_inserter(indexes), [](const Waiter *w) { return w->index; });
        std::vector<bool> inserted;
        std::exception_ptr error;
        try {
            inserted = m_writer(indexes);
            if (inserted.size() != indexes.size())
                throw std::logic_error("group commit: the writer answered for a different number of indexes");
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
