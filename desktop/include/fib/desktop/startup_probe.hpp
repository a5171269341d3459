#pragma once
// --exit-after-load: how long the app takes to show its window and to load every row, and its
// memory then (scripts/bench). The probe watches a MainWindow: "first window" is the first expose
// of its platform window (the offscreen platform exposes a window as soon as it is shown);
// "loaded" is when both lists, every page of /api/values/current and of /api/values/all, have
// arrived for the first time. It reports once: finished() when both happened, failed() when
// loading a list fails or the time limit passes first.

#include <optional>

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

namespace fib::desktop {

class MainWindow;

class StartupProbe : public QObject {
    Q_OBJECT

public:
    // Times in milliseconds since the process started.
    struct Result {
        qint64 firstWindowMs = -1;
        qint64 loadedMs = -1;
        int rows = 0;                // rows in the values model
        int indexes = 0;             // indexes in the index list
        std::optional<qint64> rssKb; // resident memory once loaded; unknown off Linux
    };

    static constexpr int kDefaultTimeoutMs = 60000;

    // `sinceMain` was started on main()'s first line: the clock used where the process start
    // time is unknown. The probe must not outlive `window`.
    StartupProbe(MainWindow *window, const QElapsedTimer &sinceMain,
                 int timeoutMs = kDefaultTimeoutMs, QObject *parent = nullptr);

    // Milliseconds since the process started (on Linux from its start time in /proc/self/stat,
    // which has a granularity of one clock tick, 10 ms), else since `sinceMain` started.
    static qint64 processAgeMs(const QElapsedTimer &sinceMain);
    // VmRSS from /proc/self/status, in kB; empty where there is none.
    static std::optional<qint64> residentKb();
    // One line of JSON: {"first_window_ms":..,"indexes":..,"loaded_ms":..,"rows":..,"rss_kb":..}
    // (rss_kb null when unknown).
    static QByteArray toJson(const Result &result);

signals:
    void finished(const fib::desktop::StartupProbe::Result &result);
    void failed(const QString &error);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void listLoaded(bool &loaded);
    void finishIfDone();
    void fail(const QString &error);
    qint64 now() const { return processAgeMs(m_sinceMain); }

    MainWindow *m_window;
    QElapsedTimer m_sinceMain;
    QTimer m_timeout;
    Result m_result;
    bool m_valuesLoaded = false;
    bool m_indexesLoaded = false;
    bool m_reported = false;
};

} // namespace fib::desktop
