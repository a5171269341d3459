#pragma once
// Exact Fibonacci numbers in the standard numbering: F(0)=0, F(1)=1, F(10)=55.

#include <cstddef>
#include <string>

#include <gmpxx.h>

#include "fib/index.hpp"

namespace fib {

mpz_class fibonacci(Index n);
// F(n) as decimal digits. The conversion to decimal costs several times the computation.
std::string fibonacciDecimal(Index n);
// Digits of F(n) from n·log10(φ) − log10(√5); exact for n ≥ 2 in practice.
std::size_t fibonacciDigitCount(Index n);

} // namespace fib
