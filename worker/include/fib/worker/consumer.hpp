#pragma once
// The stream consumer (docs/design.md, "Queue guarantees"): at-least-once delivery through the
// consumer group, an idempotent handler, result and acknowledgement in one MULTI, claiming of
// entries left idle by dead consumers, dead-lettering of poison, reconnection with backoff.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "fib/config.hpp"
#include "fib/redis.hpp"
#include "fib/worker/processor.hpp"
#include "fib/worker/reconciler.hpp"

namespace fib::worker {

struct Entry {
    std::string id;
    Fields fields;
};

class Consumer {
public:
    Consumer(Config config, const std::atomic<bool> &stopping);
    // Runs until `stopping` is set; the job in hand is finished first.
    void run();

private:
    void connect();
    void createGroup();
    void drainOwnPending();
    void claimIdle();
    void reconcileIfDue();
    std::vector<Entry> read(const char *startId, int count, bool block);
    // A job read from the stream, validated, with its result once computed.
    struct Job {
        std::string id;
        Index index = 0;
        std::string indexString;
        std::string requestId;
        bool known = false; // Redis already has its value: only acknowledged
        Result result;
        double seconds = 0;
    };
    // Dead-letters the poison among `entries`, computes the rest, commits the results in batches.
    void handle(const std::vector<Entry> &entries);
    // handle() for entries delivered before: those on their attempt past FIB_MAX_DELIVERIES
    // (attempts[i] counts this one) are dead-lettered instead.
    void handleRedelivered(const std::vector<Entry> &entries,
                           const std::vector<long long> &attempts);
    // Stores jobs[begin, end)'s results and acknowledges them, in one MULTI.
    void commit(const std::vector<Job> &jobs, std::size_t begin, std::size_t end);
    void deadLetter(const Entry &entry, const std::string &reason);
    void sleepFor(std::chrono::milliseconds duration) const;

    Config m_config;
    const std::atomic<bool> &m_stopping;
    std::unique_ptr<redis::Connection> m_redis;
    Reconciler m_reconciler;
    std::chrono::steady_clock::time_point m_nextClaim{};
    std::chrono::steady_clock::time_point m_nextReconcile{};
};

} // namespace fib::worker
