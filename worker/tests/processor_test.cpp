#include <QtTest>

#include "fib/worker/processor.hpp"

using fib::worker::Fields;
using fib::worker::Poison;

class ProcessorTest : public QObject {
    Q_OBJECT
private slots:
    void validJobs()
    {
        const auto checked = fib::worker::validateJob({{"index", "10"}, {"req", "abc"}}, 1000);
        QVERIFY(std::holds_alternative<fib::Index>(checked));
        QCOMPARE(std::get<fib::Index>(checked), fib::Index(10));
        QCOMPARE(fib::worker::compute(10).digits, std::string("55"));
    }

    void poisonEntries_data()
    {
        QTest::addColumn<QStringList>("fields");
        QTest::newRow("letters") << QStringList{"index", "abc"};
        QTest::newRow("empty") << QStringList{"index", ""};
        QTest::newRow("negative") << QStringList{"index", "-3"};
        QTest::newRow("decimal") << QStringList{"index", "3.5"};
        QTest::newRow("above the cap") << QStringList{"index", "1001"};
        QTest::newRow("huge") << QStringList{"index", QString(500, QLatin1Char('9'))};
        QTest::newRow("no index") << QStringList{"req", "x"};
        QTest::newRow("two indexes") << QStringList{"index", "1", "index", "2"};
        QTest::newRow("no fields") << QStringList{};
    }
    void poisonEntries()
    {
        QFETCH(QStringList, fields);
        Fields entry;
        for (int i = 0; i + 1 < fields.size(); i += 2)
            entry.emplace_back(fields[i].toStdString(), fields[i + 1].toStdString());
        const auto checked = fib::worker::validateJob(entry, 1000);
        QVERIFY(std::holds_alternative<Poison>(checked));
        QVERIFY(!std::get<Poison>(checked).reason.empty());
    }

    void briefOfALargeValue()
    {
        const auto result = fib::worker::compute(100'000);
        QCOMPARE(result.digits.size(), std::size_t{20'899});
        QVERIFY(result.brief.size() < 100);
        QVERIFY(result.brief.find("(20899 digits)") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(ProcessorTest)
#include "processor_test.moc"
