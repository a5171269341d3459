// ValuesModel: rows sorted by index, merged updates (no resets), pending bookkeeping, and the
// text each row shows.
#include <QtTest>

#include <QAbstractItemModelTester>

#include "fib/desktop/values_model.hpp"

using fib::desktop::ValueEntry;
using fib::desktop::ValuesModel;

namespace {

const QString kPending = QStringLiteral("Nothing yet!");

ValueEntry done(fib::Index index, const QString &value)
{
    return ValueEntry{index, value, false};
}

ValueEntry pending(fib::Index index)
{
    return ValueEntry{index, kPending, true};
}

QStringList shown(const ValuesModel &model)
{
    QStringList rows;
    for (int row = 0; row < model.rowCount(); ++row)
        rows.append(model.index(row).data().toString());
    return rows;
}

} // namespace

class ValuesModelTest : public QObject {
    Q_OBJECT

private slots:
    void rowsReadLikeTheOriginal()
    {
        ValuesModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEntries(
            {done(10, QStringLiteral("55")), pending(12), done(5, QStringLiteral("5"))});
        QCOMPARE(shown(model),
                 (QStringList{QStringLiteral("For index 5 I calculated 5"),
                              QStringLiteral("For index 10 I calculated 55"),
                              QStringLiteral("For index 12 I calculated Nothing yet!")}));
        QCOMPARE(model.pendingCount(), 1);
        QVERIFY(model.index(2).data(ValuesModel::PendingRole).toBool());
        QCOMPARE(model.index(1).data(ValuesModel::IndexRole).toULongLong(), 10ULL);
        QCOMPARE(model.index(1).data(ValuesModel::DigitsRole).toULongLong(), 2ULL);
    }

    void mergeTouchesOnlyWhatChanged()
    {
        ValuesModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEntries({done(1, QStringLiteral("1")), pending(2), done(4, QStringLiteral("3")),
                          done(9, QStringLiteral("34"))});

        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy pendingSpy(&model, &ValuesModel::pendingCountChanged);

        // 2 computed, 4 gone, 3 and 20 new, 1 and 9 unchanged.
        model.setEntries({done(20, QStringLiteral("6765")), done(1, QStringLiteral("1")),
                          done(2, QStringLiteral("1")), pending(3), done(9, QStringLiteral("34"))});
        QCOMPARE(reset.count(), 0);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().at(0).value<QModelIndex>().row(), 1);
        QCOMPARE(removed.count(), 1);
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(model.pendingCount(), 1); // 2 done, 3 pending
        QVERIFY(!pendingSpy.isEmpty());
        QList<fib::Index> order;
        for (int row = 0; row < model.rowCount(); ++row)
            order.append(model.entryAt(row).index);
        QCOMPARE(order, (QList<fib::Index>{1, 2, 3, 9, 20}));

        // The same list again changes nothing.
        changed.clear();
        inserted.clear();
        removed.clear();
        model.setEntries({done(1, QStringLiteral("1")), done(2, QStringLiteral("1")), pending(3),
                          done(9, QStringLiteral("34")), done(20, QStringLiteral("6765"))});
        QCOMPARE(changed.count() + inserted.count() + removed.count(), 0);

        model.setEntries({});
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.pendingCount(), 0);
    }

    void liveValueTurnsPendingRowDone()
    {
        ValuesModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.addPending(7);
        QCOMPARE(model.pendingCount(), 1);
        model.addPending(7); // already listed: nothing
        QCOMPARE(model.rowCount(), 1);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setValue(7, QStringLiteral("13"));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.pendingCount(), 0);
        QCOMPARE(shown(model), QStringList{QStringLiteral("For index 7 I calculated 13")});
        model.addPending(7); // a resubmission does not reset a computed value
        QCOMPARE(shown(model), QStringList{QStringLiteral("For index 7 I calculated 13")});
        model.setValue(3, QStringLiteral("2")); // an event for an index not listed yet
        QCOMPARE(model.rowOf(3), std::optional<int>(0));
        QCOMPARE(model.rowOf(7), std::optional<int>(1));
        QCOMPARE(model.rowOf(8), std::nullopt);
    }

    // A list answered before a live event or a submission can arrive after it: the row they
    // added stays until a list has it; once listed, a list without it removes it.
    void staleListKeepsRowsAddedSinceIt()
    {
        ValuesModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEntries({pending(1), done(2, QStringLiteral("1"))});
        model.setValue(5, QStringLiteral("5")); // a live event
        model.addPending(9);                    // a submission
        model.setEntries({pending(1), done(2, QStringLiteral("1"))});
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.rowOf(5), std::optional<int>(2));
        QCOMPARE(model.rowOf(9), std::optional<int>(3));
        QCOMPARE(model.pendingCount(), 2);
        model.setEntries({done(1, QStringLiteral("1")), done(2, QStringLiteral("1")),
                          done(5, QStringLiteral("5")), pending(9)});
        model.setEntries({done(1, QStringLiteral("1"))}); // listed before: now they go
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.pendingCount(), 0);
        model.addPending(4);
        model.clear(); // another server: nothing of the old one stays
        model.setEntries({});
        QCOMPARE(model.rowCount(), 0);
    }

    // A list fetched before a live event may arrive after it.
    void staleListDoesNotUndoALiveValue()
    {
        ValuesModel model;
        model.setEntries({pending(7), pending(8)});
        model.setValue(7, QStringLiteral("13"));
        model.setEntries({pending(7), pending(8)});
        QCOMPARE(model.index(0).data().toString(), QStringLiteral("For index 7 I calculated 13"));
        QCOMPARE(model.pendingCount(), 1);
    }

    void longValuesAreSummarised()
    {
        QLocale::setDefault(QLocale::c());                                // no digit grouping
        const QString digits = QStringLiteral("1234567890").repeated(10); // 100 digits
        QCOMPARE(ValuesModel::shownValue(digits),
                 QStringLiteral("12345678901234567890...12345678901234567890 (100 digits)"));
        QCOMPARE(ValuesModel::shownValue(QStringLiteral("55")), QStringLiteral("55"));
        QCOMPARE(ValuesModel::digitCount(digits), 100ULL);
        // The server's own summary passes through and still tells the digit count.
        const QString summary =
            QStringLiteral("19532821287077577316...68996526838242546875 (208988 digits)");
        QCOMPARE(ValuesModel::shownValue(summary), summary);
        QCOMPARE(ValuesModel::digitCount(summary), 208988ULL);
        QCOMPARE(ValuesModel::digitCount(kPending), 0ULL);

        ValuesModel model;
        model.setEntries({done(1000000, summary)});
        QVERIFY(model.index(0)
                    .data(ValuesModel::SummarisedRole)
                    .toBool()); // the server's summary is one too
        QCOMPARE(model.index(0).data().toString(),
                 QStringLiteral("For index 1000000 I calculated ") + summary);
        model.setValue(480, digits);
        QVERIFY(model.index(0).data(ValuesModel::SummarisedRole).toBool());
        model.setValue(10, QStringLiteral("55"));
        QVERIFY(!model.index(0).data(ValuesModel::SummarisedRole).toBool());
    }

    // Digit counts read as the user's locale writes numbers, whoever summarised the value.
    void digitCountsAreGroupedByLocale()
    {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        const QString server =
            QStringLiteral("19532821287077577316...68996526838242546875 (208988 digits)");
        QCOMPARE(ValuesModel::shownValue(server),
                 QStringLiteral("19532821287077577316...68996526838242546875 (208,988 digits)"));
        const QString digits =
            QStringLiteral("1234567890").repeated(123) + QStringLiteral("4"); // 1,231 digits
        QCOMPARE(ValuesModel::shownValue(digits),
                 QStringLiteral("12345678901234567890...23456789012345678904 (1,231 digits)"));
        ValuesModel model;
        model.setEntries({done(1000000, server)});
        QVERIFY2(model.index(0)
                     .data(Qt::ToolTipRole)
                     .toString()
                     .contains(QStringLiteral("208,988 digit")),
                 qPrintable(model.index(0).data(Qt::ToolTipRole).toString()));
        QLocale::setDefault(QLocale::c());
    }

    // 10,000 rows: one merge builds them, and a later poll with one change emits one signal.
    void tenThousandRows()
    {
        ValuesModel model;
        QVector<ValueEntry> entries;
        for (fib::Index i = 0; i < 10000; ++i)
            entries.append(i % 100 == 0 ? pending(i) : done(i, QString::number(i * 7)));
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.setEntries(entries);
        QCOMPARE(model.rowCount(), 10000);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(model.pendingCount(), 100);

        entries[5000] = done(5000, QStringLiteral("42"));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setEntries(entries);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.pendingCount(), 99);
    }
};

QTEST_MAIN(ValuesModelTest)
#include "values_model_test.moc"
