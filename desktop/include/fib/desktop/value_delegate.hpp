#pragma once
// Paints a row of "Calculated Values:": the text, and for a pending row a spinning arc drawn
// with the palette's highlight colour (no hard-coded colours, so dark themes work). One
// delegate paints every row: there is no widget per row.

#include <QElapsedTimer>
#include <QStyledItemDelegate>

namespace fib::desktop {

class ValueDelegate : public QStyledItemDelegate {
    Q_OBJECT

public:
    explicit ValueDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // The spinner's angle follows the clock; the view repaints while rows are pending.
    int spinnerAngle() const;

    // A row's text cut to `width` with one ellipsis: a long value already reads first...last
    // (N digits), so a cut past its "..." ends at the "..." instead of adding a second one.
    static QString elidedText(const QString &text, const QFontMetrics &metrics, int width);

private:
    QElapsedTimer m_clock;
};

} // namespace fib::desktop
