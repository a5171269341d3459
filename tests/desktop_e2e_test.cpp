// End to end: the real MainWindow (in-process, offscreen) against the real native stack through
// nginx, with a real fib-worker. A typo above the cap is refused and never reaches the server;
// three indexes typed and submitted with key events; all three values appear without a restart,
// a reload or a button, by the live event stream (and, in a second test without the stream, by
// the app's polling fall-back); a value dropped from the value cache still comes whole.
#include <QtTest>

#include <QApplication>
#include <QClipboard>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QTemporaryDir>

#include <map>

#include "fib/desktop/api_client.hpp"
#include "fib/desktop/calculator_page.hpp"
#include "fib/desktop/event_stream.hpp"
#include "fib/desktop/main_window.hpp"
#include "fib/desktop/value_dialog.hpp"
#include "fib/desktop/values_model.hpp"
#include "fib/fibonacci.hpp"
#include "fib/keys.hpp"
#include "stack.hpp"

using fib::desktop::EventStream;
using fib::desktop::MainWindow;
using fib::desktop::ValueDialog;
using fib::desktop::ValuesModel;

class DesktopE2eTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<fib::test::Stack> m_stack;
    std::unique_ptr<fib::test::Worker> m_worker;

    QUrl serverUrl() const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_stack->httpPort()));
    }

private slots:
    void initTestCase()
    {
        m_stack = std::make_unique<fib::test::Stack>();
        QVERIFY(m_stack->reset());
        m_worker = std::make_unique<fib::test::Worker>(*m_stack, QStringLiteral("desktop-e2e"),
                                                       m_stack->relayEnvironment());
    }

    void cleanupTestCase()
    {
        if (m_worker)
            QVERIFY(m_worker->terminate());
    }

    void submittedValuesAppearByThemselves()
    {
        MainWindow window(serverUrl());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        EventStream *events = window.api()->events();
        // The stack serves live events: the app must use them, not fall back to polling.
        QTRY_COMPARE_WITH_TIMEOUT(events->state(), EventStream::State::Live, 30000);
        QCOMPARE(window.connectionStatus(), QStringLiteral("Live updates on"));

        auto *edit = window.findChild<QLineEdit *>(QStringLiteral("indexEdit"));
        QVERIFY(edit);
        // A typo above the cap stays as typed and is refused: nothing is submitted (the field
        // used to drop the last key and submit F(100000)).
        QTest::keyClicks(edit, QStringLiteral("1000001"));
        QTest::keyClick(edit, Qt::Key_Return);
        QCOMPARE(edit->text(), QStringLiteral("1000001"));
        QVERIFY2(window.calculatorPage()->inputMessage().contains(QStringLiteral("largest index")),
                 qPrintable(window.calculatorPage()->inputMessage()));
        QTest::keyClick(edit, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClick(edit, Qt::Key_Delete);
        QCOMPARE(edit->text(), QString());
        const std::map<fib::Index, QString> expected = {
            {10, QStringLiteral("55")},
            {25, QStringLiteral("75025")},
            {93, QStringLiteral("12200160415121876738")}};
        for (const auto &entry : expected) {
            QTest::keyClicks(edit, QString::number(entry.first));
            QTest::keyClick(edit, Qt::Key_Return);
            // Accepted by the server: the field is cleared; no error is shown.
            QTRY_COMPARE_WITH_TIMEOUT(edit->text(), QString(), 10000);
            QCOMPARE(window.calculatorPage()->inputMessage(), QString());
        }

        ValuesModel *values = window.values();
        const auto allShown = [&] {
            if (values->rowCount() != static_cast<int>(expected.size()))
                return false;
            for (int row = 0; row < values->rowCount(); ++row) {
                const auto &entry = values->entryAt(row);
                const auto it = expected.find(entry.index);
                if (it == expected.end() || entry.pending || entry.value != it->second)
                    return false;
            }
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(allShown(), 30000);
        QCOMPARE(values->index(2).data().toString(),
                 QStringLiteral("For index 93 I calculated 12200160415121876738"));
        // The server got the three indexes typed after the typo, and not the typo nor what it
        // would have become (the client sends one submission at a time, in order).
        auto client = m_stack->nginx();
        const auto all = client->Get("/api/values/all");
        QVERIFY(all);
        QCOMPARE(QByteArray::fromStdString(all->body),
                 QByteArray(R"([{"number":10},{"number":25},{"number":93}])"));
        QCOMPARE(events->state(), EventStream::State::Live);
        auto *seen = window.findChild<QPlainTextEdit *>(QStringLiteral("indexesText"));
        QTRY_COMPARE(seen->toPlainText(), QStringLiteral("10, 25, 93"));
        qInfo("values arrived; updates: %s", qPrintable(window.connectionStatus()));

        // Another client submits: the window learns of it with nothing done here at all.
        auto nginx = m_stack->nginx();
        const auto res = fib::test::postIndex(*nginx, R"({"index": 30})");
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(values->rowOf(30) && values->entryAt(*values->rowOf(30)).value ==
                                                          QStringLiteral("832040"),
                                 30000);
    }

    // Without the stream (here: a path that does not exist, as on an older server) the app
    // polls, and the values still arrive by themselves.
    void valuesArriveByPollingWithoutTheStream()
    {
        QVERIFY(m_stack->reset());
        MainWindow window(serverUrl());
        EventStream *events = window.api()->events();
        events->setUrl(QUrl(serverUrl().toString() + QStringLiteral("/api/no-such-stream")));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_COMPARE_WITH_TIMEOUT(events->state(), EventStream::State::Polling, 15000);

        auto *edit = window.findChild<QLineEdit *>(QStringLiteral("indexEdit"));
        QTest::keyClicks(edit, QStringLiteral("40"));
        QTest::keyClick(edit, Qt::Key_Enter);
        QTRY_COMPARE_WITH_TIMEOUT(edit->text(), QString(), 10000);
        auto nginx = m_stack->nginx();
        QVERIFY(fib::test::postIndex(*nginx, R"({"index": 50})"));
        ValuesModel *values = window.values();
        QTRY_VERIFY_WITH_TIMEOUT(values->rowCount() == 2 && values->pendingCount() == 0, 30000);
        QCOMPARE(values->entryAt(0).value, QStringLiteral("102334155"));
        QCOMPARE(values->entryAt(1).value, QStringLiteral("12586269025"));
        QVERIFY(window.connectionStatus().startsWith(QStringLiteral("No live updates")));
    }

    // A letter never reaches the server; a 422 from the real server is shown in words.
    void realServerRejectionIsShown()
    {
        MainWindow window(serverUrl());
        QSignalSpy info(window.api(), &fib::desktop::ApiClient::infoReceived);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *edit = window.findChild<QLineEdit *>(QStringLiteral("indexEdit"));
        QTest::keyClicks(edit, QStringLiteral("x"));
        QTest::keyClick(edit, Qt::Key_Return);
        QCOMPARE(edit->text(), QStringLiteral("x"));
        QVERIFY(!window.calculatorPage()->inputMessage().isEmpty());
        QTest::keyClick(edit, Qt::Key_Backspace);

        // The client knows the cap from /api/info, so to see the server's own 422 the client
        // is told a higher cap than the server has, once the server's answer is in.
        QTRY_VERIFY_WITH_TIMEOUT(info.count() > 0, 10000);
        // A later refresh must not put the real cap back while the test types.
        QObject::disconnect(window.api(), &fib::desktop::ApiClient::infoReceived, nullptr, nullptr);
        window.calculatorPage()->setMaxIndex(100'000'000);
        QTest::keyClicks(edit, QStringLiteral("99999999"));
        QTest::keyClick(edit, Qt::Key_Return);
        QTRY_VERIFY2_WITH_TIMEOUT(
            window.calculatorPage()->inputMessage().startsWith(QStringLiteral("Index too high")),
            qPrintable(window.calculatorPage()->inputMessage()), 10000);
        QCOMPARE(edit->text(), QStringLiteral("99999999"));
    }

    // A value whose full digits the value cache dropped (docs/design.md, "Value cache") is still
    // shown, copied and saved whole: the app's fetch for Show All Digits gets them recomputed.
    void aDroppedValueStillGivesAllItsDigits()
    {
        QVERIFY(m_stack->reset());
        constexpr fib::Index kIndex = 20'000; // 4,180 digits: a long value, kept in the cache
        const std::string text = fib::indexText(kIndex);
        auto nginx = m_stack->nginx();
        QCOMPARE(fib::test::postIndex(*nginx, "{\"index\": " + text + "}")->status, 200);
        auto redis = m_stack->redis();
        const auto cached = [&] {
            return !fib::redis::isNil(
                *redis->checked({"ZSCORE", fib::keys::kCachedDigitsSet, text}));
        };
        QTRY_VERIFY_WITH_TIMEOUT(cached(), 30000);
        // Dropped the way the store script drops a value: its digits and its mark in the cache.
        redis->checked({"HDEL", fib::keys::kValuesHash, text});
        redis->checked({"ZREM", fib::keys::kCachedDigitsSet, text});

        MainWindow window(serverUrl());
        QSignalSpy received(window.api(), &fib::desktop::ApiClient::fullValueReceived);
        window.api()->fetchFullValue(kIndex);
        QTRY_COMPARE_WITH_TIMEOUT(received.count(), 1, 30000);
        const auto value = received.at(0).at(0).value<fib::desktop::FullValue>();
        QCOMPARE(value.index, kIndex);
        QVERIFY(value.digits.toStdString() == fib::fibonacciDecimal(kIndex));

        ValueDialog::copyToClipboard(value);
        QCOMPARE(QApplication::clipboard()->text(), value.digits);
        QTemporaryDir dir;
        QString error;
        const QString path = dir.filePath(QStringLiteral("f20000.txt"));
        QVERIFY2(ValueDialog::writeToFile(path, value, &error), qPrintable(error));
        QFile saved(path);
        QVERIFY(saved.open(QIODevice::ReadOnly));
        QCOMPARE(saved.readAll(), value.digits.toLatin1() + "\n");
    }
};

QTEST_MAIN(DesktopE2eTest)
#include "desktop_e2e_test.moc"
