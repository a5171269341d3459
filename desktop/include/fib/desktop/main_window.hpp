#pragma once
// The window. It owns the ApiClient (and through it the event stream), the two models and the
// two pages, and wires them together; it holds no data and does no network I/O itself.

#include <QHash>
#include <QIcon>
#include <QList>
#include <QMainWindow>
#include <QTimer>
#include <QUrl>

#include "fib/desktop/api_client.hpp"
#include "fib/desktop/calculator_page.hpp"

class QAction;
class QLabel;
class QStackedWidget;

namespace fib::desktop {

class IndexListModel;
class ServerPage;
class ValuesModel;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(const QUrl &serverUrl, QWidget *parent = nullptr);
    ~MainWindow() override;

    ApiClient *api() const { return m_api; }
    ValuesModel *values() const { return m_values; }
    IndexListModel *indexes() const { return m_indexes; }
    CalculatorPage *calculatorPage() const { return m_calculator; }
    ServerPage *serverPage() const { return m_serverPage; }
    // The connection state as the status bar shows it.
    QString connectionStatus() const;
    // What Help > About shows: versions, the server, licences (rich text).
    QString aboutText() const;
    // The application's icon (desktop/resources/fib-desktop.svg).
    static QIcon appIcon();

public slots:
    // Refetches everything: info, both lists, and the stream if it is not live.
    void refresh();
    void setServerUrl(const QUrl &url);
    void showCalculator();
    void showServerPage();
    void openPreferences();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void wire();
    void refreshLists();
    void checkServer();
    void updateConnectionStatus();
    void onRequestFailed(ApiClient::Call call, const ApiError &error);
    void onSubmitFailed(Index index, const ApiError &error);
    void onFullValue(const FullValue &value);
    void about();

    ApiClient *m_api;
    ValuesModel *m_values;
    IndexListModel *m_indexes;
    QStackedWidget *m_pages;
    CalculatorPage *m_calculator;
    ServerPage *m_serverPage;
    QLabel *m_connectionLabel;
    QLabel *m_serverLabel;
    QAction *m_calculatorAction = nullptr;
    QAction *m_serverAction = nullptr;
    QAction *m_refreshAction = nullptr;
    QAction *m_preferencesAction = nullptr;
    QAction *m_quitAction = nullptr;
    QTimer m_countdown;
    bool m_haveInfo = false;
    QString m_serverVersion;
    // What to do with a full value once it arrives (Show, Copy, Save), per index.
    QHash<Index, QList<CalculatorPage::ValueAction>> m_valueActions;
};

} // namespace fib::desktop
