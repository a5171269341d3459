// EventSequence: which live events are new, which are replays, and when one is missing.
#include <QtTest>

#include "fib/event_sequence.hpp"

using fib::EventSequence;
using Seen = fib::EventSequence::Seen;

class EventSequenceTest : public QObject {
    Q_OBJECT

private slots:
    void inOrderHasNoHole()
    {
        EventSequence sequence;
        for (std::uint64_t seq = 40; seq < 50; ++seq)
            QCOMPARE(sequence.see(seq), Seen::New);
        QVERIFY(!sequence.hasHole());
        QCOMPARE(sequence.highest(), std::uint64_t{49});
    }

    void replaysAreDuplicates()
    {
        EventSequence sequence;
        QCOMPARE(sequence.see(7), Seen::New);
        QCOMPARE(sequence.see(8), Seen::New);
        QCOMPARE(sequence.see(8), Seen::Duplicate);
        QCOMPARE(sequence.see(7), Seen::Duplicate);
        QCOMPARE(sequence.see(10), Seen::New);
        QCOMPARE(sequence.see(10), Seen::Duplicate);
    }

    void aMissingNumberIsAHoleUntilItArrives()
    {
        EventSequence sequence;
        QCOMPARE(sequence.see(1), Seen::New);
        QCOMPARE(sequence.see(3), Seen::New);
        QVERIFY(sequence.hasHole());
        QCOMPARE(sequence.see(4), Seen::New);
        QVERIFY(sequence.hasHole());
        QCOMPARE(sequence.see(2), Seen::New); // late, not lost
        QVERIFY(!sequence.hasHole());
        QCOMPARE(sequence.see(5), Seen::New);
        QVERIFY(!sequence.hasHole());
    }

    void fillingHolesAcceptsTheGap()
    {
        EventSequence sequence;
        sequence.see(1);
        sequence.see(5);
        QVERIFY(sequence.hasHole());
        sequence.fillHoles(); // the client refetched
        QVERIFY(!sequence.hasHole());
        QCOMPARE(sequence.see(3), Seen::Duplicate);
        QCOMPARE(sequence.see(6), Seen::New);
        QVERIFY(!sequence.hasHole());
    }

    void theFirstEventAfterForgettingStartsAnew()
    {
        EventSequence sequence;
        sequence.see(100);
        sequence.see(102);
        sequence.forget();
        QVERIFY(!sequence.hasHole());
        QCOMPARE(sequence.see(150), Seen::New);
        QVERIFY(!sequence.hasHole());
    }

    void aCounterThatStartedAgainIsNoticed()
    {
        EventSequence sequence;
        sequence.see(5000);
        QCOMPARE(sequence.see(1), Seen::Restarted);
        QVERIFY(!sequence.hasHole());
        QCOMPARE(sequence.see(2), Seen::New);
        // Within the window, a low number is a replay, not a restart.
        sequence.see(3000);
        sequence.fillHoles();
        QCOMPARE(sequence.see(2500), Seen::Duplicate);
    }

    void numbersAboveAHoleAreBounded()
    {
        EventSequence sequence;
        sequence.see(1);
        for (std::uint64_t seq = 3; seq < 3 + EventSequence::kReplayWindow + 5; ++seq)
            sequence.see(seq);
        QVERIFY(!sequence.hasHole());
        QCOMPARE(sequence.highest(), 2 + EventSequence::kReplayWindow + 5);
    }
};

QTEST_APPLESS_MAIN(EventSequenceTest)
#include "event_sequence_test.moc"
