// Whole networks: the README's seed CNN, LeNet-5 and a deeper CNN. Their shapes, parameter
// and FLOP counts, summary(), predictions and per-layer activations against a chain of
// reference layers, batch prediction under 1, 2 and 4 threads, layer_view errors, and the
// Glorot initialization.
//
// Tolerances: see tenet::test::tolerance in tests/support/test_helpers.hpp. A chain of layers
// is held to the bound of its longest sum (relative 1e-5 or absolute 1e-5 * sqrt(terms)).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <tbb/global_control.h>
#include <catch2/catch.hpp>

#include <tenet/tenet.hpp>

#include "reference.hpp"
#include "test_helpers.hpp"

namespace {

using tenet::test::check_close;
using tenet::test::random_values;
namespace ref = tenet::reference;

// --- the networks ---------------------------------------------------------------------------

/// The README's first example.
using seed_net = tenet::network<tenet::input<28, 28, 1>,  //
                                tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>,  //
                                tenet::relu,  //
                                tenet::max_pool<2>,  //
                                tenet::flatten,  //
                                tenet::dense<10>,  //
                                tenet::softmax>;

using lenet5 = tenet::network<tenet::input<28, 28, 1>,  //
                              tenet::conv2d<6, tenet::kernel<5, 5>, tenet::same>,  //
                              tenet::relu,  //
                              tenet::max_pool<2>,  //
                              tenet::conv2d<16, tenet::kernel<5, 5>>,  //
                              tenet::relu,  //
                              tenet::max_pool<2>,  //
                              tenet::flatten,  //
                              tenet::dense<120>,  //
                              tenet::relu,  //
                              tenet::dense<84>,  //
                              tenet::relu,  //
                              tenet::dense<10>,  //
                              tenet::softmax>;

/// conv 32, 32 (2x2 same) -> pool -> dropout -> conv 64, 64 -> pool -> dropout -> flatten ->
/// dense 128 -> dense 128 -> dropout -> dense 10 -> softmax, with the dropout layers given.
template <class Dropout25, class Dropout50>
using deep_cnn = tenet::network<tenet::input<28, 28, 1>,  //
                                tenet::conv2d<32, tenet::kernel<2, 2>, tenet::same>,  //
                                tenet::conv2d<32, tenet::kernel<2, 2>, tenet::same>,  //
                                tenet::max_pool<2>,  //
                                Dropout25,  //
                                tenet::conv2d<64, tenet::kernel<2, 2>, tenet::same>,  //
                                tenet::conv2d<64, tenet::kernel<2, 2>, tenet::same>,  //
                                tenet::max_pool<2>,  //
                                Dropout25,  //
                                tenet::flatten,  //
                                tenet::dense<128>,  //
                                tenet::dense<128>,  //
                                Dropout50,  //
                                tenet::dense<10>,  //
                                tenet::softmax>;
using deep_cnn_ratio = deep_cnn<tenet::dropout_ratio<1, 4>, tenet::dropout_ratio<1, 2>>;

/// A small multi-layer perceptron, for tanh and sigmoid inside a chain.
using mlp = tenet::network<tenet::input<5>, tenet::dense<7>, tenet::tanh, tenet::dense<33>, tenet::sigmoid, tenet::dense<1>>;

/// Convolutions followed by ReLUs, which predict() runs as one pass each: with fewer filters
/// than lanes on several channels (the 128-bit path), an odd row length, strides, and the
/// ReLU as the last layer (the fused pass writes the network's output).
using conv_relu_chain = tenet::network<tenet::input<9, 11, 3>, tenet::conv2d<6, tenet::kernel<3, 3>, tenet::same>, tenet::relu,
                                       tenet::conv2d<17, tenet::kernel<2, 2>, tenet::stride<2>>, tenet::relu,
                                       tenet::conv2d<5, tenet::kernel<2, 2>>, tenet::relu>;

/// Convolutions, ReLUs and max pooling, which predict() runs as one pass when the windows do
/// not overlap vertically: odd sizes (the last convolution row and column are not pooled),
/// a pooling with vertical stride 1 (not fused), and a fused pass as the last layer.
using conv_relu_pool_chain =
    tenet::network<tenet::input<13, 11, 3>, tenet::conv2d<6, tenet::kernel<3, 3>, tenet::same>, tenet::relu, tenet::max_pool<2>,
                   tenet::conv2d<9, tenet::kernel<2, 2>>, tenet::relu, tenet::max_pool<2, tenet::stride<1, 2>>,
                   tenet::conv2d<16, tenet::kernel<1, 1>>, tenet::relu, tenet::max_pool<2, tenet::stride<2, 1>>>;

/// Layers whose inference output is their input (flatten, dropout), which predict() skips:
/// first, in the middle, and last (where it must still fill the output).
using pass_through_chain = tenet::network<tenet::input<5, 6, 2>, tenet::flatten, tenet::dense<7>, tenet::relu, tenet::dropout_ratio<1, 4>,
                                          tenet::dense<3>, tenet::flatten>;

/// Dense layers wide enough for batch predict's blocks (dense::forward_batch) straight after
/// the input (nothing runs before the block), with layers between them that run row by row
/// (relu, a 17-unit dense layer too narrow to batch), an odd input count, a ragged unit
/// count, and a pass-through layer last.
using batched_tail_chain = tenet::network<tenet::input<3, 5, 3>, tenet::flatten, tenet::dense<41>, tenet::relu, tenet::dense<24>,
                                          tenet::dense<17>, tenet::dense<33>, tenet::tanh, tenet::dropout_ratio<1, 4>>;

/// A network whose forward pass needs more than 256 KiB of scratch (2 x 64*64*16 floats), so
/// it runs on the per-thread heap buffer instead of the stack; 4.8 Mflop per example, so a
/// batch is split one example per task.
using big_net = tenet::network<tenet::input<64, 64, 3>, tenet::conv2d<16, tenet::kernel<3, 3>, tenet::same>, tenet::relu, tenet::flatten,
                               tenet::dense<10>>;

// --- a reference chain, layer by layer --------------------------------------------------------

std::vector<float> as_vector(std::span<const float> s) { return {s.begin(), s.end()}; }

/// `ref_layer<L>::run<In>(x, weights, biases)`: the reference computation of layer spec L on
/// an input of shape In. Only the layer's *parameters* are read from its type (filters,
/// kernel, stride, padding, window, units); all geometry comes from the reference.
template <class L>
struct ref_layer;

template <std::size_t F, std::size_t KH, std::size_t KW, class... O>
struct ref_layer<tenet::conv2d<F, tenet::kernel<KH, KW>, O...>> {
  using spec = tenet::conv2d<F, tenet::kernel<KH, KW>, O...>;
  template <class In>
  static std::vector<float> run(const std::vector<float>& x, std::span<const float> w, std::span<const float> b) {
    const ref::conv2d_params p{In::dims[0],
                               In::dims[1],
                               In::dims[2],
                               F,
                               KH,
                               KW,
                               spec::stride_type::height,
                               spec::stride_type::width,
                               (std::is_same_v<tenet::same, O> || ...) ? ref::padding::same : ref::padding::valid};
    return ref::conv2d(p, x, as_vector(w), as_vector(b));
  }
};
template <std::size_t P, class... O>
struct ref_layer<tenet::max_pool<P, O...>> {
  using spec = tenet::max_pool<P, O...>;
  template <class In>
  static std::vector<float> run(const std::vector<float>& x, std::span<const float>, std::span<const float>) {
    const ref::pool_params p{In::dims[0], In::dims[1], In::dims[2], P, spec::stride_type::height, spec::stride_type::width};
    return ref::max_pool(p, x);
  }
};
template <std::size_t U>
struct ref_layer<tenet::dense<U>> {
  template <class In>
  static std::vector<float> run(const std::vector<float>& x, std::span<const float> w, std::span<const float> b) {
    return ref::dense(x, as_vector(w), as_vector(b));
  }
};
template <>
struct ref_layer<tenet::flatten> {
  template <class In>
  static std::vector<float> run(const std::vector<float>& x, std::span<const float>, std::span<const float>) {
    if constexpr (In::rank == 3) return ref::flatten(x, In::dims[0], In::dims[1], In::dims[2]);
    else return x;
  }
};
template <class Fn, std::vector<float> (*F)(const std::vector<float>&)>
struct ref_function {
  template <class In>
  static std::vector<float> run(const std::vector<float>& x, std::span<const float>, std::span<const float>) {
    return F(x);
  }
};
template <>
struct ref_layer<tenet::relu> : ref_function<tenet::relu, &ref::relu> {};
template <>
struct ref_layer<tenet::tanh> : ref_function<tenet::tanh, &ref::tanh> {};
template <>
struct ref_layer<tenet::sigmoid> : ref_function<tenet::sigmoid, &ref::sigmoid> {};
template <>
struct ref_layer<tenet::softmax> : ref_function<tenet::softmax, &ref::softmax> {};

struct ref_identity {
  template <class In>
  static std::vector<float> run(const std::vector<float>& x, std::span<const float>, std::span<const float>) {
    return x;
  }
};
template <std::size_t N, std::size_t D>
struct ref_layer<tenet::dropout_ratio<N, D>> : ref_identity {};
#if TENET_HAS_FLOAT_TEMPLATE_ARGS
template <float R>
struct ref_layer<tenet::dropout<R>> : ref_identity {};
#endif

/// Every layer's output, computed by the reference layers from the network's parameters.
/// (Recursion rather than a fold over nested lambdas, which crashes clang 14.)
template <std::size_t I, class Net>
void reference_steps(const Net& net, std::vector<float> current, std::vector<std::vector<float>>& outs) {
  if constexpr (I < Net::depth) {
    using bound = typename Net::template bound_layer<I>;
    const auto view = net.template layer<I>();
    current =
        ref_layer<typename Net::template layer_type<I>>::template run<typename bound::input_shape>(current, view.weights(), view.biases());
    outs.push_back(current);
    reference_steps<I + 1>(net, std::move(current), outs);
  }
}

template <class Net>
std::vector<std::vector<float>> reference_chain(const Net& net, const std::vector<float>& x) {
  std::vector<std::vector<float>> outs;
  reference_steps<0>(net, x, outs);
  return outs;
}

/// Terms in one output of bound layer B: its fan-in plus the bias (1 for parameter-free layers).
template <class B>
constexpr std::size_t terms_of() {
  if constexpr (tenet::Trainable<B>) return B::fan_in + 1;
  else return 1;
}

template <class Net, std::size_t... I>
constexpr std::size_t longest_sum(std::index_sequence<I...>) {
  return std::max({std::size_t{1}, terms_of<typename Net::template bound_layer<I>>()...});
}

/// The longest sum any layer of Net computes (its largest fan-in, plus the bias).
template <class Net>
constexpr std::size_t longest_sum() {
  return longest_sum<Net>(std::make_index_sequence<Net::depth>{});
}

/// Compares every element of `network::activations()` with the reference chain.
template <class Acts, std::size_t... I>
void check_activations(const Acts& acts, const std::vector<std::vector<float>>& want, tenet::test::tolerance tol,
                       std::index_sequence<I...>) {
  (check_close(std::get<I>(acts).span(), want[I], tol, "activation of layer " + std::to_string(I)), ...);
}

template <class Net>
tenet::tensor<float, typename Net::input_shape> make_input(const std::vector<float>& values) {
  tenet::tensor<float, typename Net::input_shape> x;
  std::copy(values.begin(), values.end(), x.begin());
  return x;
}

/// Glorot-initialized parameters from `seed`, but with non-zero biases so that bias handling
/// is exercised as well.
template <class Net>
Net make_network(std::uint64_t seed) {
  Net net;
  net.initialize(seed);
  net.for_each_layer([&](auto view) {
    const std::vector<float> b = random_values(view.bias_count, static_cast<std::uint32_t>(seed + view.index), -0.1f, 0.1f);
    view.set_biases(b);
  });
  return net;
}

template <class Net>
std::vector<tenet::tensor<float, typename Net::input_shape>> random_batch(std::size_t n, std::uint32_t seed) {
  std::vector<tenet::tensor<float, typename Net::input_shape>> xs(n);
  for (std::size_t i = 0; i < n; ++i) xs[i] = make_input<Net>(random_values(Net::input_shape::size, seed + static_cast<std::uint32_t>(i)));
  return xs;
}

// --- shapes, counts, summary ----------------------------------------------------------------

TEST_CASE("the seed network has the README's shapes, parameter count and FLOPs", "[network][shapes]") {
  STATIC_REQUIRE(seed_net::valid);
  STATIC_REQUIRE(seed_net::depth == 6);
  STATIC_REQUIRE(seed_net::layer_count == 6);
  STATIC_REQUIRE(std::is_same_v<seed_net::input_shape, tenet::shape<28, 28, 1>>);
  STATIC_REQUIRE(std::is_same_v<seed_net::output_shape, tenet::shape<10>>);
  STATIC_REQUIRE(std::is_same_v<seed_net::layer_output_shape<0>, tenet::shape<28, 28, 16>>);
  STATIC_REQUIRE(std::is_same_v<seed_net::layer_output_shape<1>, tenet::shape<28, 28, 16>>);
  STATIC_REQUIRE(std::is_same_v<seed_net::layer_output_shape<2>, tenet::shape<14, 14, 16>>);
  STATIC_REQUIRE(std::is_same_v<seed_net::layer_output_shape<3>, tenet::shape<3136>>);
  STATIC_REQUIRE(std::is_same_v<seed_net::layer_output_shape<4>, tenet::shape<10>>);
  STATIC_REQUIRE(std::is_same_v<seed_net::layer_output_shape<5>, tenet::shape<10>>);
  STATIC_REQUIRE(std::is_same_v<seed_net::layer_type<0>, tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>>);
  STATIC_REQUIRE(std::is_same_v<seed_net::layer_type<4>, tenet::dense<10>>);
  STATIC_REQUIRE(seed_net::param_count == (16 * 2 * 2 * 1 + 16) + (3136 * 10 + 10));
  STATIC_REQUIRE(seed_net::param_count == 31450);
  // conv: 2 * 28*28 outputs * 2*2*1 taps * 16 filters = 100352; dense: 2 * 3136 * 10 = 62720.
  STATIC_REQUIRE(seed_net::flops == 163072);
}

/// Lines of `text`.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

TEST_CASE("summary() prints one line per layer with its shape and parameters, then the totals", "[network][summary]") {
  std::ostringstream os;
  seed_net::summary(os);
  const std::string text = os.str();
  INFO(text);
  struct row {
    std::string index, layer, shape, params;
  };
  const row rows[] = {
      {"", "input", "(28, 28, 1)", "0"},  {"0", "conv2d 16@2x2 same", "(28, 28, 16)", "80"},
      {"1", "relu", "(28, 28, 16)", "0"}, {"2", "max_pool 2x2", "(14, 14, 16)", "0"},
      {"3", "flatten", "(3136)", "0"},    {"4", "dense 10", "(10)", "31,370"},
      {"5", "softmax", "(10)", "0"},
  };
  const std::vector<std::string> lines = lines_of(text);
  std::size_t previous = 0;
  for (const row& r : rows) {
    INFO("looking for the line of " << r.layer);
    auto it = std::find_if(lines.begin(), lines.end(), [&](const std::string& line) {
      const std::string prefix = r.index.empty() ? " " : r.index + " ";
      return line.rfind(prefix, 0) == 0 && line.find("  " + r.layer + " ") != std::string::npos &&
             line.find("  " + r.shape + " ") != std::string::npos && ends_with(line, " " + r.params);
    });
    REQUIRE(it != lines.end());
    const std::size_t at = static_cast<std::size_t>(it - lines.begin());
    CHECK(at > previous);  // in order
    previous = at;
  }
  CHECK_THAT(text, Catch::Matchers::Contains("Total params: 31,450"));
  CHECK_THAT(text, Catch::Matchers::Contains("163,072"));
}

TEST_CASE("LeNet-5 has the expected shapes, parameters and FLOPs", "[network][shapes]") {
  STATIC_REQUIRE(lenet5::valid);
  STATIC_REQUIRE(lenet5::depth == 13);
  STATIC_REQUIRE(std::is_same_v<lenet5::layer_output_shape<0>, tenet::shape<28, 28, 6>>);
  STATIC_REQUIRE(std::is_same_v<lenet5::layer_output_shape<1>, tenet::shape<28, 28, 6>>);
  STATIC_REQUIRE(std::is_same_v<lenet5::layer_output_shape<2>, tenet::shape<14, 14, 6>>);
  STATIC_REQUIRE(std::is_same_v<lenet5::layer_output_shape<3>, tenet::shape<10, 10, 16>>);
  STATIC_REQUIRE(std::is_same_v<lenet5::layer_output_shape<4>, tenet::shape<10, 10, 16>>);
  STATIC_REQUIRE(std::is_same_v<lenet5::layer_output_shape<5>, tenet::shape<5, 5, 16>>);
  STATIC_REQUIRE(std::is_same_v<lenet5::layer_output_shape<6>, tenet::shape<400>>);
  STATIC_REQUIRE(std::is_same_v<lenet5::layer_output_shape<7>, tenet::shape<120>>);
  STATIC_REQUIRE(std::is_same_v<lenet5::layer_output_shape<8>, tenet::shape<120>>);
  STATIC_REQUIRE(std::is_same_v<lenet5::layer_output_shape<9>, tenet::shape<84>>);
  STATIC_REQUIRE(std::is_same_v<lenet5::layer_output_shape<10>, tenet::shape<84>>);
  STATIC_REQUIRE(std::is_same_v<lenet5::layer_output_shape<11>, tenet::shape<10>>);
  STATIC_REQUIRE(std::is_same_v<lenet5::output_shape, tenet::shape<10>>);
  STATIC_REQUIRE(lenet5::param_count == (5 * 5 * 1 * 6 + 6) + (5 * 5 * 6 * 16 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10));
  STATIC_REQUIRE(lenet5::param_count == 61706);
  // Multiply-adds x 2: conv1 28*28*25*1*6 = 117600, conv2 10*10*25*6*16 = 240000, dense
  // 400*120 + 120*84 + 84*10 = 58920; (117600 + 240000 + 58920) * 2 = 833040.
  STATIC_REQUIRE(lenet5::flops == 833040);
}

TEST_CASE("the deep CNN has the expected shapes, with either spelling of dropout", "[network][shapes][dropout]") {
  using net = deep_cnn_ratio;
  STATIC_REQUIRE(net::valid);
  STATIC_REQUIRE(net::depth == 14);
  STATIC_REQUIRE(std::is_same_v<net::layer_output_shape<0>, tenet::shape<28, 28, 32>>);
  STATIC_REQUIRE(std::is_same_v<net::layer_output_shape<1>, tenet::shape<28, 28, 32>>);
  STATIC_REQUIRE(std::is_same_v<net::layer_output_shape<2>, tenet::shape<14, 14, 32>>);
  STATIC_REQUIRE(std::is_same_v<net::layer_output_shape<3>, tenet::shape<14, 14, 32>>);
  STATIC_REQUIRE(std::is_same_v<net::layer_output_shape<4>, tenet::shape<14, 14, 64>>);
  STATIC_REQUIRE(std::is_same_v<net::layer_output_shape<5>, tenet::shape<14, 14, 64>>);
  STATIC_REQUIRE(std::is_same_v<net::layer_output_shape<6>, tenet::shape<7, 7, 64>>);
  STATIC_REQUIRE(std::is_same_v<net::layer_output_shape<7>, tenet::shape<7, 7, 64>>);
  STATIC_REQUIRE(std::is_same_v<net::layer_output_shape<8>, tenet::shape<3136>>);
  STATIC_REQUIRE(std::is_same_v<net::layer_output_shape<9>, tenet::shape<128>>);
  STATIC_REQUIRE(std::is_same_v<net::layer_output_shape<10>, tenet::shape<128>>);
  STATIC_REQUIRE(std::is_same_v<net::layer_output_shape<11>, tenet::shape<128>>);
  STATIC_REQUIRE(std::is_same_v<net::layer_output_shape<12>, tenet::shape<10>>);
  STATIC_REQUIRE(std::is_same_v<net::output_shape, tenet::shape<10>>);
  STATIC_REQUIRE(net::param_count == (2 * 2 * 1 * 32 + 32) + (2 * 2 * 32 * 32 + 32) + (2 * 2 * 32 * 64 + 64) + (2 * 2 * 64 * 64 + 64) +
                                         (3136 * 128 + 128) + (128 * 128 + 128) + (128 * 10 + 10));
  STATIC_REQUIRE(net::flops == 2 * (28 * 28 * 4 * 1 * 32 + 28 * 28 * 4 * 32 * 32 + 14 * 14 * 4 * 32 * 64 + 14 * 14 * 4 * 64 * 64 +
                                    3136 * 128 + 128 * 128 + 128 * 10));
#if TENET_HAS_FLOAT_TEMPLATE_ARGS
  using keras_spelling = deep_cnn<tenet::dropout<0.25f>, tenet::dropout<0.5f>>;
  STATIC_REQUIRE(std::is_same_v<keras_spelling::output_shape, net::output_shape>);
  STATIC_REQUIRE(keras_spelling::param_count == net::param_count);
  STATIC_REQUIRE(keras_spelling::flops == net::flops);
  STATIC_REQUIRE(std::is_same_v<keras_spelling::layer_output_shape<7>, tenet::shape<7, 7, 64>>);
#endif
}

// --- predictions ----------------------------------------------------------------------------

using whole_networks =
    std::tuple<seed_net, lenet5, deep_cnn_ratio, mlp, conv_relu_chain, conv_relu_pool_chain, pass_through_chain, batched_tail_chain>;

TEMPLATE_LIST_TEST_CASE("predict and activations match the reference chain layer by layer", "[network][predict]", whole_networks) {
  using net_type = TestType;
  const net_type net = make_network<net_type>(7);
  const tenet::test::tolerance tol = tenet::test::for_sum_of(longest_sum<net_type>());
  for (std::uint32_t example = 0; example < 3; ++example) {
    INFO("example " << example);
    const std::vector<float> x = random_values(net_type::input_shape::size, 100 + example);
    const std::vector<std::vector<float>> want = reference_chain(net, x);
    const auto in = make_input<net_type>(x);

    const auto y = net.predict(in);
    check_close(y.span(), want.back(), tol, "predict");
    if constexpr (std::is_same_v<typename net_type::template layer_type<net_type::depth - 1>, tenet::softmax>) {
      double sum = 0.0;
      for (float v : y) sum += v;
      CHECK_THAT(sum, Catch::Matchers::WithinAbs(1.0, 1e-5));
    }

    const auto acts = net.activations(in);
    STATIC_REQUIRE(std::tuple_size_v<std::decay_t<decltype(acts)>> == net_type::depth);
    check_activations(acts, want, tol, std::make_index_sequence<net_type::depth>{});
    // predict runs a convolution and the ReLU after it as one pass, activations runs every
    // layer on its own: the same arithmetic, but compiled in different places, where the
    // compiler may contract a * b + c into an FMA differently (-ffp-contract=fast), so the
    // two agree to rounding rather than bit for bit.
    check_close(std::get<net_type::depth - 1>(acts).span(), y.span(), tol, "activations vs predict");

    tenet::tensor<float, typename net_type::output_shape> fallback;
    net.template forward<tenet::simd::fallback_arch>(in.data(), fallback.data(), tenet::parallel::policy::serial);
    check_close(fallback.span(), want.back(), tol, "forward<fallback_arch>");
  }
}

#if TENET_HAS_FLOAT_TEMPLATE_ARGS
TEST_CASE("dropout<0.25f> and dropout_ratio<1, 4> networks predict the same bits", "[network][dropout]") {
  using keras_spelling = deep_cnn<tenet::dropout<0.25f>, tenet::dropout<0.5f>>;
  const keras_spelling a = make_network<keras_spelling>(3);
  const deep_cnn_ratio b = make_network<deep_cnn_ratio>(3);
  const std::vector<float> x = random_values(784, 5);
  CHECK(tenet::test::identical(a.predict(make_input<keras_spelling>(x)).span(), b.predict(make_input<deep_cnn_ratio>(x)).span()));
}
#endif

TEST_CASE("a network's output is independent of the threads a single predict uses", "[network][threads]") {
  const big_net net = make_network<big_net>(11);
  const auto x = make_input<big_net>(random_values(big_net::input_shape::size, 12));
  std::vector<tenet::tensor<float, big_net::output_shape>> ys;
  for (std::size_t threads : {1, 2, 4}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    ys.push_back(net.predict(x));
  }
  CHECK(tenet::test::identical(ys[0].span(), ys[1].span()));
  CHECK(tenet::test::identical(ys[0].span(), ys[2].span()));
}

using batch_networks = std::tuple<seed_net, lenet5, deep_cnn_ratio, big_net, mlp, batched_tail_chain>;

TEMPLATE_LIST_TEST_CASE("batch predict gives the same bits as single predicts on 1, 2 and 4 threads", "[network][batch][threads]",
                        batch_networks) {
  using net_type = TestType;
  using out_tensor = tenet::tensor<float, typename net_type::output_shape>;
  const net_type net = make_network<net_type>(21);
  const std::size_t count = GENERATE(as<std::size_t>{}, 1, 2, 13, 35);
  const auto xs = random_batch<net_type>(count, 1000);
  std::vector<out_tensor> singles;
  for (const auto& x : xs) singles.push_back(net.predict(x));

  for (std::size_t threads : {1, 2, 4}) {
    INFO(count << " examples, " << threads << " threads");
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    std::vector<out_tensor> ys(count, out_tensor::filled(-1.0f));
    net.predict(std::span<const typename decltype(xs)::value_type>(xs), std::span<out_tensor>(ys));
    bool same = true;
    for (std::size_t i = 0; i < count; ++i) same = same && tenet::test::identical(ys[i].span(), singles[i].span());
    CHECK(same);
  }

  const std::vector<out_tensor> from_vector = net.predict(xs);  // the std::vector overload
  REQUIRE(from_vector.size() == count);
  bool same_vector = true;
  for (std::size_t i = 0; i < count; ++i) same_vector = same_vector && tenet::test::identical(from_vector[i].span(), singles[i].span());
  CHECK(same_vector);
}

TEST_CASE("batch predict on an empty batch does nothing", "[network][batch]") {
  const seed_net net;
  std::vector<tenet::tensor<float, seed_net::input_shape>> xs;
  std::vector<tenet::tensor<float, seed_net::output_shape>> ys;
  CHECK_NOTHROW(net.predict(std::span<const tenet::tensor<float, seed_net::input_shape>>(xs),
                            std::span<tenet::tensor<float, seed_net::output_shape>>(ys)));
  CHECK(net.predict(xs).empty());
}

TEST_CASE("batch predict with spans of different lengths throws std::invalid_argument", "[network][batch]") {
  const seed_net net;
  const auto xs = random_batch<seed_net>(3, 5);
  std::vector<tenet::tensor<float, seed_net::output_shape>> ys(2);
  using in_span = std::span<const tenet::tensor<float, seed_net::input_shape>>;
  using out_span = std::span<tenet::tensor<float, seed_net::output_shape>>;
  CHECK_THROWS_AS(net.predict(in_span(xs), out_span(ys)), std::invalid_argument);
  CHECK_THROWS_WITH(net.predict(in_span(xs), out_span(ys)),
                    Catch::Matchers::Contains("3 inputs") && Catch::Matchers::Contains("2 outputs"));
  std::vector<tenet::tensor<float, seed_net::output_shape>> more(4);
  CHECK_THROWS_AS(net.predict(in_span(xs), out_span(more)), std::invalid_argument);
}

TEST_CASE("a network with no layers after the input returns its input", "[network][predict]") {
  using net_type = tenet::network<tenet::input<7, 9, 3>>;
  STATIC_REQUIRE(net_type::depth == 0);
  STATIC_REQUIRE(net_type::param_count == 0);
  const net_type net;
  const auto x = make_input<net_type>(random_values(189, 3));
  CHECK(tenet::test::identical(net.predict(x).span(), x.span()));
}

TEST_CASE("a copied network predicts the same and owns its parameters", "[network]") {
  seed_net original = make_network<seed_net>(31);
  const seed_net copy = original;
  const auto x = make_input<seed_net>(random_values(784, 32));
  const auto before = original.predict(x);
  CHECK(tenet::test::identical(copy.predict(x).span(), before.span()));
  original.initialize(99);
  CHECK_FALSE(tenet::test::identical(original.predict(x).span(), before.span()));
  CHECK(tenet::test::identical(copy.predict(x).span(), before.span()));
}

// --- layer_view -----------------------------------------------------------------------------

template <class Net>
concept can_set_weights = requires(Net& net, std::span<const float> values) {
  net.template layer<0>().set_weights(values);
};

TEST_CASE("layer_view::set_weights and set_biases reject a wrong count, naming the layer", "[network][layer_view]") {
  seed_net net = make_network<seed_net>(41);
  const auto x = make_input<seed_net>(random_values(784, 42));
  const auto before = net.predict(x);

  CHECK_THROWS_AS(net.layer<0>().set_weights(std::vector<float>(63)), std::invalid_argument);
  CHECK_THROWS_WITH(net.layer<0>().set_weights(std::vector<float>(65)), Catch::Matchers::Contains("layer 0 (conv2d 16@2x2 same)") &&
                                                                            Catch::Matchers::Contains("64 weights") &&
                                                                            Catch::Matchers::Contains("65"));
  CHECK_THROWS_WITH(net.layer<0>().set_biases(std::vector<float>(10)),
                    Catch::Matchers::Contains("layer 0 (conv2d 16@2x2 same)") && Catch::Matchers::Contains("16 biases"));
  CHECK_THROWS_WITH(net.layer<4>().set_weights(std::vector<float>(31360 + 10)), Catch::Matchers::Contains("layer 4 (dense 10)"));
  CHECK_THROWS_WITH(net.layer<4>().set_biases(std::vector<float>()), Catch::Matchers::Contains("layer 4 (dense 10)"));
  CHECK_THROWS_WITH(net.layer<1>().set_weights(std::vector<float>(1)), Catch::Matchers::Contains("layer 1 (relu)"));
  CHECK_NOTHROW(net.layer<1>().set_weights(std::vector<float>()));
  // A rejected call changes nothing.
  CHECK(tenet::test::identical(net.predict(x).span(), before.span()));

  STATIC_REQUIRE(can_set_weights<seed_net>);
  STATIC_REQUIRE(!can_set_weights<const seed_net>);
  STATIC_REQUIRE(decltype(net.layer<0>())::weight_count == 64);
  STATIC_REQUIRE(decltype(net.layer<0>())::bias_count == 16);
  STATIC_REQUIRE(decltype(net.layer<2>())::weight_count == 0);
  CHECK(decltype(net.layer<4>())::name() == "layer 4 (dense 10)");
}

// --- Glorot initialization ------------------------------------------------------------------

template <class Net>
std::vector<float> all_parameters(const Net& net) {
  std::vector<float> values;
  // (A loop rather than vector::insert of the spans: g++ 12 gives a false -Wstringop-overflow
  // for insert when a span's static extent is known.)
  net.for_each_layer([&](auto view) {
    for (float w : view.weights()) values.push_back(w);
    for (float b : view.biases()) values.push_back(b);
  });
  return values;
}

TEMPLATE_LIST_TEST_CASE("initialize(seed) draws Glorot-uniform weights and zero biases, deterministically", "[network][init]",
                        whole_networks) {
  using net_type = TestType;
  net_type a, b;
  a.initialize(5);
  b.initialize(5);
  CHECK(tenet::test::identical(all_parameters(a), all_parameters(b)));
  b.initialize(6);
  CHECK_FALSE(tenet::test::identical(all_parameters(a), all_parameters(b)));
  const net_type fresh;  // the constructor uses seed 0
  a.initialize(0);
  CHECK(tenet::test::identical(all_parameters(a), all_parameters(fresh)));

  net_type net = make_network<net_type>(9);  // non-zero biases, then re-initialize
  net.initialize(9);
  net.for_each_layer([&](auto view) {
    using view_type = decltype(view);
    if constexpr (view_type::weight_count != 0) {
      using weight_shape_t = typename decltype(view.get_weights())::shape_type;
      // Keras: conv (KH, KW, C, F) -> fan_in KH*KW*C, fan_out KH*KW*F; dense (N, U) -> N, U.
      constexpr auto d = weight_shape_t::dims;
      constexpr std::size_t receptive = d.size() == 4 ? d[0] * d[1] : 1;
      constexpr std::size_t fan_in = receptive * d[d.size() - 2], fan_out = receptive * d[d.size() - 1];
      const double limit = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
      INFO(view.name() << ": fan_in " << fan_in << ", fan_out " << fan_out << ", limit " << limit);
      float lowest = 0.0f, highest = 0.0f;
      double sum = 0.0;
      for (float w : view.weights()) {
        lowest = std::min(lowest, w);
        highest = std::max(highest, w);
        sum += w;
      }
      CHECK(lowest >= -limit * (1 + 1e-6));
      CHECK(highest <= limit * (1 + 1e-6));
      // Uniform over the whole range: the extremes come close to the limit, the mean near 0.
      if (view_type::weight_count >= 64) {
        CHECK(lowest < -0.9 * limit);
        CHECK(highest > 0.9 * limit);
        CHECK(std::abs(sum / static_cast<double>(view_type::weight_count)) < 0.1 * limit);
      }
      for (float bias : view.biases()) REQUIRE(bias == 0.0f);
    }
  });
}

}  // namespace
