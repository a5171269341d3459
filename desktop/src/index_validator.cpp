#include "fib/desktop/index_validator.hpp"

#include <QLocale>

#include "fib/errors.hpp"

namespace fib::desktop {

IndexValidator::IndexValidator(QObject *parent) : QValidator(parent)
{
}

void IndexValidator::setMaxIndex(Index maxIndex)
{
    if (maxIndex == m_maxIndex)
        return;
    m_maxIndex = maxIndex;
    emit changed();
}

QValidator::State IndexValidator::validate(QString &input, int &pos) const
{
    Q_UNUSED(pos)
    return check(input, nullptr, nullptr) ? Acceptable : Intermediate;
}

bool IndexValidator::check(const QString &text, Index *index, QString *problem) const
{
    const auto fail = [problem](const QString &why) {
        if (problem)
            *problem = why;
        return false;
    };
    // Pasted text often carries a space or a line break around the number.
    const QString digits = text.trimmed();
    if (digits.isEmpty())
        return fail(tr("Type an index first: a whole number such as 10."));
    for (const QChar c : digits) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return fail(
                tr("Only the digits 0-9 are allowed: an index is a whole number such as 10."));
    }
    try {
        const Index value = parseIndex(digits.toStdString(), m_maxIndex);
        if (index)
            *index = value;
        return true;
    } catch (const InvalidIndexError &) {
        return fail(tr("The largest index this server accepts is %1.")
                        .arg(QLocale().toString(static_cast<qulonglong>(m_maxIndex))));
    }
}

} // namespace fib::desktop
