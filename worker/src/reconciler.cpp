#include "fib/worker/reconciler.hpp"

#include "fib/jobs.hpp"
#include "fib/keys.hpp"
#include "fib/log.hpp"

namespace fib::worker {
namespace {
constexpr std::size_t kBatch = 500;
}

Reconciler::Reconciler(Config config) : m_config(std::move(config))
{
}

std::size_t Reconciler::run(redis::Connection &redis)
{
    if (m_pg && m_pg->broken())
        m_pg.reset();
    if (!m_pg) {
        auto store = std::make_unique<PgStore>(m_config.postgresConninfo());
        // The worker may start before any server: the same locked migration makes the table.
        store->migrate();
        m_pg = std::move(store);
    }

    std::size_t queued = 0, checked = 0;
    std::optional<Index> after;
    for (;;) {
        const auto rows = m_pg->indexes(after, kBatch);
        if (rows.empty())
            break;
        after = rows.back();
        checked += rows.size();
        const auto briefs = jobs::briefs(redis, rows);
        // After the HMGET, not before: an index seen pending then has its job entry on the stream
        // until the value is stored (XADD with the mark, XDEL with the value), so an empty stream
        // now means the job is lost. Read first, a job the server queued meanwhile would be queued
        // twice, and two workers could compute it at once. (Once this run has queued something,
        // the stream is not empty: further stuck indexes wait for the next run.)
        const bool streamEmpty = redis::integer(*redis.checked({"XLEN", keys::kJobsStream})) == 0;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto &brief = briefs[i];
            const bool lost = !brief;
            const bool stuck = brief && !jobs::isSettled(brief) && streamEmpty;
            if (!lost && !stuck)
                continue;
            if (jobs::submit(redis, rows[i], "reconciler",
                             stuck ? jobs::Requeue::Pending : jobs::Requeue::None) ==
                jobs::SubmitOutcome::Queued)
                ++queued;
        }
        if (rows.size() < kBatch)
            break;
    }
    if (queued > 0) {
        redis.checked(
            {"HINCRBY", keys::kWorkerStatsHash, keys::kStatReconciled, std::to_string(queued)});
        log::info("reconciled", {{"queued", queued}, {"checked", checked}});
    } else {
        log::info("reconciler found nothing to queue", {{"checked", checked}});
    }
    return queued;
}

} // namespace fib::worker
