// The real MainWindow, driven with key events against a fake server (offscreen): submitting,
// errors shown in words, input refused before any request, live events, polling, the server
// page, copying a value.
#include <QtTest>

#include <QClipboard>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QListView>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTextBlock>
#include <QTextLayout>

#include <functional>
#include <map>
#include <optional>

#include "fake_http_server.hpp"
#include "fib/desktop/calculator_page.hpp"
#include "fib/desktop/event_stream.hpp"
#include "fib/desktop/main_window.hpp"
#include "fib/desktop/server_page.hpp"
#include "fib/desktop/value_delegate.hpp"
#include "fib/desktop/values_model.hpp"
#include "fib/version.hpp"
#include "wait.hpp"

using fib::desktop::CalculatorPage;
using fib::desktop::EventStream;
using fib::desktop::MainWindow;
using fib::desktop::ValuesModel;
using fib::desktop::test::FakeHttpServer;
using fib::desktop::test::FakeRequest;
using fib::desktop::test::FakeResponse;

namespace {

const QString kPending = QStringLiteral("Nothing yet!");

// A fake fib-server with just enough behaviour for the window.
struct FakeBackend {
    FakeHttpServer server;
    std::map<fib::Index, QString> values;
    fib::Index maxIndex = 1000;
    bool eventsAvailable = true;
    std::optional<FakeResponse> nextSubmitAnswer;

    FakeBackend()
    {
        server.route("GET", QStringLiteral("/api/info"), [this](const FakeRequest &) {
            return FakeResponse::json(
                QJsonDocument(
                    QJsonObject{{QStringLiteral("service"), QStringLiteral("fib-server")},
                                {QStringLiteral("version"), QStringLiteral("0.1.0")},
                                {QStringLiteral("max_index"), static_cast<qint64>(maxIndex)}})
                    .toJson(QJsonDocument::Compact));
        });
        server.route("GET", QStringLiteral("/api/healthz"),
                     [](const FakeRequest &) { return FakeResponse::json(R"({"status":"ok"})"); });
        server.route("GET", QStringLiteral("/api/readyz"), [](const FakeRequest &) {
            return FakeResponse::json(R"({"status":"ready"})");
        });
        server.route("GET", QStringLiteral("/api/values/all"), [this](const FakeRequest &) {
            QJsonArray rows;
            for (const auto &entry : values)
                rows.append(
                    QJsonObject{{QStringLiteral("number"), static_cast<qint64>(entry.first)}});
            return FakeResponse::json(QJsonDocument(rows).toJson(QJsonDocument::Compact));
        });
        server.route("GET", QStringLiteral("/api/values/current"), [this](const FakeRequest &) {
            QJsonObject body;
            for (const auto &entry : values)
                body.insert(QString::number(entry.first), entry.second);
            return FakeResponse::json(QJsonDocument(body).toJson(QJsonDocument::Compact));
        });
        server.route("POST", QStringLiteral("/api/values"), [this](const FakeRequest &request) {
            if (nextSubmitAnswer)
                return *std::exchange(nextSubmitAnswer, std::nullopt);
            const auto index = static_cast<fib::Index>(QJsonDocument::fromJson(request.body)
                                                           .object()
                                                           .value(QStringLiteral("index"))
                                                           .toInteger());
            values.emplace(index, kPending);
            return FakeResponse::json(R"({"working":true})");
        });
        server.route("GET", QStringLiteral("/api/events"), [this](const FakeRequest &) {
            if (!eventsAvailable)
                return FakeResponse::problem(503, QStringLiteral("Too many streams"),
                                             QStringLiteral("try later"));
            return FakeResponse::eventStream("retry: 2000\n\n");
        });
    }

    int posts() const { return server.count("POST", QStringLiteral("/api/values")); }
    fib::Index postedIndex(int n) const
    {
        const auto post = server.requestsFor("POST", QStringLiteral("/api/values")).at(n);
        return static_cast<fib::Index>(
            QJsonDocument::fromJson(post.body).object().value(QStringLiteral("index")).toInteger());
    }
};

QString summaryOf(const QString &digits)
{
    return digits.left(20) + QStringLiteral("...") + digits.right(20) +
           QStringLiteral(" (%1 digits)").arg(digits.size());
}

FakeResponse fullValue(fib::Index index, const QString &digits)
{
    return FakeResponse::json(
        QJsonDocument(QJsonObject{{QStringLiteral("index"), static_cast<qint64>(index)},
                                  {QStringLiteral("status"), QStringLiteral("done")},
                                  {QStringLiteral("digits"), digits.size()},
                                  {QStringLiteral("value"), digits}})
            .toJson(QJsonDocument::Compact));
}

} // namespace

class MainWindowTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<FakeBackend> m_backend;
    std::unique_ptr<MainWindow> m_window;
    QLineEdit *m_edit = nullptr;
    QLabel *m_message = nullptr;

    // `prepare` runs before the event loop does: before any answer is in.
    void openWindow(const QUrl &url, const std::function<void(MainWindow &)> &prepare = {})
    {
        m_window = std::make_unique<MainWindow>(url);
        if (prepare)
            prepare(*m_window);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_edit = m_window->findChild<QLineEdit *>(QStringLiteral("indexEdit"));
        m_message = m_window->findChild<QLabel *>(QStringLiteral("inputMessage"));
        QVERIFY(m_edit);
        QVERIFY(m_message);
    }

    void openWindow() { openWindow(m_backend->server.url()); }

    QString row(int r) const { return m_window->values()->index(r).data().toString(); }

    template <typename T>
    T *child(const char *name) const
    {
        auto *widget = m_window->findChild<T *>(QLatin1String(name));
        if (!widget)
            qWarning("no child named %s", name);
        return widget;
    }

    QListView *valuesView() const { return child<QListView>("valuesView"); }
    fib::Index indexAt(const QModelIndex &item) const
    {
        return static_cast<fib::Index>(item.data(ValuesModel::IndexRole).toULongLong());
    }
    // The index of the row at the top of the visible part of the list.
    fib::Index topIndex() const { return indexAt(valuesView()->indexAt(QPoint(1, 1))); }

    void activate()
    {
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    }

    int gets(const char *path) const
    {
        return m_backend->server.count("GET", QString::fromLatin1(path));
    }

    // These return whether they saw it (for QVERIFY: a QTRY_* in a helper would only leave
    // the helper).
    [[nodiscard]] bool waitForLive()
    {
        const bool live = QTest::qWaitFor(
            [this] {
                return m_backend->server.openStreams() == 1 &&
                       m_window->connectionStatus() == QStringLiteral("Live updates on");
            },
            20000);
        if (!live)
            qWarning("not live: %s", qPrintable(m_window->connectionStatus()));
        return live;
    }

    // Each list has been fetched `times` over, no more: the window's fetch at start and the
    // stream's reset as it opens (or its first poll request) make 2.
    [[nodiscard]] bool waitForListFetches(int times)
    {
        const auto reached = [this, times] {
            return gets("/api/values/current") >= times && gets("/api/values/all") >= times;
        };
        const bool arrived = QTest::qWaitFor(reached, 20000);
        const int values = gets("/api/values/current");
        const int indexes = gets("/api/values/all");
        const bool exact = arrived && values == times && indexes == times;
        if (!exact)
            qWarning("expected %d fetches of each list, got %d of the values and %d of the indexes",
                     times, values, indexes);
        return exact;
    }

    void submit(const QString &text)
    {
        QTest::keyClicks(m_edit, text);
        QTest::keyClick(m_edit, Qt::Key_Return);
    }

    void waitForInfo()
    {
        QTRY_VERIFY(m_backend->server.count("GET", QStringLiteral("/api/info")) >= 1);
        QTRY_COMPARE(
            m_window->serverPage()->findChild<QLabel *>(QStringLiteral("serverVersion"))->text(),
            QStringLiteral("0.1.0"));
    }

private slots:
    void init()
    {
        m_backend = std::make_unique<FakeBackend>();
        QVERIFY(m_backend->server.listen());
    }

    void cleanup()
    {
        m_window.reset();
        m_backend.reset();
    }

    void titleAndParity()
    {
        m_backend->values = {{5, QStringLiteral("5")}, {10, QStringLiteral("55")}, {12, kPending}};
        openWindow();
        QCOMPARE(m_window->windowTitle(), QStringLiteral("Fibonacci Calculator"));
        auto *indexes = m_window->findChild<QPlainTextEdit *>(QStringLiteral("indexesText"));
        QTRY_COMPARE(indexes->toPlainText(), QStringLiteral("5, 10, 12"));
        QTRY_COMPARE(m_window->values()->rowCount(), 3);
        QCOMPARE(row(0), QStringLiteral("For index 5 I calculated 5"));
        QCOMPARE(row(2), QStringLiteral("For index 12 I calculated Nothing yet!"));
        QVERIFY(!m_edit->accessibleName().isEmpty());
        QTRY_COMPARE(m_window->connectionStatus(), QStringLiteral("Live updates on"));
    }

    void enterSubmitsAndClearsTheField()
    {
        openWindow();
        QTest::keyClicks(m_edit, QStringLiteral("10"));
        QCOMPARE(m_edit->text(), QStringLiteral("10"));
        QTest::keyClick(m_edit, Qt::Key_Return);
        QTRY_COMPARE(m_backend->posts(), 1);
        const auto post =
            m_backend->server.requestsFor("POST", QStringLiteral("/api/values")).first();
        QCOMPARE(QJsonDocument::fromJson(post.body).object().value(QStringLiteral("index")).toInt(),
                 10);
        QTRY_COMPARE(m_edit->text(), QString());
        QTRY_COMPARE(m_window->values()->rowCount(), 1);
        QCOMPARE(row(0), QStringLiteral("For index 10 I calculated Nothing yet!"));
        QVERIFY(m_window->calculatorPage()->inputMessage().isEmpty());

        // The button does the same.
        QTest::keyClicks(m_edit, QStringLiteral("11"));
        QTest::mouseClick(m_window->findChild<QPushButton *>(QStringLiteral("submitButton")),
                          Qt::LeftButton);
        QTRY_COMPARE(m_backend->posts(), 2);
        QTRY_COMPARE(m_edit->text(), QString());
        auto *indexes = m_window->findChild<QPlainTextEdit *>(QStringLiteral("indexesText"));
        QTRY_COMPARE(indexes->toPlainText(), QStringLiteral("10, 11"));
    }

    void serverProblemIsShownAndTextKept()
    {
        openWindow();
        m_backend->nextSubmitAnswer =
            FakeResponse::problem(422, QStringLiteral("Index too high"),
                                  QStringLiteral("index 999 is above the maximum 500"));
        QTest::keyClicks(m_edit, QStringLiteral("999"));
        QTest::keyClick(m_edit, Qt::Key_Enter);
        QTRY_COMPARE(m_window->calculatorPage()->inputMessage(),
                     QStringLiteral("Index too high: index 999 is above the maximum 500"));
        QCOMPARE(m_edit->text(), QStringLiteral("999"));
        QCOMPARE(m_window->values()->rowCount(), 0);
        // Typing again clears the message.
        QTest::keyClick(m_edit, Qt::Key_Backspace);
        QVERIFY(m_window->calculatorPage()->inputMessage().isEmpty());
    }

    void emptyFieldSaysWhatToType()
    {
        openWindow();
        QVERIFY(m_window->calculatorPage()->inputMessage().isEmpty());
        QTest::keyClick(m_edit, Qt::Key_Return);
        QVERIFY2(m_message->text().contains(QStringLiteral("Type an index")),
                 qPrintable(m_message->text()));
        QVERIFY(!child<QPushButton>("submitButton")->isEnabled());
    }

    // A typo is kept as typed and marked, never turned into another index: the validator used to
    // drop the refused key, so 1001 became 100 and Enter submitted that.
    void typoIsKeptAndNeverSubmitted_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("reason");
        QTest::newRow("above the cap") << QStringLiteral("1001") << QLocale().toString(1000ULL);
        QTest::newRow("exponent") << QStringLiteral("1e3") << QStringLiteral("digits");
        QTest::newRow("minus") << QStringLiteral("-1") << QStringLiteral("digits");
        QTest::newRow("letters") << QStringLiteral("abc") << QStringLiteral("digits");
        QTest::newRow("inner space") << QStringLiteral("1 0") << QStringLiteral("digits");
        QTest::newRow("decimal") << QStringLiteral("4.2") << QStringLiteral("digits");
    }

    void typoIsKeptAndNeverSubmitted()
    {
        QFETCH(QString, text);
        QFETCH(QString, reason);
        openWindow();
        waitForInfo(); // the cap is the fake's 1000
        auto *submit = child<QPushButton>("submitButton");
        QTest::keyClicks(m_edit, text);
        QCOMPARE(m_edit->text(), text);
        QVERIFY2(m_window->calculatorPage()->inputMessage().contains(reason),
                 qPrintable(m_message->text()));
        QVERIFY(!submit->isEnabled());
        QTest::keyClick(m_edit, Qt::Key_Return);
        QTest::keyClick(m_edit, Qt::Key_Enter);
        QTest::mouseClick(submit, Qt::LeftButton);
        QCOMPARE(m_edit->text(), text);
        QVERIFY2(m_window->calculatorPage()->inputMessage().contains(reason),
                 qPrintable(m_message->text()));

        // Nothing went out: the next index typed is the first and only one the server gets.
        QTest::keyClick(m_edit, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(m_edit, QStringLiteral("7"));
        QCOMPARE(m_edit->text(), QStringLiteral("7"));
        QVERIFY(m_window->calculatorPage()->inputMessage().isEmpty());
        QVERIFY(submit->isEnabled());
        QTest::keyClick(m_edit, Qt::Key_Return);
        QTRY_COMPARE(m_window->values()->rowCount(), 1);
        QCOMPARE(m_backend->posts(), 1);
        QCOMPARE(m_backend->postedIndex(0), fib::Index{7});
    }

    void pastedWhiteSpaceIsTrimmed_data()
    {
        QTest::addColumn<QString>("pasted");
        QTest::newRow("leading space") << QStringLiteral(" 12");
        QTest::newRow("trailing newline") << QStringLiteral("12\n");
        QTest::newRow("both") << QStringLiteral("\t12  ");
    }

    void pastedWhiteSpaceIsTrimmed()
    {
        QFETCH(QString, pasted);
        openWindow();
        waitForInfo();
        QGuiApplication::clipboard()->setText(pasted);
        QTest::keySequence(m_edit, QKeySequence::Paste);
        QVERIFY2(m_window->calculatorPage()->inputMessage().isEmpty(),
                 qPrintable(m_message->text()));
        QVERIFY(child<QPushButton>("submitButton")->isEnabled());
        QTest::keyClick(m_edit, Qt::Key_Return);
        QTRY_COMPARE(m_backend->posts(), 1);
        QCOMPARE(m_backend->postedIndex(0), fib::Index{12});
        QTRY_COMPARE(m_edit->text(), QString());
    }

    // Typed while the cap was still the default, then the server's lower cap arrives.
    void textAboveALaterCapIsExplainedOnEnter()
    {
        openWindow();
        waitForInfo();
        m_window->calculatorPage()->setMaxIndex(1'000'000);
        QTest::keyClicks(m_edit, QStringLiteral("70"));
        auto *submit = child<QPushButton>("submitButton");
        QVERIFY(submit->isEnabled());
        m_window->calculatorPage()->setMaxIndex(50); // as when /api/info answers late
        QVERIFY2(m_window->calculatorPage()->inputMessage().contains(QStringLiteral("50")),
                 qPrintable(m_window->calculatorPage()->inputMessage()));
        QVERIFY(!submit->isEnabled());
        QTest::keyClick(m_edit, Qt::Key_Return);
        QVERIFY2(m_window->calculatorPage()->inputMessage().contains(QStringLiteral("50")),
                 qPrintable(m_window->calculatorPage()->inputMessage()));
        QCOMPARE(m_edit->text(), QStringLiteral("70"));
        QCOMPARE(m_backend->posts(), 0);
    }

    void liveEventTurnsPendingRowIntoValue()
    {
        m_backend->values = {{7, kPending}};
        openWindow();
        QTRY_COMPARE(m_window->values()->rowCount(), 1);
        QVERIFY(m_window->values()->index(0).data(ValuesModel::PendingRole).toBool());
        QTRY_COMPARE(m_backend->server.openStreams(), 1);
        QTRY_COMPARE(m_window->connectionStatus(), QStringLiteral("Live updates on"));
        // The fake's lists still say pending: only the event can bring the value.
        m_backend->server.push(
            "id: t-1\nevent: computed\ndata: {\"index\":7,\"value\":\"13\"}\n\n");
        QTRY_COMPARE(row(0), QStringLiteral("For index 7 I calculated 13"));
        QVERIFY(!m_window->values()->index(0).data(ValuesModel::PendingRole).toBool());
    }

    void pollsWhenTheStreamIsFull()
    {
        m_backend->eventsAvailable = false;
        m_backend->values = {{7, kPending}};
        openWindow();
        QTRY_COMPARE(m_window->values()->rowCount(), 1);
        QTRY_VERIFY2(m_window->connectionStatus().startsWith(QStringLiteral("No live updates")),
                     qPrintable(m_window->connectionStatus()));
        m_backend->values[7] = QStringLiteral("13");
        QTRY_COMPARE_WITH_TIMEOUT(row(0), QStringLiteral("For index 7 I calculated 13"), 10000);
    }

    // With live events on, a submit costs one POST: the row shows pending at once and the
    // computed event brings the value; the lists are not fetched again (with 10,000 rows that
    // was 20 GETs per submit).
    void liveSubmitDoesNotRefetchTheLists()
    {
        openWindow();
        QVERIFY(waitForLive());
        QVERIFY(waitForListFetches(2));
        auto *indexes = child<QPlainTextEdit>("indexesText");
        submit(QStringLiteral("10"));
        QTRY_VERIFY(m_window->values()->rowOf(10));
        QCOMPARE(row(0), QStringLiteral("For index 10 I calculated Nothing yet!"));
        QVERIFY(m_window->values()->index(0).data(ValuesModel::PendingRole).toBool());
        QCOMPARE(indexes->toPlainText(), QStringLiteral("10"));

        m_backend->server.push("id: t-1\nevent: computed\n"
                               "data: {\"index\":10,\"value\":\"55\"}\n\n");
        QTRY_COMPARE(row(0), QStringLiteral("For index 10 I calculated 55"));
        QCOMPARE(m_window->values()->pendingCount(), 0);
        // A refetch would have gone out as the submit was answered, before the event was even
        // sent; this request goes out after both, so once it is in, a refetch would be too.
        const int infos = m_backend->server.count("GET", QStringLiteral("/api/info"));
        m_window->api()->fetchInfo();
        QTRY_COMPARE(m_backend->server.count("GET", QStringLiteral("/api/info")), infos + 1);
        QCOMPARE(gets("/api/values/current"), 2);
        QCOMPARE(gets("/api/values/all"), 2);
        QCOMPARE(m_backend->posts(), 1);
    }

    // The submit's answer can come after the value's event: the value stays, not "pending".
    void valueEventBeforeTheSubmitAnswerIsKept()
    {
        openWindow();
        QVERIFY(waitForLive());
        FakeResponse late = FakeResponse::json(R"({"working":true})");
        late.held = true;
        m_backend->nextSubmitAnswer = late;
        submit(QStringLiteral("10"));
        QTRY_COMPARE(m_backend->posts(), 1);
        m_backend->server.push("id: t-1\nevent: computed\n"
                               "data: {\"index\":10,\"value\":\"55\"}\n\n");
        QTRY_COMPARE(m_window->values()->rowCount(), 1);
        QCOMPARE(row(0), QStringLiteral("For index 10 I calculated 55"));
        QCOMPARE(m_edit->text(), QStringLiteral("10")); // not answered yet

        QCOMPARE(m_backend->server.releaseHeld(), 1);
        QTRY_COMPARE(m_edit->text(), QString()); // answered: the submission is accepted
        QCOMPARE(m_window->values()->rowCount(), 1);
        QCOMPARE(row(0), QStringLiteral("For index 10 I calculated 55"));
        QCOMPARE(m_window->values()->pendingCount(), 0);
        QCOMPARE(child<QPlainTextEdit>("indexesText")->toPlainText(), QStringLiteral("10"));
    }

    // Without live events only the lists can tell the value (a resubmitted index sends no
    // event at all): a submit refetches them.
    void pollingSubmitRefetchesTheLists()
    {
        m_backend->eventsAvailable = false;
        // Polls and probes far apart: only the submit can explain another fetch.
        openWindow(m_backend->server.url(), [](MainWindow &window) {
            EventStream *events = window.api()->events();
            EventStream::Timing timing = events->timing();
            timing.pollBusyMs = 600000;
            timing.pollIdleMaxMs = 600000;
            timing.probeMs = 600000;
            events->setTiming(timing);
        });
        QTRY_VERIFY2(m_window->connectionStatus().startsWith(QStringLiteral("No live updates")),
                     qPrintable(m_window->connectionStatus()));
        QVERIFY(waitForListFetches(2));
        m_backend->values.emplace(3, QStringLiteral("2")); // another client's
        submit(QStringLiteral("10"));
        QVERIFY(waitForListFetches(3));
        QTRY_COMPARE(child<QPlainTextEdit>("indexesText")->toPlainText(), QStringLiteral("3, 10"));
        QTRY_COMPARE(m_window->values()->rowCount(), 2);
        QCOMPARE(row(0), QStringLiteral("For index 3 I calculated 2"));
    }

    // The server's reset (events were missed) refetches the lists, and so does a stream opened
    // again with no event ID to resume from.
    void resetAndReconnectionRefetchTheLists()
    {
        openWindow();
        QVERIFY(waitForLive());
        QVERIFY(waitForListFetches(2));
        m_backend->values.emplace(4, QStringLiteral("3")); // missed
        m_backend->server.push("event: reset\ndata: {}\n\n");
        QVERIFY(waitForListFetches(3));
        QTRY_VERIFY(m_window->values()->rowOf(4));
        QCOMPARE(row(0), QStringLiteral("For index 4 I calculated 3"));

        m_backend->values.emplace(5, QStringLiteral("5")); // missed while disconnected
        m_backend->server.abortStreams();
        QVERIFY(waitForListFetches(4));
        QTRY_COMPARE(m_window->values()->rowCount(), 2);
        QCOMPARE(row(1), QStringLiteral("For index 5 I calculated 5"));
        QVERIFY(waitForLive());
    }

    void unreachableServerOffersRetry()
    {
        const fib::desktop::test::RefusingPort refusing;
        openWindow(refusing.url());
        auto *banner = m_window->findChild<QWidget *>(QStringLiteral("connectionBanner"));
        auto *text = m_window->findChild<QLabel *>(QStringLiteral("connectionMessage"));
        auto *retry = m_window->findChild<QPushButton *>(QStringLiteral("retryButton"));
        QTRY_VERIFY(banner->isVisible());
        QVERIFY2(
            text->text().startsWith(QStringLiteral("Cannot reach the server at http://127.0.0.1:")),
            qPrintable(text->text()));
        QVERIFY(retry->isVisible());
        QVERIFY(retry->isEnabled());
        // Submitting says so next to the field too, and keeps the text.
        QTest::keyClicks(m_edit, QStringLiteral("8"));
        QTest::keyClick(m_edit, Qt::Key_Return);
        QTRY_VERIFY2(m_message->text().startsWith(QStringLiteral("Cannot reach the server")),
                     qPrintable(m_message->text()));
        // "Submitting index 8..." does not stay up as if the index were still on its way.
        QVERIFY2(!m_window->statusBar()->currentMessage().startsWith(QStringLiteral("Submitting")),
                 qPrintable(m_window->statusBar()->currentMessage()));
        QCOMPARE(m_edit->text(), QStringLiteral("8"));
        QTest::mouseClick(retry, Qt::LeftButton);
        QTRY_VERIFY(banner->isVisible());

        // Once pointed at a server that answers, the banner and the message under the field go.
        m_window->setServerUrl(m_backend->server.url());
        QTRY_VERIFY(!banner->isVisible());
        QTRY_VERIFY2(m_window->calculatorPage()->inputMessage().isEmpty(),
                     qPrintable(m_message->text()));
        QCOMPARE(m_edit->text(), QStringLiteral("8"));
    }

    // The same server comes back: what said it was unreachable goes away by itself.
    void staleErrorsGoWhenTheServerIsBack()
    {
        fib::desktop::test::RefusingPort refusing;
        openWindow(refusing.url());
        auto *banner = child<QWidget>("connectionBanner");
        QTRY_VERIFY(banner->isVisible());
        QTest::keyClicks(m_edit, QStringLiteral("42"));
        QTest::keyClick(m_edit, Qt::Key_Return);
        QTRY_VERIFY2(m_message->text().startsWith(QStringLiteral("Cannot reach the server")),
                     qPrintable(m_message->text()));

        FakeBackend later;
        refusing.release();
        QVERIFY(later.server.listen(refusing.port()));
        QTRY_COMPARE_WITH_TIMEOUT(m_window->connectionStatus(), QStringLiteral("Live updates on"),
                                  20000);
        QTRY_VERIFY(!banner->isVisible());
        QTRY_VERIFY2(m_window->calculatorPage()->inputMessage().isEmpty(),
                     qPrintable(m_message->text()));
        QCOMPARE(m_edit->text(), QStringLiteral("42"));
    }

    // "retrying in N s" counts down, and the wait between attempts stays short.
    void reconnectingCountsDown()
    {
        QVERIFY(EventStream::Timing{}.maxRetryMs <= 5000);
        const fib::desktop::test::RefusingPort refusing;
        openWindow(refusing.url());
        EventStream *events = m_window->api()->events();
        EventStream::Timing timing = events->timing();
        timing.retryMs = 9000;
        timing.maxRetryMs = 9000;
        events->setTiming(timing);
        QTRY_VERIFY_WITH_TIMEOUT(events->state() == EventStream::State::Reconnecting &&
                                     events->nextAttemptMs() > 6000,
                                 30000);
        const QString first = m_window->connectionStatus();
        QVERIFY2(first.startsWith(QStringLiteral("Disconnected: retrying in")), qPrintable(first));
        QSignalSpy states(events, &EventStream::stateChanged);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->connectionStatus() != first, 6000);
        QCOMPARE(states.count(), 0); // the same wait, a smaller number
        QVERIFY2(
            m_window->connectionStatus().startsWith(QStringLiteral("Disconnected: retrying in")),
            qPrintable(m_window->connectionStatus()));
    }

    // Every action reachable with Alt+letter has its own letter (Alt+H and Alt+V used to belong
    // to both a button and a menu, so neither worked).
    void mnemonicsAreUnique()
    {
        m_backend->values = {{5, QStringLiteral("5")}};
        m_backend->server.route("GET", QStringLiteral("/api/values/5"), [](const FakeRequest &) {
            return fullValue(5, QStringLiteral("5"));
        });
        openWindow();
        QStringList texts;
        const auto menus = m_window->menuBar()->actions();
        for (const QAction *menu : menus)
            texts.append(menu->text());
        const auto buttons = m_window->findChildren<QAbstractButton *>();
        for (const QAbstractButton *button : buttons)
            if (button->isVisibleTo(m_window.get()) && !button->isHidden())
                texts.append(button->text());
        const auto labels = m_window->findChildren<QLabel *>();
        for (const QLabel *label : labels)
            if (label->buddy() && label->isVisibleTo(m_window.get()))
                texts.append(label->text());
        // The banner's Retry shares the page when the server is down.
        texts.append(child<QPushButton>("retryButton")->text());
        QMap<QString, QStringList> byKey;
        for (const QString &text : std::as_const(texts)) {
            const QKeySequence key = QKeySequence::mnemonic(text);
            if (!key.isEmpty())
                byKey[key.toString()].append(text);
        }
        for (auto it = byKey.cbegin(); it != byKey.cend(); ++it)
            QVERIFY2(it.value().size() == 1, qPrintable(it.key() + QStringLiteral(": ") +
                                                        it.value().join(QStringLiteral(", "))));

        // And they work: Alt+C copies the selected row's value, Alt+D shows its digits.
        QTRY_COMPARE(m_window->values()->rowCount(), 1);
        activate();
        valuesView()->setCurrentIndex(m_window->values()->index(0));
        QSignalSpy asked(m_window->calculatorPage(), &CalculatorPage::valueActionRequested);
        QGuiApplication::clipboard()->clear();
        QTest::keyClick(m_window.get(), Qt::Key_C, Qt::AltModifier);
        QTRY_COMPARE(asked.count(), 1); // a mnemonic clicks its button with a short animation
        QCOMPARE(asked.at(0).at(1).value<CalculatorPage::ValueAction>(),
                 CalculatorPage::ValueAction::Copy);
        QTRY_COMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("5"));
        QTest::keyClick(m_window.get(), Qt::Key_D, Qt::AltModifier);
        QTRY_COMPARE(asked.count(), 2);
        QCOMPARE(asked.at(1).at(1).value<CalculatorPage::ValueAction>(),
                 CalculatorPage::ValueAction::Show);
    }

    // Ctrl+C on a row copies the value, every digit of it, not the row's sentence.
    void copyKeyCopiesTheValue()
    {
        const QString digits = QStringLiteral("1234567890").repeated(120);
        m_backend->values = {{5000, summaryOf(digits)}};
        m_backend->server.route("GET", QStringLiteral("/api/values/5000"),
                                [digits](const FakeRequest &) { return fullValue(5000, digits); });
        openWindow();
        QTRY_COMPARE(m_window->values()->rowCount(), 1);
        activate();
        QListView *view = valuesView();
        view->setFocus();
        view->setCurrentIndex(m_window->values()->index(0));
        QGuiApplication::clipboard()->clear();
        QTest::keySequence(view, QKeySequence::Copy);
        QTRY_COMPARE(QGuiApplication::clipboard()->text(), digits);
    }

    // A live update of "Indexes I have seen" keeps where the user scrolled to and what they
    // selected, and the box shows whole lines.
    void indexesKeepTheirPlaceOnUpdates()
    {
        for (fib::Index i = 1; i <= 3000; ++i)
            m_backend->values.emplace(i * 2, QString::number(i));
        openWindow();
        auto *indexes = child<QPlainTextEdit>("indexesText");
        QTRY_VERIFY(indexes->toPlainText().endsWith(QStringLiteral(", 6000")));
        QScrollBar *bar = indexes->verticalScrollBar();
        QTRY_VERIFY(bar->maximum() > 20);

        const QString text = indexes->toPlainText();
        const auto at = static_cast<int>(text.indexOf(QStringLiteral(", 3000,")) + 2);
        QTextCursor selection = indexes->textCursor();
        selection.setPosition(at);
        selection.setPosition(at + 4, QTextCursor::KeepAnchor);
        indexes->setTextCursor(selection);
        bar->setValue(bar->maximum() / 3);
        const int scrolled = bar->value();
        QVERIFY(scrolled > 0);

        // Others' values: one index before all the others, one after (the lists say so too).
        m_backend->values.emplace(1, QStringLiteral("1"));
        m_backend->values.emplace(7001, QStringLiteral("5"));
        QTRY_COMPARE(m_backend->server.openStreams(), 1);
        m_backend->server.push(
            "id: t-1\nevent: computed\ndata: {\"index\":1,\"value\":\"1\"}\n\n"
            "id: t-2\nevent: computed\ndata: {\"index\":7001,\"value\":\"5\"}\n\n");
        QTRY_VERIFY(indexes->toPlainText().startsWith(QStringLiteral("1, 2, 4, ")));
        QTRY_VERIFY(indexes->toPlainText().endsWith(QStringLiteral(", 6000, 7001")));
        QCOMPARE(bar->value(), scrolled);
        QCOMPARE(indexes->textCursor().selectedText(), QStringLiteral("3000"));

        // Whole lines: no line crosses the bottom edge, scrolled or not.
        const auto noLineCut = [indexes] {
            const QTextBlock block = indexes->document()->firstBlock();
            const QTextLayout *layout = block.layout();
            const int bottom = indexes->viewport()->height();
            for (int i = 0; i < layout->lineCount(); ++i) {
                const QTextLine line = layout->lineAt(i);
                QTextCursor cursor(indexes->document());
                cursor.setPosition(block.position() + line.textStart());
                const qreal top = indexes->cursorRect(cursor).top();
                if (top < bottom && top + line.height() > bottom + 0.5) {
                    qWarning("line %d: %g to %g, the view ends at %d", i, top, top + line.height(),
                             bottom);
                    return false;
                }
            }
            return true;
        };
        QVERIFY(noLineCut());
        bar->setValue(0);
        QVERIFY(noLineCut());
    }

    // After a submit the new row is selected and in view; others' values do not move the list.
    void submittedRowIsSelectedAndOthersDoNotMoveTheList()
    {
        m_backend->maxIndex = 5000;
        for (fib::Index i = 1000; i < 1300; ++i)
            m_backend->values.emplace(i, QString::number(i));
        openWindow();
        QTRY_COMPARE(m_window->values()->rowCount(), 300);
        QListView *view = valuesView();
        view->scrollTo(m_window->values()->index(150), QAbstractItemView::PositionAtTop);
        QCOMPARE(topIndex(), fib::Index{1150});

        QTRY_COMPARE(m_backend->server.openStreams(), 1);
        m_backend->server.push("id: t-1\nevent: computed\ndata: {\"index\":5,\"value\":\"5\"}\n\n");
        QTRY_VERIFY(m_window->values()->rowOf(5));
        QCOMPARE(topIndex(), fib::Index{1150});

        QTest::keyClicks(m_edit, QStringLiteral("2000"));
        QTest::keyClick(m_edit, Qt::Key_Return);
        QTRY_VERIFY(m_window->values()->rowOf(2000));
        QTRY_COMPARE(indexAt(view->currentIndex()), fib::Index{2000});
        QVERIFY(view->selectionModel()->isSelected(view->currentIndex()));
        QVERIFY(view->viewport()->rect().contains(view->visualRect(view->currentIndex())));
    }

    // Show All Digits, Copy Value and Save Value follow the selection, also when another
    // server's rows replace the list.
    void valueButtonsFollowTheSelectionAcrossServers()
    {
        m_backend->values = {{5, QStringLiteral("5")}};
        openWindow();
        QTRY_COMPARE(m_window->values()->rowCount(), 1);
        valuesView()->setCurrentIndex(m_window->values()->index(0));
        const QList<QWidget *> buttons{child<QPushButton>("showValueButton"),
                                       child<QPushButton>("copyValueButton"),
                                       child<QPushButton>("saveValueButton")};
        for (QWidget *button : buttons)
            QVERIFY(button->isEnabled());

        FakeBackend other;
        other.values = {{6, QStringLiteral("8")}};
        QVERIFY(other.server.listen());
        m_window->setServerUrl(other.server.url());
        const auto noneEnabled = [&] {
            for (QWidget *button : buttons)
                if (button->isEnabled())
                    return false;
            const auto actions = valuesView()->actions();
            for (const QAction *action : actions)
                if (action->isEnabled())
                    return false;
            return true;
        };
        QVERIFY(noneEnabled());
        QTRY_COMPARE(m_window->values()->rowCount(), 1);
        QCOMPARE(m_window->values()->entryAt(0).index, fib::Index{6});
        QVERIFY(noneEnabled());
    }

    void iconAndAboutBox()
    {
        openWindow();
        QVERIFY(!m_window->windowIcon().isNull());
        QVERIFY(!m_window->windowIcon().pixmap(32, 32).isNull());

        QAction *about = nullptr;
        const auto menus = m_window->menuBar()->actions();
        for (const QAction *menu : menus)
            if (menu->menu())
                for (QAction *action : menu->menu()->actions())
                    if (action->text().startsWith(QStringLiteral("&About Fib")))
                        about = action;
        QVERIFY(about);
        QString text;
        QTimer closer;
        closer.setInterval(20);
        connect(&closer, &QTimer::timeout, this, [&] {
            if (auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())) {
                text = box->text();
                box->accept();
            }
        });
        closer.start();
        about->trigger();
        closer.stop();
        QVERIFY2(text.contains(QLatin1String(fib::kVersion)), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String(qVersion())), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("LGPL")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("<a href=\"") + m_backend->server.url().toString()),
                 qPrintable(text));
    }

    // The unreachable-server banner takes the title's place: nothing under it moves.
    void bannerDoesNotMoveThePage()
    {
        openWindow();
        QWidget *page = m_window->calculatorPage();
        page->layout()->activate();
        const QPoint before = m_edit->mapTo(page, QPoint());
        m_window->calculatorPage()->showConnectionProblem(
            QStringLiteral("Cannot reach the server at http://127.0.0.1:1: Connection refused"));
        QVERIFY(child<QWidget>("connectionBanner")->isVisible());
        page->layout()->activate();
        QCOMPARE(m_edit->mapTo(page, QPoint()), before);
        m_window->calculatorPage()->hideConnectionProblem();
        page->layout()->activate();
        QCOMPARE(m_edit->mapTo(page, QPoint()), before);
    }

    // A narrow window cuts a long row once, not a second time inside its first...last summary.
    void narrowWindowShowsOneEllipsis()
    {
        m_backend->values = {
            {1000000,
             QStringLiteral("19532821287077577316...68996526838242546875 (208988 digits)")}};
        openWindow();
        QTRY_COMPARE(m_window->values()->rowCount(), 1);
        QListView *view = valuesView();
        const QString text = row(0);
        const int full = view->fontMetrics().horizontalAdvance(text);
        for (int percent = 30; percent < 100; ++percent) {
            const QString shown = fib::desktop::ValueDelegate::elidedText(text, view->fontMetrics(),
                                                                          full * percent / 100);
            QVERIFY(view->fontMetrics().horizontalAdvance(shown) <= full * percent / 100);
            QVERIFY2(shown.count(QChar(0x2026)) + shown.count(QStringLiteral("...")) == 1,
                     qPrintable(shown));
        }
    }

    void emptyListSaysWhatToDo()
    {
        openWindow();
        auto *hint = child<QLabel>("valuesPlaceholder");
        QVERIFY(hint);
        QVERIFY(hint->isVisible());
        QVERIFY(!hint->text().isEmpty());
        QTest::keyClicks(m_edit, QStringLiteral("3"));
        QTest::keyClick(m_edit, Qt::Key_Return);
        QTRY_COMPARE(m_window->values()->rowCount(), 1);
        QVERIFY(!hint->isVisible());
    }

    void serverPageAndBack()
    {
        openWindow();
        auto *pages = m_window->findChild<QStackedWidget *>();
        m_window->showServerPage();
        QCOMPARE(pages->currentWidget(), m_window->serverPage());
        const auto label = [this](const char *name) {
            return m_window->serverPage()->findChild<QLabel *>(QLatin1String(name))->text();
        };
        QTRY_COMPARE(label("serverVersion"), QStringLiteral("0.1.0"));
        QTRY_COMPARE(label("serverHealth"), QStringLiteral("Yes (ok)"));
        QTRY_COMPARE(label("serverReadiness"), QStringLiteral("Yes (ready)"));
        QCOMPARE(label("serverUrl"), m_backend->server.url().toString());
        QTest::mouseClick(
            m_window->serverPage()->findChild<QPushButton *>(QStringLiteral("backButton")),
            Qt::LeftButton);
        QCOMPARE(pages->currentWidget(), m_window->calculatorPage());
    }

    void copyFetchesEveryDigit()
    {
        const QString digits = QStringLiteral("1234567890").repeated(120);
        m_backend->values = {{5000, summaryOf(digits)}};
        m_backend->server.route("GET", QStringLiteral("/api/values/5000"),
                                [digits](const FakeRequest &) { return fullValue(5000, digits); });
        openWindow();
        auto *view = m_window->findChild<QListView *>(QStringLiteral("valuesView"));
        auto *copy = m_window->findChild<QPushButton *>(QStringLiteral("copyValueButton"));
        QTRY_COMPARE(m_window->values()->rowCount(), 1);
        QVERIFY(!copy->isEnabled());
        view->setCurrentIndex(m_window->values()->index(0));
        QVERIFY(copy->isEnabled());
        QTest::mouseClick(copy, Qt::LeftButton);
        QTRY_COMPARE(QGuiApplication::clipboard()->text(), digits);
    }
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
