#pragma once
// The list cache: serialized GET /values/current pages, so a poll costs neither a PostgreSQL
// query nor a Redis round trip while nothing changed. This class owns the invalidation rules;
// every change reaches it in one of two calls:
// - invalidate(index), from the POST /values handler (server/src/routes/values.cpp) before it
//   answers, when PostgreSQL lists a new index or a job is queued;
// - heard(channel, message), from ChangeListener (server/src/change_listener.cpp) for every
//   pub/sub message: fib:changed (a worker computed a value; the live-event relay hears the same
//   message on its own, so a client may see the event a moment before the page is dropped) and
//   fib:invalidate (the submit script, common/src/jobs.cpp, announces an index listed
//   or queued by any server, so every server's cache drops it).
//
// A change names its index and drops only the pages that list it or would list it (a page of
// indexes after A that ends at B, if full, holds every index in (A, B]; one that is not full
// also gets any new index above A): a new submission far down the list leaves the first page
// cached. A message without a readable index drops every page. A response is stored only if no
// change at all happened while its data were fetched (the generation read *before* the fetch is
// unchanged), so a fetch that raced with a change is never stored. Changes made behind the
// services' back (a hand-made TRUNCATE or FLUSHALL) are seen after at most kMaxAge. While the
// change listener is not subscribed, nothing is served from the cache.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "fib/index.hpp"

namespace fib::server {

class ListCache {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds kMaxAge{1000};
    static constexpr std::size_t kMaxEntries = 16; // pages of up to 1,000 values each

    struct Entry {
        std::string body;
        std::string link; // the Link header, or empty
    };

    // The indexes a stored page lists or would list: those above `after` (none: from the first)
    // up to `last`, its last row when the page is full (none: not full, any higher index too).
    struct Span {
        std::optional<Index> after;
        std::optional<Index> last;
        bool covers(Index index) const
        {
            return (!after || index > *after) && (!last || index <= *last);
        }
    };

    // The generation to pass to store() for data fetched after this call.
    std::uint64_t generation() const { return m_generation.load(std::memory_order_acquire); }

    std::optional<Entry> find(const std::string &key) const
    {
        if (!m_enabled.load(std::memory_order_acquire))
            return std::nullopt;
        const std::lock_guard lock(m_mutex);
        const auto it = m_entries.find(key);
        if (it == m_entries.end() || Clock::now() - it->second.stored > kMaxAge) {
            ++m_misses;
            return std::nullopt;
        }
        ++m_hits;
        return it->second.entry;
    }

    // For /metrics: answers from the cache and not (while enabled), and how many changes it heard.
    std::uint64_t hits() const { return m_hits.load(std::memory_order_relaxed); }
    std::uint64_t misses() const { return m_misses.load(std::memory_order_relaxed); }
    std::uint64_t invalidations() const { return m_generation.load(std::memory_order_relaxed); }

    void store(const std::string &key, std::uint64_t generation, Entry entry, Span span = {})
    {
        if (!m_enabled.load(std::memory_order_acquire))
            return;
        const std::lock_guard lock(m_mutex);
        if (generation != m_generation.load())
            return; // invalidated while the data were fetched
        if (m_entries.size() >= kMaxEntries && m_entries.find(key) == m_entries.end())
            m_entries.clear();
        m_entries[key] = Stored{span, Clock::now(), std::move(entry)};
    }

    // A change to one index (submitted, computed, failed): drops the pages that list it or would.
    void invalidate(Index index)
    {
        const std::lock_guard lock(m_mutex);
        m_generation.fetch_add(1, std::memory_order_acq_rel);
        for (auto it = m_entries.begin(); it != m_entries.end();)
            it = it->second.span.covers(index) ? m_entries.erase(it) : std::next(it);
    }

    // A pub/sub message on fib:changed or fib:invalidate: drops the pages of the index it names,
    // or every page when it names none that can be read.
    void heard(std::string_view channel, std::string_view message);

    // A change to anything (or to something unknown): drops every page.
    void invalidate()
    {
        const std::lock_guard lock(m_mutex);
        m_generation.fetch_add(1, std::memory_order_acq_rel);
        m_entries.clear();
    }

    // Set by the change listener: true only while it is subscribed.
    void setEnabled(bool enabled)
    {
        if (!enabled)
            m_enabled.store(false, std::memory_order_release);
        invalidate();
        if (enabled)
            m_enabled.store(true, std::memory_order_release);
    }

private:
    struct Stored {
        Span span;
        Clock::time_point stored;
        Entry entry;
    };
    mutable std::mutex m_mutex;
    std::atomic<std::uint64_t> m_generation{0};
    std::atomic<bool> m_enabled{false};
    mutable std::atomic<std::uint64_t> m_hits{0};
    mutable std::atomic<std::uint64_t> m_misses{0};
    std::unordered_map<std::string, Stored> m_entries;
};

} // namespace fib::server
