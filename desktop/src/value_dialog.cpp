#include "fib/desktop/value_dialog.hpp"

#include <cmath>

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QStyle>
#include <QTextCursor>
#include <QVBoxLayout>

namespace fib::desktop {
namespace {

// The digits, wrapped into lines by the dialog; what is copied or dragged out of it is the number
// itself, without those line breaks.
class DigitsView : public QPlainTextEdit {
public:
    using QPlainTextEdit::QPlainTextEdit;

protected:
    QMimeData *createMimeDataFromSelection() const override
    {
        auto *mime = new QMimeData;
        mime->setText(textCursor().selectedText().remove(QChar::ParagraphSeparator));
        return mime;
    }
};

} // namespace

ValueDialog::ValueDialog(const FullValue &value, QWidget *parent) : QDialog(parent), m_value(value)
{
    setWindowTitle(tr("F(%1)").arg(value.index));
    auto *layout = new QVBoxLayout(this);
    auto *summary =
        new QLabel(tr("For index %1 I calculated a number of %2 digits, shown %3 to a line "
                      "(copying keeps them in one line):")
                       .arg(value.index)
                       .arg(QLocale().toString(static_cast<qlonglong>(value.digits.size())))
                       .arg(kDigitsPerLine),
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
    auto *digits = new DigitsView(this);
    digits->setObjectName(QStringLiteral("valueDigits"));
    digits->setReadOnly(true);
    // Read-only, yet moved through with the keyboard (Ctrl+Home, Ctrl+End, Page Down,
    // Shift+arrows).
    digits->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    digits->setUndoRedoEnabled(false);
    digits->setLineWrapMode(QPlainTextEdit::NoWrap);
    digits->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    digits->setAccessibleName(tr("Digits of F(%1)").arg(value.index));
    digits->setPlainText(shown);
    layout->addWidget(digits, 1);
    // Wide enough for a whole line of digits and the vertical scroll bar.
    const int lineWidth =
        digits->fontMetrics().horizontalAdvance(QString(kDigitsPerLine, QLatin1Char('0')));
    digits->setMinimumWidth(
        lineWidth + 2 * static_cast<int>(std::ceil(digits->document()->documentMargin())) +
        2 * digits->frameWidth() +
        digits->style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, digits) +
        digits->fontMetrics().averageCharWidth());

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
        m_status->setText(
            tr("Copied %1 digits.")
                .arg(QLocale().toString(static_cast<qlonglong>(m_value.digits.size()))));
    });
    connect(save, &QPushButton::clicked, this, [this] {
        const QString path = saveWithDialog(m_value, this);
        if (!path.isEmpty())
            m_status->setText(tr("Saved to %1.").arg(QDir::toNativeSeparators(path)));
    });
    resize(sizeHint().width(), 480);
    digits->setFocus(Qt::OtherFocusReason);
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
    QString path = QFileDialog::getSaveFileName(parent, tr("Save F(%1)").arg(value.index),
                                                suggested, tr("Text files (*.txt);;All files (*)"));
    if (path.isEmpty())
        return {};
    QString error;
    if (!writeToFile(path, value, &error)) {
        QMessageBox::warning(
            parent, tr("Cannot Save"),
            tr("Could not save to %1: %2").arg(QDir::toNativeSeparators(path), error));
        return {};
    }
    return path;
}

} // namespace fib::desktop
