#pragma once
// The second page (the original's "Other Page"): which server the app talks to, its version and
// index cap (GET /api/info), its liveness (/api/healthz) and readiness (/api/readyz).

#include <QWidget>

#include "fib/desktop/api_types.hpp"

class QLabel;
class QUrl;

namespace fib::desktop {

class ServerPage : public QWidget {
    Q_OBJECT

public:
    explicit ServerPage(QWidget *parent = nullptr);

public slots:
    void setServerUrl(const QUrl &url);
    void setInfo(const fib::desktop::ServerInfo &info);
    void setInfoError(const fib::desktop::ApiError &error);
    void setHealth(const fib::desktop::ProbeResult &result);
    void setReadiness(const fib::desktop::ProbeResult &result);
    // Shows "Checking..." until the answers arrive.
    void markChecking();

signals:
    void refreshRequested();
    void backRequested();

private:
    void setProbe(QLabel *icon, QLabel *text, const ProbeResult &result);

    QLabel *m_url;
    QLabel *m_service;
    QLabel *m_version;
    QLabel *m_maxIndex;
    QLabel *m_healthIcon;
    QLabel *m_health;
    QLabel *m_readinessIcon;
    QLabel *m_readiness;
};

} // namespace fib::desktop
