#include "fib/worker/dead_letters.hpp"

#include <cstdio>
#include <string>

#include "fib/errors.hpp"
#include "fib/jobs.hpp"
#include "fib/keys.hpp"
#include "fib/log.hpp"
#include "fib/worker/processor.hpp"

namespace fib::worker {
namespace {
constexpr int kBatch = 100;
}

RetryReport retryDeadLetters(redis::Connection &redis, Index maxIndex)
{
    RetryReport report;
    std::string start = "-";
    for (;;) {
        const auto range = redis.checked(
            {"XRANGE", keys::kDeadStream, start, "+", "COUNT", std::to_string(kBatch)});
        const std::size_t count = redis::size(*range);
        for (std::size_t i = 0; i < count; ++i) {
            const auto &item = redis::element(*range, i);
            const std::string id(redis::text(redis::element(item, 0)));
            const auto &list = redis::element(item, 1);
            Fields fields;
            for (std::size_t f = 0; f + 1 < redis::size(list); f += 2)
                fields.emplace_back(std::string(redis::text(redis::element(list, f))),
                                    std::string(redis::text(redis::element(list, f + 1))));
            const auto checked = validateJob(fields, maxIndex);
            start = "(" + id;
            if (const auto *index = std::get_if<Index>(&checked)) {
                // Queued first, then dropped from the dead letters: a retry cut short is finished
                // by the next one (the index is pending by then, so nothing is queued twice).
                const auto outcome =
                    jobs::submit(redis, *index, "retry-dead", jobs::Requeue::Failed);
                if (outcome == jobs::SubmitOutcome::Done)
                    ++report.settled;
                else
                    report.requeued.push_back(*index);
                redis.checked({"XDEL", keys::kDeadStream, id});
                log::info("retried", {{"index", *index},
                                      {"dead_id", id},
                                      {"queued", outcome == jobs::SubmitOutcome::Queued}});
            } else {
                ++report.invalid;
            }
        }
        if (count < static_cast<std::size_t>(kBatch))
            break;
    }
    return report;
}

int retryDeadLettersCommand(const Config &config)
{
    try {
        redis::Connection redis(config, std::chrono::milliseconds(5000));
        const auto report = retryDeadLetters(redis, config.maxIndex);
        std::printf(
            "retried %zu dead-lettered jobs (%zu indexes queued again, %zu computed meanwhile); "
            "%zu entries without a valid index left on %s\n",
            report.requeued.size() + report.settled, report.requeued.size(), report.settled,
            report.invalid, std::string(keys::kDeadStream).c_str());
        return 0;
    } catch (const UnavailableError &e) {
        std::fprintf(stderr, "fib-worker --retry-dead: %s: %s\n", e.title().c_str(), e.what());
        return 1;
    }
}

} // namespace fib::worker
