// The machine's single-precision FMA peak, measured: what "fraction of peak" in the other
// benchmarks is compared with (report.py shows fractions of this and of the nominal peak in
// common.hpp).
//
// Each thread runs a loop of independent `vfmadd` chains: 12 accumulators, more than FMA
// latency x FMA pipes (4 x 2 on Zen 3/4, Intel alike), so the loop is throughput-bound. The
// accumulators end in a store the compiler must keep; `noipa` keeps the call from being
// analysed as a pure function and hoisted out of the timing loop. 1 and 2 threads (Google
// Benchmark's own threads; the FLOPs of all threads are summed, divided by the wall time).
//
//   peak/avx2_fma/threads:N     256-bit FMAs (what tenet's kernels use, -march=x86-64-v3)
//   peak/avx512_fma/threads:N   512-bit FMAs, only when the CPU has AVX-512F (oneDNN uses
//                               them when present; on Zen 4 they give the same FLOPs/cycle)

#include <immintrin.h>

#include <cstdint>

#include "common.hpp"

namespace {

// g++: noipa (no inlining, cloning or pure-function analysis); clang has no such attribute,
// and optnone would also turn off the loop's optimization: noinline there.
#if defined(__clang__)
#define BENCH_OPAQUE noinline
#else
#define BENCH_OPAQUE noipa
#endif

constexpr int accumulators = 12;
constexpr std::int64_t inner = 1 << 16;  // FMA rounds per benchmark iteration

__attribute__((BENCH_OPAQUE)) float avx2_chains(std::int64_t rounds, float seed) {
  __m256 acc[accumulators];
  for (int i = 0; i < accumulators; ++i) acc[i] = _mm256_set1_ps(seed + static_cast<float>(i));
  const __m256 mul = _mm256_set1_ps(0.999999f);
  const __m256 add = _mm256_set1_ps(1e-6f);
  for (std::int64_t r = 0; r < rounds; ++r) {
#pragma GCC unroll 12
    for (int i = 0; i < accumulators; ++i) acc[i] = _mm256_fmadd_ps(acc[i], mul, add);
  }
  __m256 sum = acc[0];
  for (int i = 1; i < accumulators; ++i) sum = _mm256_add_ps(sum, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  return lanes[0] + lanes[7];
}

__attribute__((BENCH_OPAQUE, target("avx512f"))) float avx512_chains(std::int64_t rounds, float seed) {
  __m512 acc[accumulators];
  for (int i = 0; i < accumulators; ++i) acc[i] = _mm512_set1_ps(seed + static_cast<float>(i));
  const __m512 mul = _mm512_set1_ps(0.999999f);
  const __m512 add = _mm512_set1_ps(1e-6f);
  for (std::int64_t r = 0; r < rounds; ++r) {
#pragma GCC unroll 12
    for (int i = 0; i < accumulators; ++i) acc[i] = _mm512_fmadd_ps(acc[i], mul, add);
  }
  __m512 sum = acc[0];
  for (int i = 1; i < accumulators; ++i) sum = _mm512_add_ps(sum, acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  return lanes[0] + lanes[15];
}

/// Google Benchmark sums each thread's counters and divides rates by the average wall time of
/// a thread: GFLOPS is then the FLOPs of all threads per second.
void report(benchmark::State& state, double flops_per_iter) {
  const double iters = static_cast<double>(state.iterations());
  const double threads = state.threads();
  state.counters["GFLOPS"] = benchmark::Counter(flops_per_iter * iters * 1e-9, benchmark::Counter::kIsRate);
  state.counters["peak_frac"] =
      benchmark::Counter(flops_per_iter * iters * 1e-9 / (bench::nominal_peak_gflops_per_core * threads), benchmark::Counter::kIsRate);
  state.counters["threads"] = benchmark::Counter(threads, benchmark::Counter::kAvgThreads);
}

void avx2_peak(benchmark::State& state) {
  float seed = 1.0f;
  for (auto _ : state) {
    benchmark::DoNotOptimize(seed);
    float r = avx2_chains(inner, seed);
    benchmark::DoNotOptimize(r);
  }
  report(state, 2.0 * 8 * accumulators * inner);
}

void avx512_peak(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512f")) {
    state.SkipWithError("no AVX-512F on this CPU");
    for (auto _ : state) {
    }
    return;
  }
  float seed = 1.0f;
  for (auto _ : state) {
    benchmark::DoNotOptimize(seed);
    float r = avx512_chains(inner, seed);
    benchmark::DoNotOptimize(r);
  }
  report(state, 2.0 * 16 * accumulators * inner);
}

[[maybe_unused]] const bool registered = [] {
  for (int threads : {1, 2}) {
    bench::with_statistics(
        benchmark::RegisterBenchmark("peak/avx2_fma", &avx2_peak)->Threads(threads)->UseRealTime()->Unit(benchmark::kMicrosecond));
    bench::with_statistics(
        benchmark::RegisterBenchmark("peak/avx512_fma", &avx512_peak)->Threads(threads)->UseRealTime()->Unit(benchmark::kMicrosecond));
  }
  return true;
}();

}  // namespace
