// Every layer run through the main path, a `tenet::network` type: weights set with
// `layer<0>().set_weights / set_biases`, results from `predict(x)`, compared with the plain
// reference implementations in tests/support/reference.hpp.
//
// Tolerances: see tenet::test::tolerance in tests/support/test_helpers.hpp (relative 1e-5 or
// absolute 1e-5 * sqrt(terms) for sums; exact for max_pool, relu, flatten, dropout, expect).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <tenet/detail/random.hpp>
#include <tenet/tenet.hpp>

#include "reference.hpp"
#include "test_helpers.hpp"

namespace {

using tenet::test::check_close;
using tenet::test::random_values;
namespace ref = tenet::reference;

template <class Net>
using input_tensor = tenet::tensor<float, typename Net::input_shape>;

/// A network input holding `values`.
template <class Net>
input_tensor<Net> make_input(const std::vector<float>& values) {
  REQUIRE(values.size() == Net::input_shape::size);
  input_tensor<Net> x;
  std::copy(values.begin(), values.end(), x.begin());
  return x;
}

template <class T>
std::vector<float> to_vector(const T& t) {
  return std::vector<float>(t.begin(), t.end());
}

// --- conv2d ---------------------------------------------------------------------------------

template <class Case>
using conv_net =
    tenet::network<tenet::input<Case::height, Case::width, Case::channels>,
                   tenet::conv2d<Case::filters, typename Case::kernel_type, typename Case::padding_type, typename Case::stride_type>>;

TEMPLATE_LIST_TEST_CASE("a conv2d layer computes the reference convolution", "[layers][conv2d]", tenet::test::conv_cases) {
  using net_type = conv_net<TestType>;
  constexpr ref::conv2d_params p = TestType::params;
  INFO(TestType::name());
  STATIC_REQUIRE(std::is_same_v<typename net_type::output_shape, tenet::shape<p.out_height(), p.out_width(), p.filters>>);
  STATIC_REQUIRE(net_type::param_count == p.weight_count() + p.filters);
  STATIC_REQUIRE(net_type::flops == 2 * p.out_height() * p.out_width() * p.taps() * p.filters);

  const std::vector<float> x = random_values(p.input_size(), 1), w = random_values(p.weight_count(), 2), b = random_values(p.filters, 3);
  net_type net;
  net.template layer<0>().set_weights(w);
  net.template layer<0>().set_biases(b);

  SECTION("predict") {
    check_close(net.predict(make_input<net_type>(x)).span(), ref::conv2d(p, x, w, b), tenet::test::for_sum_of(p.taps() + 1));
  }
  SECTION("weights are stored in Keras order (kh, kw, c, f)") {
    const auto view = net.template layer<0>();
    for (std::size_t kh = 0; kh < p.kernel_height; ++kh)
      for (std::size_t kw = 0; kw < p.kernel_width; ++kw)
        for (std::size_t c = 0; c < p.channels; ++c)
          for (std::size_t f = 0; f < p.filters; f += 5)
            REQUIRE(view.weight(kh, kw, c, f) == w[((kh * p.kernel_width + kw) * p.channels + c) * p.filters + f]);
    CHECK(tenet::test::identical(view.get_weights().span(), w));
    CHECK(tenet::test::identical(view.get_biases().span(), b));
  }
}

TEST_CASE("conv2d takes its options in any order and defaults to valid, stride 1", "[layers][conv2d]") {
  using in = tenet::shape<13, 13, 3>;
  using a = tenet::conv2d<4, tenet::kernel<3, 3>, tenet::stride<2>, tenet::same>::at<in>::output_shape;
  using b = tenet::conv2d<4, tenet::kernel<3, 3>, tenet::same, tenet::stride<2>>::at<in>::output_shape;
  using c = tenet::conv2d<4, tenet::kernel<3, 3>>::at<in>::output_shape;
  using d = tenet::conv2d<4, tenet::kernel<3, 3>, tenet::valid, tenet::stride<1>>::at<in>::output_shape;
  STATIC_REQUIRE(std::is_same_v<a, tenet::shape<7, 7, 4>>);
  STATIC_REQUIRE(std::is_same_v<a, b>);
  STATIC_REQUIRE(std::is_same_v<c, tenet::shape<11, 11, 4>>);
  STATIC_REQUIRE(std::is_same_v<c, d>);
}

// --- max_pool -------------------------------------------------------------------------------

template <class Case>
using pool_net =
    tenet::network<tenet::input<Case::height, Case::width, Case::channels>, tenet::max_pool<Case::window, typename Case::stride_type>>;

TEMPLATE_LIST_TEST_CASE("a max_pool layer computes the reference pooling exactly", "[layers][max_pool]", tenet::test::pool_cases) {
  using net_type = pool_net<TestType>;
  constexpr ref::pool_params p = TestType::params;
  INFO(TestType::name());
  STATIC_REQUIRE(std::is_same_v<typename net_type::output_shape, tenet::shape<p.out_height(), p.out_width(), p.channels>>);
  STATIC_REQUIRE(net_type::param_count == 0);

  const std::vector<float> x = random_values(p.input_size(), 4);
  const net_type net;
  check_close(net.predict(make_input<net_type>(x)).span(), ref::max_pool(p, x), tenet::test::exact);
}

TEST_CASE("max_pool without a stride uses the window as its stride", "[layers][max_pool]") {
  STATIC_REQUIRE(std::is_same_v<tenet::max_pool<2>::at<tenet::shape<7, 9, 3>>::output_shape, tenet::shape<3, 4, 3>>);
  STATIC_REQUIRE(std::is_same_v<tenet::max_pool<3>::at<tenet::shape<13, 13, 1>>::output_shape, tenet::shape<4, 4, 1>>);
  STATIC_REQUIRE(std::is_same_v<tenet::max_pool<2, tenet::stride<1>>::at<tenet::shape<7, 9, 3>>::output_shape, tenet::shape<6, 8, 3>>);
}

// --- dense ----------------------------------------------------------------------------------

template <class Case>
using dense_net = tenet::network<tenet::input<Case::inputs>, tenet::dense<Case::units>>;

TEMPLATE_LIST_TEST_CASE("a dense layer computes the reference product", "[layers][dense]", tenet::test::dense_cases) {
  using net_type = dense_net<TestType>;
  constexpr std::size_t N = TestType::inputs, U = TestType::units;
  INFO(TestType::name());
  STATIC_REQUIRE(std::is_same_v<typename net_type::output_shape, tenet::shape<U>>);
  STATIC_REQUIRE(net_type::param_count == N * U + U);
  STATIC_REQUIRE(net_type::flops == 2 * N * U);

  const std::vector<float> x = random_values(N, 5), w = random_values(N * U, 6), b = random_values(U, 7);
  net_type net;
  net.template layer<0>().set_weights(w);
  net.template layer<0>().set_biases(b);
  check_close(net.predict(make_input<net_type>(x)).span(), ref::dense(x, w, b), tenet::test::for_sum_of(N + 1));
  // Keras order: weight(i, u) is row i (input), column u (unit).
  CHECK(net.template layer<0>().weight(N - 1, U - 1) == w.back());
  CHECK(net.template layer<0>().weight(0, U - 1) == w[U - 1]);
}

// --- activations ----------------------------------------------------------------------------

template <class Layer, class Shape>
struct activation_case {
  using layer = Layer;
  using shape = Shape;
};

template <class Layer>
std::vector<float> reference_of(const std::vector<float>& x) {
  if constexpr (std::is_same_v<Layer, tenet::relu>) return ref::relu(x);
  else if constexpr (std::is_same_v<Layer, tenet::tanh>) return ref::tanh(x);
  else if constexpr (std::is_same_v<Layer, tenet::sigmoid>) return ref::sigmoid(x);
  else return ref::softmax(x);
}

template <class Layer>
constexpr tenet::test::tolerance tolerance_of() {
  return std::is_same_v<Layer, tenet::relu> ? tenet::test::exact : tenet::test::for_elementwise;
}

template <class Layer, std::size_t... Sizes>
using flat_activation_cases = std::tuple<activation_case<Layer, tenet::shape<Sizes>>...>;

template <class... Tuples>
using tuple_cat_t = decltype(std::tuple_cat(std::declval<Tuples>()...));

// Sizes 1, 7, 8, 9 and 100 (tenet::test::activation_sizes) for each function, plus an image
// shape for the functions that accept one.
using activation_cases =
    tuple_cat_t<flat_activation_cases<tenet::relu, 1, 7, 8, 9, 100>, flat_activation_cases<tenet::tanh, 1, 7, 8, 9, 100>,
                flat_activation_cases<tenet::sigmoid, 1, 7, 8, 9, 100>, flat_activation_cases<tenet::softmax, 1, 7, 8, 9, 100>,
                std::tuple<activation_case<tenet::relu, tenet::shape<7, 9, 3>>, activation_case<tenet::tanh, tenet::shape<7, 9, 3>>,
                           activation_case<tenet::sigmoid, tenet::shape<7, 9, 3>>>>;

template <class Shape>
struct input_of;
template <std::size_t... D>
struct input_of<tenet::shape<D...>> {
  using type = tenet::input<D...>;
};

TEMPLATE_LIST_TEST_CASE("an activation layer applies the reference function to every value", "[layers][activation]", activation_cases) {
  using layer = typename TestType::layer;
  using net_type = tenet::network<typename input_of<typename TestType::shape>::type, layer>;
  INFO(layer::describe() << " on " << tenet::to_string<typename TestType::shape>());
  STATIC_REQUIRE(std::is_same_v<typename net_type::output_shape, typename TestType::shape>);
  STATIC_REQUIRE(net_type::param_count == 0);

  const std::size_t n = TestType::shape::size;
  std::vector<float> x = random_values(n, static_cast<std::uint32_t>(8 + n), -6.0f, 6.0f);
  if (n > 2) {
    x[0] = 0.0f;
    x[1] = 30.0f;  // saturates tanh and sigmoid
    x[2] = -30.0f;
  }
  const net_type net;
  const auto y = net.predict(make_input<net_type>(x));
  check_close(y.span(), reference_of<layer>(x), tolerance_of<layer>());
  if constexpr (std::is_same_v<layer, tenet::softmax>) {
    double sum = 0.0;
    for (float v : y) sum += v;
    CHECK_THAT(sum, Catch::Matchers::WithinAbs(1.0, 1e-5));
  }
}

// --- reshaping and identity layers ----------------------------------------------------------

TEST_CASE("flatten keeps the channels-last memory order", "[layers][flatten]") {
  using net_type = tenet::network<tenet::input<7, 9, 3>, tenet::flatten>;
  STATIC_REQUIRE(std::is_same_v<net_type::output_shape, tenet::shape<189>>);
  const std::vector<float> x = random_values(189, 9);
  const net_type net;
  const auto in = make_input<net_type>(x);
  const auto y = net.predict(in);
  check_close(y.span(), ref::flatten(x, 7, 9, 3), tenet::test::exact);
  CHECK(y[(4 * 9 + 5) * 3 + 2] == in(4, 5, 2));
}

TEST_CASE("flatten followed by dense matches the reference chain", "[layers][flatten][dense]") {
  using net_type = tenet::network<tenet::input<4, 5, 17>, tenet::flatten, tenet::dense<10>>;
  const std::vector<float> x = random_values(340, 10), w = random_values(3400, 11), b = random_values(10, 12);
  net_type net;
  net.layer<1>().set_weights(w);
  net.layer<1>().set_biases(b);
  check_close(net.predict(make_input<net_type>(x)).span(), ref::dense(ref::flatten(x, 4, 5, 17), w, b), tenet::test::for_sum_of(341));
}

using identity_layers =
    std::tuple<tenet::dropout_ratio<1, 4>, tenet::dropout_ratio<1, 2>, tenet::dropout_ratio<0, 1>, tenet::expect<tenet::shape<7, 9, 3>>>;

TEMPLATE_LIST_TEST_CASE("identity layers pass values through unchanged at inference", "[layers][dropout][expect]", identity_layers) {
  using net_type = tenet::network<tenet::input<7, 9, 3>, TestType>;
  STATIC_REQUIRE(std::is_same_v<typename net_type::output_shape, tenet::shape<7, 9, 3>>);
  STATIC_REQUIRE(net_type::param_count == 0);
  STATIC_REQUIRE(net_type::flops == 0);
  const std::vector<float> x = random_values(189, 13);
  const net_type net;
  check_close(net.predict(make_input<net_type>(x)).span(), x, tenet::test::exact);
}

/// While training, value i is kept (and scaled by 1 / (1 - rate)) when the i-th uniform
/// number of the example's generator is at least the rate: what the layer documents, written
/// here with random_generator::uniform() and a plain comparison.
template <std::size_t Num, std::size_t Den>
void check_dropout_mask(std::uint64_t seed) {
  using bound = typename tenet::dropout_ratio<Num, Den>::template at<tenet::shape<5, 7, 3>>;
  const std::vector<float> x = random_values(105, 15);
  std::vector<float> out(105), state(105);
  bound::template forward_train<tenet::simd::default_arch>({nullptr, nullptr, x.data(), out.data()}, state.data(), seed);
  const float rate = static_cast<float>(Num) / static_cast<float>(Den);
  const float scale = 1.0f / (1.0f - rate);
  tenet::detail::random_generator rng(seed);
  for (std::size_t i = 0; i < x.size(); ++i) {
    INFO("rate " << Num << "/" << Den << ", seed " << seed << ", value " << i);
    const float want = rng.uniform() >= rate ? scale : 0.0f;
    REQUIRE(state[i] == want);
    REQUIRE(out[i] == x[i] * want);
  }
}

TEST_CASE("dropout while training keeps the values whose uniform number reaches the rate", "[layers][dropout]") {
  for (std::uint64_t seed : {0u, 1u, 77u, 123456789u}) {
    check_dropout_mask<1, 4>(seed);
    check_dropout_mask<1, 3>(seed);
    check_dropout_mask<1, 2>(seed);
    check_dropout_mask<9, 10>(seed);
    check_dropout_mask<0, 1>(seed);
  }
}

#if TENET_HAS_FLOAT_TEMPLATE_ARGS
TEST_CASE("dropout<0.25f> is the identity at inference and names its rate", "[layers][dropout]") {
  using net_type = tenet::network<tenet::input<100>, tenet::dropout<0.25f>>;
  const std::vector<float> x = random_values(100, 14);
  const net_type net;
  check_close(net.predict(make_input<net_type>(x)).span(), x, tenet::test::exact);
  CHECK(tenet::dropout<0.25f>::describe() == "dropout 25%");
  CHECK(tenet::dropout<0.25f>::describe() == tenet::dropout_ratio<1, 4>::describe());
}
#endif

TEST_CASE("layers describe themselves as summary() prints them", "[layers]") {
  CHECK(tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>::describe() == "conv2d 16@2x2 same");
  CHECK(tenet::conv2d<6, tenet::kernel<5, 3>>::describe() == "conv2d 6@5x3 valid");
  CHECK(tenet::conv2d<8, tenet::kernel<3, 3>, tenet::stride<1, 2>>::describe() == "conv2d 8@3x3 valid /1x2");
  CHECK(tenet::max_pool<2>::describe() == "max_pool 2x2");
  CHECK(tenet::max_pool<2, tenet::stride<1>>::describe() == "max_pool 2x2 /1x1");
  CHECK(tenet::dense<10>::describe() == "dense 10");
  CHECK(tenet::flatten::describe() == "flatten");
  CHECK(tenet::relu::describe() == "relu");
  CHECK(tenet::tanh::describe() == "tanh");
  CHECK(tenet::sigmoid::describe() == "sigmoid");
  CHECK(tenet::softmax::describe() == "softmax");
  CHECK(tenet::dropout_ratio<1, 4>::describe() == "dropout 25%");
}

}  // namespace
