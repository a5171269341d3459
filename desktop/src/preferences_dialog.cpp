#include "fib/desktop/preferences_dialog.hpp"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

#include "fib/desktop/api_client.hpp"
#include "fib/desktop/server_settings.hpp"

namespace fib::desktop {

PreferencesDialog::PreferencesDialog(const QUrl &current, QWidget *parent)
    : QDialog(parent),
      m_url(current)
{
    setWindowTitle(tr("Preferences"));
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    auto *row = new QHBoxLayout;
    m_edit = new QLineEdit(current.toString(), this);
    m_edit->setObjectName(QStringLiteral("serverUrlEdit"));
    m_edit->setAccessibleName(tr("Server address"));
    m_edit->setPlaceholderText(ServerSettings::defaultUrl().toString());
    m_testButton = new QPushButton(tr("&Test Connection"), this);
    m_testButton->setAccessibleName(tr("Test the connection to this server"));
    row->addWidget(m_edit, 1);
    row->addWidget(m_testButton);
    auto *label = new QLabel(tr("&Server address:"), this);
    label->setBuddy(m_edit);
    form->addRow(label, row);
    layout->addLayout(form);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("preferencesMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);

    auto *hint =
        new QLabel(tr("The --server option and the %1 environment variable override this setting.")
                       .arg(QLatin1String(ServerSettings::kEnvironmentVariable)),
                   this);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(hint);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    layout->addWidget(m_buttons);

    connect(m_edit, &QLineEdit::textChanged, this, &PreferencesDialog::validate);
    connect(m_testButton, &QPushButton::clicked, this, &PreferencesDialog::testConnection);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    validate();
    resize(520, sizeHint().height());
}

void PreferencesDialog::validate()
{
    QString error;
    const auto url = ServerSettings::parseUrl(m_edit->text(), &error);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(url.has_value());
    m_testButton->setEnabled(url.has_value());
    if (url) {
        m_url = *url;
        m_message->setText(tr("The app will use %1/api/.").arg(url->toString()));
    } else {
        m_message->setText(error);
    }
}

void PreferencesDialog::testConnection()
{
    if (!m_probe) {
        m_probe = new ApiClient(m_url, this);
        connect(m_probe, &ApiClient::infoReceived, this, [this](const ServerInfo &info) {
            m_message->setText(
                tr("Connected: %1 %2, largest index %3.")
                    .arg(info.service, info.version,
                         QLocale().toString(static_cast<qulonglong>(info.maxIndex))));
        });
        connect(m_probe, &ApiClient::requestFailed, this,
                [this](ApiClient::Call, const ApiError &error) {
                    m_message->setText(error.message());
                });
    }
    m_probe->setServerUrl(m_url);
    m_message->setText(tr("Connecting to %1...").arg(m_url.toString()));
    m_probe->fetchInfo();
}

} // namespace fib::desktop
