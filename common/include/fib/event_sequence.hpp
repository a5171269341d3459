#pragma once
// Follows the numbers of the live events (keys::kEventSeq) a client receives, to tell it when it
// missed one. nginx replays what a client missed after a reconnection only while its buffer still
// holds it, and otherwise starts from the oldest message it has without saying so; a relay that
// lost its Redis subscription misses messages too. The numbers are given in the commit that makes
// each event true, so they are the same on every nginx, and a hole means a missed event.
//
// Events may arrive a little out of order (two workers commit at once), so a hole is a hole only
// if it stays: the caller gives it a grace period (see hasHole()) before refetching.

#include <cstdint>
#include <set>

namespace fib {

class EventSequence {
public:
    enum class Seen {
        New,       // not seen before: apply it
        Duplicate, // seen before (a replay after a reconnection): ignore it
        Restarted, // far below what was seen: the counter started again (Redis lost its data),
                   // so events may be missing: refetch
    };
    // How far below the lowest number still missing an event may arrive and still be taken for
    // a late one, rather than for a counter that started again. Also the most numbers kept above
    // a hole.
    static constexpr std::uint64_t kReplayWindow = 1000;

    Seen see(std::uint64_t seq);
    // A number below the highest seen has not arrived.
    bool hasHole() const { return !m_above.empty(); }
    // After a refetch: every number up to the highest seen counts as seen.
    void fillHoles();
    // After a "reset" event or a new connection without resumption: the next event starts anew.
    void forget();
    std::uint64_t highest() const;

private:
    bool m_started = false;
    std::uint64_t m_floor = 0;       // every number up to this one is seen
    std::set<std::uint64_t> m_above; // numbers seen above a hole
};

} // namespace fib
