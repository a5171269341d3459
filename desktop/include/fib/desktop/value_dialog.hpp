#pragma once
// Every digit of one value (fetched on demand from /api/values/{n}), with Copy and Save.

#include <QDialog>

#include "fib/desktop/api_types.hpp"

class QLabel;

namespace fib::desktop {

class ValueDialog : public QDialog {
    Q_OBJECT

public:
    // Digits per line in the view; copying and saving keep the digits in one line.
    static constexpr int kDigitsPerLine = 80;

    explicit ValueDialog(const FullValue &value, QWidget *parent = nullptr);

    // Puts every digit on the clipboard.
    static void copyToClipboard(const FullValue &value);
    // Writes the digits and a newline to `path` (atomically); on failure sets *error.
    static bool writeToFile(const QString &path, const FullValue &value, QString *error);
    // Asks where to save, then writes; returns the path written, or empty if cancelled or failed
    // (failures are reported in a message box).
    static QString saveWithDialog(const FullValue &value, QWidget *parent);

private:
    FullValue m_value;
    QLabel *m_status;
};

} // namespace fib::desktop
