#include "fib/desktop/value_dialog.hpp"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QVBoxLayout>

namespace fib::desktop {

ValueDialog::ValueDialog(const FullValue &value, QWidget *parent) : QDialog(parent), m_value(value)
{
    setWindowTitle(tr("F(%1)").arg(value.index));
    auto *layout = new QVBoxLayout(this);
    auto *summary = new QLabel(tr("For index %1 I calculated a number of %2 digits:")
                                   .arg(value.index)
                                   .arg(QLocale().toString(static_cast<qlonglong>(value.digits.size()))),
                               this);
    summary->setWordWrap(true);
    layout->addWidget(summary);

    // Short lines lay out fast even for a million-index value (208,988 digits).
    QString shown;
    shown.reserve(value.digits.size() + value.digits.size() / kDigitsPerLine + 1);
    for (qsizetype i = 0; i < value.digits.size(); i += kDigitsPerLine) {
        if (i > 0)
            shown.append(QLatin1Char('\n'));
        shown.append(QStringView(value.digits).mid(i, kDigitsPerLine));
    }
    auto *digits = new QPlainTextEdit(this);
    digits->setObjectName(QStringLiteral("valueDigits"));
    digits->setReadOnly(true);
    digits->setLineWrapMode(QPlainTextEdit::NoWrap);
    digits->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    digits->setAccessibleName(tr("Digits of F(%1)").arg(value.index));
    digits->setPlainText(shown);
    layout->addWidget(digits, 1);

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *copy = buttons->addButton(tr("&Copy"), QDialogButtonBox::ActionRole);
    copy->setAccessibleName(tr("Copy every digit to the clipboard"));
    QPushButton *save = buttons->addButton(tr("&Save..."), QDialogButtonBox::ActionRole);
    save->setAccessibleName(tr("Save every digit to a file"));
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(copy, &QPushButton::clicked, this, [this] {
        copyToClipboard(m_value);
        m_status->setText(tr("Copied %1 digits.").arg(QLocale().toString(static_cast<qlonglong>(m_value.digits.size()))));
    });
    connect(save, &QPushButton::clicked, this, [this] {
        const QString path = saveWithDialog(m_value, this);
        if (!path.isEmpty())
            m_status->setText(tr("Saved to %1.").arg(QDir::toNativeSeparators(path)));
    });
    resize(760, 480);
}

void ValueDialog::copyToClipboard(const FullValue &value)
{
    QApplication::clipboard()->setText(value.digits);
}

bool ValueDialog::writeToFile(const QString &path, const FullValue &value, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    file.write(value.digits.toLatin1());
    file.write("\n");
    if (!file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

QString ValueDialog::saveWithDialog(const FullValue &value, QWidget *parent)
{
    const QString suggested = QDir::home().filePath(QStringLiteral("fib-%1.txt").arg(value.index));
    const QString path = QFileDialog::getSaveFileName(parent, tr("Save F(%1)").arg(value.index), suggested,
                                                      tr("Text files (*.txt);;All files (*)"));
    if (path.isEmpty())
        return {};
    QString error;
    if (!writeToFile(path, value, &error)) {
        QMessageBox::warning(parent, tr("Cannot Save"),
                             tr("Could not save to %1: %2").arg(QDir::toNativeSeparators(path), error));
        return {};
    }
    return path;
}

} // namespace fib::desktop
