// The job queue's promises (docs/design.md, "Queue guarantees"), each proved on real Redis and
// PostgreSQL with real fib-worker processes: no job lost, none computed twice, poison
// dead-lettered, Redis rebuilt from PostgreSQL.
#include <QtTest>

#include <nlohmann/json.hpp>

#include "fib/errors.hpp"
#include "fib/fibonacci.hpp"
#include "fib/jobs.hpp"
#include "fib/keys.hpp"
#include "fib/models.hpp"
#include "stack.hpp"

using fib::test::postIndex;
using fib::test::Worker;
using nlohmann::json;

namespace {

const QHash<QString, QString> kQuickClaim{
    {QStringLiteral("FIB_CLAIM_IDLE_MS"), QStringLiteral("500")}};

} // namespace

class QueueTest : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<fib::test::Stack> m_stack;
    std::unique_ptr<httplib::Client> m_nginx;
    std::unique_ptr<fib::redis::Connection> m_redis;

    std::optional<std::string> brief(fib::Index index)
    {
        return fib::redis::optionalText(
            *m_redis->checked({"HGET", fib::keys::kBriefHash, fib::indexText(index)}));
    }
    bool isDone(fib::Index index)
    {
        const auto value = brief(index);
        return value && *value != fib::keys::kPendingValue;
    }
    long long stat(const char *name) { return m_stack->workerStat(name); }
    long long pendingCount()
    {
        const auto summary =
            m_redis->command({"XPENDING", fib::keys::kJobsStream, fib::keys::kWorkersGroup});
        if (fib::redis::isError(*summary)) // NOGROUP: no worker has created the group yet
            return 0;
        return fib::redis::integer(fib::redis::element(*summary, 0));
    }
    long long length(std::string_view stream)
    {
        return fib::redis::integer(*m_redis->checked({"XLEN", stream}));
    }
    // The full value of every index from first to first+count-1 is right.
    void verifyValues(fib::Index first, fib::Index count)
    {
        QCOMPARE(fib::test::wrongValues(*m_redis, first, count), std::vector<fib::Index>{});
    }

    // Delivers the job entry for `index` to consumer `name` `times` times without acknowledging
    // it, as a worker of that name that died `times` times in the middle of it would have.
    void deliverWithoutAck(fib::Index index, const char *name, int times)
    {
        m_redis->checked({"XGROUP", "CREATE", fib::keys::kJobsStream, fib::keys::kWorkersGroup, "0",
                          "MKSTREAM"});
        QCOMPARE(fib::jobs::submit(*m_redis, index, "test"), fib::jobs::SubmitOutcome::Queued);
        for (int i = 0; i < times; ++i)
            m_redis->checked({"XREADGROUP", "GROUP", fib::keys::kWorkersGroup, name, "COUNT", "10",
                              "STREAMS", fib::keys::kJobsStream, i == 0 ? ">" : "0"});
        QCOMPARE(pendingCount(), 1LL);
        QCOMPARE(firstDeliveries(), static_cast<long long>(times));
    }

    // How many times the oldest pending job entry was delivered; 0 when none is pending.
    long long firstDeliveries()
    {
        const auto rows = m_redis->command(
            {"XPENDING", fib::keys::kJobsStream, fib::keys::kWorkersGroup, "-", "+", "1"});
        if (fib::redis::isError(*rows) || fib::redis::size(*rows) == 0) // NOGROUP: not read yet
            return 0;
        return fib::redis::integer(
            fib::redis::element(fib::redis::element(*rows, 0), 3)); // [id, consumer, idle, n]
    }

    bool isFailed(fib::Index index)
    {
        const auto value = brief(index);
        return value && fib::jobs::failureReason(*value).has_value();
    }

private slots:
    void initTestCase()
    {
        m_stack = std::make_unique<fib::test::Stack>();
        m_nginx = m_stack->nginx();
    }

    void init()
    {
        QVERIFY(m_stack->reset());
        m_redis = m_stack->redis();
    }

    void jobsPostedWithoutAWorkerAreComputedWhenOneStarts()
    {
        for (int i = 40; i < 45; ++i)
            QCOMPARE(postIndex(*m_nginx, "{\"index\": " + std::to_string(i) + "}")->status, 200);
        QCOMPARE(length(fib::keys::kJobsStream), 5LL);
        for (fib::Index i = 40; i < 45; ++i)
            QCOMPARE(*brief(i), std::string(fib::keys::kPendingValue));

        Worker worker(*m_stack, QStringLiteral("late"));
        QTRY_VERIFY_WITH_TIMEOUT(isDone(40) && isDone(41) && isDone(42) && isDone(43) && isDone(44),
                                 15000);
        verifyValues(40, 5);
        QCOMPARE(stat(fib::keys::kStatComputed), 5LL);
        QTRY_COMPARE_WITH_TIMEOUT(length(fib::keys::kJobsStream), 0LL, 5000);
        QVERIFY(worker.terminate());
    }

    void aKilledWorkersJobIsFinishedByAnother()
    {
        // A job big enough (about a second of GMP) to kill its worker in the middle of it.
        const fib::Index big = 50'000'000;
        const QHash<QString, QString> env{
            {QStringLiteral("FIB_MAX_INDEX"), QStringLiteral("50000000")},
            {QStringLiteral("FIB_CLAIM_IDLE_MS"), QStringLiteral("500")}};
        m_stack->sql("INSERT INTO \"values\" (number) VALUES (50000000)");
        QCOMPARE(fib::jobs::submit(*m_redis, big, "test"), fib::jobs::SubmitOutcome::Queued);

        auto first = std::make_unique<Worker>(*m_stack, QStringLiteral("doomed"), env);
        QTRY_COMPARE_WITH_TIMEOUT(pendingCount(), 1LL, 10000);
        first->kill();
        QVERIFY2(!isDone(big),
                 "the first worker finished before it was killed: make the job bigger");
        QCOMPARE(pendingCount(), 1LL);

        Worker second(*m_stack, QStringLiteral("rescuer"), env);
        QTRY_VERIFY_WITH_TIMEOUT(isDone(big), 60000);
        QCOMPARE(*brief(big), fib::briefValue(fib::fibonacciDecimal(big)));
        QCOMPARE(pendingCount(), 0LL);
        QCOMPARE(stat(fib::keys::kStatClaimed), 1LL);
        QCOMPARE(stat(fib::keys::kStatComputed), 1LL);
        QCOMPARE(m_stack->sql("SELECT count(*) FROM \"values\""), std::string("1"));
        QVERIFY(second.log().contains(QStringLiteral("\"from\":\"doomed\"")));
        QVERIFY(second.terminate());
    }

    void twoWorkersComputeEachJobOnce()
    {
        Worker a(*m_stack, QStringLiteral("a"), kQuickClaim);
        Worker b(*m_stack, QStringLiteral("b"), kQuickClaim);
        for (const auto *worker : {&a, &b})
            QVERIFY(worker->waitUntilConnected());
        const int jobs = 300;
        for (int i = 0; i < jobs; ++i)
            QCOMPARE(postIndex(*m_nginx, "{\"index\": " + std::to_string(1000 + i) + "}")->status,
                     200);
        QTRY_COMPARE_WITH_TIMEOUT(stat(fib::keys::kStatComputed), static_cast<long long>(jobs),
                                  30000);
        QTRY_COMPARE_WITH_TIMEOUT(length(fib::keys::kJobsStream), 0LL, 5000);
        verifyValues(1000, jobs);
        // Give a duplicate computation the time to show up, then count again.
        QTest::qWait(1000);
        QCOMPARE(stat(fib::keys::kStatComputed), static_cast<long long>(jobs));
        QCOMPARE(pendingCount(), 0LL);
        // They shared the work.
        QVERIFY(a.log().count(QStringLiteral("\"msg\":\"computed\"")) > 0);
        QVERIFY(b.log().count(QStringLiteral("\"msg\":\"computed\"")) > 0);
        QVERIFY(a.terminate());
        QVERIFY(b.terminate());
    }

    // The pipelined form (the bench's feeder) answers like submit(), index by index, in order.
    void submitManyAnswersLikeSubmitInOrder()
    {
        m_redis->checked({"HSET", fib::keys::kBriefHash, "5", "5"});
        m_redis->checked({"HSET", fib::keys::kValuesHash, "5", "5"});
        using fib::jobs::SubmitOutcome;
        const auto outcomes = fib::jobs::submitMany(*m_redis, {3, 4, 3, 5}, "test");
        QCOMPARE(outcomes,
                 (std::vector<SubmitOutcome>{SubmitOutcome::Queued, SubmitOutcome::Queued,
                                             SubmitOutcome::Pending, SubmitOutcome::Done}));
        QCOMPARE(fib::redis::integer(*m_redis->checked({"XLEN", fib::keys::kJobsStream})), 2LL);
        QCOMPARE(*brief(3), std::string(fib::keys::kPendingValue));
        QCOMPARE(fib::jobs::submitMany(*m_redis, {}, "test").size(), std::size_t{0});
    }

    void aDuplicateDeliveryChangesNothing()
    {
        Worker worker(*m_stack, QStringLiteral("dup"));
        QCOMPARE(postIndex(*m_nginx, R"({"index": 77})")->status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(isDone(77), 10000);
        // The same job delivered again, as at-least-once delivery allows.
        m_redis->checked({"XADD", fib::keys::kJobsStream, "*", "index", "77", "req", "duplicate"});
        QTRY_COMPARE_WITH_TIMEOUT(length(fib::keys::kJobsStream), 0LL, 10000);
        QCOMPARE(stat(fib::keys::kStatComputed), 1LL);
        verifyValues(77, 1);
        QCOMPARE(m_stack->sql("SELECT count(*) FROM \"values\""), std::string("1"));
        QVERIFY(worker.terminate());
    }

    void oneBatchWithDuplicatesAndPoisonIsHandledEntryByEntry()
    {
        // The worker reads entries in batches and commits their results together: duplicates in
        // one batch are computed once, poison among them is dead-lettered, the rest all stored.
        m_redis->checked({"XGROUP", "CREATE", fib::keys::kJobsStream, fib::keys::kWorkersGroup, "0",
                          "MKSTREAM"});
        for (const char *index : {"55", "56", "55", "not a number", "57", "55"})
            m_redis->checked({"XADD", fib::keys::kJobsStream, "*", "index", index});
        Worker worker(*m_stack, QStringLiteral("batch"));
        QTRY_COMPARE_WITH_TIMEOUT(length(fib::keys::kJobsStream), 0LL, 10000);
        QCOMPARE(pendingCount(), 0LL);
        QCOMPARE(stat(fib::keys::kStatComputed), 3LL);
        QCOMPARE(stat(fib::keys::kStatDeadLettered), 1LL);
        long long histogram = 0;
        for (std::size_t b = 0; b <= fib::keys::kDurationBuckets.size(); ++b)
            histogram += stat(fib::keys::durationBucketField(b).c_str());
        QCOMPARE(histogram, 3LL);
        verifyValues(55, 3);
        QVERIFY(worker.terminate());
        QCOMPARE(worker.log().count(QLatin1String("\"msg\":\"computed\"")), 3);
    }

    void poisonEntriesAreDeadLetteredAndTheWorkerStaysUp()
    {
        Worker worker(*m_stack, QStringLiteral("poisoned"));
        m_redis->checked({"XGROUP", "CREATE", fib::keys::kJobsStream, fib::keys::kWorkersGroup, "0",
                          "MKSTREAM"});
        m_redis->checked({"XADD", fib::keys::kJobsStream, "*", "index", "abc"});
        m_redis->checked({"XADD", fib::keys::kJobsStream, "*", "index", "-1"});
        m_redis->checked({"XADD", fib::keys::kJobsStream, "*", "index", std::string(5000, '9')});
        m_redis->checked({"XADD", fib::keys::kJobsStream, "*", "something", "else"});
        QCOMPARE(postIndex(*m_nginx, R"({"index": 12})")->status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(isDone(12), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(length(fib::keys::kDeadStream), 4LL, 10000);
        QCOMPARE(length(fib::keys::kJobsStream), 0LL);
        QCOMPARE(pendingCount(), 0LL);
        QCOMPARE(stat(fib::keys::kStatDeadLettered), 4LL);
        QCOMPARE(*brief(12), std::string("144"));
        QVERIFY(worker.running());
        // The dead letter says what was wrong and keeps the original fields.
        const auto dead =
            m_redis->checked({"XRANGE", fib::keys::kDeadStream, "-", "+", "COUNT", "1"});
        const auto &fields = fib::redis::element(fib::redis::element(*dead, 0), 1);
        QStringList flat;
        for (std::size_t i = 0; i < fib::redis::size(fields); ++i)
            flat << QString::fromStdString(
                std::string(fib::redis::text(fib::redis::element(fields, i))));
        QVERIFY(flat.contains(QStringLiteral("reason")));
        QVERIFY(flat.contains(QStringLiteral("abc")));
        QVERIFY(worker.terminate());
    }

    void ownPendingEntriesPastTheDeliveryLimitAreDeadLettered()
    {
        // A worker restarted under its fixed name re-reads its own pending entries first; each
        // such read is a delivery too, and the limit holds for them as for claimed ones.
        m_stack->sql("INSERT INTO \"values\" (number) VALUES (77), (78)");
        deliverWithoutAck(77, "fixed-name", 3);
        const QHash<QString, QString> env{
            {QStringLiteral("FIB_MAX_DELIVERIES"), QStringLiteral("3")},
            {QStringLiteral("FIB_RECONCILE_SECONDS"), QStringLiteral("1")}};
        Worker worker(*m_stack, QStringLiteral("fixed-name"), env);
        QTRY_VERIFY_WITH_TIMEOUT(isFailed(77), 15000);
        const std::string failed = "Failed: delivered 3 times without completing";
        QCOMPARE(*brief(77), failed);
        QCOMPARE(stat(fib::keys::kStatDeadLettered), 1LL);
        QCOMPARE(length(fib::keys::kDeadStream), 1LL);

        // Users see the failure: the value's own page says so, the list shows it as a text the
        // original's page displays, and /metrics counts it.
        const auto record = m_nginx->Get("/api/values/77");
        QVERIFY(record);
        QCOMPARE(record->status, 200);
        QCOMPARE(
            json::parse(record->body),
            json::parse(
                R"({"index":77,"status":"failed","error":"delivered 3 times without completing"})"));
        QTRY_VERIFY_WITH_TIMEOUT(
            json::parse(m_nginx->Get("/api/values/current")->body).value("77", "") == failed, 5000);
        QCOMPARE(m_stack->metric("fib_failed_indexes"), 1LL);

        // A new request for it queues nothing, and the reconciler leaves it alone: it repairs
        // index 78, which Redis lost, and 77 stays failed.
        QCOMPARE(postIndex(*m_nginx, R"({"index": 77})")->status, 200);
        const auto jobsFor77 = [this] {
            // (The reconciler may have queued 78 by now: only 77's jobs count.)
            const auto entries = m_redis->checked({"XRANGE", fib::keys::kJobsStream, "-", "+"});
            int found = 0;
            for (std::size_t i = 0; i < fib::redis::size(*entries); ++i) {
                const auto &fields = fib::redis::element(fib::redis::element(*entries, i), 1);
                for (std::size_t f = 0; f + 1 < fib::redis::size(fields); f += 2)
                    found += fib::redis::text(fib::redis::element(fields, f)) ==
                                 fib::keys::kJobIndexField &&
                             fib::redis::text(fib::redis::element(fields, f + 1)) == "77";
            }
            return found;
        };
        QCOMPARE(jobsFor77(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(isDone(78), 15000);
        QVERIFY(isFailed(77));
        QCOMPARE(stat(fib::keys::kStatReconciled), 1LL);
        QCOMPARE(stat(fib::keys::kStatComputed), 1LL); // 78 only
        QTRY_COMPARE_WITH_TIMEOUT(pendingCount(), 0LL, 10000);

        // The operator's retry queues it again, and the worker computes it.
        QString output;
        QCOMPARE(m_stack->runWorker({QStringLiteral("--retry-dead")}, &output), 0);
        QVERIFY2(output.contains(QStringLiteral("1 indexes queued again")), qPrintable(output));
        QTRY_VERIFY_WITH_TIMEOUT(isDone(77) && !isFailed(77), 15000);
        verifyValues(77, 1);
        QCOMPARE(length(fib::keys::kDeadStream), 0LL);
        QCOMPARE(fib::redis::integer(*m_redis->checked({"HLEN", fib::keys::kFailedHash})), 0LL);
        QCOMPARE(json::parse(m_nginx->Get("/api/values/77")->body).at("status").get<std::string>(),
                 std::string("done"));
        QCOMPARE(m_stack->metric("fib_failed_indexes"), 0LL);
        // Nothing left to retry.
        QCOMPARE(m_stack->runWorker({QStringLiteral("--retry-dead")}, &output), 0);
        QVERIFY2(output.contains(QStringLiteral("retried 0 dead-lettered jobs")),
                 qPrintable(output));
        QVERIFY(worker.terminate());
    }

    void claimedEntriesPastTheDeliveryLimitAreDeadLettered()
    {
        // The same limit for entries another consumer left idle.
        deliverWithoutAck(79, "gone", 2);
        const auto changes = m_stack->redis();
        changes->checked({"SUBSCRIBE", fib::keys::kChangedChannel});
        const auto seqBefore = m_redis->checked({"GET", fib::keys::kEventSeq});
        const long long lastSeq = fib::redis::isNil(*seqBefore)
                                      ? 0
                                      : std::stoll(std::string(fib::redis::text(*seqBefore)));
        const QHash<QString, QString> env{
            {QStringLiteral("FIB_MAX_DELIVERIES"), QStringLiteral("2")},
            {QStringLiteral("FIB_CLAIM_IDLE_MS"), QStringLiteral("200")}};
        Worker worker(*m_stack, QStringLiteral("claimer"), env);
        QTRY_VERIFY_WITH_TIMEOUT(isFailed(79), 15000);
        QCOMPARE(*brief(79), std::string("Failed: delivered 2 times without completing"));
        // Live-event clients are told, with the next number (a hole would make them refetch).
        const auto message = changes->receive();
        QCOMPARE(fib::redis::text(fib::redis::element(*message, 0)), std::string_view("message"));
        const auto event = json::parse(fib::redis::text(fib::redis::element(*message, 2)))
                               .get<fib::ComputedEvent>();
        QCOMPARE(event.index, fib::Index{79});
        QCOMPARE(event.value, std::string("Failed: delivered 2 times without completing"));
        QCOMPARE(event.seq, static_cast<std::uint64_t>(lastSeq + 1));
        QCOMPARE(stat(fib::keys::kStatComputed), 0LL);
        QVERIFY(worker.terminate());
    }

    void aJobThatKillsItsWorkerIsDeadLetteredAfterTheLimit()
    {
        // A job that crashes its worker (here: killed in the middle of it) under a fixed name:
        // after FIB_MAX_DELIVERIES attempts it is dead-lettered, not computed on every restart.
        const fib::Index big = 50'000'000;
        const QHash<QString, QString> env{
            {QStringLiteral("FIB_MAX_INDEX"), QStringLiteral("50000000")},
            {QStringLiteral("FIB_MAX_DELIVERIES"), QStringLiteral("2")}};
        m_stack->sql("INSERT INTO \"values\" (number) VALUES (50000000)");
        QCOMPARE(fib::jobs::submit(*m_redis, big, "test"), fib::jobs::SubmitOutcome::Queued);
        for (long long attempt = 1; attempt <= 2; ++attempt) {
            Worker crashing(*m_stack, QStringLiteral("crashing"), env);
            QTRY_COMPARE_WITH_TIMEOUT(firstDeliveries(), attempt, 15000);
            crashing.kill();
            QVERIFY2(!isDone(big), "the worker finished before it was killed: make the job bigger");
        }
        Worker last(*m_stack, QStringLiteral("crashing"), env);
        QTRY_VERIFY_WITH_TIMEOUT(isFailed(big), 15000);
        QCOMPARE(*brief(big), std::string("Failed: delivered 2 times without completing"));
        QCOMPARE(pendingCount(), 0LL);
        QCOMPARE(stat(fib::keys::kStatComputed), 0LL);
        QVERIFY(last.terminate());
    }

    void theReconcilerRestoresValuesAfterRedisLosesThem()
    {
        const QHash<QString, QString> env{
            {QStringLiteral("FIB_RECONCILE_SECONDS"), QStringLiteral("1")}};
        Worker worker(*m_stack, QStringLiteral("reconciler"), env);
        for (int i = 20; i < 23; ++i)
            QCOMPARE(postIndex(*m_nginx, "{\"index\": " + std::to_string(i) + "}")->status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(isDone(20) && isDone(21) && isDone(22), 10000);

        m_redis->checked({"FLUSHALL"}); // Redis lost everything; PostgreSQL still has the indexes.
        QTRY_VERIFY_WITH_TIMEOUT(isDone(20) && isDone(21) && isDone(22), 20000);
        verifyValues(20, 3);
        QVERIFY(worker.log().contains(QStringLiteral("\"msg\":\"reconciled\"")));
        QVERIFY(worker.terminate());
    }

    void theWorkerReconnectsWhenRedisComesBack()
    {
        Worker worker(*m_stack, QStringLiteral("reconnecting"));
        QCOMPARE(postIndex(*m_nginx, R"({"index": 50})")->status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(isDone(50), 10000);

        try {
            m_redis->command({"SHUTDOWN"}); // Redis goes away (AOF is flushed); no reply comes back
        } catch (const fib::UnavailableError &) {
        }
        m_redis.reset();
        const auto during = postIndex(*m_nginx, R"({"index": 51})");
        QVERIFY(during);
        QCOMPARE(during->status, 503);
        QCOMPARE(during->get_header_value("Content-Type"), std::string("application/problem+json"));

        // `scripts/stack up` starts just the missing part, Redis, with its data.
        QVERIFY(m_stack->up());
        m_redis = m_stack->redis();
        QVERIFY(isDone(50)); // survived the restart

        QTRY_COMPARE_WITH_TIMEOUT(postIndex(*m_nginx, R"({"index": 52})")->status, 200, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(isDone(52), 40000); // the same worker, reconnected
        QVERIFY(worker.running());
        QVERIFY(worker.log().contains(QStringLiteral("redis unavailable, retrying")) ||
                worker.log().contains(QStringLiteral("lost redis")));
        QVERIFY(worker.terminate());
    }

    void aStuckPendingIndexIsRequeued()
    {
        // The placeholder is there but its job was lost (the stream is empty).
        m_stack->sql("INSERT INTO \"values\" (number) VALUES (33)");
        m_redis->checked({"HSET", fib::keys::kBriefHash, "33", fib::keys::kPendingValue});
        m_redis->checked({"HSET", fib::keys::kValuesHash, "33", fib::keys::kPendingValue});
        Worker worker(*m_stack, QStringLiteral("stuck"));
        QTRY_VERIFY_WITH_TIMEOUT(isDone(33), 10000);
        verifyValues(33, 1);
        QVERIFY(worker.terminate());
    }

    void sigtermWhileDrainingOwnPendingEntriesStops()
    {
        // Entries delivered to consumer "drainer" and never acknowledged (a worker that died):
        // a worker starting under that name re-reads them first. Stopped in the middle, it must
        // leave the rest pending and exit, not read them again for ever.
        m_redis->checked({"XGROUP", "CREATE", fib::keys::kJobsStream, fib::keys::kWorkersGroup, "0",
                          "MKSTREAM"});
        std::vector<std::string> texts;
        for (int i = 0; i < 200; ++i)
            texts.push_back(std::to_string(900'000 + i)); // ~7 ms each
        for (const auto &t : texts)
            m_redis->checked({"XADD", fib::keys::kJobsStream, "*", fib::keys::kJobIndexField, t});
        m_redis->checked({"XREADGROUP", "GROUP", fib::keys::kWorkersGroup, "drainer", "COUNT",
                          "1000", "STREAMS", fib::keys::kJobsStream, ">"});
        QCOMPARE(pendingCount(), 200LL);
        Worker worker(*m_stack, QStringLiteral("drainer"));
        QTRY_VERIFY_WITH_TIMEOUT(stat(fib::keys::kStatComputed) > 0, 10000);
        QVERIFY(worker.terminate(15000));
        const auto left = pendingCount();
        QVERIFY2(left > 0 && left < 200, qPrintable(QString::number(left)));
        QCOMPARE(stat(fib::keys::kStatComputed) + left, 200LL);
    }

    void sigtermFinishesTheJobInHand()
    {
        const QHash<QString, QString> env{
            {QStringLiteral("FIB_MAX_INDEX"), QStringLiteral("50000000")}};
        m_stack->sql("INSERT INTO \"values\" (number) VALUES (40000000)");
        QCOMPARE(fib::jobs::submit(*m_redis, 40'000'000, "test"), fib::jobs::SubmitOutcome::Queued);
        Worker worker(*m_stack, QStringLiteral("graceful"), env);
        QTRY_COMPARE_WITH_TIMEOUT(pendingCount(), 1LL, 10000);
        QVERIFY(worker.terminate(60000));
        QVERIFY(isDone(40'000'000));
        QCOMPARE(pendingCount(), 0LL);
    }
};

QTEST_GUILESS_MAIN(QueueTest)
#include "queue_test.moc"
