// The original's API: list the submitted indexes, list the values, submit an index, and (added)
// one index's state.
#include <chrono>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fib/errors.hpp"
#include "fib/index.hpp"
#include "fib/keys.hpp"
#include "fib/models.hpp"
#include "fib/server/backend.hpp"
#include "fib/server/list_cache.hpp"
#include "fib/server/metrics.hpp"
#include "fib/server/read_deadline.hpp"
#include "request.hpp"

namespace fib::server::routes {

using nlohmann::json;
using nlohmann::ordered_json;

// GET /values/all: [{"number": n}, ...] in index order, from PostgreSQL.
void allIndexes(const RouteContext &context, const httplib::Request &req, httplib::Response &res)
{
    const Page page = pageOf(req);
    const auto rows = context.backend.indexes(page.after, page.limit);
    json body = json::array();
    for (const auto index : rows)
        body.push_back(json{{field::kNumber, index}});
    linkNextPage(res, page, rows);
    sendJson(res, body);
}

// GET /values/current: {"n": "value", ...} in index order. PostgreSQL names the indexes, Redis
// has the values; one that Redis lacks shows as pending until the reconciler has it computed.
void currentValues(const RouteContext &context, const httplib::Request &req, httplib::Response &res)
{
    const Page page = pageOf(req);
    ListCache *cache = context.cache;
    const std::string key =
        std::to_string(page.limit) + "," + (page.after ? indexText(*page.after) : "");
    if (cache != nullptr) {
        if (auto hit = cache->find(key)) {
            if (!hit->link.empty())
                res.set_header("Link", hit->link);
            res.status = 200;
            res.set_content(hit->body, kJsonType);
            return;
        }
    }
    // Read before the data: a change after this point makes the stored copy unservable.
    const auto generation = cache != nullptr ? cache->generation() : 0;
    const auto rows = context.backend.indexes(page.after, page.limit);
    const auto briefs = context.backend.briefs(rows);
    ordered_json body = ordered_json::object();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto &brief = i < briefs.size() ? briefs[i] : std::nullopt;
        body[indexText(rows[i])] = brief ? *brief : std::string(keys::kPendingValue);
    }
    linkNextPage(res, page, rows);
    sendJson(res, body);
    if (cache != nullptr)
        cache->store(key, generation, ListCache::Entry{res.body, res.get_header_value("Link")},
                     ListCache::Span{page.after, fullPageEnd(page, rows)});
}

// POST /values {"index": n}: validated (parseSubmission, common/src/index.cpp), recorded in
// PostgreSQL, queued in Redis, answered {"working": true}.
void submit(const RouteContext &context, const httplib::Request &req, httplib::Response &res)
{
    context.readDeadline.handling(peerOf(req)); // the body is read
    if (req.get_header_value_count("Content-Type") > 1)
        throw BadRequestError("Malformed request", "the request has more than one Content-Type");
    if (!isJsonMediaType(req.get_header_value("Content-Type")))
        throw UnsupportedMediaTypeError("Unsupported media type",
                                        "send the body as application/json, e.g. {\"index\": 10}");
    const Index index = parseSubmission(req.body, context.config.maxIndex);
    // PostgreSQL first: once it has the index, the reconciler can always rebuild the job.
    // This server's cached pages drop before anything else can fail: the client's next poll
    // must list the index, even if this request ends in a 503. The other servers' caches hear
    // of it from the submit script (fib:invalidate), with or without a job.
    const bool listed = context.backend.recordSubmission(index);
    if (listed && context.cache != nullptr)
        context.cache->invalidate(index);
    if (context.backend.enqueue(index, requestId(req), listed) == jobs::SubmitOutcome::Queued) {
        if (context.cache != nullptr)
            context.cache->invalidate(index); // Redis now holds it pending
        context.metrics.recordJobQueued();
    }
    sendJson(res, json{{field::kWorking, true}});
}

// GET /values/{n}: {"index", "status": done|pending|failed, "value" or "error"}; 404 for an
// index nobody submitted.
void value(const RouteContext &context, const httplib::Request &req, httplib::Response &res)
{
    const Index index = parseIndex(std::string_view(req.matches[1].str()), context.config.maxIndex);
    const auto started = std::chrono::steady_clock::now();
    auto [stored, recomputed] = context.backend.value(index);
    if (recomputed)
        context.metrics.recordRecomputedRead(std::chrono::steady_clock::now() - started);
    ValueRecord record;
    record.index = index;
    if (stored && *stored != keys::kPendingValue) {
        if (auto reason = jobs::failureReason(*stored)) {
            record.status = ValueRecord::Status::Failed;
            record.error = std::move(reason);
        } else {
            record.status = ValueRecord::Status::Done;
            record.value = std::move(*stored);
        }
    } else if (!stored && !context.backend.isSubmitted(index)) {
        throw NotFoundError("Not submitted",
                            "index " + indexText(index) +
                                " has not been submitted; POST it to /values first");
    }
    sendJson(res, json(record));
}

} // namespace fib::server::routes
