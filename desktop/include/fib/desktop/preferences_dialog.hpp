#pragma once
// Preferences: the server address, checked as it is typed (and, on request, by asking the
// server for /api/info) before it can be accepted.

#include <QDialog>
#include <QUrl>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace fib::desktop {

class ApiClient;

class PreferencesDialog : public QDialog {
    Q_OBJECT

public:
    explicit PreferencesDialog(const QUrl &current, QWidget *parent = nullptr);

    // The accepted address (valid whenever OK is enabled).
    QUrl serverUrl() const { return m_url; }

private:
    void validate();
    void testConnection();

    QLineEdit *m_edit;
    QLabel *m_message;
    QPushButton *m_testButton;
    QDialogButtonBox *m_buttons;
    ApiClient *m_probe = nullptr; // created on the first "Test Connection"
    QUrl m_url;
};

} // namespace fib::desktop
