#pragma once
// Group commit for submissions: the threads that record an index at the same moment share one
// PostgreSQL statement and one commit (one WAL flush), instead of a flush each.
//
// The first caller becomes the leader and writes everything queued so far; callers that arrive
// meanwhile wait, and the next of them leads the next batch. Nobody waits for a timer: alone, a
// call is one statement as before; under load, batches grow by themselves. Every caller returns
// only once its own index is committed (or gets the batch's exception).

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

#include "fib/index.hpp"

namespace fib::server {

class GroupCommit {
public:
    // Writes a batch in one transaction; returns, for each index given, whether it was new.
    using Writer = std::function<std::vector<bool>(const std::vector<Index> &)>;

    GroupCommit(Writer writer, std::size_t maxBatch)
        : m_writer(std::move(writer)),
          m_maxBatch(maxBatch)
    {
    }

    // True if the index was not recorded before. Throws what the writer threw for its batch.
    bool record(Index index);

private:
    struct Waiter {
        Index index = 0;
        bool done = false;
        bool inserted = false;
        std::exception_ptr error;
    };

    Writer m_writer;
    std::size_t m_maxBatch;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<Waiter *> m_queue;
    bool m_writing = false;
};

} // namespace fib::server
