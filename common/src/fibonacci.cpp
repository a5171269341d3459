#include "fib/fibonacci.hpp"

#include <cmath>
#include <limits>

#include "fib/errors.hpp"

namespace fib {

mpz_class fibonacci(Index n)
{
    // mpz_fib_ui takes an unsigned long, which is 32 bits on Windows.
    if (n > std::numeric_limits<unsigned long>::max())
        throw InvalidIndexError("Index too high",
                                "index " + indexText(n) + " is beyond this platform");
    mpz_class result;
    mpz_fib_ui(result.get_mpz_t(), static_cast<unsigned long>(n));
    return result;
}

std::string fibonacciDecimal(Index n)
{
    return fibonacci(n).get_str(10);
}

std::size_t fibonacciDigitCount(Index n)
{
    if (n < 2)
        return 1;
    const long double log10Phi = 0.20898764024997873376927208923755541L;
    const long double log10Sqrt5 = 0.34948500216800940239313055263775L;
    return static_cast<std::size_t>(
               std::floor(static_cast<long double>(n) * log10Phi - log10Sqrt5)) +
           1;
}

} // namespace fib
