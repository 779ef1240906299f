#pragma once
/// Shared pieces of the unit tests: seeded random data, the floating-point tolerance, an
/// element-wise comparison that reports the first few mismatches, and the lists of layer
/// configurations that kernels.tests.cpp and layers.tests.cpp both run.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <tenet/shape.hpp>

#include "reference.hpp"

namespace tenet::test {

/// `n` values uniform in [low, high) from a fixed seed (std::mt19937, so the sequence is the
/// same everywhere; the distribution may differ between standard libraries, which is fine
/// for tests that compare against a reference computed from the same values).
inline std::vector<float> random_values(std::size_t n, std::uint32_t seed, float low = -1.0f, float high = 1.0f) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> dist(low, high);
  std::vector<float> values(n);
  for (float& v : values) v = dist(engine);
  return values;
}

/// How close a float result must be to the (double-accumulated) reference.
///
/// The kernels compute in float and differ from a plain left-to-right sum only in the order
/// of additions (SIMD lanes, FMA contraction); the reference accumulates in double. With
/// inputs and weights in [-1, 1], an output of T products plus a bias is a random walk whose
/// partial sums reach ~sqrt(T)/3; each of the T float roundings adds up to 2^-24 of the
/// partial sum, so the expected error grows like ~6e-8 * T / 4 (about 5e-5 for T = 3137).
/// Measured on this code (AVX2 and SSE2, 10 seeds): at most 1.0e-4 for dense 3136 -> 128 and
/// 1.9e-5 for a 5x5x16 convolution, while relative errors of outputs above 0.1 reach 5e-5.
///
/// So a value passes when it is within a relative 1e-5 of the reference OR within an absolute
/// 1e-5 * sqrt(T). The absolute floor carries the long sums and the outputs that cancel to
/// near zero (where a relative bound means nothing): the worst measured error is 18% of its
/// floor (5.6e-4 for T = 3137, 2.0e-4 for T = 401), i.e. >= 5x headroom. The relative bound
/// lets large outputs of short sums pass. Both stay far below what an indexing mistake
/// produces (a wrong or missing tap changes an output by ~0.3 on average). Element-wise
/// functions (tanh, sigmoid, softmax) involve no long sums: relative 1e-5 or absolute 1e-6.
/// Max pooling, relu, flatten, dropout and expect select or copy values and must be exact.
struct tolerance {
  double relative;
  double absolute;
  bool exact = false;
};

inline tolerance for_sum_of(std::size_t terms) { return {1e-5, 1e-5 * std::sqrt(static_cast<double>(terms))}; }
inline constexpr tolerance for_elementwise{1e-5, 1e-6};
inline constexpr tolerance exact{0.0, 0.0, true};

/// Compares `got` with `want` value by value. Every mismatch is counted; the first few are
/// reported through CHECK_THAT with Catch's WithinRel || WithinAbs matchers (so the failure
/// output shows index, value and bounds), then one CHECK sums it up. This keeps the
/// assertion count at one per tensor instead of one per value.
inline void check_close(std::span<const float> got, std::span<const float> want, tolerance tol, const std::string& what = "output") {
  REQUIRE(got.size() == want.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    bool ok;
    if (tol.exact) {
      ok = got[i] == want[i];
    } else {
      const auto rel = Catch::Matchers::WithinRel(static_cast<double>(want[i]), tol.relative);
      const auto abs = Catch::Matchers::WithinAbs(static_cast<double>(want[i]), tol.absolute);
      ok = rel.match(got[i]) || abs.match(got[i]);
    }
    if (!ok) {
      if (mismatches < 3) {
        INFO(what << "[" << i << "] of " << got.size());
        if (tol.exact) CHECK(got[i] == want[i]);
        else
          CHECK_THAT(static_cast<double>(got[i]), Catch::Matchers::WithinRel(static_cast<double>(want[i]), tol.relative) ||
                                                      Catch::Matchers::WithinAbs(static_cast<double>(want[i]), tol.absolute));
      }
      ++mismatches;
    }
  }
  INFO(what << ": " << mismatches << " of " << got.size() << " values outside the tolerance");
  CHECK(mismatches == 0);
}

inline void check_close(std::span<const float> got, const std::vector<float>& want, tolerance tol, const std::string& what = "output") {
  check_close(got, std::span<const float>(want), tol, what);
}

/// Bit-for-bit equality of two float ranges (NaN never matches).
inline bool identical(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i]) || std::signbit(a[i]) != std::signbit(b[i])) return false;
  return true;
}

// --- configurations ------------------------------------------------------------------------

/// One convolution: input H x W x C, F filters, `Kernel`, `Stride`, `Padding` (tenet::same or
/// tenet::valid). Sizes for the reference come from reference::axis, not from tenet.
template <std::size_t H, std::size_t W, std::size_t C, std::size_t F, class Kernel, class Stride, class Padding>
struct conv_case {
  static constexpr reference::conv2d_params params{
      H,
      W,
      C,
      F,
      Kernel::height,
      Kernel::width,
      Stride::height,
      Stride::width,
      std::is_same_v<Padding, tenet::same> ? reference::padding::same : reference::padding::valid};
  using kernel_type = Kernel;
  using stride_type = Stride;
  using padding_type = Padding;
  static constexpr std::size_t height = H, width = W, channels = C, filters = F;

  static std::string name() {
    std::ostringstream os;
    os << "conv2d " << H << "x" << W << "x" << C << " -> " << F << " filters, kernel " << Kernel::height << "x" << Kernel::width
       << ", stride " << Stride::height << "x" << Stride::width << ", " << (std::is_same_v<Padding, tenet::same> ? "same" : "valid");
    return os.str();
  }
};

template <std::size_t H, std::size_t W, std::size_t C, std::size_t F, std::size_t K, std::size_t S, class Padding>
using conv_sq = conv_case<H, W, C, F, tenet::kernel<K, K>, tenet::stride<S>, Padding>;

/// The convolutions both test files run. Together they cover kernels 1x1, 1x2, 2x1, 2x2, 3x3,
/// 5x5; same and valid; strides 1, 2 and 1x2 / 2x1; 1, 3, 4, 6, 16, 32 and 64 input channels; 1, 6,
/// 8, 10, 16, 17, 32, 35, 40 and 64 filters (below, at and above the 8- and 4-lane widths, the
/// 4-register blocks of both arches, and ragged tails); odd image sizes; a kernel larger
/// than its image under `same`; a 1x1 output; and layers big enough for predict() to split
/// rows across threads (>= 2 Mflop).
using conv_cases =
    std::tuple<conv_case<7, 9, 1, 1, tenet::kernel<1, 2>, tenet::stride<1>, tenet::same>,
               conv_case<7, 9, 1, 1, tenet::kernel<1, 2>, tenet::stride<1>, tenet::valid>,
               conv_case<7, 9, 3, 6, tenet::kernel<2, 1>, tenet::stride<1>, tenet::same>,
               conv_case<7, 9, 3, 6, tenet::kernel<2, 1>, tenet::stride<2>, tenet::valid>,
               conv_case<13, 13, 16, 1, tenet::kernel<1, 2>, tenet::stride<2>, tenet::same>,
               conv_case<7, 9, 16, 6, tenet::kernel<2, 1>, tenet::stride<1, 2>, tenet::same>, conv_sq<13, 13, 1, 8, 2, 1, tenet::same>,
               conv_sq<13, 13, 1, 8, 2, 2, tenet::same>, conv_sq<13, 13, 3, 10, 2, 1, tenet::valid>,
               conv_sq<28, 28, 1, 16, 2, 1, tenet::same>,  // the README's seed network
               conv_sq<13, 13, 16, 16, 3, 1, tenet::same>, conv_sq<13, 13, 16, 17, 3, 2, tenet::same>,
               conv_sq<13, 13, 3, 17, 3, 2, tenet::valid>, conv_sq<7, 9, 16, 10, 3, 1, tenet::valid>,
               conv_case<7, 9, 3, 8, tenet::kernel<3, 3>, tenet::stride<1, 2>, tenet::same>,
               conv_case<7, 9, 1, 17, tenet::kernel<5, 5>, tenet::stride<1, 2>, tenet::valid>,
               conv_case<13, 13, 3, 6, tenet::kernel<3, 3>, tenet::stride<2, 1>, tenet::valid>, conv_sq<28, 28, 3, 10, 3, 2, tenet::valid>,
               conv_sq<28, 28, 1, 6, 5, 1, tenet::same>,  // LeNet-5 conv 1
               conv_sq<14, 14, 6, 16, 5, 1, tenet::valid>,  // LeNet-5 conv 2
               conv_sq<13, 13, 3, 16, 5, 2, tenet::same>, conv_sq<5, 5, 1, 1, 5, 1, tenet::valid>,  // one output pixel
               conv_sq<3, 3, 3, 6, 5, 1, tenet::same>,  // kernel larger than the image
               conv_sq<7, 9, 1, 32, 3, 1, tenet::same>,  // exactly four AVX registers of filters
               conv_sq<13, 13, 16, 40, 2, 1, tenet::valid>, conv_sq<7, 9, 3, 35, 3, 2, tenet::same>,
               conv_sq<28, 28, 16, 16, 3, 1, tenet::same>,  // 3.6 Mflop: predict() splits rows over threads
               conv_sq<28, 28, 3, 17, 5, 1, tenet::same>,  // 3.6 Mflop, ragged filter tail
               conv_sq<11, 13, 1, 32, 2, 1, tenet::valid>,  // weights held in registers, two passes of filters
               conv_case<9, 7, 4, 16, tenet::kernel<1, 1>, tenet::stride<1>, tenet::valid>,  // the same over channels
               conv_case<12, 19, 1, 7, tenet::kernel<3, 3>, tenet::stride<2, 1>, tenet::same>,  // one channel, padded copy
               // Rows whose full tiles leave pixels for conv2d_pixels_all_filters and
               // conv2d_input_grad_all_channels: 1 pixel x 8 registers (the deep CNN's 14-wide
               // layers), 2 pixels x 4 and 1 x 4 (its 28-wide one).
               conv_sq<5, 14, 64, 64, 2, 1, tenet::same>, conv_sq<4, 28, 32, 32, 2, 1, tenet::same>,
               // Winograd F(2x2, 2x2) (kernels/winograd.hpp): odd output sizes (2x2 blocks cut
               // by the edge), one register of filters, and 2 + 1.
               conv_sq<10, 12, 16, 8, 2, 1, tenet::valid>, conv_sq<7, 7, 24, 24, 2, 1, tenet::same>>;

/// One max pooling: input H x W x C, window P, `Stride` (default: the window).
template <std::size_t H, std::size_t W, std::size_t C, std::size_t P, class Stride = tenet::stride<P>>
struct pool_case {
  static constexpr reference::pool_params params{H, W, C, P, Stride::height, Stride::width};
  using stride_type = Stride;
  static constexpr std::size_t height = H, width = W, channels = C, window = P;

  static std::string name() {
    std::ostringstream os;
    os << "max_pool " << H << "x" << W << "x" << C << ", window " << P << ", stride " << Stride::height << "x" << Stride::width;
    return os.str();
  }
};

/// Pools 2 and 3, strides equal to the window, 1, and 1x2; 1, 3, 6, 8, 10, 16 and 17
/// channels (scalar path, whole registers, ragged tails); odd sizes (windows that do not
/// tile the image leave the last rows/columns out).
using pool_cases = std::tuple<pool_case<28, 28, 16, 2>, pool_case<13, 13, 1, 2>, pool_case<7, 9, 3, 3>, pool_case<13, 13, 17, 3>,
                              pool_case<7, 9, 16, 2, tenet::stride<1>>, pool_case<28, 28, 1, 2, tenet::stride<1>>,
                              pool_case<13, 13, 6, 3, tenet::stride<2>>, pool_case<7, 9, 10, 2>, pool_case<7, 9, 8, 2, tenet::stride<1, 2>>,
                              pool_case<3, 3, 17, 3>>;

/// One dense layer: N inputs, U units.
template <std::size_t N, std::size_t U>
struct dense_case {
  static constexpr std::size_t inputs = N, units = U;
  static std::string name() { return "dense " + std::to_string(N) + " -> " + std::to_string(U); }
};

/// Inputs 1, 5 and 3136 crossed with units 1, 7, 8, 10 and 33, plus LeNet-5's three layers
/// and a 128-unit layer (four 8-lane registers, the widest block); then layers of 3, 9 and 12
/// units whose input count is not a whole number of registers (the interleaved kernel's tail).
using dense_cases =
    std::tuple<dense_case<1, 1>, dense_case<1, 7>, dense_case<1, 8>, dense_case<1, 10>, dense_case<1, 33>, dense_case<5, 1>,
               dense_case<5, 7>, dense_case<5, 8>, dense_case<5, 10>, dense_case<5, 33>, dense_case<3136, 1>, dense_case<3136, 7>,
               dense_case<3136, 8>, dense_case<3136, 10>, dense_case<3136, 33>, dense_case<400, 120>, dense_case<120, 84>,
               dense_case<84, 10>, dense_case<3136, 128>, dense_case<37, 12>, dense_case<21, 3>, dense_case<1001, 9>, dense_case<45, 41>,
               dense_case<7, 24>, dense_case<70, 131>>;  // wider than one pass, whole registers blocked and a ragged one

/// Sizes for the element-wise functions: below, at and above one 8-lane register, and many.
inline constexpr std::size_t activation_sizes[] = {1, 7, 8, 9, 100};

}  // namespace tenet::test
