// The SIMD kernels called directly, with compile-time dims (what networks use) and run-time
// dims (the generic path), under both tenet::simd::default_arch and fallback_arch, against
// the plain reference implementations in tests/support/reference.hpp.
//
// Tolerances: see tenet::test::tolerance in tests/support/test_helpers.hpp.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include <tenet/kernels/arch.hpp>
#include <tenet/kernels/conv2d.hpp>
#include <tenet/kernels/dense.hpp>
#include <tenet/kernels/elementwise.hpp>
#include <tenet/kernels/fused.hpp>
#include <tenet/kernels/pool.hpp>
#include <tenet/shape.hpp>

#include "reference.hpp"
#include "test_helpers.hpp"

namespace {

using tenet::simd::default_arch;
using tenet::simd::fallback_arch;
using tenet::test::check_close;
using tenet::test::random_values;
namespace ref = tenet::reference;

/// Values past the end of every output buffer, which a kernel must never touch.
constexpr std::size_t guard = 64;

/// An output buffer of `n` values plus a guard zone, all NaN: a value the kernel forgets to
/// write stays NaN and fails the comparison; a value it writes past the end is caught by
/// `untouched_guard`.
std::vector<float> poisoned(std::size_t n) { return std::vector<float>(n + guard, std::numeric_limits<float>::quiet_NaN()); }

bool untouched_guard(const std::vector<float>& buffer, std::size_t n) {
  for (std::size_t i = n; i < buffer.size(); ++i)
    if (!std::isnan(buffer[i])) return false;
  return true;
}

std::span<const float> head(const std::vector<float>& buffer, std::size_t n) { return {buffer.data(), n}; }

// --- convolution ----------------------------------------------------------------------------

template <class Case>
using static_conv_dims =
    tenet::kernels::static_conv2d_dims<Case::params.height, Case::params.width, Case::params.channels, Case::params.filters,
                                       Case::params.kernel_height, Case::params.kernel_width, Case::params.stride_height,
                                       Case::params.stride_width, Case::params.out_height(), Case::params.out_width(),
                                       Case::params.rows().pad_before, Case::params.cols().pad_before>;

tenet::kernels::conv2d_dims runtime_conv_dims(const ref::conv2d_params& p) {
  return {p.height,        p.width,        p.channels,     p.filters,     p.kernel_height,     p.kernel_width,
          p.stride_height, p.stride_width, p.out_height(), p.out_width(), p.rows().pad_before, p.cols().pad_before};
}

struct conv_data {
  ref::conv2d_params p;
  std::vector<float> x, w, b, want;

  explicit conv_data(const ref::conv2d_params& params, std::uint32_t seed = 1)
      : p(params),
        x(random_values(p.input_size(), seed)),
        w(random_values(p.weight_count(), seed + 1)),
        b(random_values(p.filters, seed + 2)),
        want(ref::conv2d(p, x, w, b)) {}

  /// Runs output rows [0, split) and [split, OH) as two calls.
  template <class Arch, class Dims>
  std::vector<float> run(const Dims& d, std::size_t split = 0) const {
    std::vector<float> out = poisoned(want.size());
    tenet::kernels::conv2d_forward<Arch>(d, x.data(), w.data(), b.data(), out.data(), 0, split);
    tenet::kernels::conv2d_forward<Arch>(d, x.data(), w.data(), b.data(), out.data(), split, p.out_height());
    return out;
  }

  template <class Arch, class Dims>
  void check(const Dims& d) const {
    INFO("arch " << Arch::name());
    const std::vector<float> out = run<Arch>(d);
    CHECK(untouched_guard(out, want.size()));
    check_close(head(out, want.size()), want, tenet::test::for_sum_of(p.taps() + 1));
  }
};

TEMPLATE_LIST_TEST_CASE("conv2d_forward matches the reference convolution", "[kernels][conv2d]", tenet::test::conv_cases) {
  constexpr ref::conv2d_params p = TestType::params;
  INFO(TestType::name());
  const conv_data data(p);
  const tenet::kernels::conv2d_dims runtime = runtime_conv_dims(p);

  SECTION("with compile-time dims and the default arch") { data.check<default_arch>(static_conv_dims<TestType>{}); }
  SECTION("with compile-time dims and the fallback arch") { data.check<fallback_arch>(static_conv_dims<TestType>{}); }
  SECTION("with run-time dims and the default arch") { data.check<default_arch>(runtime); }
  SECTION("with run-time dims and the fallback arch") { data.check<fallback_arch>(runtime); }
  SECTION("computing the rows in two calls gives the same bits as one call") {
    const std::size_t n = data.want.size();
    const std::vector<float> whole = data.run<default_arch>(static_conv_dims<TestType>{});
    for (std::size_t split = 1; split < p.out_height(); split += 3) {
      INFO("split at row " << split);
      CHECK(tenet::test::identical(head(data.run<default_arch>(static_conv_dims<TestType>{}, split), n), head(whole, n)));
    }
  }
  // Compile-time and run-time dims are NOT compared bit for bit: g++ contracts a*b + c into
  // FMAs differently once the loop bounds are constants (-ffp-contract=fast is its default),
  // so the two can differ in the last bit. Both are held to the reference instead.
}

/// conv2d_backward against the reference, into zeroed buffers followed by NaN guards. The
/// weight and bias gradients accumulate, so they start at 1 and the reference's values are
/// checked on top of that.
template <class Arch, class Dims>
void check_conv_backward(const ref::conv2d_params& p, const Dims& d, std::uint32_t seed, bool input_gradient = true) {
  INFO("arch " << Arch::name() << (input_gradient ? "" : ", no input gradient"));
  const std::vector<float> x = random_values(p.input_size(), seed);
  const std::vector<float> w = random_values(p.weight_count(), seed + 1);
  const std::vector<float> g = random_values(p.output_size(), seed + 2);
  const ref::conv2d_gradients want = ref::conv2d_backward(p, x, w, g);
  auto zeroed = [](std::size_t n, float value) {
    std::vector<float> v = poisoned(n);
    std::fill_n(v.begin(), n, value);
    return v;
  };
  std::vector<float> gi = zeroed(p.input_size(), 0.0f), gw = zeroed(p.weight_count(), 1.0f), gb = zeroed(p.filters, 1.0f);
  std::vector<float> scratch(tenet::kernels::conv2d_backward_scratch<Arch>(d));
  tenet::kernels::conv2d_backward<Arch>(d, x.data(), w.data(), g.data(), input_gradient ? gi.data() : nullptr, gw.data(), gb.data(),
                                        scratch.data());
  CHECK(untouched_guard(gi, p.input_size()));
  CHECK(untouched_guard(gw, p.weight_count()));
  CHECK(untouched_guard(gb, p.filters));
  auto minus_one = [](std::vector<float> v, std::size_t n) {
    v.resize(n);
    for (float& value : v) value -= 1.0f;
    return v;
  };
  const std::size_t pixels = p.out_height() * p.out_width();
  check_close(minus_one(gw, p.weight_count()), want.weights, tenet::test::for_sum_of(pixels + 1));
  check_close(minus_one(gb, p.filters), want.bias, tenet::test::for_sum_of(pixels + 1));
  if (input_gradient) check_close(head(gi, p.input_size()), want.in, tenet::test::for_sum_of(p.filters * p.kernel_height * p.kernel_width));
  else CHECK(std::all_of(gi.begin(), gi.begin() + static_cast<std::ptrdiff_t>(p.input_size()), [](float v) { return v == 0.0f; }));
}

TEMPLATE_LIST_TEST_CASE("conv2d_backward matches the reference gradients", "[kernels][conv2d][backward]", tenet::test::conv_cases) {
  constexpr ref::conv2d_params p = TestType::params;
  INFO(TestType::name());
  SECTION("with compile-time dims and the default arch") {
    check_conv_backward<default_arch>(p, static_conv_dims<TestType>{}, 31);
    check_conv_backward<default_arch>(p, static_conv_dims<TestType>{}, 37, false);
  }
  // (No compile-time dims with the fallback arch: the run-time dims below cover its code,
  // and every instantiation here costs compile time.)
  SECTION("with run-time dims and the default arch") { check_conv_backward<default_arch>(p, runtime_conv_dims(p), 31); }
  SECTION("with run-time dims and the fallback arch") { check_conv_backward<fallback_arch>(p, runtime_conv_dims(p), 31); }
}

/// A random convolution geometry for the run-time-dims sweeps: either padding, kernels 1-5,
/// images up to 15 x max_width (at least the kernel under valid), channels from `channels`,
/// 1-41 filters, strides 1-3.
ref::conv2d_params random_geometry(std::mt19937& engine, std::span<const std::size_t> channels, std::size_t max_width) {
  auto pick = [&](std::size_t lo, std::size_t hi) { return std::uniform_int_distribution<std::size_t>(lo, hi)(engine); };
  ref::conv2d_params p{};
  p.pad = pick(0, 1) == 0 ? ref::padding::same : ref::padding::valid;
  p.kernel_height = pick(1, 5);
  p.kernel_width = pick(1, 5);
  p.height = pick(p.pad == ref::padding::valid ? p.kernel_height : 1, 15);
  p.width = pick(p.pad == ref::padding::valid ? p.kernel_width : 1, max_width);
  p.channels = channels[pick(0, channels.size() - 1)];
  p.filters = pick(1, 41);
  p.stride_height = pick(1, 3);
  p.stride_width = pick(1, 3);
  return p;
}

std::string describe(const ref::conv2d_params& p) {
  std::ostringstream os;
  os << p.height << "x" << p.width << "x" << p.channels << " -> " << p.filters << " filters, kernel " << p.kernel_height << "x"
     << p.kernel_width << ", stride " << p.stride_height << "x" << p.stride_width << (p.pad == ref::padding::same ? ", same" : ", valid");
  return os.str();
}

TEST_CASE("conv2d_backward with run-time dims matches the reference on 200 random geometries", "[kernels][conv2d][backward][generic]") {
  std::mt19937 engine(2025);
  const std::size_t channel_choices[] = {1, 2, 3, 5, 6, 7, 16};
  for (int trial = 0; trial < 200; ++trial) {
    const ref::conv2d_params p = random_geometry(engine, channel_choices, 21);
    INFO("trial " << trial << ": " << describe(p));
    check_conv_backward<default_arch>(p, runtime_conv_dims(p), static_cast<std::uint32_t>(500 + trial));
    check_conv_backward<fallback_arch>(p, runtime_conv_dims(p), static_cast<std::uint32_t>(500 + trial));
  }
}

TEST_CASE("conv2d_forward with run-time dims matches the reference on 300 random geometries", "[kernels][conv2d][generic]") {
  std::mt19937 engine(2024);
  const std::size_t channel_choices[] = {1, 2, 3, 5, 16};
  for (int trial = 0; trial < 300; ++trial) {
    const ref::conv2d_params p = random_geometry(engine, channel_choices, 15);
    INFO("trial " << trial << ": " << describe(p));
    const conv_data data(p, static_cast<std::uint32_t>(100 + trial));
    data.check<default_arch>(runtime_conv_dims(p));
    data.check<fallback_arch>(runtime_conv_dims(p));
  }
}

// --- max pooling ----------------------------------------------------------------------------

template <class Case>
using static_pool_dims = tenet::kernels::static_pool_dims<Case::params.height, Case::params.width, Case::params.channels,
                                                          Case::params.window, Case::params.window, Case::params.stride_height,
                                                          Case::params.stride_width, Case::params.out_height(), Case::params.out_width()>;

tenet::kernels::pool_dims runtime_pool_dims(const ref::pool_params& p) {
  return {p.height, p.width, p.channels, p.window, p.window, p.stride_height, p.stride_width, p.out_height(), p.out_width()};
}

template <class Arch, class Dims>
void check_pool(const ref::pool_params& p, const Dims& d, const std::vector<float>& x, const std::vector<float>& want) {
  INFO("arch " << Arch::name());
  std::vector<float> out = poisoned(want.size());
  const std::size_t split = p.out_height() / 2;
  tenet::kernels::max_pool_forward<Arch>(d, x.data(), out.data(), 0, split);
  tenet::kernels::max_pool_forward<Arch>(d, x.data(), out.data(), split, p.out_height());
  CHECK(untouched_guard(out, want.size()));
  check_close(head(out, want.size()), want, tenet::test::exact);
}

TEMPLATE_LIST_TEST_CASE("max_pool_forward matches the reference pooling exactly", "[kernels][max_pool]", tenet::test::pool_cases) {
  constexpr ref::pool_params p = TestType::params;
  INFO(TestType::name());
  const std::vector<float> x = random_values(p.input_size(), 7);
  const std::vector<float> want = ref::max_pool(p, x);

  SECTION("with compile-time dims and the default arch") { check_pool<default_arch>(p, static_pool_dims<TestType>{}, x, want); }
  SECTION("with compile-time dims and the fallback arch") { check_pool<fallback_arch>(p, static_pool_dims<TestType>{}, x, want); }
  SECTION("with run-time dims and the default arch") { check_pool<default_arch>(p, runtime_pool_dims(p), x, want); }
  SECTION("with run-time dims and the fallback arch") { check_pool<fallback_arch>(p, runtime_pool_dims(p), x, want); }
}

TEST_CASE("max_pool_forward keeps negative maxima and ties", "[kernels][max_pool]") {
  // All values negative: a max that started from 0 instead of the first value would show.
  const ref::pool_params p{4, 4, 9, 2, 2, 2};
  std::vector<float> x = random_values(p.input_size(), 11, -3.0f, -1.0f);
  x[5] = x[6];  // a tie
  const std::vector<float> want = ref::max_pool(p, x);
  check_pool<default_arch>(p, runtime_pool_dims(p), x, want);
  check_pool<fallback_arch>(p, runtime_pool_dims(p), x, want);
}

template <class Arch, class Dims>
void check_pool_backward(const ref::pool_params& p, const Dims& d, const std::vector<float>& x) {
  INFO("arch " << Arch::name());
  const std::vector<float> out = ref::max_pool(p, x);
  const std::vector<float> grad_out = random_values(p.output_size(), 13);
  const std::vector<float> want = ref::max_pool_backward(p, x, out, grad_out);
  std::vector<float> grad_in = poisoned(want.size());
  std::fill_n(grad_in.begin(), want.size(), 0.0f);
  tenet::kernels::max_pool_backward<Arch>(d, x.data(), out.data(), grad_out.data(), grad_in.data());
  CHECK(untouched_guard(grad_in, want.size()));
  check_close(head(grad_in, want.size()), want, tenet::test::exact);
}

TEMPLATE_LIST_TEST_CASE("max_pool_backward routes each gradient to the first maximum, as the reference does", "[kernels][max_pool]",
                        tenet::test::pool_cases) {
  constexpr ref::pool_params p = TestType::params;
  INFO(TestType::name());
  // Values after a ReLU: about half are 0, so most windows hold ties, some of them all zero.
  std::vector<float> x = random_values(p.input_size(), 17);
  for (float& v : x) v = std::max(v, 0.0f);
  // Repeated values inside windows too, not only zeros.
  for (std::size_t i = 0; i + 1 < x.size(); i += 5) x[i + 1] = x[i];

  SECTION("with compile-time dims and the default arch") { check_pool_backward<default_arch>(p, static_pool_dims<TestType>{}, x); }
  SECTION("with compile-time dims and the fallback arch") { check_pool_backward<fallback_arch>(p, static_pool_dims<TestType>{}, x); }
  SECTION("with run-time dims and the default arch") { check_pool_backward<default_arch>(p, runtime_pool_dims(p), x); }
  SECTION("with run-time dims and the fallback arch") { check_pool_backward<fallback_arch>(p, runtime_pool_dims(p), x); }
}

TEST_CASE("max_pool_backward sends the gradient of a NaN window to its first input", "[kernels][max_pool]") {
  const ref::pool_params p{4, 4, 16, 2, 2, 2};
  std::vector<float> x = random_values(p.input_size(), 19);
  x[(1 * 4 + 1) * 16 + 3] = std::numeric_limits<float>::quiet_NaN();  // window (0, 0), channel 3
  x[(2 * 4 + 3) * 16 + 12] = std::numeric_limits<float>::quiet_NaN();  // window (1, 1), channel 12
  std::vector<float> out = ref::max_pool(p, x);
  // Whatever the forward pass made of the NaN, an output equal to no input takes this path.
  out[3] = std::numeric_limits<float>::quiet_NaN();
  out[(1 * 2 + 1) * 16 + 12] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> grad_out = random_values(p.output_size(), 23);
  const std::vector<float> want = ref::max_pool_backward(p, x, out, grad_out);
  for (auto arch_run : {0, 1}) {
    std::vector<float> grad_in(want.size(), 0.0f);
    if (arch_run == 0)
      tenet::kernels::max_pool_backward<default_arch>(runtime_pool_dims(p), x.data(), out.data(), grad_out.data(), grad_in.data());
    else tenet::kernels::max_pool_backward<fallback_arch>(runtime_pool_dims(p), x.data(), out.data(), grad_out.data(), grad_in.data());
    check_close(grad_in, want, tenet::test::exact);
    CHECK(grad_in[3] == grad_out[3]);  // the first input of window (0, 0), channel 3
  }
}

/// The pooling's gradient into a zeroed buffer (the reference), then the ReLU's gradient
/// (out > 0 ? g : 0, written out here), against max_pool_relu_backward writing over poison.
template <class Arch, class Dims>
void check_pool_relu_backward(const ref::pool_params& p, const Dims& d, const std::vector<float>& x, const std::vector<float>& out,
                              const std::vector<float>& grad_out) {
  INFO("arch " << Arch::name());
  REQUIRE(tenet::kernels::pool_windows_disjoint(d));
  std::vector<float> want = ref::max_pool_backward(p, x, out, grad_out);
  for (std::size_t i = 0; i < want.size(); ++i) want[i] = x[i] > 0.0f ? want[i] : 0.0f;
  std::vector<float> grad_in = poisoned(want.size());
  tenet::kernels::max_pool_relu_backward<Arch>(d, x.data(), out.data(), grad_out.data(), grad_in.data());
  CHECK(untouched_guard(grad_in, want.size()));
  check_close(head(grad_in, want.size()), want, tenet::test::exact);
}

TEMPLATE_LIST_TEST_CASE("max_pool_relu_backward gives the bits of max_pool_backward followed by relu_backward", "[kernels][max_pool]",
                        tenet::test::pool_cases) {
  constexpr ref::pool_params p = TestType::params;
  INFO(TestType::name());
  if constexpr (tenet::kernels::pool_windows_disjoint(static_pool_dims<TestType>{})) {
    // A ReLU's output: about half 0, ties inside windows; a few -0 gradients.
    std::vector<float> x = random_values(p.input_size(), 29);
    for (float& v : x) v = std::max(v, 0.0f);
    for (std::size_t i = 0; i + 1 < x.size(); i += 5) x[i + 1] = x[i];
    const std::vector<float> out = ref::max_pool(p, x);
    std::vector<float> grad_out = random_values(p.output_size(), 31);
    for (std::size_t i = 0; i < grad_out.size(); i += 7) grad_out[i] = -0.0f;
    check_pool_relu_backward<default_arch>(p, static_pool_dims<TestType>{}, x, out, grad_out);
    check_pool_relu_backward<fallback_arch>(p, static_pool_dims<TestType>{}, x, out, grad_out);
    check_pool_relu_backward<default_arch>(p, runtime_pool_dims(p), x, out, grad_out);
  } else {
    REQUIRE_FALSE(tenet::kernels::pool_windows_disjoint(runtime_pool_dims(p)));  // overlapping: not for this kernel
  }
}

TEST_CASE("max_pool_relu_backward: a NaN window's gradient goes to its first input if that one is positive", "[kernels][max_pool]") {
  const ref::pool_params p{4, 5, 13, 2, 2, 2};  // 13 channels: 8 + 4 lanes + 1 scalar; a column in no window
  std::vector<float> x = random_values(p.input_size(), 37);
  x[(1 * 5 + 1) * 13 + 3] = std::numeric_limits<float>::quiet_NaN();  // window (0, 0), channel 3: first input > 0
  x[3] = 0.5f;
  x[(1 * 5 + 1) * 13 + 10] = std::numeric_limits<float>::quiet_NaN();  // window (0, 0), channel 10: first input < 0
  x[10] = -0.5f;
  x[(3 * 5 + 3) * 13 + 12] = std::numeric_limits<float>::quiet_NaN();  // window (1, 1), channel 12 (scalar)
  x[(2 * 5 + 2) * 13 + 12] = 0.25f;
  std::vector<float> out = ref::max_pool(p, x);
  out[3] = out[10] = out[(1 * 2 + 1) * 13 + 12] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> grad_out = random_values(p.output_size(), 41);
  check_pool_relu_backward<default_arch>(p, runtime_pool_dims(p), x, out, grad_out);
  check_pool_relu_backward<fallback_arch>(p, runtime_pool_dims(p), x, out, grad_out);
}

// --- convolution + ReLU + max pooling in one pass -------------------------------------------

/// The fused pass against the three kernels one after the other: the same operations, so the
/// same bits. Pooled rows are run as two calls, [0, split) and [split, end).
template <class Arch, class ConvDims, class PoolDims>
void check_fused(const conv_data& data, const ConvDims& cd, const PoolDims& pd) {
  INFO("arch " << Arch::name());
  REQUIRE(tenet::kernels::fusable_conv2d_max_pool(cd, pd));
  std::vector<float> conv_out(data.want.size());
  tenet::kernels::conv2d_forward<Arch>(cd, data.x.data(), data.w.data(), data.b.data(), conv_out.data(), 0, cd.out_height, true);
  const std::size_t pooled = pd.out_height * pd.out_width * pd.channels;
  std::vector<float> want(pooled);
  tenet::kernels::max_pool_forward<Arch>(pd, conv_out.data(), want.data(), 0, pd.out_height);

  std::vector<float> strip = poisoned(tenet::kernels::conv2d_max_pool_strip(cd, pd));
  std::vector<float> out = poisoned(pooled);
  const std::size_t split = pd.out_height / 2;
  tenet::kernels::conv2d_relu_max_pool_forward<Arch>(cd, pd, data.x.data(), data.w.data(), data.b.data(), out.data(), 0, split,
                                                     strip.data());
  tenet::kernels::conv2d_relu_max_pool_forward<Arch>(cd, pd, data.x.data(), data.w.data(), data.b.data(), out.data(), split, pd.out_height,
                                                     strip.data());
  CHECK(untouched_guard(out, pooled));
  CHECK(untouched_guard(strip, tenet::kernels::conv2d_max_pool_strip(cd, pd)));
  check_close(head(out, pooled), want, tenet::test::exact);
}

/// A pooling window PH x PW with the same stride over Conv's output, compile-time dims.
template <class Conv, std::size_t PH, std::size_t PW>
using static_pool_after = tenet::kernels::static_pool_dims<Conv::params.out_height(), Conv::params.out_width(), Conv::params.filters, PH,
                                                           PW, PH, PW, Conv::params.out_height() / PH, Conv::params.out_width() / PW>;

/// check_fused on both archs for a compile-time geometry whose weights fit in registers, so
/// the pooling is done from the accumulators where the filters fill whole registers (detail::pools_from_registers), with NaN inputs
/// at `nans` (ReLU turns a NaN output into 0 before pooling; the fused pass must too).
template <class Conv, std::size_t PH, std::size_t PW>
void check_fused_from_registers(std::initializer_list<std::size_t> nans = {}) {
  using cd = static_conv_dims<Conv>;
  using pd = static_pool_after<Conv, PH, PW>;
  // the path takes whole registers of filters: with 16 lanes (AVX-512) 8 and 24 filters do not
  static_assert(tenet::kernels::detail::pools_from_registers<default_arch, cd, pd> ==
                (Conv::params.filters % tenet::simd::lanes<default_arch> == 0));
  static_assert(tenet::kernels::detail::pools_from_registers<fallback_arch, cd, pd>);
  INFO(Conv::name() << ", pool " << PH << "x" << PW);
  conv_data data(Conv::params, 41);
  for (std::size_t i : nans) data.x[i] = std::numeric_limits<float>::quiet_NaN();
  check_fused<default_arch>(data, cd{}, pd{});
  check_fused<fallback_arch>(data, cd{}, pd{});
}

TEST_CASE("conv2d_relu_max_pool_forward gives the bits of conv2d, ReLU and max_pool in turn", "[kernels][conv2d][max_pool][fused]") {
  SECTION("weights in registers, pooled from the accumulators: compile-time geometries") {
    using tenet::kernel, tenet::stride, tenet::same, tenet::valid;
    using tenet::test::conv_case;
    check_fused_from_registers<conv_case<28, 28, 1, 16, kernel<2, 2>, stride<1>, same>, 2, 2>({5, 300});
    check_fused_from_registers<conv_case<27, 27, 1, 8, kernel<2, 2>, stride<1>, valid>, 2, 2>();  // 13 of 26 rows, odd
    check_fused_from_registers<conv_case<15, 13, 1, 24, kernel<2, 2>, stride<1>, same>, 2, 3>();  // 1 pooled pixel a tile
    check_fused_from_registers<conv_case<10, 10, 4, 16, kernel<1, 1>, stride<1>, valid>, 2, 2>({17});
    check_fused_from_registers<conv_case<12, 9, 1, 8, kernel<3, 1>, stride<1>, same>, 2, 2>();  // padding above
    check_fused_from_registers<conv_case<9, 11, 1, 8, kernel<1, 4>, stride<1>, same>, 2, 2>();  // padding left
    check_fused_from_registers<conv_case<17, 16, 1, 8, kernel<2, 2>, stride<2>, same>, 2, 2>();  // strided
    check_fused_from_registers<conv_case<6, 7, 2, 32, kernel<2, 1>, stride<1, 2>, valid>, 1, 2>();
  }
  SECTION("the seed CNN's first layers, compile-time dims") {
    using seed = tenet::test::conv_case<28, 28, 1, 16, tenet::kernel<2, 2>, tenet::stride<1>, tenet::same>;
    const conv_data data(seed::params, 3);
    using pool = tenet::kernels::static_pool_dims<28, 28, 16, 2, 2, 2, 2, 14, 14>;
    check_fused<default_arch>(data, static_conv_dims<seed>{}, pool{});
    check_fused<fallback_arch>(data, static_conv_dims<seed>{}, pool{});
  }
  SECTION("LeNet-5's first layers, compile-time dims (one channel: a zero-padded copy of the rows)") {
    using lenet = tenet::test::conv_case<28, 28, 1, 6, tenet::kernel<5, 5>, tenet::stride<1>, tenet::same>;
    static_assert(tenet::kernels::detail::single_channel_padded<default_arch, static_conv_dims<lenet>>);
    const conv_data data(lenet::params, 5);
    using pool = static_pool_after<lenet, 2, 2>;
    check_fused<default_arch>(data, static_conv_dims<lenet>{}, pool{});
    check_fused<fallback_arch>(data, static_conv_dims<lenet>{}, pool{});
  }
  SECTION("random geometries and windows, run-time dims") {
    std::mt19937 engine(2026);
    const std::size_t channel_choices[] = {1, 2, 3, 6, 16};
    int tried = 0;
    for (int trial = 0; trial < 200 && tried < 100; ++trial) {
      const ref::conv2d_params p = random_geometry(engine, channel_choices, 17);
      const std::size_t window = std::uniform_int_distribution<std::size_t>(1, 3)(engine);
      const std::size_t stride_width = std::uniform_int_distribution<std::size_t>(1, window)(engine);
      if (p.out_height() < window || p.out_width() < window) continue;
      ++tried;
      const ref::pool_params pp{p.out_height(), p.out_width(), p.filters, window, window, stride_width};
      INFO("trial " << trial << ": " << describe(p) << ", pool " << window << " stride " << window << "x" << stride_width);
      const conv_data data(p, static_cast<std::uint32_t>(900 + trial));
      check_fused<default_arch>(data, runtime_conv_dims(p), runtime_pool_dims(pp));
      check_fused<fallback_arch>(data, runtime_conv_dims(p), runtime_pool_dims(pp));
    }
    CHECK(tried == 100);
  }
}

TEST_CASE("2x2 convolutions of stride 1 run Winograd's F(2x2, 2x2) and match the reference", "[kernels][conv2d][winograd]") {
  SECTION("the deep CNN's conv 2-4 take that path, its first layer (one channel) does not") {
    using tenet::kernels::static_conv2d_dims, tenet::kernels::winograd_applies;
    STATIC_REQUIRE(winograd_applies<default_arch>(static_conv2d_dims<28, 28, 32, 32, 2, 2, 1, 1, 28, 28, 0, 0>{}));
    STATIC_REQUIRE(winograd_applies<default_arch>(static_conv2d_dims<14, 14, 32, 64, 2, 2, 1, 1, 14, 14, 0, 0>{}));
    STATIC_REQUIRE(winograd_applies<default_arch>(static_conv2d_dims<14, 14, 64, 64, 2, 2, 1, 1, 14, 14, 0, 0>{}));
    STATIC_REQUIRE_FALSE(winograd_applies<default_arch>(static_conv2d_dims<28, 28, 1, 32, 2, 2, 1, 1, 28, 28, 0, 0>{}));
    STATIC_REQUIRE_FALSE(winograd_applies<default_arch>(static_conv2d_dims<28, 28, 32, 32, 3, 3, 1, 1, 28, 28, 1, 1>{}));
    STATIC_REQUIRE_FALSE(winograd_applies<default_arch>(static_conv2d_dims<28, 28, 32, 32, 2, 2, 2, 2, 14, 14, 0, 0>{}));
    // and their input gradients, a convolution of the output gradient padded before
    using tenet::kernels::detail::winograd_input_gradient;
    STATIC_REQUIRE(winograd_input_gradient<default_arch>(static_conv2d_dims<28, 28, 32, 32, 2, 2, 1, 1, 28, 28, 0, 0>{}));
    STATIC_REQUIRE(winograd_input_gradient<default_arch>(static_conv2d_dims<14, 14, 32, 64, 2, 2, 1, 1, 14, 14, 0, 0>{}));
    STATIC_REQUIRE(winograd_input_gradient<default_arch>(static_conv2d_dims<14, 14, 64, 64, 2, 2, 1, 1, 14, 14, 0, 0>{}));
    STATIC_REQUIRE_FALSE(winograd_input_gradient<default_arch>(static_conv2d_dims<28, 28, 1, 32, 2, 2, 1, 1, 28, 28, 0, 0>{}));
  }
  SECTION("random geometries, run-time dims: the convolution, and fused with ReLU and pooling") {
    std::mt19937 engine(77);
    auto pick = [&](std::size_t lo, std::size_t hi) { return std::uniform_int_distribution<std::size_t>(lo, hi)(engine); };
    for (int trial = 0; trial < 60; ++trial) {
      ref::conv2d_params p{};
      p.pad = pick(0, 1) == 0 ? ref::padding::same : ref::padding::valid;
      p.kernel_height = p.kernel_width = 2;
      p.stride_height = p.stride_width = 1;
      p.height = pick(p.pad == ref::padding::valid ? 2 : 1, 15);
      p.width = pick(p.pad == ref::padding::valid ? 2 : 1, 15);
      // whole registers of channels (at least 2) and filters, at this build's width, whose
      // transformed weights fit the path's stack buffer
      constexpr std::size_t L = tenet::simd::lanes<default_arch>;
      do {
        p.channels = L * pick(2, 8);
        p.filters = L * pick(1, 6);
      } while (9 * p.channels * p.filters > tenet::kernels::winograd_max_weight_floats);
      INFO("trial " << trial << ": " << describe(p));
      const tenet::kernels::conv2d_dims d = runtime_conv_dims(p);
      REQUIRE(tenet::kernels::winograd_applies<default_arch>(d));
      const conv_data data(p, static_cast<std::uint32_t>(3000 + trial));
      data.check<default_arch>(d);
      data.check<fallback_arch>(d);
      // The input gradient takes the path too when the layer's filters fill two registers.
      CHECK(tenet::kernels::detail::winograd_input_gradient<default_arch>(d) == (p.filters >= 2 * L));
      check_conv_backward<default_arch>(p, d, static_cast<std::uint32_t>(4000 + trial));
      check_conv_backward<fallback_arch>(p, d, static_cast<std::uint32_t>(4000 + trial));
      if (p.out_height() >= 2 && p.out_width() >= 2) {
        const ref::pool_params pp{p.out_height(), p.out_width(), p.filters, 2, 2, 2};
        check_fused<default_arch>(data, d, runtime_pool_dims(pp));
        check_fused<fallback_arch>(data, d, runtime_pool_dims(pp));
      }
      if (p.out_height() >= 3 && p.out_width() >= 3) {  // a pooling that is not one 2x2 block: strips
        const ref::pool_params pp{p.out_height(), p.out_width(), p.filters, 3, 3, 1};
        check_fused<default_arch>(data, d, runtime_pool_dims(pp));
      }
    }
  }
}

// --- dense ----------------------------------------------------------------------------------

template <class Arch, class Dims>
void check_dense(const Dims& d, const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& b,
                 const std::vector<float>& want, std::size_t unit_begin, std::size_t unit_end) {
  INFO("arch " << Arch::name() << ", units [" << unit_begin << ", " << unit_end << ")");
  std::vector<float> out = poisoned(want.size());
  tenet::kernels::dense_forward<Arch>(d, x.data(), w.data(), b.data(), out.data(), unit_begin, unit_end);
  CHECK(untouched_guard(out, want.size()));
  for (std::size_t u = 0; u < want.size(); ++u)
    if (u < unit_begin || u >= unit_end) CHECK(std::isnan(out[u]));  // outside the range: untouched
  check_close(std::span<const float>(out.data() + unit_begin, unit_end - unit_begin),
              std::span<const float>(want.data() + unit_begin, unit_end - unit_begin), tenet::test::for_sum_of(x.size() + 1));
}

TEMPLATE_LIST_TEST_CASE("dense_forward matches the reference matrix-vector product", "[kernels][dense]", tenet::test::dense_cases) {
  constexpr std::size_t N = TestType::inputs, U = TestType::units;
  INFO(TestType::name());
  const std::vector<float> x = random_values(N, 21), w = random_values(N * U, 22), b = random_values(U, 23);
  const std::vector<float> want = ref::dense(x, w, b);
  using static_dims = tenet::kernels::static_dense_dims<N, U>;
  const tenet::kernels::dense_dims runtime{N, U};

  SECTION("with compile-time dims and the default arch") { check_dense<default_arch>(static_dims{}, x, w, b, want, 0, U); }
  SECTION("with compile-time dims and the fallback arch") { check_dense<fallback_arch>(static_dims{}, x, w, b, want, 0, U); }
  SECTION("with run-time dims and the default arch") { check_dense<default_arch>(runtime, x, w, b, want, 0, U); }
  SECTION("with run-time dims and the fallback arch") { check_dense<fallback_arch>(runtime, x, w, b, want, 0, U); }
  SECTION("on a sub-range of units, writing nothing outside it") {
    const std::size_t begin = U / 3, end = U - U / 5;
    if (end > begin) {
      check_dense<default_arch>(runtime, x, w, b, want, begin, end);
      check_dense<fallback_arch>(runtime, x, w, b, want, begin, end);
    }
  }
}

/// dense_forward_batch on `count` examples against dense_forward on each: the same bits (batch
/// predict promises single predict's results), every row written, nothing past the last.
template <class Arch, class Dims>
void check_dense_batch(const Dims& d, std::size_t count) {
  INFO("arch " << Arch::name() << ", " << count << " examples");
  const std::size_t n = d.inputs, u = d.units;
  const std::vector<float> x = random_values(count * n, 24), w = random_values(n * u, 25), b = random_values(u, 26);
  std::vector<float> want(count * u);
  for (std::size_t e = 0; e < count; ++e)
    tenet::kernels::dense_forward<Arch>(d, x.data() + e * n, w.data(), b.data(), want.data() + e * u, 0, u);
  std::vector<float> out = poisoned(count * u);
  tenet::kernels::dense_forward_batch<Arch>(d, x.data(), w.data(), b.data(), out.data(), count);
  CHECK(untouched_guard(out, count * u));
  if constexpr (std::is_same_v<Arch, default_arch>) {
    std::size_t first_difference = 0;
    while (first_difference < want.size() && out[first_difference] == want[first_difference]) ++first_difference;
    INFO("first difference at " << first_difference);
    CHECK(tenet::test::identical(head(out, count * u), want));
  } else {
    // SSE2 has no FMA instruction: xsimd writes its fma as a multiply and an add, which a
    // compiler allowed FMA (-march=x86-64-v3) may fuse or not in each inlined copy.
    check_close(head(out, count * u), want, tenet::test::for_sum_of(n + 1));
  }
  // And the first and last examples against the reference product.
  const std::vector<float> first(x.begin(), x.begin() + n), last(x.end() - n, x.end());
  check_close(std::span<const float>(out.data(), u), ref::dense(first, w, b), tenet::test::for_sum_of(n + 1));
  check_close(std::span<const float>(out.data() + (count - 1) * u, u), ref::dense(last, w, b), tenet::test::for_sum_of(n + 1));
}

TEMPLATE_LIST_TEST_CASE("dense_forward_batch gives dense_forward's bits on every example", "[kernels][dense][batch]",
                        tenet::test::dense_cases) {
  constexpr std::size_t N = TestType::inputs, U = TestType::units;
  INFO(TestType::name());
  for (std::size_t count : {1, 2, 3, 5, 8, 13}) {
    check_dense_batch<default_arch>(tenet::kernels::static_dense_dims<N, U>{}, count);
    check_dense_batch<fallback_arch>(tenet::kernels::static_dense_dims<N, U>{}, count);
    check_dense_batch<default_arch>(tenet::kernels::dense_dims{N, U}, count);
    check_dense_batch<fallback_arch>(tenet::kernels::dense_dims{N, U}, count);
  }
}

template <class Arch, class Dims>
void check_dense_backward(const Dims& d, std::size_t inputs, std::size_t units) {
  INFO("arch " << Arch::name());
  const std::vector<float> x = random_values(inputs, 41), w = random_values(inputs * units, 42), g = random_values(units, 43);
  const ref::dense_gradients want = ref::dense_backward(x, w, g);
  std::vector<float> gi = poisoned(inputs), gw = poisoned(inputs * units), gb = poisoned(units);
  std::fill_n(gw.begin(), inputs * units, 1.0f);  // accumulates
  std::fill_n(gb.begin(), units, 1.0f);
  tenet::kernels::dense_backward<Arch>(d, x.data(), w.data(), g.data(), gi.data(), gw.data(), gb.data());
  CHECK(untouched_guard(gi, inputs));
  CHECK(untouched_guard(gw, inputs * units));
  CHECK(untouched_guard(gb, units));
  for (std::size_t k = 0; k < inputs * units; ++k) gw[k] -= 1.0f;
  for (std::size_t k = 0; k < units; ++k) gb[k] -= 1.0f;
  check_close(head(gw, inputs * units), want.weights, tenet::test::for_elementwise);
  check_close(head(gb, units), want.bias, tenet::test::for_elementwise);
  check_close(head(gi, inputs), want.in, tenet::test::for_sum_of(units));
}

TEMPLATE_LIST_TEST_CASE("dense_backward matches the reference gradients", "[kernels][dense][backward]", tenet::test::dense_cases) {
  constexpr std::size_t N = TestType::inputs, U = TestType::units;
  INFO(TestType::name());
  check_dense_backward<default_arch>(tenet::kernels::static_dense_dims<N, U>{}, N, U);
  check_dense_backward<fallback_arch>(tenet::kernels::static_dense_dims<N, U>{}, N, U);
  check_dense_backward<default_arch>(tenet::kernels::dense_dims{N, U}, N, U);
  check_dense_backward<fallback_arch>(tenet::kernels::dense_dims{N, U}, N, U);
}

/// Training's split of dense_backward (train/backprop.hpp): the input and bias gradients per
/// example (dense_backward_input), the weight gradients of `count` examples at once
/// (dense_weight_gradients), against `count` dense_backward calls: the same bits.
template <class Arch, class Dims>
void check_dense_deferred(const Dims& d, std::size_t count) {
  INFO("arch " << Arch::name() << ", " << count << " examples");
  const std::size_t n = d.inputs, u = d.units;
  const std::vector<float> x = random_values(count * n, 51), w = random_values(n * u, 52), g = random_values(count * u, 53),
                           start = random_values(n * u, 54);
  std::vector<float> want_gi(count * n), want_gw = start, want_gb(u, 0.5f);
  for (std::size_t e = 0; e < count; ++e)
    tenet::kernels::dense_backward<Arch>(d, x.data() + e * n, w.data(), g.data() + e * u, want_gi.data() + e * n, want_gw.data(),
                                         want_gb.data());
  std::vector<float> gi = poisoned(count * n), gw = poisoned(n * u), gb = poisoned(u);
  std::copy(start.begin(), start.end(), gw.begin());
  std::fill_n(gb.begin(), u, 0.5f);
  for (std::size_t e = 0; e < count; ++e)
    tenet::kernels::dense_backward_input<Arch>(d, w.data(), g.data() + e * u, gi.data() + e * n, gb.data());
  tenet::kernels::dense_weight_gradients<Arch>(d, x.data(), g.data(), count, gw.data());
  CHECK(untouched_guard(gi, count * n));
  CHECK(untouched_guard(gw, n * u));
  CHECK(untouched_guard(gb, u));
  CHECK(tenet::test::identical(head(gb, u), want_gb));
  if constexpr (std::is_same_v<Arch, default_arch>) {
    CHECK(tenet::test::identical(head(gi, count * n), want_gi));
    CHECK(tenet::test::identical(head(gw, n * u), want_gw));
  } else {
    // SSE2 has no FMA instruction (see check_dense_batch).
    check_close(head(gi, count * n), want_gi, tenet::test::for_sum_of(u));
    check_close(head(gw, n * u), want_gw, tenet::test::for_sum_of(count + 1));
  }
}

TEMPLATE_LIST_TEST_CASE("dense_backward_input and dense_weight_gradients give dense_backward's bits",
                        "[kernels][dense][backward][deferred]", tenet::test::dense_cases) {
  constexpr std::size_t N = TestType::inputs, U = TestType::units;
  INFO(TestType::name());
  for (std::size_t count : {1, 3, 8, 13}) {  // 13: a sweep of 8 examples, then 5
    check_dense_deferred<default_arch>(tenet::kernels::static_dense_dims<N, U>{}, count);
    check_dense_deferred<default_arch>(tenet::kernels::dense_dims{N, U}, count);
    check_dense_deferred<fallback_arch>(tenet::kernels::dense_dims{N, U}, count);
    // Compile-time sizes on the fallback architecture (4 lanes) only where its path differs
    // from run-time sizes: units that fill no whole register (the interleaved kernels).
    // Every case cost the test file about 0.5 s of compile time.
    if constexpr (U % 4 != 0 && U <= 12) check_dense_deferred<fallback_arch>(tenet::kernels::static_dense_dims<N, U>{}, count);
  }
}

// --- element-wise ---------------------------------------------------------------------------

/// Random values in [-6, 6] followed by edge cases: zeros, large magnitudes where tanh and
/// sigmoid saturate, and values where exp(-x) overflows a float.
std::vector<float> activation_input(std::size_t n, std::uint32_t seed) {
  std::vector<float> x = random_values(n, seed, -6.0f, 6.0f);
  const float specials[] = {0.0f, -0.0f, 20.0f, -20.0f, 95.0f, -95.0f, 1e-7f, -1e-7f};
  for (std::size_t i = 0; i < n && i < std::size(specials); ++i) x[n - 1 - i] = specials[i];
  return x;
}

using arches = std::tuple<default_arch, fallback_arch>;

TEMPLATE_LIST_TEST_CASE("element-wise kernels match the reference on every tail length", "[kernels][activation]", arches) {
  using Arch = TestType;
  const std::size_t n = GENERATE(from_range(std::begin(tenet::test::activation_sizes), std::end(tenet::test::activation_sizes)));
  INFO("arch " << Arch::name() << ", n = " << n);
  const std::vector<float> x = activation_input(n, static_cast<std::uint32_t>(31 + n));

  SECTION("relu is exact") {
    std::vector<float> out = poisoned(n);
    tenet::kernels::relu_forward<Arch>(x.data(), out.data(), n);
    CHECK(untouched_guard(out, n));
    check_close(head(out, n), ref::relu(x), tenet::test::exact);
  }
  SECTION("tanh") {
    std::vector<float> out = poisoned(n);
    tenet::kernels::tanh_forward<Arch>(x.data(), out.data(), n);
    CHECK(untouched_guard(out, n));
    check_close(head(out, n), ref::tanh(x), tenet::test::for_elementwise);
  }
  SECTION("sigmoid") {
    std::vector<float> out = poisoned(n);
    tenet::kernels::sigmoid_forward<Arch>(x.data(), out.data(), n);
    CHECK(untouched_guard(out, n));
    check_close(head(out, n), ref::sigmoid(x), tenet::test::for_elementwise);
  }
  SECTION("softmax, which also sums to 1") {
    std::vector<float> out = poisoned(n);
    tenet::kernels::softmax_forward<Arch>(x.data(), out.data(), n);
    CHECK(untouched_guard(out, n));
    check_close(head(out, n), ref::softmax(x), tenet::test::for_elementwise);
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += out[i];
    CHECK_THAT(sum, Catch::Matchers::WithinAbs(1.0, 1e-5));
  }
}

TEST_CASE("softmax_forward does not overflow on large scores", "[kernels][activation]") {
  const std::vector<float> x = {1000.0f, 999.0f, -1000.0f, 1000.0f, 0.0f, 88.0f, 89.0f, 500.0f, 1000.0f};
  std::vector<float> out = poisoned(x.size());
  tenet::kernels::softmax_forward<default_arch>(x.data(), out.data(), x.size());
  check_close(head(out, x.size()), ref::softmax(x), tenet::test::for_elementwise);
}

// --- the references themselves --------------------------------------------------------------

TEST_CASE("the reference geometry agrees with tenet::geometry", "[kernels][reference]") {
  for (std::size_t in = 1; in <= 40; ++in)
    for (std::size_t k = 1; k <= 7; ++k)
      for (std::size_t s = 1; s <= 4; ++s) {
        INFO("in " << in << ", k " << k << ", s " << s);
        const ref::axis_geometry same = ref::axis(in, k, s, ref::padding::same);
        CHECK(same.out == tenet::geometry::same_out(in, s));
        CHECK(same.pad_before + same.pad_after == tenet::geometry::same_pad_total(in, k, s));
        CHECK(same.pad_before == tenet::geometry::same_pad_before(in, k, s));
        CHECK(ref::axis(in, k, s, ref::padding::valid).out == tenet::geometry::valid_out(in, k, s));
      }
}

TEST_CASE("the reference implementations agree with hand-computed examples", "[kernels][reference]") {
  SECTION("3x3 same convolution of a 3x3 image with an all-ones kernel sums each neighbourhood") {
    const ref::conv2d_params p{3, 3, 1, 1, 3, 3, 1, 1, ref::padding::same};
    const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const std::vector<float> y = ref::conv2d(p, x, std::vector<float>(9, 1.0f), {0.5f});
    CHECK(y == std::vector<float>{12.5f, 21.5f, 16.5f, 27.5f, 45.5f, 33.5f, 24.5f, 39.5f, 28.5f});
  }
  SECTION("2x2 same convolution pads only after (TensorFlow puts the odd padding last)") {
    // in 3, k 2, s 1: pad total 1, before 0. Kernel picks the bottom-right tap only.
    const ref::conv2d_params p{3, 3, 1, 1, 2, 2, 1, 1, ref::padding::same};
    const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const std::vector<float> y = ref::conv2d(p, x, {0, 0, 0, 1}, {0});
    CHECK(y == std::vector<float>{5, 6, 0, 8, 9, 0, 0, 0, 0});
  }
  SECTION("3x3 same convolution with stride 2 on 4x4 pads before 0 and after 1") {
    // in 4, k 3, s 2: out 2, pad total max(1*2 + 3 - 4, 0) = 1, before 0.
    const ref::conv2d_params p{4, 4, 1, 1, 3, 3, 2, 2, ref::padding::same};
    std::vector<float> x(16);
    for (std::size_t i = 0; i < 16; ++i) x[i] = static_cast<float>(i);
    std::vector<float> w(9, 0.0f);
    w[0] = 1.0f;  // top-left tap
    CHECK(ref::conv2d(p, x, w, {0}) == std::vector<float>{0, 2, 8, 10});
  }
  SECTION("valid convolution with two channels and two filters, Keras weight order") {
    const ref::conv2d_params p{1, 2, 2, 2, 1, 2, 1, 1, ref::padding::valid};
    const std::vector<float> x = {1, 2, 3, 4};  // (0,0): 1 2   (0,1): 3 4
    // w[kh][kw][c][f]
    const std::vector<float> w = {1, 0, 0, 1, 10, 0, 0, 10};
    CHECK(ref::conv2d(p, x, w, {0, 100}) == std::vector<float>{1 + 30, 100 + 2 + 40});
  }
  SECTION("max pooling, dense and the activations") {
    const ref::pool_params pool{2, 3, 1, 2, 1, 1};
    CHECK(ref::max_pool(pool, {1, 5, 2, -3, 0, 4}) == std::vector<float>{5, 5});
    CHECK(ref::dense({1, 2}, {1, 2, 3, 4, 5, 6}, {0.5f, 0, 0}) == std::vector<float>{9.5f, 12, 15});
    CHECK(ref::relu({-1, 0, 2}) == std::vector<float>{0, 0, 2});
    CHECK_THAT(ref::sigmoid({0})[0], Catch::Matchers::WithinAbs(0.5, 1e-7));
    CHECK_THAT(ref::tanh({1})[0], Catch::Matchers::WithinAbs(0.7615941559557649, 1e-7));
    const std::vector<float> s = ref::softmax({0, std::log(3.0f)});
    CHECK_THAT(s[0], Catch::Matchers::WithinAbs(0.25, 1e-7));
    CHECK_THAT(s[1], Catch::Matchers::WithinAbs(0.75, 1e-7));
  }
}

}  // namespace
