// depthwise_conv2d: the kernels against a plain reference on every architecture the build has
// (default_arch and the fallback), with compile-time and run-time sizes, for odd sizes,
// channels that are not a whole number of registers, strides 1 and 2, same and valid; its
// gradients by finite differences; the layer in networks (shapes, counts, summary, weight
// files, fingerprints, a depthwise-separable network that learns, bit-identically on any
// thread count).

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <catch2/catch.hpp>

#include <tenet/io/fingerprint.hpp>
#include <tenet/io/weights.hpp>
#include <tenet/kernels/depthwise_conv2d.hpp>
#include <tenet/tenet.hpp>
#include <tenet/testing/gradient_check.hpp>
#include <tenet/train/trainer.hpp>

#include "quadrants.hpp"
#include "temp_dir.hpp"
#include "test_helpers.hpp"

namespace {

using tenet::shape;
using tenet::kernels::depthwise_dims;

/// The input pixel tap (kh, kw) of output (oh, ow) reads, or false inside the padding.
bool input_pixel(const depthwise_dims& d, std::size_t oh, std::size_t ow, std::size_t kh, std::size_t kw, std::size_t& ih,
                 std::size_t& iw) {
  const long h = static_cast<long>(oh * d.stride_height + kh) - static_cast<long>(d.pad_top);
  const long w = static_cast<long>(ow * d.stride_width + kw) - static_cast<long>(d.pad_left);
  if (h < 0 || w < 0 || h >= static_cast<long>(d.in_height) || w >= static_cast<long>(d.in_width)) return false;
  ih = static_cast<std::size_t>(h), iw = static_cast<std::size_t>(w);
  return true;
}

std::size_t at(const depthwise_dims& d, std::size_t h, std::size_t w, std::size_t c) { return (h * d.in_width + w) * d.channels + c; }
std::size_t tap(const depthwise_dims& d, std::size_t kh, std::size_t kw, std::size_t c) {
  return (kh * d.kernel_width + kw) * d.channels + c;
}

/// out[oh][ow][c] = b[c] + sum over taps of in * w[kh][kw][c], in double.
std::vector<float> reference_forward(const depthwise_dims& d, const std::vector<float>& in, const std::vector<float>& w,
                                     const std::vector<float>& b) {
  std::vector<float> out(d.out_height * d.out_width * d.channels);
  for (std::size_t oh = 0; oh < d.out_height; ++oh)
    for (std::size_t ow = 0; ow < d.out_width; ++ow)
      for (std::size_t c = 0; c < d.channels; ++c) {
        double sum = b[c];
        for (std::size_t kh = 0; kh < d.kernel_height; ++kh)
          for (std::size_t kw = 0; kw < d.kernel_width; ++kw)
            if (std::size_t ih, iw; input_pixel(d, oh, ow, kh, kw, ih, iw))
              sum += static_cast<double>(in[at(d, ih, iw, c)]) * static_cast<double>(w[tap(d, kh, kw, c)]);
        out[(oh * d.out_width + ow) * d.channels + c] = static_cast<float>(sum);
      }
  return out;
}

struct reference_gradients {
  std::vector<float> in, weights, biases;
};

/// The three gradients of the forward above, in double; the weight and bias gradients are
/// added to `start_w` and `start_b`, as the kernel accumulates.
reference_gradients reference_backward(const depthwise_dims& d, const std::vector<float>& in, const std::vector<float>& w,
                                       const std::vector<float>& g, const std::vector<float>& start_w, const std::vector<float>& start_b) {
  std::vector<double> gi(in.size(), 0.0), gw(start_w.begin(), start_w.end()), gb(start_b.begin(), start_b.end());
  for (std::size_t oh = 0; oh < d.out_height; ++oh)
    for (std::size_t ow = 0; ow < d.out_width; ++ow)
      for (std::size_t c = 0; c < d.channels; ++c) {
        const double go = g[(oh * d.out_width + ow) * d.channels + c];
        gb[c] += go;
        for (std::size_t kh = 0; kh < d.kernel_height; ++kh)
          for (std::size_t kw = 0; kw < d.kernel_width; ++kw)
            if (std::size_t ih, iw; input_pixel(d, oh, ow, kh, kw, ih, iw)) {
              gw[tap(d, kh, kw, c)] += go * in[at(d, ih, iw, c)];
              gi[at(d, ih, iw, c)] += go * w[tap(d, kh, kw, c)];
            }
      }
  return {{gi.begin(), gi.end()}, {gw.begin(), gw.end()}, {gb.begin(), gb.end()}};
}

/// One geometry, with its output size and padding computed here, not by tenet.
template <std::size_t H, std::size_t W, std::size_t C, std::size_t KH, std::size_t KW, std::size_t SH, std::size_t SW, bool Same>
struct dw_case {
  static constexpr std::size_t OH = Same ? (H + SH - 1) / SH : (H - KH) / SH + 1;
  static constexpr std::size_t OW = Same ? (W + SW - 1) / SW : (W - KW) / SW + 1;
  static constexpr std::size_t pad_h = Same && (OH - 1) * SH + KH > H ? (OH - 1) * SH + KH - H : 0;
  static constexpr std::size_t pad_w = Same && (OW - 1) * SW + KW > W ? (OW - 1) * SW + KW - W : 0;
  using static_dims = tenet::kernels::static_depthwise_dims<H, W, C, KH, KW, SH, SW, OH, OW, pad_h / 2, pad_w / 2>;
  static constexpr depthwise_dims runtime{H, W, C, KH, KW, SH, SW, OH, OW, pad_h / 2, pad_w / 2};
};

template <class Arch, class Dims>
void check_kernel(const Dims& d, const depthwise_dims& r, std::uint32_t seed) {
  INFO("arch " << Arch::name() << ", " << r.in_height << "x" << r.in_width << "x" << r.channels << ", kernel " << r.kernel_height << "x"
               << r.kernel_width << ", stride " << r.stride_height << "x" << r.stride_width << ", pad " << r.pad_top << "," << r.pad_left);
  const std::size_t taps = r.kernel_height * r.kernel_width;
  const std::vector<float> x = tenet::test::random_values(r.in_height * r.in_width * r.channels, seed);
  const std::vector<float> w = tenet::test::random_values(taps * r.channels, seed + 1);
  const std::vector<float> b = tenet::test::random_values(r.channels, seed + 2);
  std::vector<float> out(r.out_height * r.out_width * r.channels, -7.0f);
  // Two calls over the rows, as threads split them.
  const std::size_t split = r.out_height / 2;
  tenet::kernels::depthwise_conv2d_forward<Arch>(d, x.data(), w.data(), b.data(), out.data(), 0, split);
  tenet::kernels::depthwise_conv2d_forward<Arch>(d, x.data(), w.data(), b.data(), out.data(), split, r.out_height);
  tenet::test::check_close(out, reference_forward(r, x, w, b), tenet::test::for_sum_of(taps + 1));

  const std::vector<float> g = tenet::test::random_values(out.size(), seed + 3);
  const std::vector<float> start_w = tenet::test::random_values(w.size(), seed + 4),
                           start_b = tenet::test::random_values(b.size(), seed + 5);
  std::vector<float> grad_in(x.size(), 0.0f), grad_w = start_w, grad_b = start_b;
  tenet::kernels::depthwise_conv2d_backward<Arch>(d, x.data(), w.data(), g.data(), grad_in.data(), grad_w.data(), grad_b.data());
  const reference_gradients want = reference_backward(r, x, w, g, start_w, start_b);
  const std::size_t pixels = r.out_height * r.out_width;
  tenet::test::check_close(grad_in, want.in, tenet::test::for_sum_of(taps), "input gradient");
  tenet::test::check_close(grad_w, want.weights, tenet::test::for_sum_of(pixels + 1), "weight gradient");
  tenet::test::check_close(grad_b, want.biases, tenet::test::for_sum_of(pixels + 1), "bias gradient");

  // Without an input gradient (the first layer): the same weight gradients.
  std::vector<float> grad_w2 = start_w, grad_b2 = start_b;
  tenet::kernels::depthwise_conv2d_backward<Arch>(d, x.data(), w.data(), g.data(), nullptr, grad_w2.data(), grad_b2.data());
  CHECK(tenet::test::identical(grad_w2, grad_w));
  CHECK(tenet::test::identical(grad_b2, grad_b));
}

template <class Case>
void check_case(std::uint32_t seed) {
  check_kernel<tenet::simd::default_arch>(typename Case::static_dims{}, Case::runtime, seed);
  check_kernel<tenet::simd::default_arch>(Case::runtime, Case::runtime, seed);
  check_kernel<tenet::simd::fallback_arch>(typename Case::static_dims{}, Case::runtime, seed);
  check_kernel<tenet::simd::fallback_arch>(Case::runtime, Case::runtime, seed);
}

template <class L, class In>
void require_gradients() {
  const auto report = tenet::testing::check_layer_gradients<L, In>();
  INFO(L::describe() << " on " << tenet::to_string<In>() << ": " << report.checked << " values, " << report.failures
                     << " outside tolerance; worst: " << report.worst);
  REQUIRE(report.checked > 0);
  REQUIRE(report.passed());
}

}  // namespace

TEST_CASE("depthwise_conv2d kernels match the reference on every architecture", "[depthwise_conv2d][kernels]") {
  // Channels below, at and past one register (ragged), past four; odd sizes; strides 1, 2 and
  // 2x1; same and valid; a window as large as the input; rows and columns in the padding.
  check_case<dw_case<7, 9, 5, 3, 3, 1, 1, false>>(1);
  check_case<dw_case<8, 8, 19, 3, 3, 2, 2, true>>(2);
  check_case<dw_case<6, 7, 16, 3, 2, 1, 1, true>>(3);
  check_case<dw_case<9, 11, 33, 5, 5, 2, 2, false>>(4);
  check_case<dw_case<5, 5, 1, 3, 3, 1, 1, true>>(5);
  check_case<dw_case<10, 13, 8, 3, 3, 2, 1, true>>(6);
  check_case<dw_case<4, 4, 3, 4, 4, 1, 1, false>>(7);
  check_case<dw_case<12, 12, 70, 3, 3, 1, 1, true>>(8);
  check_case<dw_case<11, 9, 24, 5, 5, 1, 1, true>>(9);
}

TEST_CASE("depthwise_conv2d gradients match finite differences", "[depthwise_conv2d][gradients]") {
  using namespace tenet;
  require_gradients<depthwise_conv2d<kernel<3, 3>>, shape<6, 7, 3>>();
  require_gradients<depthwise_conv2d<kernel<3, 3>, same, stride<2>>, shape<7, 7, 9>>();
  require_gradients<depthwise_conv2d<kernel<2, 3>, same>, shape<5, 6, 17>>();
}

TEST_CASE("depthwise_conv2d follows Keras's DepthwiseConv2D shapes, counts and flops", "[depthwise_conv2d][shapes]") {
  using namespace tenet;
  using net = network<input<28, 28, 16>, depthwise_conv2d<kernel<3, 3>, same>, depthwise_conv2d<kernel<3, 3>, stride<2>>,
                      depthwise_conv2d<kernel<5, 3>, same, stride<2, 1>>, conv2d<32, kernel<1, 1>>>;
  static_assert(std::is_same_v<net::layer_output_shape<0>, shape<28, 28, 16>>);
  static_assert(std::is_same_v<net::layer_output_shape<1>, shape<13, 13, 16>>);  // floor((28 - 3) / 2) + 1
  static_assert(std::is_same_v<net::layer_output_shape<2>, shape<7, 13, 16>>);  // ceil(13 / 2), 13
  static_assert(std::is_same_v<net::output_shape, shape<7, 13, 32>>);
  // Keras: 3 * 3 * 16 + 16 = 160 per 3x3 layer, 5 * 3 * 16 + 16 = 256, then 16 * 32 + 32.
  static_assert(net::param_count == 160 + 160 + 256 + (16 * 32 + 32));
  using first = net::bound_layer<0>;
  static_assert(std::is_same_v<first::weight_shape, shape<3, 3, 16, 1>>);
  static_assert(first::flops == 2 * 28 * 28 * 9 * 16);
  static_assert(net::bound_layer<2>::flops == 2 * 7 * 13 * 15 * 16);
  std::ostringstream text;
  net::summary(text);
  CHECK(text.str().find("depthwise_conv2d 3x3 same") != std::string::npos);
  CHECK(text.str().find("depthwise_conv2d 3x3 valid /2x2") != std::string::npos);
  CHECK(text.str().find("depthwise_conv2d 5x3 same /2x1") != std::string::npos);
}

TEST_CASE("depthwise_conv2d in a network: predict filters each channel alone", "[depthwise_conv2d][network]") {
  using namespace tenet;
  using net_t = network<input<3, 3, 2>, depthwise_conv2d<kernel<3, 3>>>;
  net_t net;
  auto w = net.layer<0>().weights();  // (3, 3, 2, 1): channel 0 sums, channel 1 takes the centre
  for (std::size_t t = 0; t < 9; ++t) {
    w[t * 2] = 1.0f;
    w[t * 2 + 1] = t == 4 ? 2.0f : 0.0f;
  }
  net.layer<0>().biases()[0] = 0.5f;
  net.layer<0>().biases()[1] = -1.0f;
  tensor<float, net_t::input_shape> x;
  for (std::size_t i = 0; i < 18; ++i) x[i] = static_cast<float>(i);
  const auto y = net.predict(x);
  CHECK(y[0] == 0.5f + (0 + 2 + 4 + 6 + 8 + 10 + 12 + 14 + 16));
  CHECK(y[1] == -1.0f + 2.0f * 9.0f);
}

TEST_CASE("depthwise_conv2d weight files load back, and their fingerprint tells it from conv2d", "[depthwise_conv2d][weights]") {
  using namespace tenet;
  using dw_net = network<input<8, 8, 4>, depthwise_conv2d<kernel<3, 3>, same>, conv2d<6, kernel<1, 1>>, relu, flatten, dense<3>>;
  using conv_net = network<input<8, 8, 4>, conv2d<4, kernel<3, 3>, same>, conv2d<6, kernel<1, 1>>, relu, flatten, dense<3>>;
  using strided =
      network<input<8, 8, 4>, depthwise_conv2d<kernel<3, 3>, same, stride<2>>, conv2d<6, kernel<1, 1>>, relu, flatten, dense<3>>;
  static_assert(fingerprint_v<dw_net> != fingerprint_v<conv_net>);
  static_assert(fingerprint_v<network<input<8, 8, 4>, depthwise_conv2d<kernel<3, 3>>>> !=
                fingerprint_v<network<input<8, 8, 4>, depthwise_conv2d<kernel<3, 3>, same>>>);
  static_assert(fingerprint_v<dw_net> != fingerprint_v<strided>);
  static_assert(fingerprint_v<network<input<8, 8, 4>, depthwise_conv2d<kernel<3, 3>, valid, stride<1>>>> ==
                fingerprint_v<network<input<8, 8, 4>, depthwise_conv2d<kernel<3, 3>>>>);
  CHECK(describe_network<dw_net>().find("| depthwise_conv2d 3x3 same | conv2d 6@1x1") != std::string::npos);

  tenet::test::temp_dir dir;
  const auto file = dir / "depthwise.tnw";
  dw_net original;
  original.initialize(11);
  for (float& b : original.layer<0>().biases()) b = 0.25f;  // biases start at zero: make them count
  save_weights(original, file);
  dw_net loaded;
  load_weights(loaded, file);
  const auto a = original.parameter_storage(), b = loaded.parameter_storage();
  CHECK(std::vector<float>(a.begin(), a.end()) == std::vector<float>(b.begin(), b.end()));
  tensor<float, dw_net::input_shape> x;
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) * 0.1f;
  const auto ya = original.predict(x), yb = loaded.predict(x);
  CHECK(std::vector<float>(ya.begin(), ya.end()) == std::vector<float>(yb.begin(), yb.end()));

  conv_net other;
  // Refused, with both networks in words: the file's depthwise layer where conv2d is expected.
  CHECK_THROWS_WITH(load_weights(other, file), Catch::Contains("file has input (8, 8, 4) | depthwise_conv2d 3x3 same |") &&
                                                   Catch::Contains("this network is input (8, 8, 4) | conv2d 4@3x3 same |"));
}

TEST_CASE("a depthwise-separable network learns, bit-identically on 1, 2 and 3 threads", "[depthwise_conv2d][training][determinism]") {
  using namespace tenet;
  using net_t =
      network<input<12, 12, 1>, conv2d<8, kernel<3, 3>, same>, relu, depthwise_conv2d<kernel<3, 3>, same, stride<2>>,
              conv2d<12, kernel<1, 1>>, relu, depthwise_conv2d<kernel<3, 3>>, conv2d<8, kernel<1, 1>>, relu, flatten, dense<4>, softmax>;
  const auto data = tenet::test::make_quadrants(256, 7);
  auto train_with = [&](int threads, history* out) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    net_t net;
    net.initialize(4);
    trainer<net_t, cross_entropy, adam> t(net, adam{.learning_rate = 0.01f});
    const history h = t.fit(data.images, data.labels, {.epochs = 6, .batch_size = 32, .seed = 3, .progress = progress_style::none});
    if (out != nullptr) *out = h;
    const auto p = net.parameter_storage();
    return std::vector<float>(p.begin(), p.end());
  };
  history h;
  const auto one = train_with(1, &h);
  REQUIRE(h.epochs.size() == 6);
  INFO("loss " << h.epochs.front().loss << " -> " << h.epochs.back().loss << ", accuracy " << h.epochs.back().accuracy);
  CHECK(h.epochs.back().loss < 0.5f * h.epochs.front().loss);
  CHECK(h.epochs.back().accuracy > 0.9f);
  CHECK(train_with(2, nullptr) == one);
  tbb::task_arena arena(3);
  CHECK(arena.execute([&] { return train_with(3, nullptr); }) == one);
}
