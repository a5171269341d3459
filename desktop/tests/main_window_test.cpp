// The real MainWindow, driven with key events against a fake server (offscreen): submitting,
// errors shown in words, input refused before any request, live events, polling, the server
// page, copying a value.
#include <QtTest>

#include <QClipboard>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStackedWidget>

#include <map>
#include <optional>

#include "fake_http_server.hpp"
#include "fib/desktop/calculator_page.hpp"
#include "fib/desktop/main_window.hpp"
#include "fib/desktop/server_page.hpp"
#include "fib/desktop/values_model.hpp"

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
            return FakeResponse::json(QJsonDocument(QJsonObject{{QStringLiteral("service"), QStringLiteral("fib-server")},
                                                                {QStringLiteral("version"), QStringLiteral("0.1.0")},
                                                                {QStringLiteral("max_index"), static_cast<qint64>(maxIndex)}})
                                          .toJson(QJsonDocument::Compact));
        });
        server.route("GET", QStringLiteral("/api/healthz"),
                     [](const FakeRequest &) { return FakeResponse::json(R"({"status":"ok"})"); });
        server.route("GET", QStringLiteral("/api/readyz"),
                     [](const FakeRequest &) { return FakeResponse::json(R"({"status":"ready"})"); });
        server.route("GET", QStringLiteral("/api/values/all"), [this](const FakeRequest &) {
            QJsonArray rows;
            for (const auto &entry : values)
                rows.append(QJsonObject{{QStringLiteral("number"), static_cast<qint64>(entry.first)}});
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
            const auto index = static_cast<fib::Index>(
                QJsonDocument::fromJson(request.body).object().value(QStringLiteral("index")).toInteger());
            values.emplace(index, kPending);
            return FakeResponse::json(R"({"working":true})");
        });
        server.route("GET", QStringLiteral("/api/events"), [this](const FakeRequest &) {
            if (!eventsAvailable)
                return FakeResponse::problem(503, QStringLiteral("Too many streams"), QStringLiteral("try later"));
            return FakeResponse::eventStream("retry: 2000\n\n");
        });
    }

    int posts() const { return server.count("POST", QStringLiteral("/api/values")); }
};

} // namespace

class MainWindowTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<FakeBackend> m_backend;
    std::unique_ptr<MainWindow> m_window;
    QLineEdit *m_edit = nullptr;
    QLabel *m_message = nullptr;

    void openWindow(const QUrl &url)
    {
        m_window = std::make_unique<MainWindow>(url);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_edit = m_window->findChild<QLineEdit *>(QStringLiteral("indexEdit"));
        m_message = m_window->findChild<QLabel *>(QStringLiteral("inputMessage"));
        QVERIFY(m_edit);
        QVERIFY(m_message);
    }

    void openWindow() { openWindow(m_backend->server.url()); }

    QString row(int r) const { return m_window->values()->index(r).data().toString(); }

    void waitForInfo()
    {
        QTRY_VERIFY(m_backend->server.count("GET", QStringLiteral("/api/info")) >= 1);
        QTRY_COMPARE(m_window->serverPage()->findChild<QLabel *>(QStringLiteral("serverVersion"))->text(),
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
        const auto post = m_backend->server.requestsFor("POST", QStringLiteral("/api/values")).first();
        QCOMPARE(QJsonDocument::fromJson(post.body).object().value(QStringLiteral("index")).toInt(), 10);
        QTRY_COMPARE(m_edit->text(), QString());
        QTRY_COMPARE(m_window->values()->rowCount(), 1);
        QCOMPARE(row(0), QStringLiteral("For index 10 I calculated Nothing yet!"));
        QVERIFY(m_window->calculatorPage()->inputMessage().isEmpty());

        // The button does the same.
        QTest::keyClicks(m_edit, QStringLiteral("11"));
        QTest::mouseClick(m_window->findChild<QPushButton *>(QStringLiteral("submitButton")), Qt::LeftButton);
        QTRY_COMPARE(m_backend->posts(), 2);
        QTRY_COMPARE(m_edit->text(), QString());
        auto *indexes = m_window->findChild<QPlainTextEdit *>(QStringLiteral("indexesText"));
        QTRY_COMPARE(indexes->toPlainText(), QStringLiteral("10, 11"));
    }

    void serverProblemIsShownAndTextKept()
    {
        openWindow();
        m_backend->nextSubmitAnswer =
            FakeResponse::problem(422, QStringLiteral("Index too high"), QStringLiteral("index 999 is above the maximum 500"));
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

    void lettersAreRefusedBeforeAnyRequest()
    {
        openWindow();
        QTest::keyClicks(m_edit, QStringLiteral("abc"));
        QCOMPARE(m_edit->text(), QString());
        QVERIFY(!m_window->calculatorPage()->inputMessage().isEmpty());
        QVERIFY2(m_message->text().contains(QStringLiteral("digits")), qPrintable(m_message->text()));
        QTest::keyClick(m_edit, Qt::Key_Return);
        QVERIFY2(m_message->text().contains(QStringLiteral("Type an index")), qPrintable(m_message->text()));
        QTest::keyClicks(m_edit, QStringLiteral("4x2-.e"));
        QCOMPARE(m_edit->text(), QStringLiteral("42"));
        QVERIFY2(m_message->text().contains(QStringLiteral("digits")), qPrintable(m_message->text()));
        QTest::qWait(200);
        QCOMPARE(m_backend->posts(), 0);
    }

    void indexAboveTheServersCapIsRefused()
    {
        openWindow();
        waitForInfo();
        QTest::keyClicks(m_edit, QStringLiteral("1001"));
        QCOMPARE(m_edit->text(), QStringLiteral("100"));
        QVERIFY2(m_message->text().contains(QLocale().toString(1000ULL)), qPrintable(m_message->text()));
        QCOMPARE(m_backend->posts(), 0);
    }

    // Typed while the cap was still the default, then the server's lower cap arrives.
    void textAboveALaterCapIsExplainedOnEnter()
    {
        openWindow();
        waitForInfo();
        m_window->calculatorPage()->setMaxIndex(1'000'000);
        QTest::keyClicks(m_edit, QStringLiteral("70"));
        m_window->calculatorPage()->setMaxIndex(50); // as when /api/info answers late
        QVERIFY2(m_window->calculatorPage()->inputMessage().contains(QStringLiteral("50")),
                 qPrintable(m_window->calculatorPage()->inputMessage()));
        m_window->calculatorPage()->clearInputMessage();
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
        m_backend->server.push("id: t-1\nevent: computed\ndata: {\"index\":7,\"value\":\"13\"}\n\n");
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

    void unreachableServerOffersRetry()
    {
        openWindow(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(fib::desktop::test::unusedPort())));
        auto *banner = m_window->findChild<QWidget *>(QStringLiteral("connectionBanner"));
        auto *text = m_window->findChild<QLabel *>(QStringLiteral("connectionMessage"));
        auto *retry = m_window->findChild<QPushButton *>(QStringLiteral("retryButton"));
        QTRY_VERIFY(banner->isVisible());
        QVERIFY2(text->text().startsWith(QStringLiteral("Cannot reach the server at http://127.0.0.1:")),
                 qPrintable(text->text()));
        QVERIFY(retry->isVisible());
        QVERIFY(retry->isEnabled());
        // Submitting says so next to the field too, and keeps the text.
        QTest::keyClicks(m_edit, QStringLiteral("8"));
        QTest::keyClick(m_edit, Qt::Key_Return);
        QTRY_VERIFY2(m_message->text().startsWith(QStringLiteral("Cannot reach the server")), qPrintable(m_message->text()));
        QCOMPARE(m_edit->text(), QStringLiteral("8"));
        QTest::mouseClick(retry, Qt::LeftButton);
        QTRY_VERIFY(banner->isVisible());

        // Once pointed at a server that answers, the banner goes away.
        m_window->setServerUrl(m_backend->server.url());
        QTRY_VERIFY(!banner->isVisible());
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
        QTest::mouseClick(m_window->serverPage()->findChild<QPushButton *>(QStringLiteral("backButton")), Qt::LeftButton);
        QCOMPARE(pages->currentWidget(), m_window->calculatorPage());
    }

    void copyFetchesEveryDigit()
    {
        const QString digits = QStringLiteral("1234567890").repeated(120);
        m_backend->values = {{5000, QStringLiteral("12345678901234567890...12345678901234567890 (1200 digits)")}};
        m_backend->server.route("GET", QStringLiteral("/api/values/5000"), [digits](const FakeRequest &) {
            return FakeResponse::json(QJsonDocument(QJsonObject{{QStringLiteral("index"), 5000},
                                                                {QStringLiteral("status"), QStringLiteral("done")},
                                                                {QStringLiteral("digits"), 1200},
                                                                {QStringLiteral("value"), digits}})
                                          .toJson(QJsonDocument::Compact));
        });
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
