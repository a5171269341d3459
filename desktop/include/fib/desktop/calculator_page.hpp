#pragma once
// The main page, the original's Fib screen: "Enter your index:", "Indexes I have seen:" and
// "Calculated Values:". It shows the models and reports what the user asked for as signals;
// MainWindow wires those to the ApiClient.

#include <optional>

#include <QTimer>
#include <QWidget>

#include "fib/index.hpp"

class QLabel;
class QLineEdit;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QFrame;

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
    // A submission succeeded: clears the field (unless the user already typed another index).
    void acceptSubmission(fib::Index index);
    // Shows why the entry was refused, next to the field; the typed text stays.
    void showInputMessage(const QString &message);
    void clearInputMessage();
    // The banner for an unreachable server, with a Retry button.
    void showConnectionProblem(const QString &message);
    void hideConnectionProblem();
    void focusInput();

signals:
    void submitRequested(fib::Index index);
    void retryRequested();
    void valueActionRequested(fib::Index index, fib::desktop::CalculatorPage::ValueAction action);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void submit();
    void onInputRejected();
    void updateIndexesText();
    void updateValueButtons();
    void updateSpinner();
    void requestValueAction(ValueAction action);

    ValuesModel *m_values;
    IndexListModel *m_indexes;
    IndexValidator *m_validator;
    ValueDelegate *m_delegate;
    QFrame *m_banner;
    QLabel *m_bannerText;
    QPushButton *m_retryButton;
    QLineEdit *m_indexEdit;
    QPushButton *m_submitButton;
    QWidget *m_messageRow;
    QLabel *m_messageIcon;
    QLabel *m_messageText;
    QPlainTextEdit *m_indexesText;
    QListView *m_valuesView;
    QPushButton *m_showButton;
    QPushButton *m_copyButton;
    QPushButton *m_saveButton;
    QTimer m_spinnerTimer;
};

} // namespace fib::desktop
