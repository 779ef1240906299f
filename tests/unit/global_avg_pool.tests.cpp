// global_avg_pool: the kernel against a plain reference on every architecture the build has
// (default_arch and the fallback), with compile-time and run-time sizes; its gradient by
// finite differences; the layer in networks (shapes, predict, a dense right after it, training
// that learns and is bit-identical across thread counts, fingerprints).

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <type_traits>
#include <vector>

#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <catch2/catch.hpp>

#include <tenet/detail/random.hpp>
#include <tenet/io/fingerprint.hpp>
#include <tenet/kernels/global_avg_pool.hpp>
#include <tenet/tenet.hpp>
#include <tenet/testing/gradient_check.hpp>
#include <tenet/train/trainer.hpp>

#include "test_helpers.hpp"

namespace {

using tenet::shape;

/// out[c] = (sum over pixels, in double) / pixels.
std::vector<float> reference_global_avg_pool(const tenet::kernels::global_pool_dims& d, const std::vector<float>& in) {
  std::vector<float> out(d.channels);
  for (std::size_t c = 0; c < d.channels; ++c) {
    double sum = 0;
    for (std::size_t p = 0; p < d.pixels; ++p) sum += in[p * d.channels + c];
    out[c] = static_cast<float>(sum / static_cast<double>(d.pixels));
  }
  return out;
}

template <class Arch, class Dims>
void check_kernel(const Dims& d, const tenet::kernels::global_pool_dims& r, std::uint32_t seed) {
  INFO("arch " << Arch::name() << ", " << r.pixels << " pixels, " << r.channels << " channels");
  const std::vector<float> x = tenet::test::random_values(r.pixels * r.channels, seed);
  std::vector<float> out(r.channels, -7.0f);
  tenet::kernels::global_avg_pool_forward<Arch>(d, x.data(), out.data());
  tenet::test::check_close(out, reference_global_avg_pool(r, x), tenet::test::for_sum_of(r.pixels));

  const std::vector<float> g = tenet::test::random_values(r.channels, seed + 1);
  std::vector<float> grad_in(x.size(), -7.0f), want(x.size());
  for (std::size_t p = 0; p < r.pixels; ++p)
    for (std::size_t c = 0; c < r.channels; ++c)
      want[p * r.channels + c] = static_cast<float>(static_cast<double>(g[c]) / static_cast<double>(r.pixels));
  tenet::kernels::global_avg_pool_backward<Arch>(d, g.data(), grad_in.data());
  tenet::test::check_close(grad_in, want, tenet::test::for_elementwise, "input gradient");
}

template <std::size_t Pixels, std::size_t C>
void check_case(std::uint32_t seed) {
  using static_dims = tenet::kernels::static_global_pool_dims<Pixels, C>;
  constexpr tenet::kernels::global_pool_dims runtime{Pixels, C};
  check_kernel<tenet::simd::default_arch>(static_dims{}, runtime, seed);
  check_kernel<tenet::simd::default_arch>(runtime, runtime, seed);
  check_kernel<tenet::simd::fallback_arch>(static_dims{}, runtime, seed);
  check_kernel<tenet::simd::fallback_arch>(runtime, runtime, seed);
}

/// 12x12 noise holding a bright bar of 5 pixels, horizontal (label 0) or vertical (label 1),
/// anywhere: an orientation, which survives global pooling (a position would not).
struct bar_data {
  using image = tenet::tensor<float, shape<12, 12, 1>>;
  std::vector<image> images;
  std::vector<std::uint32_t> labels;
};
bar_data make_bars(std::size_t count, std::uint64_t seed) {
  bar_data d;
  tenet::detail::random_generator rng(seed);
  for (std::size_t i = 0; i < count; ++i) {
    bar_data::image im;
    for (float& v : im) v = rng.uniform() * 0.3f;
    const auto label = static_cast<std::uint32_t>(rng.below(2));
    const std::size_t a = rng.below(8), b = rng.below(12);
    for (std::size_t k = 0; k < 5; ++k) {
      if (label == 0) im(b, a + k, 0) = 1.0f;
      else im(a + k, b, 0) = 1.0f;
    }
    d.images.push_back(im);
    d.labels.push_back(label);
  }
  return d;
}

}  // namespace

TEST_CASE("global_avg_pool kernels match the reference on every architecture", "[global_avg_pool][kernels]") {
  // Channels below, at and past one register (ragged), past four registers; one pixel.
  check_case<49, 1>(1);
  check_case<36, 3>(2);
  check_case<25, 8>(3);
  check_case<16, 16>(4);
  check_case<9, 19>(5);
  check_case<1, 33>(6);
  check_case<20, 70>(7);
}

TEST_CASE("global_avg_pool gradients match finite differences", "[global_avg_pool][gradients]") {
  using namespace tenet;
  auto require = []<class In>(In*) {
    const auto report = tenet::testing::check_layer_gradients<global_avg_pool, In>();
    INFO("global_avg_pool on " << tenet::to_string<In>() << ": " << report.checked << " values, " << report.failures
                               << " outside tolerance; worst: " << report.worst);
    REQUIRE(report.checked > 0);
    REQUIRE(report.passed());
  };
  require(static_cast<shape<4, 5, 3>*>(nullptr));
  require(static_cast<shape<3, 3, 19>*>(nullptr));
}

TEST_CASE("global_avg_pool follows Keras's GlobalAveragePooling2D shapes, and a dense may follow it", "[global_avg_pool][shapes]") {
  using namespace tenet;
  using net = network<input<7, 5, 3>, conv2d<12, kernel<3, 3>>, relu, global_avg_pool, dense<4>>;
  static_assert(std::is_same_v<net::layer_output_shape<2>, shape<12>>);
  static_assert(std::is_same_v<net::output_shape, shape<4>>);
  static_assert(net::param_count == (3 * 3 * 3 * 12 + 12) + (12 * 4 + 4));
  using pooled = net::bound_layer<2>;
  static_assert(pooled::flops == 5 * 3 * 12);
  std::ostringstream text;
  net::summary(text);
  CHECK(text.str().find("global_avg_pool") != std::string::npos);
  CHECK(describe_network<net>().find("global_avg_pool (12)") != std::string::npos);
}

TEST_CASE("global_avg_pool in a network: predict gives each channel's mean", "[global_avg_pool][network]") {
  using namespace tenet;
  using net_t = network<input<2, 3, 2>, global_avg_pool>;
  net_t net;
  tensor<float, net_t::input_shape> x;
  for (std::size_t i = 0; i < 12; ++i) x[i] = static_cast<float>(i);
  const auto y = net.predict(x);
  CHECK(y[0] == 5.0f);  // (0 + 2 + 4 + 6 + 8 + 10) / 6
  CHECK(y[1] == 6.0f);  // (1 + 3 + ... + 11) / 6
}

TEST_CASE("a network with global_avg_pool learns, bit-identically on 1, 2 and 3 threads", "[global_avg_pool][training][determinism]") {
  using namespace tenet;
  using net_t =
      network<input<12, 12, 1>, conv2d<8, kernel<3, 3>, same>, relu, conv2d<8, kernel<3, 3>>, relu, global_avg_pool, dense<2>, softmax>;
  const bar_data data = make_bars(256, 5);
  auto train_with = [&](int threads, history* out) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    net_t net;
    net.initialize(3);
    trainer<net_t, cross_entropy, adam> t(net, adam{.learning_rate = 0.02f});
    const history h = t.fit(data.images, data.labels, {.epochs = 8, .batch_size = 32, .seed = 9, .progress = progress_style::none});
    if (out != nullptr) *out = h;
    const auto p = net.parameter_storage();
    return std::vector<float>(p.begin(), p.end());
  };
  history h;
  const auto one = train_with(1, &h);
  REQUIRE(h.epochs.size() == 8);
  INFO("loss " << h.epochs.front().loss << " -> " << h.epochs.back().loss << ", accuracy " << h.epochs.back().accuracy);
  CHECK(h.epochs.back().loss < 0.5f * h.epochs.front().loss);
  CHECK(h.epochs.back().accuracy > 0.9f);
  CHECK(train_with(2, nullptr) == one);
  tbb::task_arena arena(3);
  CHECK(arena.execute([&] { return train_with(3, nullptr); }) == one);
}

TEST_CASE("weight files know global_avg_pool from flatten and from avg_pool", "[global_avg_pool][weights]") {
  using namespace tenet;
  using gap = network<input<4, 4, 2>, global_avg_pool, dense<2>>;
  using flat = network<input<4, 4, 2>, flatten, dense<2>>;
  using pooled = network<input<4, 4, 2>, avg_pool<4>, flatten, dense<2>>;
  static_assert(fingerprint_v<gap> != fingerprint_v<flat>);
  static_assert(fingerprint_v<gap> != fingerprint_v<pooled>);
}
