#pragma once
// What the HTTP handlers need from storage, behind one small interface so the routes can be
// tested without services. LiveBackend is the real one: a bounded pool of PostgreSQL
// connections shared by the server threads, and one Redis connection per thread.

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fib/config.hpp"
#include "fib/index.hpp"
#include "fib/jobs.hpp"
#include "fib/pg_store.hpp"
#include "fib/server/group_commit.hpp"
#include "fib/server/metrics.hpp"
#include "fib/server/pool.hpp"
#include "fib/server/recomputer.hpp"

namespace fib::server {

struct ValueRead {
    std::optional<std::string> text;
    bool recomputed = false; // the digits were not cached: computed for this read
};

class Backend {
public:
    virtual ~Backend() = default;
    // PostgreSQL, the durable record.
    virtual bool recordSubmission(Index index) = 0;
    virtual std::vector<Index> indexes(std::optional<Index> after, std::size_t limit) = 0;
    virtual bool isSubmitted(Index index) = 0;
    // Redis: the queue and the values.
    // `listed`: PostgreSQL has just recorded the index for the first time (every server's cached
    // lists must drop, even when no job is queued).
    virtual jobs::SubmitOutcome enqueue(Index index, std::string_view requestId, bool listed) = 0;
    // The brief value (digits or summary) of each index; nullopt where Redis has none.
    virtual std::vector<std::optional<std::string>> briefs(const std::vector<Index> &indexes) = 0;
    // The full value (recomputed if the value cache had dropped its digits), the pending or the
    // failed text, or nullopt.
    virtual ValueRead value(Index index) = 0;
    // Throws UnavailableError naming what is down.
    virtual void checkReady() = 0;
    virtual QueueStats queueStats() = 0;
};

class LiveBackend final : public Backend {
public:
    explicit LiveBackend(Config config);
    // Creates or upgrades the schema; call once before serving.
    void prepare();

    bool recordSubmission(Index index) override;
    std::vector<Index> indexes(std::optional<Index> after, std::size_t limit) override;
    bool isSubmitted(Index index) override;
    jobs::SubmitOutcome enqueue(Index index, std::string_view requestId, bool listed) override;
    std::vector<std::optional<std::string>> briefs(const std::vector<Index> &indexes) override;
    ValueRead value(Index index) override;
    void checkReady() override;
    QueueStats queueStats() override;

    // PostgreSQL sessions per server process, whatever the thread count.
    static constexpr std::size_t kPgConnections = 16;
    // Submissions written in one statement at most.
    static constexpr std::size_t kMaxSubmissionBatch = 256;
    // How long a read waits for a turn to recompute dropped digits before its 503.
    static constexpr std::chrono::milliseconds kRecomputeWait{2000};

private:
    template <typename F>
    auto withPg(F &&body);
    // GroupCommit's writer: each submission counted once, also when a commit's reply is lost.
    std::vector<bool> writeSubmissions(const std::vector<Index> &indexes);
    static constexpr int kInDoubtChecks = 100;
    static constexpr std::chrono::milliseconds kInDoubtPause{20};

    Config m_config;
    std::atomic<bool> m_schemaReady{false};
    std::mutex m_schemaMutex;
    Pool<PgStore> m_pg;
    // Concurrent submissions share one statement and one commit (see GroupCommit).
    GroupCommit m_submissions;
    Recomputer m_recomputer;
};

// `fib-server --migrate`: creates or upgrades the schema and grants role fib_app its privileges,
// as the role the environment names (the schema's owner). Logs what it did; 0 on success.
int migrateSchema(const Config &config);

} // namespace fib::server
