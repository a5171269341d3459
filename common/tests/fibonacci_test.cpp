#include <QtTest>

#include <cmath>
#include <random>

#include "fib/fibonacci.hpp"

class FibonacciTest : public QObject {
    Q_OBJECT
private slots:
    void matchesTheRecurrenceUpTo93()
    {
        std::uint64_t a = 0, b = 1; // F(0), F(1)
        for (fib::Index n = 0; n <= 93; ++n) {
            QCOMPARE(fib::fibonacciDecimal(n), std::to_string(a));
            const auto next = a + b;
            a = b;
            b = next;
        }
    }

    void standardNumbering()
    {
        QCOMPARE(fib::fibonacciDecimal(0), std::string("0"));
        QCOMPARE(fib::fibonacciDecimal(1), std::string("1"));
        QCOMPARE(fib::fibonacciDecimal(10), std::string("55"));
        QCOMPARE(fib::fibonacciDecimal(40), std::string("102334155"));
        QCOMPARE(fib::fibonacciDecimal(93), std::string("12200160415121876738"));
    }

    void beyond64Bits()
    {
        // F(94) = F(93) + F(92) overflows uint64.
        QCOMPARE(fib::fibonacciDecimal(94), std::string("19740274219868223167"));
        QCOMPARE(fib::fibonacciDecimal(1000),
                 std::string("434665576869374564356885276750406258025646605173717804024817290895365"
                             "5541794905189040387"
                             "984007925516929592259308032263477520968962323987332247116164299644090"
                             "6533187938298969649"
                             "928516003704476137795166849228875"));
    }

    void digitCounts_data()
    {
        QTest::addColumn<quint64>("n");
        for (quint64 n = 10; n <= 1'000'000; n *= 10)
            QTest::addRow("10^%d",
                          static_cast<int>(std::lround(std::log10(static_cast<double>(n)))))
                << n;
    }
    void digitCounts()
    {
        QFETCH(quint64, n);
        const auto digits = fib::fibonacciDecimal(n).size();
        QCOMPARE(digits, fib::fibonacciDigitCount(n));
        // The README's rule of thumb: about 0.20898764·n digits.
        QVERIFY(std::fabs(static_cast<double>(digits) - 0.20898764 * static_cast<double>(n)) < 1.0);
    }

    void millionthHas208988Digits()
    {
        QCOMPARE(fib::fibonacciDecimal(1'000'000).size(), std::size_t{208'988});
    }

    void additionIdentityOnRandomLargeIndexes()
    {
        // F(m+n) = F(m)·F(n+1) + F(m−1)·F(n)
        std::mt19937_64 random(20261128);
        std::uniform_int_distribution<fib::Index> pick(1, 50'000);
        for (int i = 0; i < 20; ++i) {
            const fib::Index m = pick(random), n = pick(random);
            const mpz_class lhs = fib::fibonacci(m + n);
            const mpz_class rhs = fib::fibonacci(m) * fib::fibonacci(n + 1) +
                                  fib::fibonacci(m - 1) * fib::fibonacci(n);
            QVERIFY2(lhs == rhs, qPrintable(QStringLiteral("m=%1 n=%2").arg(m).arg(n)));
        }
    }
};

QTEST_APPLESS_MAIN(FibonacciTest)
#include "fibonacci_test.moc"
