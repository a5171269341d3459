#include "fib/desktop/main_window.hpp"

#include <cmath>

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QFrame>
#include <QIcon>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QToolBar>

#include "fib/desktop/index_list_model.hpp"
#include "fib/desktop/index_validator.hpp"
#include "fib/desktop/preferences_dialog.hpp"
#include "fib/desktop/server_page.hpp"
#include "fib/desktop/server_settings.hpp"
#include "fib/desktop/value_dialog.hpp"
#include "fib/desktop/values_model.hpp"
#include "fib/version.hpp"

namespace fib::desktop {
namespace {

constexpr int kStatusMessageMs = 5000;
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");

// A countdown shows whole seconds left, rounded up, so it never says 0 before the attempt.
int seconds(int ms)
{
    return std::max(1, static_cast<int>(std::ceil(ms / 1000.0)));
}

QString digitsText(qsizetype digits)
{
    return QLocale().toString(static_cast<qlonglong>(digits));
}

} // namespace

MainWindow::MainWindow(const QUrl &serverUrl, QWidget *parent)
    : QMainWindow(parent),
      m_api(new ApiClient(serverUrl, this)),
      m_values(new ValuesModel(this)),
      m_indexes(new IndexListModel(this)),
      m_pages(new QStackedWidget(this)),
      m_calculator(new CalculatorPage(m_values, m_indexes, m_pages)),
      m_serverPage(new ServerPage(m_pages)),
      m_connectionLabel(new QLabel(this)),
      m_serverLabel(new QLabel(this))
{
    setWindowTitle(tr("Fibonacci Calculator"));
    setWindowIcon(appIcon());
    setObjectName(QStringLiteral("mainWindow"));
    m_pages->addWidget(m_calculator);
    m_pages->addWidget(m_serverPage);
    setCentralWidget(m_pages);

    m_connectionLabel->setObjectName(QStringLiteral("connectionStatus"));
    m_connectionLabel->setAccessibleName(tr("Connection state"));
    m_serverLabel->setObjectName(QStringLiteral("serverStatus"));
    m_serverLabel->setAccessibleName(tr("Server address"));
    auto *separator = new QFrame(this);
    separator->setFrameShape(QFrame::VLine);
    separator->setFrameShadow(QFrame::Sunken);
    statusBar()->addPermanentWidget(m_serverLabel);
    statusBar()->addPermanentWidget(separator);
    statusBar()->addPermanentWidget(m_connectionLabel);
    // "retrying in 3 s" counts down while the stream waits.
    m_countdown.setInterval(1000);
    connect(&m_countdown, &QTimer::timeout, this, &MainWindow::updateConnectionStatus);

    createActions();
    wire();

    QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray()))
        resize(720, 640);
    restoreState(settings.value(kStateKey).toByteArray());

    m_serverPage->setServerUrl(serverUrl);
    m_serverLabel->setText(serverUrl.toString());
    updateConnectionStatus();
    m_calculator->focusInput();

    m_api->fetchInfo();
    refreshLists();
    m_api->startLiveEvents();
}

MainWindow::~MainWindow() = default;

QIcon MainWindow::appIcon()
{
    return QIcon(QStringLiteral(":/fib-desktop.svg"));
}

void MainWindow::createActions()
{
    m_preferencesAction = new QAction(tr("&Preferences..."), this);
    m_preferencesAction->setShortcut(QKeySequence::Preferences);
    m_preferencesAction->setMenuRole(QAction::PreferencesRole);
    m_preferencesAction->setStatusTip(tr("Change the server address"));

    m_quitAction = new QAction(tr("&Quit"), this);
    m_quitAction->setShortcut(QKeySequence::Quit);
    m_quitAction->setMenuRole(QAction::QuitRole);

    m_refreshAction = new QAction(tr("&Refresh"), this);
    m_refreshAction->setShortcut(QKeySequence::Refresh);
    m_refreshAction->setStatusTip(tr("Fetch every index and value again"));

    // The original's two links, Home and Other Page.
    auto *pages = new QActionGroup(this);
    m_calculatorAction = new QAction(tr("&Calculator"), pages);
    m_calculatorAction->setCheckable(true);
    m_calculatorAction->setChecked(true);
    m_calculatorAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    m_calculatorAction->setStatusTip(tr("Submit indexes and see their values"));
    m_serverAction = new QAction(tr("&Server"), pages);
    m_serverAction->setCheckable(true);
    m_serverAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    m_serverAction->setStatusTip(tr("The server's address, version, health and readiness"));

    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_preferencesAction);
    file->addSeparator();
    file->addAction(m_quitAction);
    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_calculatorAction);
    view->addAction(m_serverAction);
    view->addSeparator();
    view->addAction(m_refreshAction);
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Fibonacci Calculator"), this, &MainWindow::about);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);

    QToolBar *toolBar = addToolBar(tr("Pages"));
    toolBar->setObjectName(QStringLiteral("pagesToolBar"));
    toolBar->setMovable(false);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolBar->addAction(m_calculatorAction);
    toolBar->addAction(m_serverAction);
    toolBar->addSeparator();
    toolBar->addAction(m_refreshAction);

    connect(m_preferencesAction, &QAction::triggered, this, &MainWindow::openPreferences);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);
    connect(m_refreshAction, &QAction::triggered, this, &MainWindow::refresh);
    connect(m_calculatorAction, &QAction::triggered, this, &MainWindow::showCalculator);
    connect(m_serverAction, &QAction::triggered, this, &MainWindow::showServerPage);
}

void MainWindow::wire()
{
    // The page asks, the client answers, the models hold the rows.
    connect(m_calculator, &CalculatorPage::submitRequested, this, [this](Index index) {
        statusBar()->showMessage(tr("Submitting index %1...").arg(index), kStatusMessageMs);
        m_api->submitIndex(index);
    });
    connect(m_api, &ApiClient::submitted, this, [this](Index index) {
        m_values->addPending(index);
        m_indexes->add(index);
        m_calculator->acceptSubmission(index); // selects the row added just above
        statusBar()->showMessage(tr("Index %1 submitted.").arg(index), kStatusMessageMs);
        // While the stream is live, its computed event brings the value, and an index computed
        // before is in the lists fetched as the stream opened (merged over this pending row if
        // they are still on their way). Without the stream only the lists can tell, and a
        // resubmitted index sends no event at all.
        if (m_api->liveState() != EventStream::State::Live)
            refreshLists();
    });
    connect(m_api, &ApiClient::submitFailed, this, &MainWindow::onSubmitFailed);
    connect(m_calculator, &CalculatorPage::retryRequested, this, &MainWindow::refresh);
    connect(m_calculator, &CalculatorPage::valueActionRequested, this,
            [this](Index index, CalculatorPage::ValueAction action) {
                m_valueActions[index].append(action);
                statusBar()->showMessage(tr("Fetching every digit of F(%1)...").arg(index),
                                         kStatusMessageMs);
                m_api->fetchFullValue(index);
            });

    connect(m_api, &ApiClient::infoReceived, this, [this](const ServerInfo &info) {
        m_haveInfo = true;
        m_serverVersion = info.version;
        m_calculator->setMaxIndex(info.maxIndex);
        m_serverPage->setInfo(info);
    });
    connect(m_api, &ApiClient::indexesReceived, m_indexes, &IndexListModel::setIndexes);
    connect(m_api, &ApiClient::valuesReceived, m_values, &ValuesModel::setEntries);
    connect(m_api, &ApiClient::requestFailed, this, &MainWindow::onRequestFailed);
    connect(m_api, &ApiClient::serverReachable, this, [this] {
        m_calculator->hideConnectionProblem();
        if (!m_haveInfo)
            m_api->fetchInfo(); // the cap is still the default: the server was down at start
    });
    connect(m_api, &ApiClient::healthReceived, m_serverPage, &ServerPage::setHealth);
    connect(m_api, &ApiClient::readinessReceived, m_serverPage, &ServerPage::setReadiness);

    connect(m_api, &ApiClient::fullValueReceived, this, &MainWindow::onFullValue);
    connect(m_api, &ApiClient::fullValuePending, this, [this](Index index) {
        m_valueActions.remove(index);
        statusBar()->showMessage(tr("F(%1) is not calculated yet.").arg(index), kStatusMessageMs);
    });
    connect(m_api, &ApiClient::fullValueFailed, this, [this](Index index, const ApiError &error) {
        m_valueActions.remove(index);
        QMessageBox::warning(this, tr("Cannot Fetch the Value"),
                             tr("Could not fetch F(%1): %2").arg(index).arg(error.message()));
    });

    // Live updates, or polls when the stream is unavailable.
    connect(m_api, &ApiClient::valueComputed, this, [this](Index index, const QString &value) {
        m_values->setValue(index, value);
        m_indexes->add(index);
    });
    connect(m_api, &ApiClient::liveResetRequested, this, &MainWindow::refreshLists);
    connect(m_api, &ApiClient::livePollRequested, this, [this] {
        refreshLists();
        updateConnectionStatus();
    });
    connect(m_api, &ApiClient::liveStateChanged, this, [this](EventStream::State state) {
        if (state == EventStream::State::Live)
            m_calculator->hideConnectionProblem(); // the server answers again
        updateConnectionStatus();
    });
    connect(m_values, &ValuesModel::pendingCountChanged, this,
            [this](int pending) { m_api->setValuesPending(pending > 0); });

    connect(m_serverPage, &ServerPage::refreshRequested, this, &MainWindow::checkServer);
    connect(m_serverPage, &ServerPage::backRequested, this, &MainWindow::showCalculator);
}

QString MainWindow::connectionStatus() const
{
    return m_connectionLabel->text();
}

void MainWindow::updateConnectionStatus()
{
    const EventStream::State state = m_api->liveState();
    QString text;
    switch (state) {
    case EventStream::State::Stopped: text = tr("Live updates off"); break;
    case EventStream::State::Connecting: text = tr("Connecting..."); break;
    case EventStream::State::Live: text = tr("Live updates on"); break;
    case EventStream::State::Reconnecting:
        text = tr("Disconnected: retrying in %n s", nullptr, seconds(m_api->nextLiveAttemptMs()));
        break;
    case EventStream::State::Polling:
        text = tr("No live updates: checking every %n s", nullptr,
                  seconds(m_api->livePollIntervalMs()));
        break;
    }
    m_connectionLabel->setText(text);
    const bool waiting = state == EventStream::State::Reconnecting;
    if (waiting && !m_countdown.isActive())
        m_countdown.start();
    else if (!waiting)
        m_countdown.stop();
}

void MainWindow::refresh()
{
    m_api->fetchInfo();
    refreshLists();
    if (m_pages->currentWidget() == m_serverPage)
        checkServer();
    const auto state = m_api->liveState();
    if (state != EventStream::State::Live && state != EventStream::State::Connecting)
        m_api->reconnectLiveEvents();
}

void MainWindow::refreshLists()
{
    m_api->fetchIndexes();
    m_api->fetchValues();
}

void MainWindow::checkServer()
{
    m_serverPage->markChecking();
    m_api->fetchInfo();
    m_api->fetchHealth();
    m_api->fetchReadiness();
}

void MainWindow::setServerUrl(const QUrl &url)
{
    if (url == m_api->serverUrl())
        return;
    m_haveInfo = false;
    m_serverVersion.clear();
    m_values->clear();
    m_indexes->clear();
    m_calculator->forgetServerMessages();
    m_calculator->setMaxIndex(IndexValidator::kDefaultMaxIndex);
    m_api->setServerUrl(url); // restarts the event stream against the new server
    m_serverPage->setServerUrl(url);
    m_serverLabel->setText(url.toString());
    refresh();
}

void MainWindow::showCalculator()
{
    m_calculatorAction->setChecked(true);
    m_pages->setCurrentWidget(m_calculator);
    m_calculator->focusInput();
}

void MainWindow::showServerPage()
{
    m_serverAction->setChecked(true);
    m_pages->setCurrentWidget(m_serverPage);
    checkServer();
}

void MainWindow::openPreferences()
{
    PreferencesDialog dialog(m_api->serverUrl(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    QSettings settings;
    ServerSettings::save(settings, dialog.serverUrl());
    setServerUrl(dialog.serverUrl());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::onRequestFailed(ApiClient::Call call, const ApiError &error)
{
    if (call == ApiClient::Call::Info)
        m_serverPage->setInfoError(error);
    // No answer, or nginx saying fib-server is down: the banner with Retry. Other errors
    // (a bad answer) go to the status bar.
    const QString server = m_api->serverUrl().toString();
    if (error.unreachable()) {
        m_calculator->showConnectionProblem(
            tr("Cannot reach the server at %1: %2").arg(server, error.detail));
    } else if (error.status == 502 || error.status == 503 || error.status == 504) {
        m_calculator->showConnectionProblem(
            tr("The server at %1 is not working: %2").arg(server, error.message()));
    } else {
        statusBar()->showMessage(error.message(), kStatusMessageMs);
    }
}

void MainWindow::onSubmitFailed(Index index, const ApiError &error)
{
    m_calculator->showSubmitError(error.message(), error.unreachable());
    // "Submitting index 42..." must not stay up as if it were still on its way.
    statusBar()->showMessage(tr("Index %1 was not submitted.").arg(index), kStatusMessageMs);
    if (error.unreachable())
        onRequestFailed(ApiClient::Call::Values, error);
}

void MainWindow::onFullValue(const FullValue &value)
{
    const QList<CalculatorPage::ValueAction> actions = m_valueActions.take(value.index);
    for (const CalculatorPage::ValueAction action : actions) {
        switch (action) {
        case CalculatorPage::ValueAction::Show: {
            auto *dialog = new ValueDialog(value, this);
            dialog->setAttribute(Qt::WA_DeleteOnClose);
            dialog->show();
            break;
        }
        case CalculatorPage::ValueAction::Copy:
            ValueDialog::copyToClipboard(value);
            statusBar()->showMessage(tr("Copied the %1 digits of F(%2).")
                                         .arg(digitsText(value.digits.size()))
                                         .arg(value.index),
                                     kStatusMessageMs);
            break;
        case CalculatorPage::ValueAction::Save: {
            const QString path = ValueDialog::saveWithDialog(value, this);
            if (!path.isEmpty())
                statusBar()->showMessage(tr("Saved F(%1) to %2.").arg(value.index).arg(path),
                                         kStatusMessageMs);
            break;
        }
        }
    }
}

QString MainWindow::aboutText() const
{
    const QString server = m_api->serverUrl().toString().toHtmlEscaped();
    const QString api = m_api->apiUrl(QStringLiteral("openapi.json")).toString().toHtmlEscaped();
    return tr("<p><b>Fibonacci Calculator</b> %1</p>"
              "<p>Submit an index; a worker computes the exact Fibonacci number and "
              "this window shows it as soon as it is ready.</p>"
              "<p>Server: <a href=\"%2\">%2</a>%3<br>API description: <a href=\"%4\">%4</a></p>"
              "<p>Built with Qt %5, running on Qt %6. Qt is used under the terms of the "
              "<a href=\"https://www.gnu.org/licenses/lgpl-3.0.html\">GNU LGPL version 3</a> "
              "(Help &gt; About Qt).</p>")
        .arg(QLatin1String(kVersion), server,
             m_serverVersion.isEmpty()
                 ? QString()
                 : tr(" (fib-server %1)").arg(m_serverVersion.toHtmlEscaped()),
             api, QLatin1String(QT_VERSION_STR), QLatin1String(qVersion()));
}

void MainWindow::about()
{
    QMessageBox box(this);
    box.setWindowTitle(tr("About Fibonacci Calculator"));
    box.setIconPixmap(windowIcon().pixmap(64, 64));
    box.setTextFormat(Qt::RichText);
    box.setText(aboutText());
    box.exec();
}

} // namespace fib::desktop
