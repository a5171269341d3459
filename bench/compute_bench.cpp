// F(n) as a decimal string: fib::fibonacciDecimal(n), as the worker calls it, against the same
// work done with GMP's C API directly (mpz_fib_ui, then mpz_get_str). GmpFibOnly shows how
// much of the time is the computation and how much the conversion to decimal.
//
// Run by scripts/bench; on its own:
//   fib-bench-compute --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <cstdlib>
#include <cstring>
#include <string>

#include <benchmark/benchmark.h>
#include <gmp.h>

#include "fib/fibonacci.hpp"

namespace {

void freeGmpString(char *text)
{
    void (*freeFunction)(void *, std::size_t) = nullptr;
    mp_get_memory_functions(nullptr, nullptr, &freeFunction);
    freeFunction(text, std::strlen(text) + 1);
}

void FibDecimal(benchmark::State &state)
{
    const auto n = static_cast<fib::Index>(state.range(0));
    for (auto _ : state) {
        std::string digits = fib::fibonacciDecimal(n);
        benchmark::DoNotOptimize(digits.data());
        benchmark::ClobberMemory();
    }
}

void GmpDirect(benchmark::State &state)
{
    const auto n = static_cast<unsigned long>(state.range(0));
    for (auto _ : state) {
        mpz_t value;
        mpz_init(value);
        mpz_fib_ui(value, n);
        char *digits = mpz_get_str(nullptr, 10, value);
        benchmark::DoNotOptimize(digits);
        benchmark::ClobberMemory();
        freeGmpString(digits);
        mpz_clear(value);
    }
}

void GmpFibOnly(benchmark::State &state)
{
    const auto n = static_cast<unsigned long>(state.range(0));
    for (auto _ : state) {
        mpz_t value;
        mpz_init(value);
        mpz_fib_ui(value, n);
        benchmark::DoNotOptimize(value->_mp_d);
        benchmark::ClobberMemory();
        mpz_clear(value);
    }
}

void indexes(benchmark::internal::Benchmark *bench)
{
    for (long n : {1'000L, 10'000L, 100'000L, 1'000'000L, 10'000'000L})
        bench->Arg(n);
    bench->Unit(benchmark::kMicrosecond);
}

} // namespace

BENCHMARK(FibDecimal)->Apply(indexes);
BENCHMARK(GmpDirect)->Apply(indexes);
BENCHMARK(GmpFibOnly)->Apply(indexes);

BENCHMARK_MAIN();
