#pragma once
// "Calculated Values:": one row per submitted index, ascending, reading "For index K I
// calculated V". Updates are merged row by row (never a reset), so selection and scrolling
// survive polls and live events, and 10,000 rows stay cheap.

#include <optional>
#include <set>
#include <vector>

#include <QAbstractListModel>

#include "fib/desktop/api_types.hpp"

namespace fib::desktop {

class ValuesModel : public QAbstractListModel {
    Q_OBJECT

public:
    enum Role {
        IndexRole = Qt::UserRole + 1, // fib::Index (as qulonglong)
        ValueRole,                    // the value as the server listed it
        PendingRole,                  // bool: still "Nothing yet!"
        DigitsRole,                   // qulonglong: how many digits the value has (0 if pending)
        SummarisedRole, // bool: the value shown is a summary (ours or the server's), not every
                        // digit
    };

    // A value with more digits than this is shown as first...last (N digits) in the row.
    static constexpr int kShownDigits = 60;

    explicit ValuesModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Replaces the rows with `entries` (any order), by merging: unchanged rows are untouched,
    // and a computed value is never replaced by "pending" (a list older than a live event). A
    // row added by setValue or addPending stays until a list has it: a list answered before a
    // live event or a submission can arrive after it, and the server never drops an index.
    void setEntries(QVector<ValueEntry> entries);
    // A live event: the value of one index (adds the row if it is new).
    void setValue(Index index, const QString &value);
    // A submission the server accepted: a pending row unless the index is already listed.
    void addPending(Index index);
    void clear();

    std::optional<int> rowOf(Index index) const;
    const ValueEntry &entryAt(int row) const { return m_rows.at(static_cast<std::size_t>(row)); }
    int pendingCount() const { return m_pending; }
    bool anyPending() const { return m_pending > 0; }

    // The value as a row shows it: digits, or first20...last20 (N digits) for long ones, N
    // grouped by the locale (208,988), whether the server or this model summarised it.
    static QString shownValue(const QString &value);
    // Digits in a listed value: its length, or N from a "(N digits)" summary; 0 if pending.
    static quint64 digitCount(const QString &value);

signals:
    // The number of pending rows changed (to or from zero matters for polling and the spinner).
    void pendingCountChanged(int count);

private:
    void replaceRow(int row, ValueEntry entry);
    void updatePending(int delta);

    std::vector<ValueEntry> m_rows; // sorted by index, each index once
    std::set<Index> m_unlisted;     // rows added here that no list has had yet
    int m_pending = 0;
};

} // namespace fib::desktop
