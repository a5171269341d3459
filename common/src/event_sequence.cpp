#include "fib/event_sequence.hpp"

namespace fib {

EventSequence::Seen EventSequence::see(std::uint64_t seq)
{
    if (!m_started || (m_floor > kReplayWindow && seq < m_floor - kReplayWindow)) {
        const bool restarted = m_started;
        m_started = true;
        m_floor = seq;
        m_above.clear();
        return restarted ? Seen::Restarted : Seen::New;
    }
    if (seq <= m_floor || m_above.count(seq) != 0)
        return Seen::Duplicate;
    m_above.insert(seq);
    while (!m_above.empty() && *m_above.begin() == m_floor + 1) {
        m_floor = *m_above.begin();
        m_above.erase(m_above.begin());
    }
    if (m_above.size() > kReplayWindow)
        fillHoles(); // bounded: the caller's grace period is long past by then
    return Seen::New;
}

void EventSequence::fillHoles()
{
    if (!m_above.empty())
        m_floor = *m_above.rbegin();
    m_above.clear();
}

void EventSequence::forget()
{
    m_started = false;
    m_above.clear();
}

std::uint64_t EventSequence::highest() const
{
    return m_above.empty() ? m_floor : *m_above.rbegin();
}

} // namespace fib
