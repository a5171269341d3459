#include "fib/desktop/startup_probe.hpp"

#include <QEvent>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QWindow>

#include "fib/desktop/api_client.hpp"
#include "fib/desktop/index_list_model.hpp"
#include "fib/desktop/main_window.hpp"
#include "fib/desktop/values_model.hpp"

#ifdef Q_OS_LINUX
#include <ctime>
#include <unistd.h>
#endif

namespace fib::desktop {
namespace {

#ifdef Q_OS_LINUX
QByteArray readProcFile(const char *path)
{
    QFile file{QLatin1String(path)};
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

std::optional<qint64> linuxProcessAgeMs()
{
    // Field 22, starttime, in clock ticks since boot. The command name (field 2, in parentheses)
    // may hold spaces: count from its closing parenthesis, where field 3 starts.
    const QByteArray stat = readProcFile("/proc/self/stat");
    const qsizetype paren = stat.lastIndexOf(')');
    if (paren < 0)
        return std::nullopt;
    const QList<QByteArray> fields = stat.mid(paren + 2).split(' ');
    if (fields.size() < 20)
        return std::nullopt;
    bool ok = false;
    const qint64 startTicks = fields.at(19).toLongLong(&ok);
    const long ticksPerSecond = sysconf(_SC_CLK_TCK);
    timespec boot{};
    if (!ok || ticksPerSecond <= 0 || clock_gettime(CLOCK_BOOTTIME, &boot) != 0)
        return std::nullopt;
    const qint64 nowMs = static_cast<qint64>(boot.tv_sec) * 1000 + boot.tv_nsec / 1000000;
    return nowMs - startTicks * 1000 / ticksPerSecond;
}
#endif

} // namespace

StartupProbe::StartupProbe(MainWindow *window, const QElapsedTimer &sinceMain, int timeoutMs,
                           QObject *parent)
    : QObject(parent),
      m_window(window),
      m_sinceMain(sinceMain)
{
    m_window->installEventFilter(this);
    const ApiClient *api = m_window->api();
    connect(api, &ApiClient::valuesReceived, this, [this] { listLoaded(m_valuesLoaded); });
    connect(api, &ApiClient::indexesReceived, this, [this] { listLoaded(m_indexesLoaded); });
    connect(api, &ApiClient::requestFailed, this,
            [this](ApiClient::Call call, const ApiError &error) {
                if (call == ApiClient::Call::Values && !m_valuesLoaded)
                    fail(tr("could not load the values: %1").arg(error.message()));
                else if (call == ApiClient::Call::Indexes && !m_indexesLoaded)
                    fail(tr("could not load the indexes: %1").arg(error.message()));
            });
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        const QString limit = QString::number(m_timeout.interval() / 1000.0);
        fail(m_result.firstWindowMs < 0 ? tr("the window was not shown within %1 s").arg(limit)
                                        : tr("the values were not loaded within %1 s").arg(limit));
    });
    m_timeout.start(timeoutMs);
}

qint64 StartupProbe::processAgeMs(const QElapsedTimer &sinceMain)
{
#ifdef Q_OS_LINUX
    if (const auto age = linuxProcessAgeMs())
        return *age;
#endif
    return sinceMain.elapsed();
}

std::optional<qint64> StartupProbe::residentKb()
{
#ifdef Q_OS_LINUX
    // "VmRSS:	   12345 kB"
    const QList<QByteArray> lines = readProcFile("/proc/self/status").split('\n');
    for (const QByteArray &line : lines) {
        if (!line.startsWith("VmRSS:"))
            continue;
        bool ok = false;
        const qint64 kb = line.mid(6).trimmed().split(' ').value(0).toLongLong(&ok);
        if (ok)
            return kb;
    }
#endif
    return std::nullopt;
}

QByteArray StartupProbe::toJson(const Result &result)
{
    const QJsonObject object{
        {QStringLiteral("first_window_ms"), result.firstWindowMs},
        {QStringLiteral("loaded_ms"), result.loadedMs},
        {QStringLiteral("rows"), result.rows},
        {QStringLiteral("indexes"), result.indexes},
        {QStringLiteral("rss_kb"),
         result.rssKb ? QJsonValue(*result.rssKb) : QJsonValue(QJsonValue::Null)},
    };
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

bool StartupProbe::eventFilter(QObject *watched, QEvent *event)
{
    if (m_result.firstWindowMs < 0) {
        if (watched == m_window && event->type() == QEvent::Show) {
            // The widget is shown before its platform window; exposes go to that window.
            if (QWindow *handle = m_window->windowHandle())
                handle->installEventFilter(this);
            else
                m_result.firstWindowMs = now();
        } else if (event->type() == QEvent::Expose && m_window->windowHandle() == watched &&
                   m_window->windowHandle()->isExposed()) {
            m_result.firstWindowMs = now();
            finishIfDone();
        }
    }
    return QObject::eventFilter(watched, event);
}

void StartupProbe::listLoaded(bool &loaded)
{
    if (loaded)
        return;
    loaded = true;
    if (m_valuesLoaded && m_indexesLoaded)
        m_result.loadedMs = now();
    finishIfDone();
}

void StartupProbe::finishIfDone()
{
    if (m_reported || m_result.firstWindowMs < 0 || m_result.loadedMs < 0)
        return;
    m_reported = true;
    m_timeout.stop();
    m_result.rows = m_window->values()->rowCount();
    m_result.indexes = m_window->indexes()->rowCount();
    // RSS once the events the new rows caused (layout, repaint) have been handled.
    QTimer::singleShot(0, this, [this] {
        m_result.rssKb = residentKb();
        emit finished(m_result);
    });
}

void StartupProbe::fail(const QString &error)
{
    if (m_reported)
        return;
    m_reported = true;
    m_timeout.stop();
    emit failed(error);
}

} // namespace fib::desktop
