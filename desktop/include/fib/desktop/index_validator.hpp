#pragma once
// The index field's rules: ASCII digits only, at most the server's cap (from /api/info; a
// million until known). Unlike a bare QValidator it can say why it refused a keystroke, so the
// page can tell the user instead of silently swallowing the key.

#include <QValidator>

#include "fib/index.hpp"

namespace fib::desktop {

class IndexValidator : public QValidator {
    Q_OBJECT

public:
    // The server's default FIB_MAX_INDEX, used until /api/info answers.
    static constexpr Index kDefaultMaxIndex = 1'000'000;

    explicit IndexValidator(QObject *parent = nullptr);

    void setMaxIndex(Index maxIndex);
    Index maxIndex() const { return m_maxIndex; }

    // Empty text is Acceptable here (pressing Enter on it explains what to type); digits within
    // the cap are Acceptable; anything else is Invalid and lastProblem() says why.
    State validate(QString &input, int &pos) const override;
    QString lastProblem() const { return m_lastProblem; }

    // Checks a whole entry: the index, or the reason it is not one (then returns false).
    bool check(const QString &text, Index *index, QString *problem) const;

private:
    Index m_maxIndex = kDefaultMaxIndex;
    mutable QString m_lastProblem;
};

} // namespace fib::desktop
