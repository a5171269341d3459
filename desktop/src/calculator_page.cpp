#include "fib/desktop/calculator_page.hpp"

#include <QAction>
#include <QFrame>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

#include "fib/desktop/index_list_model.hpp"
#include "fib/desktop/index_validator.hpp"
#include "fib/desktop/value_delegate.hpp"
#include "fib/desktop/values_model.hpp"

namespace fib::desktop {
namespace {

constexpr int kSpinnerFrameMs = 50;

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
    auto *layout = new QVBoxLayout(this);

    // The unreachable-server banner: a framed row with the reason and Retry.
    m_banner = new QFrame(this);
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
    m_banner->hide();
    layout->addWidget(m_banner);

    auto *title = heading(tr("Fibonacci Calculator"), 1.5, this);
    title->setAccessibleName(tr("Fibonacci Calculator"));
    layout->addWidget(title);

    // "Enter your index:" [field] [Submit]
    auto *inputRow = new QHBoxLayout;
    auto *prompt = new QLabel(tr("&Enter your index:"), this);
    m_indexEdit = new QLineEdit(this);
    m_indexEdit->setObjectName(QStringLiteral("indexEdit"));
    m_indexEdit->setValidator(m_validator);
    m_indexEdit->setClearButtonEnabled(true);
    m_indexEdit->setAccessibleName(tr("Index"));
    m_indexEdit->setAccessibleDescription(tr("A whole number from 0 to the server's largest index"));
    m_indexEdit->setToolTip(tr("A whole number such as 10; press Enter to submit"));
    m_indexEdit->setInputMethodHints(Qt::ImhDigitsOnly);
    prompt->setBuddy(m_indexEdit);
    m_submitButton = new QPushButton(tr("&Submit"), this);
    m_submitButton->setObjectName(QStringLiteral("submitButton"));
    m_submitButton->setAccessibleName(tr("Submit the index"));
    inputRow->addWidget(prompt);
    inputRow->addWidget(m_indexEdit, 1);
    inputRow->addWidget(m_submitButton);
    layout->addLayout(inputRow);

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
    m_indexesText->setMaximumHeight(m_indexesText->fontMetrics().lineSpacing() * 4 + 12);
    m_indexesText->setPlaceholderText(tr("None yet: submit an index above."));
    layout->addWidget(m_indexesText);

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
    m_valuesView->setTextElideMode(Qt::ElideMiddle);
    m_valuesView->setAccessibleName(tr("Calculated values"));
    m_valuesView->setContextMenuPolicy(Qt::ActionsContextMenu);
    valuesHeading->setBuddy(m_valuesView);
    layout->addWidget(m_valuesView, 1);

    auto *valueButtons = new QHBoxLayout;
    m_showButton = new QPushButton(tr("S&how All Digits..."), this);
    m_showButton->setObjectName(QStringLiteral("showValueButton"));
    m_showButton->setAccessibleName(tr("Show every digit of the selected value"));
    m_copyButton = new QPushButton(tr("&Copy Value"), this);
    m_copyButton->setObjectName(QStringLiteral("copyValueButton"));
    m_copyButton->setAccessibleName(tr("Copy every digit of the selected value"));
    m_saveButton = new QPushButton(tr("Save &Value..."), this);
    m_saveButton->setObjectName(QStringLiteral("saveValueButton"));
    m_saveButton->setAccessibleName(tr("Save every digit of the selected value to a file"));
    valueButtons->addWidget(m_showButton);
    valueButtons->addWidget(m_copyButton);
    valueButtons->addWidget(m_saveButton);
    valueButtons->addStretch(1);
    layout->addLayout(valueButtons);

    // The same three as the list's context menu.
    const struct {
        QPushButton *button;
        ValueAction action;
    } buttons[] = {{m_showButton, ValueAction::Show}, {m_copyButton, ValueAction::Copy}, {m_saveButton, ValueAction::Save}};
    for (const auto &entry : buttons) {
        auto *action = new QAction(entry.button->text(), m_valuesView);
        m_valuesView->addAction(action);
        connect(entry.button, &QPushButton::clicked, this, [this, a = entry.action] { requestValueAction(a); });
        connect(action, &QAction::triggered, this, [this, a = entry.action] { requestValueAction(a); });
    }

    m_indexEdit->installEventFilter(this);
    connect(m_indexEdit, &QLineEdit::returnPressed, this, &CalculatorPage::submit);
    connect(m_submitButton, &QPushButton::clicked, this, &CalculatorPage::submit);
    connect(m_indexEdit, &QLineEdit::inputRejected, this, &CalculatorPage::onInputRejected);
    connect(m_indexEdit, &QLineEdit::textEdited, this, &CalculatorPage::clearInputMessage);
    connect(m_retryButton, &QPushButton::clicked, this, &CalculatorPage::retryRequested);
    connect(m_valuesView, &QListView::activated, this, [this] { requestValueAction(ValueAction::Show); });
    connect(m_valuesView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &CalculatorPage::updateValueButtons);
    connect(m_values, &QAbstractItemModel::dataChanged, this, &CalculatorPage::updateValueButtons);
    connect(m_indexes, &IndexListModel::changed, this, &CalculatorPage::updateIndexesText);
    connect(m_values, &ValuesModel::pendingCountChanged, this, &CalculatorPage::updateSpinner);
    connect(&m_spinnerTimer, &QTimer::timeout, m_valuesView->viewport(), qOverload<>(&QWidget::update));
    m_spinnerTimer.setInterval(kSpinnerFrameMs);

    updateIndexesText();
    updateValueButtons();
    updateSpinner();
}

void CalculatorPage::setMaxIndex(Index maxIndex)
{
    m_validator->setMaxIndex(maxIndex);
    // Text typed before the server's cap was known may be above it now: say so at once.
    QString problem;
    if (!m_indexEdit->text().isEmpty() && !m_validator->check(m_indexEdit->text(), nullptr, &problem))
        showInputMessage(problem);
}

bool CalculatorPage::eventFilter(QObject *watched, QEvent *event)
{
    // QLineEdit ignores Enter while its text is not acceptable (above a cap learnt later);
    // submit() then explains why instead of nothing happening.
    if (watched == m_indexEdit && event->type() == QEvent::KeyPress && !m_indexEdit->hasAcceptableInput()) {
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
    if (m_indexEdit->text().isEmpty() || (m_validator->check(m_indexEdit->text(), &typed, nullptr) && typed == index)) {
        m_indexEdit->clear();
        clearInputMessage();
    }
}

void CalculatorPage::showInputMessage(const QString &message)
{
    m_messageText->setText(message);
    m_messageRow->show();
}

void CalculatorPage::clearInputMessage()
{
    m_messageText->clear();
    m_messageRow->hide();
}

void CalculatorPage::showConnectionProblem(const QString &message)
{
    m_bannerText->setText(message);
    m_banner->show();
}

void CalculatorPage::hideConnectionProblem()
{
    m_banner->hide();
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

void CalculatorPage::onInputRejected()
{
    showInputMessage(m_validator->lastProblem());
}

void CalculatorPage::updateIndexesText()
{
    const QString text = m_indexes->joined();
    if (text != m_indexesText->toPlainText())
        m_indexesText->setPlainText(text);
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
