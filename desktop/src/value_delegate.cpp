#include "fib/desktop/value_delegate.hpp"

#include <QApplication>
#include <QPainter>

#include "fib/desktop/values_model.hpp"

namespace fib::desktop {

ValueDelegate::ValueDelegate(QObject *parent) : QStyledItemDelegate(parent)
{
    m_clock.start();
}

int ValueDelegate::spinnerAngle() const
{
    return static_cast<int>((m_clock.elapsed() * 360 / 1000) % 360); // one turn a second
}

QSize ValueDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setHeight(std::max(size.height(), option.fontMetrics.height() + 8));
    return size;
}

QString ValueDelegate::elidedText(const QString &text, const QFontMetrics &metrics, int width)
{
    QString elided = metrics.elidedText(text, Qt::ElideRight, width);
    if (elided == text)
        return text;
    const QLatin1String dots("...");
    const qsizetype summary = text.indexOf(dots);
    // The cut (the last character of `elided` is the ellipsis) falls inside or after the "...".
    if (summary >= 0 && elided.size() - 1 > summary)
        return text.left(summary) + QChar(0x2026);
    return elided;
}

void ValueDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                          const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QWidget *widget = opt.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();

    // Every row keeps a square gutter on the left, so text lines up whether or not it spins.
    const int side = opt.rect.height();
    const QRect gutter(opt.rect.left(), opt.rect.top(), side, side);
    const bool pending = index.data(ValuesModel::PendingRole).toBool();

    // The selection and hover background spans the whole row, gutter included.
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget);
    opt.rect.setLeft(opt.rect.left() + side);
    const QRect textRect = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, widget);
    opt.text = elidedText(opt.text, opt.fontMetrics, textRect.width());
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    if (!pending)
        return;
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QPalette::ColorGroup group =
        (opt.state & QStyle::State_Enabled) ? QPalette::Normal : QPalette::Disabled;
    const bool selected = opt.state & QStyle::State_Selected;
    QPen pen(opt.palette.color(group, selected ? QPalette::HighlightedText : QPalette::Highlight));
    const int inset = std::max(4, side / 4);
    pen.setWidthF(std::max(1.5, side / 10.0));
    pen.setCapStyle(Qt::RoundCap);
    painter->setPen(pen);
    const QRect arc = gutter.adjusted(inset, inset, -inset, -inset);
    // drawArc takes sixteenths of a degree, counter-clockwise; turn clockwise.
    painter->drawArc(arc, -spinnerAngle() * 16, 270 * 16);
    painter->restore();
}

} // namespace fib::desktop
