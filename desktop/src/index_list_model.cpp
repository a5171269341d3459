#include "fib/desktop/index_list_model.hpp"

#include <algorithm>

#include <QStringList>

namespace fib::desktop {

IndexListModel::IndexListModel(QObject *parent) : QAbstractListModel(parent)
{
}

int IndexListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_indexes.size());
}

QVariant IndexListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Index value = m_indexes[static_cast<std::size_t>(index.row())];
    if (role == Qt::DisplayRole)
        return QString::number(value);
    if (role == Qt::UserRole)
        return QVariant::fromValue(static_cast<qulonglong>(value));
    return {};
}

void IndexListModel::setIndexes(QVector<Index> indexes)
{
    for (const auto index : indexes)
        m_unlisted.erase(index);
    indexes.append(QVector<Index>(m_unlisted.cbegin(), m_unlisted.cend()));
    std::sort(indexes.begin(), indexes.end());
    indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
    if (std::equal(indexes.cbegin(), indexes.cend(), m_indexes.cbegin(), m_indexes.cend()))
        return;
    beginResetModel();
    m_indexes.assign(indexes.cbegin(), indexes.cend());
    endResetModel();
    emit changed();
}

void IndexListModel::add(Index index)
{
    const auto it = std::lower_bound(m_indexes.begin(), m_indexes.end(), index);
    if (it != m_indexes.end() && *it == index)
        return;
    const auto row = static_cast<int>(it - m_indexes.begin());
    m_unlisted.insert(index);
    beginInsertRows({}, row, row);
    m_indexes.insert(it, index);
    endInsertRows();
    emit changed();
}

void IndexListModel::clear()
{
    m_unlisted.clear();
    setIndexes({});
}

bool IndexListModel::contains(Index index) const
{
    return std::binary_search(m_indexes.begin(), m_indexes.end(), index);
}

QString IndexListModel::joined() const
{
    QStringList parts;
    parts.reserve(static_cast<qsizetype>(m_indexes.size()));
    for (const Index index : m_indexes)
        parts.append(QString::number(index));
    return parts.join(tr(", "));
}

} // namespace fib::desktop
