// The start-up probe behind --exit-after-load: it reports once the window is exposed and every
// page of both lists is in, fails on a list that cannot be loaded or on its time limit; and the
// program itself prints the JSON line and exits 0 (or 1) with the option.
#include <QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QWindow>

#include <optional>

#include "fake_http_server.hpp"
#include "fib/desktop/main_window.hpp"
#include "fib/desktop/startup_probe.hpp"
#include "fib/desktop/values_model.hpp"
#include "wait.hpp"

using fib::desktop::MainWindow;
using fib::desktop::StartupProbe;
using fib::desktop::test::FakeHttpServer;
using fib::desktop::test::FakeRequest;
using fib::desktop::test::FakeResponse;

namespace {

// More than two pages of 1,000, as fib-server pages them: a full page names the next in a Link
// header, so the last (partial) page has none.
constexpr int kRows = 2500;

struct PagedBackend {
    FakeHttpServer server;
    bool valuesHang = false; // /api/values/current never finishes (a streamed answer)

    PagedBackend()
    {
        server.route("GET", QStringLiteral("/api/info"), [](const FakeRequest &) {
            return FakeResponse::json(
                R"({"service":"fib-server","version":"0.1.0","max_index":100000})");
        });
        server.route("GET", QStringLiteral("/api/events"), [](const FakeRequest &) {
            return FakeResponse::eventStream("retry: 2000\n\n");
        });
        server.route("GET", QStringLiteral("/api/values/all"), [](const FakeRequest &request) {
            QJsonArray rows;
            const auto page = pageOf(request);
            for (int index = page.first; index <= page.last; ++index)
                rows.append(QJsonObject{{QStringLiteral("number"), index}});
            return withLink(FakeResponse::json(QJsonDocument(rows).toJson(QJsonDocument::Compact)),
                            page);
        });
        server.route(
            "GET", QStringLiteral("/api/values/current"), [this](const FakeRequest &request) {
                if (valuesHang)
                    return FakeResponse::eventStream();
                QJsonObject body;
                const auto page = pageOf(request);
                for (int index = page.first; index <= page.last; ++index)
                    body.insert(QString::number(index), QString::number(index * 7));
                return withLink(
                    FakeResponse::json(QJsonDocument(body).toJson(QJsonDocument::Compact)), page);
            });
    }

    // Both lists were fetched up to their last page (the window may fetch them more than once:
    // the live stream's start asks for them again).
    bool askedForEveryPage() const
    {
        for (const QString &path :
             {QStringLiteral("/api/values/all"), QStringLiteral("/api/values/current")}) {
            QSet<QByteArray> targets;
            for (const FakeRequest &request : server.requestsFor("GET", path))
                targets.insert(request.target);
            const QByteArray base = path.toLatin1() + "?limit=1000";
            if (!targets.contains(base) || !targets.contains(base + "&after=1000") ||
                !targets.contains(base + "&after=2000"))
                return false;
        }
        return true;
    }

    struct Page {
        int first;
        int last;
        int limit;
    };

    static Page pageOf(const FakeRequest &request)
    {
        const int limit = request.query().queryItemValue(QStringLiteral("limit")).toInt();
        const int after = request.query().queryItemValue(QStringLiteral("after")).toInt();
        return Page{after + 1, std::min(after + limit, kRows), limit};
    }

    static FakeResponse withLink(FakeResponse response, const Page &page)
    {
        if (page.last - page.first + 1 == page.limit)
            response.addHeader("Link", QStringLiteral("<?limit=%1&after=%2>; rel=\"next\"")
                                           .arg(page.limit)
                                           .arg(page.last)
                                           .toLatin1());
        return response;
    }
};

} // namespace

class StartupProbeTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PagedBackend> m_backend;
    QElapsedTimer m_sinceMain;

    // Runs fib-desktop --exit-after-load against `url`; the fake server answers meanwhile.
    static void runProgram(QProcess &process, const QUrl &url)
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        process.setProcessEnvironment(environment);
        process.start(
            QStringLiteral(FIB_DESKTOP_PROGRAM),
            {QStringLiteral("--server"), url.toString(), QStringLiteral("--exit-after-load")});
        QVERIFY2(process.waitForStarted(), qPrintable(process.errorString()));
        QTRY_VERIFY_WITH_TIMEOUT(process.state() == QProcess::NotRunning, 20000);
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    }

private slots:
    void initTestCase() { m_sinceMain.start(); }

    void init()
    {
        m_backend = std::make_unique<PagedBackend>();
        QVERIFY(m_backend->server.listen());
    }

    void cleanup() { m_backend.reset(); }

    void reportsOnceTheWindowIsShownAndEveryPageIsIn()
    {
        MainWindow window(m_backend->server.url());
        StartupProbe probe(&window, m_sinceMain, 20000);
        int reports = 0;
        std::optional<StartupProbe::Result> result;
        QString error;
        connect(&probe, &StartupProbe::finished, this, [&](const StartupProbe::Result &r) {
            ++reports;
            result = r;
        });
        connect(&probe, &StartupProbe::failed, this,
                [&](const QString &message) { error = message; });
        const qint64 shownAt = StartupProbe::processAgeMs(m_sinceMain);
        window.show();

        QTRY_VERIFY_WITH_TIMEOUT(result || !error.isEmpty(), 20000);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(result->rows, kRows);
        QCOMPARE(result->indexes, kRows);
        QCOMPARE(window.values()->rowCount(), kRows);
        QVERIFY(m_backend->askedForEveryPage());
        QVERIFY(window.windowHandle() && window.windowHandle()->isExposed());
        QVERIFY2(result->firstWindowMs >= shownAt,
                 qPrintable(QString::number(result->firstWindowMs)));
        QVERIFY2(result->loadedMs >= shownAt, qPrintable(QString::number(result->loadedMs)));
        QVERIFY(result->loadedMs <= StartupProbe::processAgeMs(m_sinceMain));
#ifdef Q_OS_LINUX
        QVERIFY(result->rssKb && *result->rssKb > 1000);
#endif
        // Once only, even when the lists come again (a refresh).
        window.refresh();
        QTest::qWait(300);
        QCOMPARE(reports, 1);
        QVERIFY(error.isEmpty());
    }

    void failsWhenAListCannotBeLoaded()
    {
        const fib::desktop::test::RefusingPort refusing;
        MainWindow window(refusing.url());
        StartupProbe probe(&window, m_sinceMain, 20000);
        QSignalSpy finished(&probe, &StartupProbe::finished);
        QSignalSpy failed(&probe, &StartupProbe::failed);
        window.show();
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 20000);
        const QString message = failed.first().at(0).toString();
        QVERIFY2(message.startsWith(QStringLiteral("could not load the")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("Cannot reach the server")), qPrintable(message));
        QTest::qWait(200);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(finished.count(), 0);
    }

    void failsAfterItsTimeLimit()
    {
        m_backend->valuesHang = true;
        MainWindow window(m_backend->server.url());
        StartupProbe probe(&window, m_sinceMain, 500);
        QSignalSpy finished(&probe, &StartupProbe::finished);
        QSignalSpy failed(&probe, &StartupProbe::failed);
        window.show();
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 10000);
        QCOMPARE(failed.first().at(0).toString(),
                 QStringLiteral("the values were not loaded within 0.5 s"));
        QCOMPARE(finished.count(), 0);
    }

    void jsonLine()
    {
        StartupProbe::Result result;
        result.firstWindowMs = 42;
        result.loadedMs = 380;
        result.rows = 10000;
        result.indexes = 9999;
        QCOMPARE(
            StartupProbe::toJson(result),
            QByteArray(
                R"({"first_window_ms":42,"indexes":9999,"loaded_ms":380,"rows":10000,"rss_kb":null})"));
        result.rssKb = 41000;
        QVERIFY(StartupProbe::toJson(result).endsWith(R"("rss_kb":41000})"));
    }

    void processAge()
    {
        QElapsedTimer timer;
        timer.start();
        const qint64 age = StartupProbe::processAgeMs(timer);
        // The process started before this test's timer, and less than its time limit ago.
        QVERIFY2(age >= timer.elapsed(), qPrintable(QString::number(age)));
        QVERIFY2(age >= m_sinceMain.elapsed() - 20, qPrintable(QString::number(age)));
        QVERIFY2(age < 120000, qPrintable(QString::number(age)));
#ifdef Q_OS_LINUX
        QVERIFY(StartupProbe::residentKb().value_or(0) > 1000);
#else
        QVERIFY(!StartupProbe::residentKb());
#endif
    }

    void programPrintsTheJsonLineAndExits()
    {
        QProcess process;
        runProgram(process, m_backend->server.url());
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
        const QByteArray out = process.readAllStandardOutput();
        QVERIFY2(out.endsWith('\n') && out.count('\n') == 1, out.constData());
        QJsonParseError parseError{};
        const QJsonObject json = QJsonDocument::fromJson(out, &parseError).object();
        QVERIFY2(parseError.error == QJsonParseError::NoError, out.constData());
        QCOMPARE(json.value(QStringLiteral("rows")).toInt(), kRows);
        QCOMPARE(json.value(QStringLiteral("indexes")).toInt(), kRows);
        QVERIFY2(json.value(QStringLiteral("first_window_ms")).toInteger(-1) > 0, out.constData());
        QVERIFY2(json.value(QStringLiteral("loaded_ms")).toInteger(-1) > 0, out.constData());
        QVERIFY(json.contains(QStringLiteral("rss_kb")));
        QVERIFY(m_backend->askedForEveryPage());
    }

    void programExitsNonZeroWhenLoadingFails()
    {
        QProcess process;
        const fib::desktop::test::RefusingPort refusing;
        runProgram(process, refusing.url());
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(process.exitCode(), 1);
        QVERIFY(process.readAllStandardOutput().isEmpty());
        const QByteArray err = process.readAllStandardError();
        QVERIFY2(err.contains("fib-desktop: could not load the"), err.constData());
    }
};

QTEST_MAIN(StartupProbeTest)
#include "startup_probe_test.moc"
