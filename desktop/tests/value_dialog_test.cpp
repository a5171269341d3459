// ValueDialog: every digit of a value, in lines that fit the window, moved through with the
// keyboard, and copied without the line breaks the view adds.
#include <QtTest>

#include <QApplication>
#include <QClipboard>
#include <QPlainTextEdit>
#include <QScrollBar>

#include "fib/desktop/value_dialog.hpp"

using fib::desktop::FullValue;
using fib::desktop::ValueDialog;

class ValueDialogTest : public QObject {
    Q_OBJECT

private:
    const FullValue m_value{20000, QStringLiteral("1234567890").repeated(2000)};

    static QPlainTextEdit *digitsOf(const ValueDialog &dialog)
    {
        return dialog.findChild<QPlainTextEdit *>(QStringLiteral("valueDigits"));
    }

private slots:
    void linesFitTheWindow()
    {
        ValueDialog dialog(m_value);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QPlainTextEdit *digits = digitsOf(dialog);
        QVERIFY(digits);
        QVERIFY(digits->verticalScrollBar()->maximum() > 0); // many lines
        QTRY_COMPARE(digits->horizontalScrollBar()->maximum(), 0);
    }

    void copyingKeepsTheNumberInOneLine()
    {
        ValueDialog dialog(m_value);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QPlainTextEdit *digits = digitsOf(dialog);
        QVERIFY(digits->toPlainText().contains(QLatin1Char('\n'))); // shown in lines
        QApplication::clipboard()->clear();
        QTest::keySequence(digits, QKeySequence::SelectAll);
        QTest::keySequence(digits, QKeySequence::Copy);
        QCOMPARE(QApplication::clipboard()->text(), m_value.digits);
    }

    void ctrlHomeAndEndMoveThroughTheDigits()
    {
        ValueDialog dialog(m_value);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QPlainTextEdit *digits = digitsOf(dialog);
        QScrollBar *bar = digits->verticalScrollBar();
        QVERIFY(bar->maximum() > 0);
        QCOMPARE(bar->value(), 0);
        QTest::keyClick(digits, Qt::Key_End, Qt::ControlModifier);
        QCOMPARE(bar->value(), bar->maximum());
        QCOMPARE(digits->textCursor().position(), digits->document()->characterCount() - 1);
        QTest::keyClick(digits, Qt::Key_Home, Qt::ControlModifier);
        QCOMPARE(bar->value(), 0);
        QCOMPARE(digits->textCursor().position(), 0);
    }
};

QTEST_MAIN(ValueDialogTest)
#include "value_dialog_test.moc"
