#include "fib/desktop/values_model.hpp"

#include <algorithm>
#include <limits>

#include <QLocale>
#include <QRegularExpression>

#include "fib/keys.hpp"
#include "fib/models.hpp"

namespace fib::desktop {
namespace {

bool allDigits(const QString &value)
{
    return !value.isEmpty() && std::all_of(value.cbegin(), value.cend(), [](QChar c) {
        return c >= QLatin1Char('0') && c <= QLatin1Char('9');
    });
}

// The server's summary of a long value: "first20...last20 (N digits)".
const QRegularExpression &summaryPattern()
{
    static const QRegularExpression pattern(
        QStringLiteral("^(\\d+)\\.\\.\\.(\\d+) \\((\\d+) digits\\)$"));
    return pattern;
}

// "first...last (N digits)", N grouped as the user's locale writes numbers ("208,988").
QString summary(QStringView first, QStringView last, quint64 digits)
{
    return first.toString() + QStringLiteral("...") + last.toString() +
           ValuesModel::tr(" (%1 digits)").arg(QLocale().toString(static_cast<qulonglong>(digits)));
}

auto byIndex()
{
    return [](const ValueEntry &entry, Index index) { return entry.index < index; };
}

} // namespace

ValuesModel::ValuesModel(QObject *parent) : QAbstractListModel(parent)
{
}

int ValuesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

QVariant ValuesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ValueEntry &entry = entryAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        return tr("For index %1 I calculated %2").arg(entry.index).arg(shownValue(entry.value));
    case Qt::ToolTipRole:
        if (entry.pending)
            return tr("Index %1 is being calculated.").arg(entry.index);
        return tr("Index %1: %Ln digit(s). Double-click to see or save every digit.", nullptr,
                  static_cast<int>(
                      std::min<quint64>(digitCount(entry.value), std::numeric_limits<int>::max())))
            .arg(entry.index);
    case IndexRole: return QVariant::fromValue(static_cast<qulonglong>(entry.index));
    case ValueRole: return entry.value;
    case PendingRole: return entry.pending;
    case DigitsRole: return QVariant::fromValue(static_cast<qulonglong>(digitCount(entry.value)));
    case SummarisedRole:
        return !entry.pending && digitCount(entry.value) > static_cast<quint64>(kShownDigits);
    default: return {};
    }
}

QHash<int, QByteArray> ValuesModel::roleNames() const
{
    auto names = QAbstractListModel::roleNames();
    names.insert(IndexRole, "index");
    names.insert(ValueRole, "value");
    names.insert(PendingRole, "pending");
    names.insert(DigitsRole, "digits");
    names.insert(SummarisedRole, "summarised");
    return names;
}

QString ValuesModel::shownValue(const QString &value)
{
    // The server's summary is written again, for the digit count's grouping.
    if (const auto match = summaryPattern().match(value); match.hasMatch())
        return summary(match.capturedView(1), match.capturedView(2),
                       match.capturedView(3).toULongLong());
    if (value.size() <= kShownDigits || !allDigits(value))
        return value;
    const auto edge = static_cast<qsizetype>(kSummaryEdge);
    return summary(QStringView(value).left(edge), QStringView(value).right(edge),
                   static_cast<quint64>(value.size()));
}

quint64 ValuesModel::digitCount(const QString &value)
{
    if (allDigits(value))
        return static_cast<quint64>(value.size());
    const auto match = summaryPattern().match(value);
    return match.hasMatch() ? match.captured(3).toULongLong() : 0;
}

void ValuesModel::setEntries(QVector<ValueEntry> entries)
{
    std::sort(entries.begin(), entries.end(),
              [](const ValueEntry &a, const ValueEntry &b) { return a.index < b.index; });
    entries.erase(
        std::unique(entries.begin(), entries.end(),
                    [](const ValueEntry &a, const ValueEntry &b) { return a.index == b.index; }),
        entries.end());

    for (const auto &entry : entries)
        m_unlisted.erase(entry.index);
    const auto kept = [this](int row) {
        return m_unlisted.count(m_rows[static_cast<std::size_t>(row)].index) != 0;
    };

    // Walk both sorted sequences: drop rows the server no longer lists (but not the ones added
    // since, which no list has had yet), insert new ones in runs, and update changed values in
    // place.
    int row = 0;
    qsizetype next = 0;
    while (next < entries.size() || row < rowCount()) {
        if (row >= rowCount()) {
            const auto count = static_cast<int>(entries.size() - next);
            int added = 0;
            beginInsertRows({}, row, row + count - 1);
            for (qsizetype i = next; i < entries.size(); ++i) {
                m_rows.push_back(entries[i]);
                added += entries[i].pending ? 1 : 0;
            }
            endInsertRows();
            updatePending(added);
            break;
        }
        if (next >= entries.size() ||
            m_rows[static_cast<std::size_t>(row)].index < entries[next].index) {
            if (kept(row)) {
                ++row;
                continue;
            }
            // A run of rows that are gone.
            int last = row;
            while (last + 1 < rowCount() && !kept(last + 1) &&
                   (next >= entries.size() ||
                    m_rows[static_cast<std::size_t>(last) + 1].index < entries[next].index))
                ++last;
            int removed = 0;
            beginRemoveRows({}, row, last);
            for (int r = row; r <= last; ++r)
                removed += m_rows[static_cast<std::size_t>(r)].pending ? 1 : 0;
            m_rows.erase(m_rows.begin() + row, m_rows.begin() + last + 1);
            endRemoveRows();
            updatePending(-removed);
            continue;
        }
        if (entries[next].index < m_rows[static_cast<std::size_t>(row)].index) {
            // A run of new rows before this one.
            qsizetype end = next;
            while (end < entries.size() &&
                   entries[end].index < m_rows[static_cast<std::size_t>(row)].index)
                ++end;
            const auto count = static_cast<int>(end - next);
            int added = 0;
            for (qsizetype i = next; i < end; ++i)
                added += entries[i].pending ? 1 : 0;
            beginInsertRows({}, row, row + count - 1);
            m_rows.insert(m_rows.begin() + row, entries.begin() + next, entries.begin() + end);
            endInsertRows();
            updatePending(added);
            row += count;
            next = end;
            continue;
        }
        // A list fetched before a live event can arrive after it: never turn a known value
        // back into "Nothing yet!" (F(n) does not change, so the known value stays right).
        const ValueEntry &current = m_rows[static_cast<std::size_t>(row)];
        if (current != entries[next] && !(entries[next].pending && !current.pending))
            replaceRow(row, entries[next]);
        ++row;
        ++next;
    }
}

void ValuesModel::setValue(Index index, const QString &value)
{
    ValueEntry entry{index, value, isPendingValue(value)};
    const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), index, byIndex());
    const auto row = static_cast<int>(it - m_rows.begin());
    if (it != m_rows.end() && it->index == index) {
        if (*it != entry)
            replaceRow(row, std::move(entry));
        return;
    }
    const bool pending = entry.pending;
    m_unlisted.insert(index);
    beginInsertRows({}, row, row);
    m_rows.insert(it, std::move(entry));
    endInsertRows();
    updatePending(pending ? 1 : 0);
}

void ValuesModel::addPending(Index index)
{
    if (!rowOf(index))
        setValue(index, QString::fromUtf8(keys::kPendingValue.data(),
                                          static_cast<qsizetype>(keys::kPendingValue.size())));
}

void ValuesModel::clear()
{
    m_unlisted.clear();
    if (m_rows.empty())
        return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
    updatePending(-m_pending);
}

std::optional<int> ValuesModel::rowOf(Index index) const
{
    const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), index, byIndex());
    if (it == m_rows.end() || it->index != index)
        return std::nullopt;
    return static_cast<int>(it - m_rows.begin());
}

void ValuesModel::replaceRow(int row, ValueEntry entry)
{
    ValueEntry &current = m_rows[static_cast<std::size_t>(row)];
    const int delta = (entry.pending ? 1 : 0) - (current.pending ? 1 : 0);
    current = std::move(entry);
    const QModelIndex changed = index(row);
    emit dataChanged(changed, changed);
    if (delta != 0)
        updatePending(delta);
}

void ValuesModel::updatePending(int delta)
{
    if (delta == 0)
        return;
    m_pending += delta;
    emit pendingCountChanged(m_pending);
}

} // namespace fib::desktop
