// ListCache: what is served, and what never is.
#include <QtTest>

#include "fib/server/list_cache.hpp"

using fib::server::ListCache;

class ListCacheTest : public QObject {
    Q_OBJECT
private slots:
    void nothingIsServedWhileDisabled()
    {
        ListCache cache;
        cache.store("k", cache.generation(), {"body", ""});
        QVERIFY(!cache.find("k"));
    }

    void aStoredResponseIsServedUntilInvalidated()
    {
        ListCache cache;
        cache.setEnabled(true);
        cache.store("1000,", cache.generation(),
                    {"{\"1\":\"1\"}", "</values/current?after=1>; rel=\"next\""});
        const auto hit = cache.find("1000,");
        QVERIFY(hit);
        QCOMPARE(hit->body, std::string("{\"1\":\"1\"}"));
        QCOMPARE(hit->link, std::string("</values/current?after=1>; rel=\"next\""));
        QVERIFY(!cache.find("10,"));
        cache.invalidate();
        QVERIFY(!cache.find("1000,"));
    }

    // A page of indexes after A ending at B (full) lists (A, B]; a page that is not full also gets
    // any new index above A. A change drops exactly the pages it could alter.
    void aChangeDropsOnlyThePagesThatListIt()
    {
        ListCache cache;
        cache.setEnabled(true);
        const auto fill = [&cache] {
            cache.store("first", cache.generation(), {"1..100", ""}, {std::nullopt, 100});
            cache.store("second", cache.generation(), {"101..200", ""}, {100, 200});
            cache.store("tail", cache.generation(), {"201..250", ""}, {200, std::nullopt});
        };
        const auto kept = [&cache] {
            return QStringList{cache.find("first") ? "first" : "",
                               cache.find("second") ? "second" : "",
                               cache.find("tail") ? "tail" : ""}
                .join(',');
        };
        fill();
        cache.invalidate(5000); // a new index after the last page
        QCOMPARE(kept(), QStringLiteral("first,second,"));
        fill();
        cache.invalidate(200); // the last row of the second page
        QCOMPARE(kept(), QStringLiteral("first,,tail"));
        fill();
        cache.invalidate(101);
        QCOMPARE(kept(), QStringLiteral("first,,tail"));
        fill();
        cache.invalidate(1);
        QCOMPARE(kept(), QStringLiteral(",second,tail"));
        fill();
        cache.invalidate(0); // below every page: nothing lists it
        QCOMPARE(kept(), QStringLiteral(",second,tail"));
        cache.store("all", cache.generation(),
                    {"everything", ""}); // no span: every change drops it
        cache.invalidate(123456);
        QVERIFY(!cache.find("all"));
    }

    void dataFetchedAcrossAnInvalidationIsNeverStored()
    {
        ListCache cache;
        cache.setEnabled(true);
        const auto before = cache.generation();  // a request reads the generation, then the data...
        cache.invalidate();                      // ...a value changes meanwhile...
        cache.store("k", before, {"stale", ""}); // ...and its (maybe stale) response arrives
        QVERIFY(!cache.find("k"));
        cache.store("k", cache.generation(), {"fresh", ""});
        QCOMPARE(cache.find("k")->body, std::string("fresh"));
        // Also a change to an index the page does not hold: the fetch cannot tell which it saw.
        const auto again = cache.generation();
        cache.invalidate(999);
        cache.store("k2", again, {"maybe stale", ""}, {std::nullopt, 10});
        QVERIFY(!cache.find("k2"));
    }

    void disablingDropsWhatIsStored()
    {
        ListCache cache;
        cache.setEnabled(true);
        cache.store("k", cache.generation(), {"body", ""});
        cache.setEnabled(false);
        cache.setEnabled(true);
        QVERIFY(!cache.find("k"));
    }

    void entriesExpire()
    {
        ListCache cache;
        cache.setEnabled(true);
        cache.store("k", cache.generation(), {"body", ""});
        QTest::qWait(static_cast<int>(ListCache::kMaxAge.count()) + 100);
        QVERIFY(!cache.find("k"));
    }

    void theNumberOfEntriesIsBounded()
    {
        ListCache cache;
        cache.setEnabled(true);
        for (std::size_t i = 0; i <= ListCache::kMaxEntries; ++i)
            cache.store(std::to_string(i), cache.generation(), {"body", ""});
        std::size_t kept = 0;
        for (std::size_t i = 0; i <= ListCache::kMaxEntries; ++i)
            kept += cache.find(std::to_string(i)) ? 1 : 0;
        QVERIFY(kept >= 1 && kept <= ListCache::kMaxEntries);
    }
};

QTEST_GUILESS_MAIN(ListCacheTest)
#include "list_cache_test.moc"
