#pragma once
// The index field's rules: ASCII digits only, at most the server's cap (from /api/info; a
// million until known), white space around them ignored. It never refuses a keystroke: a field
// that dropped the rejected key would turn the typo 1000001 into 100000, a different index.
// Text that is not an index stays as typed (Intermediate) and check() says why.

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

    // Digits within the cap (with white space around them, as pasted) are Acceptable; anything
    // else, the empty text included, is Intermediate: kept as typed, never submitted.
    State validate(QString &input, int &pos) const override;

    // Checks a whole entry: the index, or the reason it is not one (then returns false).
    bool check(const QString &text, Index *index, QString *problem) const;

private:
    Index m_maxIndex = kDefaultMaxIndex;
};

} // namespace fib::desktop
