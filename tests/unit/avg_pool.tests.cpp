// avg_pool: the kernel against a plain reference on every architecture the build has
// (default_arch and the fallback), with compile-time and run-time sizes; its gradient by
// finite differences; the layer inside networks (shapes, predict, training, weight files).

#include <cstddef>
#include <cstdint>
#include <span>
#include <sstream>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <tenet/io/fingerprint.hpp>
#include <tenet/kernels/avg_pool.hpp>
#include <tenet/tenet.hpp>
#include <tenet/testing/gradient_check.hpp>

#include "test_helpers.hpp"

namespace {

using tenet::shape;

/// out[oh][ow][c] = (sum over the window, row by row) / (P * P), in double.
std::vector<float> reference_avg_pool(const tenet::kernels::pool_dims& d, const std::vector<float>& in) {
  std::vector<float> out(d.out_height * d.out_width * d.channels);
  for (std::size_t oh = 0; oh < d.out_height; ++oh)
    for (std::size_t ow = 0; ow < d.out_width; ++ow)
      for (std::size_t c = 0; c < d.channels; ++c) {
        double sum = 0;
        for (std::size_t ph = 0; ph < d.window_height; ++ph)
          for (std::size_t pw = 0; pw < d.window_width; ++pw)
            sum += in[((oh * d.stride_height + ph) * d.in_width + ow * d.stride_width + pw) * d.channels + c];
        out[(oh * d.out_width + ow) * d.channels + c] = static_cast<float>(sum / static_cast<double>(d.window_height * d.window_width));
      }
  return out;
}

/// grad_in[window pixel] += grad_out / (P * P) for every window, in double.
std::vector<float> reference_avg_pool_backward(const tenet::kernels::pool_dims& d, const std::vector<float>& grad_out) {
  std::vector<double> g(d.in_height * d.in_width * d.channels, 0.0);
  const double n = static_cast<double>(d.window_height * d.window_width);
  for (std::size_t oh = 0; oh < d.out_height; ++oh)
    for (std::size_t ow = 0; ow < d.out_width; ++ow)
      for (std::size_t c = 0; c < d.channels; ++c)
        for (std::size_t ph = 0; ph < d.window_height; ++ph)
          for (std::size_t pw = 0; pw < d.window_width; ++pw)
            g[((oh * d.stride_height + ph) * d.in_width + ow * d.stride_width + pw) * d.channels + c] +=
                grad_out[(oh * d.out_width + ow) * d.channels + c] / n;
  return {g.begin(), g.end()};
}

template <std::size_t H, std::size_t W, std::size_t C, std::size_t P, std::size_t S>
struct pool_case {
  static constexpr std::size_t OH = (H - P) / S + 1, OW = (W - P) / S + 1;
  using static_dims = tenet::kernels::static_pool_dims<H, W, C, P, P, S, S, OH, OW>;
  static constexpr tenet::kernels::pool_dims runtime{H, W, C, P, P, S, S, OH, OW};
};

template <class Arch, class Dims>
void check_kernel(const Dims& d, const tenet::kernels::pool_dims& r, std::uint32_t seed) {
  INFO("arch " << Arch::name() << ", " << r.in_height << "x" << r.in_width << "x" << r.channels << ", window " << r.window_height
               << ", stride " << r.stride_height);
  const std::vector<float> x = tenet::test::random_values(r.in_height * r.in_width * r.channels, seed);
  std::vector<float> out(r.out_height * r.out_width * r.channels, -7.0f);
  // Two calls over the rows, as threads split them.
  const std::size_t split = r.out_height / 2;
  tenet::kernels::avg_pool_forward<Arch>(d, x.data(), out.data(), 0, split);
  tenet::kernels::avg_pool_forward<Arch>(d, x.data(), out.data(), split, r.out_height);
  tenet::test::check_close(out, reference_avg_pool(r, x), tenet::test::for_sum_of(r.window_height * r.window_width));

  const std::vector<float> g = tenet::test::random_values(out.size(), seed + 1);
  std::vector<float> grad_in(x.size(), 0.0f);
  tenet::kernels::avg_pool_backward<Arch>(d, g.data(), grad_in.data());
  tenet::test::check_close(grad_in, reference_avg_pool_backward(r, g), tenet::test::for_sum_of(r.window_height * r.window_width),
                           "input gradient");
}

template <class Case>
void check_case(std::uint32_t seed) {
  check_kernel<tenet::simd::default_arch>(typename Case::static_dims{}, Case::runtime, seed);
  check_kernel<tenet::simd::default_arch>(Case::runtime, Case::runtime, seed);
  check_kernel<tenet::simd::fallback_arch>(typename Case::static_dims{}, Case::runtime, seed);
  check_kernel<tenet::simd::fallback_arch>(Case::runtime, Case::runtime, seed);
}

}  // namespace

TEST_CASE("avg_pool kernels match the reference on every architecture", "[avg_pool][kernels]") {
  // Channels below, at and past one register (with a ragged last one), disjoint and
  // overlapping windows, an image whose last rows and columns no window covers.
  check_case<pool_case<6, 6, 1, 2, 2>>(1);
  check_case<pool_case<8, 8, 8, 2, 2>>(2);
  check_case<pool_case<7, 9, 19, 3, 2>>(3);
  check_case<pool_case<9, 7, 16, 3, 1>>(4);
  check_case<pool_case<5, 5, 33, 2, 2>>(5);
}

TEST_CASE("avg_pool gradients match finite differences", "[avg_pool][gradients]") {
  using namespace tenet;
  auto require = []<class L, class In>(L*, In*) {
    const auto report = tenet::testing::check_layer_gradients<L, In>();
    INFO(L::describe() << " on " << tenet::to_string<In>() << ": " << report.checked << " values, " << report.failures
                       << " outside tolerance; worst: " << report.worst);
    REQUIRE(report.checked > 0);
    REQUIRE(report.passed());
  };
  require(static_cast<avg_pool<2>*>(nullptr), static_cast<shape<6, 6, 3>*>(nullptr));
  require(static_cast<avg_pool<3>*>(nullptr), static_cast<shape<7, 7, 9>*>(nullptr));
  require(static_cast<avg_pool<3, stride<1>>*>(nullptr), static_cast<shape<6, 7, 10>*>(nullptr));  // overlapping windows add up
}

TEST_CASE("avg_pool follows Keras's AveragePooling2D shapes", "[avg_pool][shapes]") {
  using namespace tenet;
  using net = network<input<28, 28, 3>, avg_pool<2>, avg_pool<3, stride<2>>, avg_pool<2, stride<1, 2>>>;
  static_assert(std::is_same_v<net::layer_output_shape<0>, shape<14, 14, 3>>);
  static_assert(std::is_same_v<net::layer_output_shape<1>, shape<6, 6, 3>>);  // floor((14 - 3) / 2) + 1
  static_assert(std::is_same_v<net::layer_output_shape<2>, shape<5, 3, 3>>);
  static_assert(net::param_count == 0);
  std::ostringstream text;
  net::summary(text);
  CHECK(text.str().find("avg_pool 3x3 /2x2") != std::string::npos);
  CHECK(text.str().find("avg_pool 2x2 /1x2") != std::string::npos);
}

TEST_CASE("avg_pool in a network: predict is the mean of each window", "[avg_pool][network]") {
  using namespace tenet;
  using net_t = network<input<4, 4, 1>, avg_pool<2>, flatten>;
  net_t net;
  tensor<float, net_t::input_shape> x;
  for (std::size_t i = 0; i < 16; ++i) x[i] = static_cast<float>(i);
  const auto y = net.predict(x);
  // Windows {0,1,4,5}, {2,3,6,7}, {8,9,12,13}, {10,11,14,15}.
  CHECK(y[0] == 2.5f);
  CHECK(y[1] == 4.5f);
  CHECK(y[2] == 10.5f);
  CHECK(y[3] == 12.5f);
}

TEST_CASE("a network with avg_pool trains, and its weight files know it from max_pool", "[avg_pool][training]") {
  using namespace tenet;
  using avg_net = network<input<8, 8, 1>, conv2d<4, kernel<3, 3>, same>, relu, avg_pool<2>, flatten, dense<2>, softmax>;
  using max_net = network<input<8, 8, 1>, conv2d<4, kernel<3, 3>, same>, relu, max_pool<2>, flatten, dense<2>, softmax>;
  static_assert(fingerprint_v<avg_net> != fingerprint_v<max_net>);
  static_assert(fingerprint_v<network<input<8, 8, 1>, avg_pool<2>>> != fingerprint_v<network<input<8, 8, 1>, avg_pool<2, stride<1>>>>);
  CHECK(describe_network<avg_net>().find("avg_pool 2x2 (4, 4, 4)") != std::string::npos);
}
