// IndexListModel: each index once, ascending, joined with ", ".
#include <QtTest>

#include <QAbstractItemModelTester>

#include "fib/desktop/index_list_model.hpp"

using fib::desktop::IndexListModel;

class IndexListModelTest : public QObject {
    Q_OBJECT

private slots:
    void eachIndexOnceInOrder()
    {
        IndexListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy changed(&model, &IndexListModel::changed);
        QCOMPARE(model.joined(), QString());
        model.setIndexes({12, 5, 10, 5, 12});
        QCOMPARE(model.joined(), QStringLiteral("5, 10, 12"));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(1).data().toString(), QStringLiteral("10"));
        QCOMPARE(changed.count(), 1);

        model.setIndexes({10, 12, 5}); // unchanged
        QCOMPARE(changed.count(), 1);

        model.add(7);
        model.add(7);
        QCOMPARE(model.joined(), QStringLiteral("5, 7, 10, 12"));
        QCOMPARE(changed.count(), 2);
        QVERIFY(model.contains(7));
        QVERIFY(!model.contains(8));

        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(changed.count(), 3);
    }

    // A list answered before add() can arrive after it: the added index stays until a list has
    // it; once listed, a list without it removes it.
    void staleListKeepsIndexesAddedSinceIt()
    {
        IndexListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setIndexes({1, 2});
        model.add(5);
        model.setIndexes({1, 2});
        QCOMPARE(model.joined(), QStringLiteral("1, 2, 5"));
        model.setIndexes({1, 2, 5});
        model.setIndexes({1});
        QCOMPARE(model.joined(), QStringLiteral("1"));
        model.add(3);
        model.clear();
        model.setIndexes({});
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_MAIN(IndexListModelTest)
#include "index_list_model_test.moc"
