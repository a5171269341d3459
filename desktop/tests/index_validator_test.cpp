// IndexValidator: digits only, within the cap, with a reason for every refusal; a refusal keeps
// the text (Intermediate), it never drops the key that made it wrong.
#include <QtTest>

#include "fib/desktop/index_validator.hpp"

using fib::desktop::IndexValidator;

class IndexValidatorTest : public QObject {
    Q_OBJECT

private slots:
    void validate_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("state");
        QTest::addColumn<QString>("problem");
        const int ok = QValidator::Acceptable;
        const int bad = QValidator::Intermediate;
        QTest::newRow("empty") << QString() << bad << QStringLiteral("Type an index");
        QTest::newRow("only white space")
            << QStringLiteral("  ") << bad << QStringLiteral("Type an index");
        QTest::newRow("leading space") << QStringLiteral(" 12") << ok << QString();
        QTest::newRow("trailing newline") << QStringLiteral("12\n") << ok << QString();
        QTest::newRow("zero") << QStringLiteral("0") << ok << QString();
        QTest::newRow("ten") << QStringLiteral("10") << ok << QString();
        QTest::newRow("leading zeros") << QStringLiteral("007") << ok << QString();
        QTest::newRow("the cap") << QStringLiteral("1000000") << ok << QString();
        QTest::newRow("above the cap")
            << QStringLiteral("1000001") << bad << QStringLiteral("largest index");
        QTest::newRow("huge") << QStringLiteral("99999999999999999999999") << bad
                              << QStringLiteral("largest index");
        QTest::newRow("letters") << QStringLiteral("abc") << bad << QStringLiteral("digits");
        QTest::newRow("minus") << QStringLiteral("-1") << bad << QStringLiteral("digits");
        QTest::newRow("space") << QStringLiteral("1 0") << bad << QStringLiteral("digits");
        QTest::newRow("decimal") << QStringLiteral("3.5") << bad << QStringLiteral("digits");
        QTest::newRow("exponent") << QStringLiteral("1e3") << bad << QStringLiteral("digits");
        QTest::newRow("arabic-indic digits")
            << QStringLiteral("\u0661\u0662") << bad << QStringLiteral("digits");
    }

    void validate()
    {
        QFETCH(QString, text);
        QFETCH(int, state);
        QFETCH(QString, problem);
        IndexValidator validator;
        const QString typed = text;
        int pos = 0;
        QCOMPARE(static_cast<int>(validator.validate(text, pos)), state);
        QCOMPARE(text, typed); // never edited
        QString why;
        QCOMPARE(validator.check(text, nullptr, &why), state == QValidator::Acceptable);
        if (!problem.isEmpty())
            QVERIFY2(why.contains(problem), qPrintable(why));
    }

    void capFollowsTheServer()
    {
        IndexValidator validator;
        QSignalSpy changed(&validator, &QValidator::changed);
        fib::Index index = 0;
        QString problem;
        QVERIFY(validator.check(QStringLiteral("1000"), &index, &problem));
        QCOMPARE(index, fib::Index{1000});
        QVERIFY(validator.check(QStringLiteral(" 999\n"), &index, &problem));
        QCOMPARE(index, fib::Index{999});
        validator.setMaxIndex(100);
        QCOMPARE(changed.count(), 1);
        QVERIFY(!validator.check(QStringLiteral("1000"), &index, &problem));
        QVERIFY2(problem.contains(QStringLiteral("100")), qPrintable(problem));
        QVERIFY(!validator.check(QString(), &index, &problem));
        QVERIFY2(problem.contains(QStringLiteral("Type an index")), qPrintable(problem));
    }
};

QTEST_APPLESS_MAIN(IndexValidatorTest)
#include "index_validator_test.moc"
