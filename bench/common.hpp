#pragma once
// What every benchmark program in bench/ shares: the machine's nominal peak, aligned random
// buffers, the counters that report.py reads, and min/max statistics beside Google
// Benchmark's mean/median/stddev/cv.
//
// Counters (all programs, same names, so report.py treats them alike):
//   flops_per_iter   FLOPs of one iteration (a multiply-add is 2), plain
//   images_per_iter  images of one iteration (network benchmarks), plain
//   threads          threads the benchmark allows itself, plain
//   GFLOPS           GFLOP/s, a rate over the benchmark's (real) time
//   peak_frac        GFLOPS / (nominal peak per core * threads)
//   images_per_s     images per second (network benchmarks)
// report.py recomputes the rates from the median real time and the per-iteration counts, so
// the rate counters are there for reading the console output.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace bench {

/// One core's nominal single-precision FMA peak in GFLOP/s (2 FMA pipes x 8 lanes x 2 FLOPs
/// x 3.11 GHz, as given for the development machine). bench_peak measures the real one;
/// report.py shows fractions of both.
inline constexpr double nominal_peak_gflops_per_core = 99.6;

/// A 64-byte aligned array of floats (the alignment tenet's own buffers have).
class buffer {
 public:
  buffer() = default;
  explicit buffer(std::size_t n) : n_(n), p_(allocate(n)) { std::fill_n(p_.get(), n_, 0.0f); }
  float* data() noexcept { return p_.get(); }
  const float* data() const noexcept { return p_.get(); }
  std::size_t size() const noexcept { return n_; }
  float& operator[](std::size_t i) noexcept { return p_[i]; }

 private:
  struct free_deleter {
    void operator()(float* p) const noexcept { std::free(p); }
  };
  static float* allocate(std::size_t n) {
    const std::size_t bytes = (std::max<std::size_t>(n, 1) * sizeof(float) + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, bytes);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<float*>(p);
  }
  std::size_t n_ = 0;
  std::unique_ptr<float[], free_deleter> p_;
};

/// Fills with uniform values in [lo, hi) from a fixed seed.
inline void fill_uniform(float* p, std::size_t n, std::uint32_t seed, float lo = 0.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (std::size_t i = 0; i < n; ++i) p[i] = dist(rng);
}

inline buffer random_buffer(std::size_t n, std::uint32_t seed, float lo = 0.0f, float hi = 1.0f) {
  buffer b(n);
  fill_uniform(b.data(), n, seed, lo, hi);
  return b;
}

/// `count` labels in [0, classes) from a fixed seed.
template <class T = std::uint32_t>
std::vector<T> random_labels(std::size_t count, std::size_t classes, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> dist(0, classes - 1);
  std::vector<T> labels(count);
  for (auto& l : labels) l = static_cast<T>(dist(rng));
  return labels;
}

/// Adds min and max to the statistics every repetition set reports (mean, median, stddev and
/// cv are Google Benchmark's own).
inline benchmark::internal::Benchmark* with_statistics(benchmark::internal::Benchmark* b) {
  b->ComputeStatistics("min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
  b->ComputeStatistics("max", [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); });
  return b;
}

/// Sets the counters described at the top of this file after the timing loop.
/// `flops_per_iter` may be 0 (layers without arithmetic); `images_per_iter` 0 for layers.
inline void set_counters(benchmark::State& state, double flops_per_iter, double images_per_iter, int threads) {
  const double iters = static_cast<double>(state.iterations());
  state.counters["flops_per_iter"] = flops_per_iter;
  state.counters["threads"] = threads;
  if (flops_per_iter > 0) {
    state.counters["GFLOPS"] = benchmark::Counter(flops_per_iter * iters * 1e-9, benchmark::Counter::kIsRate);
    state.counters["peak_frac"] =
        benchmark::Counter(flops_per_iter * iters * 1e-9 / (nominal_peak_gflops_per_core * threads), benchmark::Counter::kIsRate);
  }
  if (images_per_iter > 0) {
    state.counters["images_per_iter"] = images_per_iter;
    state.counters["images_per_s"] = benchmark::Counter(images_per_iter * iters, benchmark::Counter::kIsRate);
  }
}

}  // namespace bench
