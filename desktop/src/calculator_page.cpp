#include "fib/desktop/calculator_page.hpp"

#include <algorithm>
#include <utility>

#include <QAction>
#include <QFrame>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QStackedWidget>
#include <QStyle>
#include <QTextCursor>
#include <QTextDocument>
#include <QVBoxLayout>

#include "fib/desktop/index_list_model.hpp"
#include "fib/desktop/index_validator.hpp"
#include "fib/desktop/value_delegate.hpp"
#include "fib/desktop/values_model.hpp"

namespace fib::desktop {
namespace {

constexpr int kSpinnerFrameMs = 50;
// "Indexes I have seen:" shows this many whole lines and scrolls for the rest.
constexpr int kIndexLines = 4;

QLabel *heading(const QString &text, qreal scale, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    QFont font = label->font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * scale);
    label->setFont(font);
    return label;
}

QLabel *iconLabel(QStyle::StandardPixmap pixmap, QWidget *parent)
{
    auto *label = new QLabel(parent);
    const int size = parent->style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, parent);
    label->setPixmap(parent->style()->standardIcon(pixmap, nullptr, parent).pixmap(size, size));
    label->setAlignment(Qt::AlignTop);
    return label;
}

} // namespace

CalculatorPage::CalculatorPage(ValuesModel *values, IndexListModel *indexes, QWidget *parent)
    : QWidget(parent),
      m_values(values),
      m_indexes(indexes),
      m_validator(new IndexValidator(this)),
      m_delegate(new ValueDelegate(this))
{
    // Top to bottom, in the order the widgets are created (that is also the tab order).
    auto *layout = new QVBoxLayout(this);
    buildTitleSlot(layout);
    buildEntryRow(layout);
    buildMessageRow(layout);
    buildIndexesList(layout);
    buildValuesList(layout);
    buildValueButtons(layout);
    connectEntry();
    connectModels();

    updateInputState();
    updateIndexesText();
    updateValueButtons();
    updateValuesPlaceholder();
    updateSpinner();
}

void CalculatorPage::buildTitleSlot(QVBoxLayout *layout)
{
    // The title, or in its place the unreachable-server banner (a framed row with the reason
    // and Retry): they share one slot, so the page below never moves.
    m_top = new QStackedWidget(this);
    m_title = heading(tr("Fibonacci Calculator"), 1.5, m_top);
    m_title->setAccessibleName(tr("Fibonacci Calculator"));
    m_title->setAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_top->addWidget(m_title);
    m_banner = new QFrame(m_top);
    m_banner->setObjectName(QStringLiteral("connectionBanner"));
    m_banner->setFrameShape(QFrame::StyledPanel);
    m_banner->setAutoFillBackground(true);
    m_banner->setBackgroundRole(QPalette::AlternateBase);
    auto *bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->addWidget(iconLabel(QStyle::SP_MessageBoxWarning, this));
    m_bannerText = new QLabel(m_banner);
    m_bannerText->setObjectName(QStringLiteral("connectionMessage"));
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    bannerLayout->addWidget(m_bannerText, 1);
    m_retryButton = new QPushButton(tr("&Retry"), m_banner);
    m_retryButton->setObjectName(QStringLiteral("retryButton"));
    m_retryButton->setAccessibleName(tr("Retry connecting to the server"));
    bannerLayout->addWidget(m_retryButton);
    m_top->addWidget(m_banner);
    m_top->setCurrentWidget(m_title);
    // The slot is as tall as a banner with one line of text, whichever page shows (a stacked
    // widget would size itself by its current page); the full text is also the tooltip.
    m_bannerText->setText(tr("Cannot reach the server."));
    m_top->setFixedHeight(std::max(m_banner->sizeHint().height(), m_title->sizeHint().height()));
    layout->addWidget(m_top);
}

void CalculatorPage::buildEntryRow(QVBoxLayout *layout)
{
    // "Enter your index:" [field] [Submit]
    auto *inputRow = new QHBoxLayout;
    auto *prompt = new QLabel(tr("&Enter your index:"), this);
    m_indexEdit = new QLineEdit(this);
    m_indexEdit->setObjectName(QStringLiteral("indexEdit"));
    m_indexEdit->setValidator(m_validator);
    m_indexEdit->setClearButtonEnabled(true);
    m_indexEdit->setAccessibleName(tr("Index"));
    m_indexEdit->setAccessibleDescription(
        tr("A whole number from 0 to the server's largest index"));
    m_indexEdit->setToolTip(tr("A whole number such as 10; press Enter to submit"));
    m_indexEdit->setInputMethodHints(Qt::ImhDigitsOnly);
    m_invalidMark = m_indexEdit->addAction(
        style()->standardIcon(QStyle::SP_MessageBoxWarning, nullptr, m_indexEdit),
        QLineEdit::TrailingPosition);
    m_invalidMark->setObjectName(QStringLiteral("invalidIndexMark"));
    m_invalidMark->setVisible(false);
    prompt->setBuddy(m_indexEdit);
    m_submitButton = new QPushButton(tr("&Submit"), this);
    m_submitButton->setObjectName(QStringLiteral("submitButton"));
    m_submitButton->setAccessibleName(tr("Submit the index"));
    inputRow->addWidget(prompt);
    inputRow->addWidget(m_indexEdit, 1);
    inputRow->addWidget(m_submitButton);
    layout->addLayout(inputRow);
}

void CalculatorPage::buildMessageRow(QVBoxLayout *layout)
{
    // Why the entry was refused, right under the field.
    m_messageRow = new QWidget(this);
    auto *messageLayout = new QHBoxLayout(m_messageRow);
    messageLayout->setContentsMargins(0, 0, 0, 0);
    m_messageIcon = iconLabel(QStyle::SP_MessageBoxWarning, this);
    messageLayout->addWidget(m_messageIcon);
    m_messageText = new QLabel(m_messageRow);
    m_messageText->setObjectName(QStringLiteral("inputMessage"));
    m_messageText->setWordWrap(true);
    m_messageText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_messageText->setAccessibleName(tr("Input problem"));
    messageLayout->addWidget(m_messageText, 1);
    m_messageRow->hide();
    layout->addWidget(m_messageRow);
}

void CalculatorPage::buildIndexesList(QVBoxLayout *layout)
{
    // "Indexes I have seen:"
    auto *seenHeading = heading(tr("Indexes I have seen:"), 1.17, this);
    layout->addWidget(seenHeading);
    m_indexesText = new QPlainTextEdit(this);
    m_indexesText->setObjectName(QStringLiteral("indexesText"));
    m_indexesText->setReadOnly(true);
    m_indexesText->setAccessibleName(tr("Indexes I have seen"));
    m_indexesText->setFrameShape(QFrame::NoFrame);
    m_indexesText->setBackgroundRole(QPalette::Window);
    m_indexesText->viewport()->setBackgroundRole(QPalette::Window);
    m_indexesText->setUndoRedoEnabled(false);
    m_indexesText->setTabChangesFocus(true);
    // Whole lines only, scrolled or not: lines start at the viewport's top edge (no document
    // margin, which only the first line would get), and the viewport is kIndexLines lines tall.
    m_indexesText->document()->setDocumentMargin(0);
    m_indexesText->setFixedHeight(2 * m_indexesText->frameWidth() +
                                  kIndexLines * m_indexesText->fontMetrics().lineSpacing());
    m_indexesText->setPlaceholderText(tr("None yet: submit an index above."));
    layout->addWidget(m_indexesText);
}

void CalculatorPage::buildValuesList(QVBoxLayout *layout)
{
    // "Calculated Values:"
    auto *valuesHeading = heading(tr("Calculated Values:"), 1.17, this);
    layout->addWidget(valuesHeading);
    m_valuesView = new QListView(this);
    m_valuesView->setObjectName(QStringLiteral("valuesView"));
    m_valuesView->setModel(m_values);
    m_valuesView->setItemDelegate(m_delegate);
    m_valuesView->setUniformItemSizes(true); // constant-time layout, smooth with 10,000 rows
    m_valuesView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_valuesView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // A row too wide for the window loses its end (ValueDelegate::elidedText), never its middle,
    // where a long value's own first...last is.
    m_valuesView->setTextElideMode(Qt::ElideRight);
    m_valuesView->setAccessibleName(tr("Calculated values"));
    m_valuesView->setContextMenuPolicy(Qt::ActionsContextMenu);
    valuesHeading->setBuddy(m_valuesView);
    layout->addWidget(m_valuesView, 1);
    m_valuesPlaceholder = new QLabel(tr("No values yet: type an index above and press Enter."),
                                     m_valuesView->viewport());
    m_valuesPlaceholder->setObjectName(QStringLiteral("valuesPlaceholder"));
    m_valuesPlaceholder->setAlignment(Qt::AlignCenter);
    m_valuesPlaceholder->setWordWrap(true);
    m_valuesPlaceholder->setForegroundRole(QPalette::PlaceholderText);
    auto *placeholderLayout = new QVBoxLayout(m_valuesView->viewport());
    placeholderLayout->addWidget(m_valuesPlaceholder);
}

void CalculatorPage::buildValueButtons(QVBoxLayout *layout)
{
    // Mnemonics: Alt+H and Alt+V belong to the Help and View menus.
    auto *valueButtons = new QHBoxLayout;
    m_showButton = new QPushButton(tr("Show All &Digits..."), this);
    m_showButton->setObjectName(QStringLiteral("showValueButton"));
    m_showButton->setAccessibleName(tr("Show every digit of the selected value"));
    m_copyButton = new QPushButton(tr("&Copy Value"), this);
    m_copyButton->setObjectName(QStringLiteral("copyValueButton"));
    m_copyButton->setAccessibleName(tr("Copy every digit of the selected value"));
    m_saveButton = new QPushButton(tr("Save Va&lue..."), this);
    m_saveButton->setObjectName(QStringLiteral("saveValueButton"));
    m_saveButton->setAccessibleName(tr("Save every digit of the selected value to a file"));
    valueButtons->addWidget(m_showButton);
    valueButtons->addWidget(m_copyButton);
    valueButtons->addWidget(m_saveButton);
    valueButtons->addStretch(1);
    layout->addLayout(valueButtons);

    // The same three as the list's context menu; the standard Copy key copies the value (not
    // the row's words, as the list would by itself).
    const struct {
        QPushButton *button;
        ValueAction action;
        QKeySequence::StandardKey key;
    } buttons[] = {{m_showButton, ValueAction::Show, QKeySequence::UnknownKey},
                   {m_copyButton, ValueAction::Copy, QKeySequence::Copy},
                   {m_saveButton, ValueAction::Save, QKeySequence::UnknownKey}};
    for (const auto &entry : buttons) {
        auto *action = new QAction(entry.button->text(), m_valuesView);
        if (entry.key != QKeySequence::UnknownKey) {
            action->setShortcuts(entry.key);
            action->setShortcutContext(Qt::WidgetShortcut);
        }
        m_valuesView->addAction(action);
        connect(entry.button, &QPushButton::clicked, this,
                [this, a = entry.action] { requestValueAction(a); });
        connect(action, &QAction::triggered, this,
                [this, a = entry.action] { requestValueAction(a); });
    }
}

void CalculatorPage::connectEntry()
{
    m_indexEdit->installEventFilter(this);
    connect(m_indexEdit, &QLineEdit::returnPressed, this, &CalculatorPage::submit);
    connect(m_submitButton, &QPushButton::clicked, this, &CalculatorPage::submit);
    // A server's answer stays until the user edits the text; the field's own check runs on
    // every change, and again when the cap changes (text typed before the server's cap was
    // known may be above it).
    connect(m_indexEdit, &QLineEdit::textEdited, this, [this] {
        if (m_messageKind == MessageKind::Server || m_messageKind == MessageKind::Unreachable)
            clearInputMessage();
    });
    connect(m_indexEdit, &QLineEdit::textChanged, this, &CalculatorPage::updateInputState);
    connect(m_validator, &QValidator::changed, this, &CalculatorPage::updateInputState);
    connect(m_retryButton, &QPushButton::clicked, this, &CalculatorPage::retryRequested);
}

void CalculatorPage::connectModels()
{
    connect(m_valuesView, &QListView::activated, this,
            [this] { requestValueAction(ValueAction::Show); });
    // The buttons follow the selection, which a reset (another server) clears without a
    // selectionChanged signal.
    connect(m_valuesView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &CalculatorPage::updateValueButtons);
    connect(m_values, &QAbstractItemModel::modelReset, this, &CalculatorPage::updateValueButtons);
    connect(m_values, &QAbstractItemModel::rowsRemoved, this, &CalculatorPage::updateValueButtons);
    connect(m_values, &QAbstractItemModel::dataChanged, this, &CalculatorPage::updateValueButtons);
    connect(m_values, &QAbstractItemModel::rowsAboutToBeInserted, this,
            &CalculatorPage::rememberTopRow);
    connect(m_values, &QAbstractItemModel::rowsInserted, this, &CalculatorPage::restoreTopRow);
    connect(m_values, &QAbstractItemModel::rowsInserted, this,
            &CalculatorPage::updateValuesPlaceholder);
    connect(m_values, &QAbstractItemModel::rowsRemoved, this,
            &CalculatorPage::updateValuesPlaceholder);
    connect(m_values, &QAbstractItemModel::modelReset, this,
            &CalculatorPage::updateValuesPlaceholder);
    connect(m_indexes, &IndexListModel::changed, this, &CalculatorPage::updateIndexesText);
    connect(m_values, &ValuesModel::pendingCountChanged, this, &CalculatorPage::updateSpinner);
    connect(&m_spinnerTimer, &QTimer::timeout, m_valuesView->viewport(),
            qOverload<>(&QWidget::update));
    m_spinnerTimer.setInterval(kSpinnerFrameMs);
}

void CalculatorPage::setMaxIndex(Index maxIndex)
{
    m_validator->setMaxIndex(maxIndex); // re-checks the field through QValidator::changed
}

bool CalculatorPage::eventFilter(QObject *watched, QEvent *event)
{
    // QLineEdit ignores Enter while its text is not an index (the validator's Intermediate);
    // submit() then explains why instead of nothing happening.
    if (watched == m_indexEdit && event->type() == QEvent::KeyPress &&
        !m_indexEdit->hasAcceptableInput()) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if (key == Qt::Key_Return || key == Qt::Key_Enter) {
            submit();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

QString CalculatorPage::inputText() const
{
    return m_indexEdit->text();
}

QString CalculatorPage::inputMessage() const
{
    return m_messageRow->isHidden() ? QString() : m_messageText->text();
}

std::optional<Index> CalculatorPage::selectedIndex() const
{
    const QModelIndexList rows = m_valuesView->selectionModel()->selectedRows();
    if (rows.isEmpty() || rows.first().data(ValuesModel::PendingRole).toBool())
        return std::nullopt;
    return static_cast<Index>(rows.first().data(ValuesModel::IndexRole).toULongLong());
}

void CalculatorPage::acceptSubmission(Index index)
{
    Index typed = 0;
    // Keep a different index the user typed while this one was on its way.
    if (m_indexEdit->text().isEmpty() ||
        (m_validator->check(m_indexEdit->text(), &typed, nullptr) && typed == index)) {
        m_indexEdit->clear();
        clearInputMessage();
    }
    // The user's result is where the user looks next.
    if (const auto row = m_values->rowOf(index)) {
        const QModelIndex item = m_values->index(*row);
        m_valuesView->setCurrentIndex(item);
        m_valuesView->scrollTo(item, QAbstractItemView::PositionAtCenter);
    }
}

void CalculatorPage::showInputMessage(const QString &message)
{
    setMessage(message, MessageKind::Input);
}

void CalculatorPage::showSubmitError(const QString &message, bool unreachable)
{
    setMessage(message, unreachable ? MessageKind::Unreachable : MessageKind::Server);
}

void CalculatorPage::setMessage(const QString &message, MessageKind kind)
{
    m_messageKind = kind;
    m_messageText->setText(message);
    m_messageRow->show();
}

void CalculatorPage::clearInputMessage()
{
    m_messageKind = MessageKind::None;
    m_messageText->clear();
    m_messageRow->hide();
}

void CalculatorPage::showConnectionProblem(const QString &message)
{
    m_bannerText->setText(message);
    m_bannerText->setToolTip(message);
    m_top->setCurrentWidget(m_banner);
}

void CalculatorPage::hideConnectionProblem()
{
    m_top->setCurrentWidget(m_title);
    if (m_messageKind == MessageKind::Unreachable)
        clearInputMessage();
}

void CalculatorPage::forgetServerMessages()
{
    hideConnectionProblem();
    if (m_messageKind == MessageKind::Server)
        clearInputMessage();
}

void CalculatorPage::focusInput()
{
    m_indexEdit->setFocus(Qt::OtherFocusReason);
}

void CalculatorPage::submit()
{
    Index index = 0;
    QString problem;
    if (!m_validator->check(m_indexEdit->text(), &index, &problem)) {
        showInputMessage(problem);
        return;
    }
    clearInputMessage();
    emit submitRequested(index);
}

void CalculatorPage::updateInputState()
{
    const QString text = m_indexEdit->text();
    QString problem;
    const bool valid = m_validator->check(text, nullptr, &problem);
    m_submitButton->setEnabled(valid);
    // An empty field is not wrong yet: Enter on it says what to type.
    const bool wrong = !valid && !text.trimmed().isEmpty();
    m_invalidMark->setVisible(wrong);
    m_invalidMark->setToolTip(wrong ? problem : QString());
    m_indexEdit->setAccessibleDescription(
        wrong ? problem : tr("A whole number from 0 to the server's largest index"));
    if (wrong)
        setMessage(problem, MessageKind::Input);
    else if (m_messageKind == MessageKind::Input)
        clearInputMessage();
}

void CalculatorPage::updateIndexesText()
{
    // Only the part that changed is replaced: setPlainText would throw away the user's scroll
    // position and selection at every live update.
    const QString text = m_indexes->joined();
    QTextDocument *document = m_indexesText->document();
    const QString old = document->toPlainText();
    if (text == old)
        return;
    const qsizetype shorter = std::min(old.size(), text.size());
    qsizetype prefix = 0;
    while (prefix < shorter && old[prefix] == text[prefix])
        ++prefix;
    qsizetype suffix = 0;
    while (suffix < shorter - prefix &&
           old[old.size() - 1 - suffix] == text[text.size() - 1 - suffix])
        ++suffix;
    QTextCursor cursor(document);
    cursor.setPosition(static_cast<int>(prefix));
    cursor.setPosition(static_cast<int>(old.size() - suffix), QTextCursor::KeepAnchor);
    cursor.insertText(text.mid(prefix, text.size() - suffix - prefix));
}

void CalculatorPage::updateValueButtons()
{
    const bool selected = selectedIndex().has_value();
    m_showButton->setEnabled(selected);
    m_copyButton->setEnabled(selected);
    m_saveButton->setEnabled(selected);
    const auto actions = m_valuesView->actions();
    for (QAction *action : actions)
        action->setEnabled(selected);
}

void CalculatorPage::updateValuesPlaceholder()
{
    m_valuesPlaceholder->setVisible(m_values->rowCount() == 0);
}

void CalculatorPage::rememberTopRow()
{
    m_topIndex.reset();
    // At the very top, new rows may push in; scrolled down, what the user reads stays put.
    if (m_valuesView->verticalScrollBar()->value() == 0)
        return;
    const QModelIndex top = m_valuesView->indexAt(QPoint(1, 1));
    if (top.isValid())
        m_topIndex = static_cast<Index>(top.data(ValuesModel::IndexRole).toULongLong());
}

void CalculatorPage::restoreTopRow()
{
    const auto top = std::exchange(m_topIndex, std::nullopt);
    if (!top)
        return;
    if (const auto row = m_values->rowOf(*top))
        m_valuesView->scrollTo(m_values->index(*row), QAbstractItemView::PositionAtTop);
}

void CalculatorPage::updateSpinner()
{
    if (m_values->anyPending())
        m_spinnerTimer.start();
    else
        m_spinnerTimer.stop();
}

void CalculatorPage::requestValueAction(ValueAction action)
{
    if (const auto index = selectedIndex())
        emit valueActionRequested(*index, action);
}

} // namespace fib::desktop
