#include "fib/desktop/server_page.hpp"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QStyle>
#include <QUrl>
#include <QVBoxLayout>

namespace fib::desktop {
namespace {

QLabel *valueLabel(const QString &objectName, const QString &accessibleName, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setAccessibleName(accessibleName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}

} // namespace

ServerPage::ServerPage(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    auto *title = new QLabel(tr("Server"), this);
    QFont font = title->font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.5);
    title->setFont(font);
    layout->addWidget(title);

    auto *form = new QFormLayout;
    m_url = valueLabel(QStringLiteral("serverUrl"), tr("Server address"), this);
    m_service = valueLabel(QStringLiteral("serverService"), tr("Service"), this);
    m_version = valueLabel(QStringLiteral("serverVersion"), tr("Server version"), this);
    m_maxIndex = valueLabel(QStringLiteral("serverMaxIndex"), tr("Largest index"), this);
    form->addRow(tr("Address:"), m_url);
    form->addRow(tr("Service:"), m_service);
    form->addRow(tr("Version:"), m_version);
    form->addRow(tr("Largest index:"), m_maxIndex);

    const auto probeRow = [this, form](const QString &label, const QString &name, QLabel *&icon,
                                       QLabel *&text) {
        auto *row = new QHBoxLayout;
        icon = new QLabel(this);
        text = valueLabel(name, label, this);
        row->addWidget(icon);
        row->addWidget(text, 1);
        form->addRow(label, row);
    };
    probeRow(tr("Health:"), QStringLiteral("serverHealth"), m_healthIcon, m_health);
    probeRow(tr("Readiness:"), QStringLiteral("serverReadiness"), m_readinessIcon, m_readiness);
    layout->addLayout(form);

    auto *buttons = new QHBoxLayout;
    auto *refresh = new QPushButton(tr("Check &Again"), this);
    refresh->setObjectName(QStringLiteral("checkAgainButton"));
    refresh->setAccessibleName(tr("Check the server again"));
    auto *back = new QPushButton(tr("&Back to the Calculator"), this);
    back->setObjectName(QStringLiteral("backButton"));
    back->setAccessibleName(tr("Go back to the calculator"));
    buttons->addWidget(refresh);
    buttons->addStretch(1);
    buttons->addWidget(back);
    layout->addLayout(buttons);
    layout->addStretch(1);

    connect(refresh, &QPushButton::clicked, this, &ServerPage::refreshRequested);
    connect(back, &QPushButton::clicked, this, &ServerPage::backRequested);
    markChecking();
}

void ServerPage::setServerUrl(const QUrl &url)
{
    m_url->setText(url.toString());
}

void ServerPage::setInfo(const ServerInfo &info)
{
    m_service->setText(info.service);
    m_version->setText(info.version);
    m_maxIndex->setText(QLocale().toString(static_cast<qulonglong>(info.maxIndex)));
}

void ServerPage::setInfoError(const ApiError &error)
{
    m_service->setText(error.message());
    m_version->setText(tr("unknown"));
    m_maxIndex->setText(tr("unknown"));
}

void ServerPage::setHealth(const ProbeResult &result)
{
    setProbe(m_healthIcon, m_health, result);
}

void ServerPage::setReadiness(const ProbeResult &result)
{
    setProbe(m_readinessIcon, m_readiness, result);
}

void ServerPage::markChecking()
{
    for (QLabel *label : {m_service, m_version, m_maxIndex, m_health, m_readiness})
        label->setText(tr("Checking..."));
    m_healthIcon->clear();
    m_readinessIcon->clear();
}

void ServerPage::setProbe(QLabel *icon, QLabel *text, const ProbeResult &result)
{
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    const auto pixmap = result.ok ? QStyle::SP_DialogApplyButton : QStyle::SP_MessageBoxWarning;
    icon->setPixmap(style()->standardIcon(pixmap, nullptr, this).pixmap(size, size));
    text->setText(result.ok ? tr("Yes (%1)").arg(result.text) : tr("No: %1").arg(result.text));
}

} // namespace fib::desktop
