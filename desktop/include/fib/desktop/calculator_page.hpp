#pragma once
// The main page, the original's Fib screen: "Enter your index:", "Indexes I have seen:" and
// "Calculated Values:". It shows the models and reports what the user asked for as signals;
// MainWindow wires those to the ApiClient.

#include <optional>

#include <QTimer>
#include <QWidget>

#include "fib/index.hpp"

class QAction;
class QFrame;
class QLabel;
class QLineEdit;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QVBoxLayout;

namespace fib::desktop {

class IndexListModel;
class IndexValidator;
class ValueDelegate;
class ValuesModel;

class CalculatorPage : public QWidget {
    Q_OBJECT

public:
    enum class ValueAction { Show, Copy, Save };
    Q_ENUM(ValueAction)

    CalculatorPage(ValuesModel *values, IndexListModel *indexes, QWidget *parent = nullptr);

    void setMaxIndex(Index maxIndex);
    QString inputText() const;
    QString inputMessage() const;
    // The computed index of the selected row, if one is selected.
    std::optional<Index> selectedIndex() const;

public slots:
    // A submission succeeded: clears the field (unless the user already typed another index),
    // then selects the index's row and scrolls to it.
    void acceptSubmission(fib::Index index);
    // Shows why the entry was refused, next to the field; the typed text stays.
    void showInputMessage(const QString &message);
    // The server refused or never got a submission; `unreachable` for no answer at all (such a
    // message goes away as soon as the server answers again).
    void showSubmitError(const QString &message, bool unreachable);
    void clearInputMessage();
    // The banner for an unreachable server, with a Retry button.
    void showConnectionProblem(const QString &message);
    // The server answers again: the banner and any "cannot reach" message under the field go.
    void hideConnectionProblem();
    // Another server: nothing the old one said applies any more.
    void forgetServerMessages();
    void focusInput();

signals:
    void submitRequested(fib::Index index);
    void retryRequested();
    void valueActionRequested(fib::Index index, fib::desktop::CalculatorPage::ValueAction action);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    enum class MessageKind { None, Input, Server, Unreachable };

    // The page, top to bottom; each adds its part to the page's layout.
    void buildTitleSlot(QVBoxLayout *layout);    // the title, or the unreachable-server banner
    void buildEntryRow(QVBoxLayout *layout);     // "Enter your index:" [field] [Submit]
    void buildMessageRow(QVBoxLayout *layout);   // why the entry was refused
    void buildIndexesList(QVBoxLayout *layout);  // "Indexes I have seen:"
    void buildValuesList(QVBoxLayout *layout);   // "Calculated Values:"
    void buildValueButtons(QVBoxLayout *layout); // Show, Copy, Save, and the list's menu
    // The field, Submit and Retry; then the list and the models it follows.
    void connectEntry();
    void connectModels();

    void submit();
    void setMessage(const QString &message, MessageKind kind);
    // Checks the field after every change: marks it, explains why, enables Submit.
    void updateInputState();
    void updateIndexesText();
    void updateValueButtons();
    void updateValuesPlaceholder();
    void updateSpinner();
    void requestValueAction(ValueAction action);
    // Keeping the rows in view still when others' values are inserted above them.
    void rememberTopRow();
    void restoreTopRow();

    ValuesModel *m_values;
    IndexListModel *m_indexes;
    IndexValidator *m_validator;
    ValueDelegate *m_delegate;
    QStackedWidget *m_top;
    QLabel *m_title;
    QFrame *m_banner;
    QLabel *m_bannerText;
    QPushButton *m_retryButton;
    QLineEdit *m_indexEdit;
    QAction *m_invalidMark;
    QPushButton *m_submitButton;
    QWidget *m_messageRow;
    QLabel *m_messageIcon;
    QLabel *m_messageText;
    MessageKind m_messageKind = MessageKind::None;
    QPlainTextEdit *m_indexesText;
    QListView *m_valuesView;
    QLabel *m_valuesPlaceholder;
    QPushButton *m_showButton;
    QPushButton *m_copyButton;
    QPushButton *m_saveButton;
    QTimer m_spinnerTimer;
    std::optional<Index> m_topIndex; // the row at the top of the list before an insertion
};

} // namespace fib::desktop
