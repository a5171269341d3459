#pragma once
// "Indexes I have seen:": every submitted index once, ascending (the original listed every
// duplicate in whatever order PostgreSQL returned them).

#include <set>
#include <vector>

#include <QAbstractListModel>

#include "fib/index.hpp"

namespace fib::desktop {

class IndexListModel : public QAbstractListModel {
    Q_OBJECT

public:
    explicit IndexListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    // Replaces the list (any order, duplicates dropped); does nothing if it is unchanged. An
    // index added by add() stays until a list has it (see ValuesModel::setEntries).
    void setIndexes(QVector<Index> indexes);
    // Adds one index if it is not listed yet.
    void add(Index index);
    void clear();

    bool contains(Index index) const;
    const std::vector<Index> &indexes() const { return m_indexes; }
    // "5, 10, 12": the list as the page shows it.
    QString joined() const;

signals:
    // The list changed (rows added, removed or replaced).
    void changed();

private:
    std::vector<Index> m_indexes; // sorted, unique
    std::set<Index> m_unlisted;   // added here, not in any list yet
};

} // namespace fib::desktop
