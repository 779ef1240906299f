// Every layer's backward pass against central finite differences (tenet::testing), and whole
// small networks with each loss.
//
// Tolerance: a value passes when analytic and numeric gradients agree within 1 % of the
// larger one, or within 1e-3 absolutely. Float32 central differences with h = 2e-3 (the finer
// of the checker's two steps) carry rounding noise of about 1e-7 * |loss| / h ~ 1e-4 and
// truncation error h^2 * f''' ~ 1e-6, so genuine backward bugs (a wrong index, a missing
// term) fail by orders of magnitude. Points where the function has a kink within the step
// (relu at 0, a pooling tie) are skipped by the checker and counted; we require them rare.

#include <bit>
#include <catch2/catch.hpp>
#include <limits>

#include <tenet/tenet.hpp>
#include <tenet/testing/gradient_check.hpp>

namespace {

template <class L, class In>
void require_layer_gradients(tenet::testing::layer_check_options options = {}) {
  const auto report = tenet::testing::check_layer_gradients<L, In>(options);
  INFO(L::describe() << " on " << tenet::to_string<In>() << ": " << report.checked << " values, " << report.failures
                     << " outside tolerance; worst: " << report.worst);
  REQUIRE(report.checked > 0);
  REQUIRE(report.passed());
  REQUIRE(report.kinks * 20 <= report.checked);
}

}  // namespace

TEST_CASE("conv2d gradients match finite differences", "[gradients][conv2d]") {
  using namespace tenet;
  require_layer_gradients<conv2d<3, kernel<3, 3>, same>, shape<5, 6, 2>>();
  require_layer_gradients<conv2d<9, kernel<2, 2>, valid, stride<2>>, shape<7, 7, 3>>();
  require_layer_gradients<conv2d<16, kernel<2, 1>, same, stride<1, 2>>, shape<5, 5, 1>>();
  require_layer_gradients<conv2d<6, kernel<5, 5>, same>, shape<8, 8, 1>>();
  require_layer_gradients<conv2d<8, kernel<1, 2>, valid>, shape<4, 5, 3>>();
  // One input channel, stride 1 across, few filters: the pixel-vectorized path (with a
  // vertical stride, and rows whose length is not a multiple of the SIMD width).
  require_layer_gradients<conv2d<3, kernel<3, 2>, valid, stride<2, 1>>, shape<7, 19, 1>>();
  require_layer_gradients<conv2d<8, kernel<2, 3>, same>, shape<5, 11, 1>>();
  // Many channels: the vectorized input gradient (full and partial registers of channels)
  // and weight tiles of 4 channels x 2 registers of filters, with filter tails.
  require_layer_gradients<conv2d<8, kernel<2, 2>, same>, shape<5, 5, 9>>();
  require_layer_gradients<conv2d<17, kernel<3, 3>, same, stride<2>>, shape<6, 5, 33>>();
  require_layer_gradients<conv2d<32, kernel<2, 2>, same>, shape<4, 4, 16>>();
}

TEST_CASE("max_pool gradients go to each window's maximum", "[gradients][pooling]") {
  using namespace tenet;
  const tenet::testing::layer_check_options distinct{.distinct_inputs = true};
  require_layer_gradients<max_pool<2>, shape<6, 6, 3>>(distinct);
  require_layer_gradients<max_pool<3>, shape<7, 7, 9>>(distinct);
  require_layer_gradients<max_pool<3, stride<1>>, shape<7, 7, 9>>(distinct);  // overlapping windows add up
}

TEST_CASE("dense gradients match finite differences", "[gradients][dense]") {
  using namespace tenet;
  require_layer_gradients<dense<10>, shape<37>>();
  require_layer_gradients<dense<1>, shape<5>>();
  require_layer_gradients<dense<17>, shape<9>>();
}

TEST_CASE("activation, softmax, flatten and dropout gradients match finite differences", "[gradients][activation]") {
  using namespace tenet;
  // relu: inputs kept away from the kink at 0, where the derivative does not exist.
  require_layer_gradients<relu, shape<20>>({.input_low = 0.05f, .input_high = 1.0f});
  require_layer_gradients<relu, shape<3, 3, 2>>({.input_low = -1.0f, .input_high = -0.05f});
  require_layer_gradients<tenet::tanh, shape<20>>();
  require_layer_gradients<sigmoid, shape<3, 2, 5>>();
  require_layer_gradients<softmax, shape<7>>();
  require_layer_gradients<flatten, shape<2, 3, 4>>();
  require_layer_gradients<expect<shape<6>>, shape<6>>();
  require_layer_gradients<dropout_ratio<1, 2>, shape<20>>();
#if TENET_HAS_FLOAT_TEMPLATE_ARGS
  require_layer_gradients<dropout<0.25f>, shape<4, 4, 2>>();
#endif
}

TEST_CASE("whole networks: gradients of every parameter match finite differences", "[gradients][network]") {
  using namespace tenet;
  using net_t = network<input<8, 8, 1>, conv2d<4, kernel<2, 2>, same>, tenet::tanh, max_pool<2>, flatten, dense<5>, softmax>;
  net_t net;
  net.initialize(4);
  tensor<float, net_t::input_shape> x;
  tenet::detail::random_generator rng(9);
  for (float& v : x) v = rng.uniform();

  SECTION("cross-entropy fused with softmax") {
    const auto report = tenet::testing::check_network_gradients<net_t>(net, x, 3u);
    INFO(report.worst);
    REQUIRE(report.checked + report.kinks == net_t::param_count);
    REQUIRE(report.passed());
  }
  SECTION("categorical cross-entropy on a soft target") {
    auto target = tensor<float, shape<5>>::filled(0.1f);
    target[2] = 0.6f;
    const auto report = tenet::testing::check_network_gradients<net_t, categorical_cross_entropy>(net, x, target);
    INFO(report.worst);
    REQUIRE(report.passed());
  }
  SECTION("mean squared error") {
    const auto report = tenet::testing::check_network_gradients<net_t, mean_squared_error>(net, x, tensor<float, shape<5>>::filled(0.2f));
    INFO(report.worst);
    REQUIRE(report.passed());
  }
  SECTION("cross-entropy without a final softmax (clipped probabilities)") {
    using sig_t = network<input<6>, dense<4>, sigmoid>;
    sig_t small;
    small.initialize(2);
    tensor<float, shape<6>> v;
    for (float& e : v) e = rng.uniform(-1.0f, 1.0f);
    const auto report = tenet::testing::check_network_gradients<sig_t>(small, v, 1u);
    INFO(report.worst);
    REQUIRE(report.passed());
  }
}

TEST_CASE("LeNet-style network with relu and dropout passes a gradient check", "[gradients][network]") {
  using namespace tenet;
  using net_t = network<input<12, 12, 1>, conv2d<3, kernel<3, 3>, same>, relu, max_pool<2>, conv2d<4, kernel<3, 3>>, relu, flatten,
                        dropout_ratio<1, 4>, dense<6>, relu, dense<3>, softmax>;
  net_t net;
  net.initialize(11);
  // Biases away from zero keep relu inputs off the kink for this example.
  net.for_each_layer([](auto view) {
    for (float& b : view.biases()) b = 0.1f;
  });
  tensor<float, net_t::input_shape> x;
  tenet::detail::random_generator rng(5);
  for (float& v : x) v = rng.uniform();
  const auto report = tenet::testing::check_network_gradients<net_t>(net, x, 1u);
  INFO(report.failures << " of " << report.checked << " outside tolerance, " << report.kinks << " kinks skipped; worst: " << report.worst);
  REQUIRE(report.passed());
  REQUIRE(report.kinks * 20 <= report.checked);
}

namespace {
/// Training runs some layers fused (conv2d writes its ReLU's output; a max_pool with disjoint
/// windows computes the gradient through the ReLU before it) and skips identities (flatten):
/// the workspace pass must give the bits of every layer's own forward and backward, run one
/// after the other into buffers of their own.
template <class Net>
void require_training_pass_matches_layers_one_by_one(std::uint64_t seed) {
  using namespace tenet;
  using loss_t = typename tenet::detail::resolve_loss<cross_entropy, tensor<float, typename Net::output_shape>>::type;
  using pass = tenet::detail::backprop<Net, loss_t>;
  using arch = simd::default_arch;
  constexpr std::size_t depth = Net::depth;
  constexpr unsigned label = 1;
  Net net;
  net.initialize(seed);
  const float* params = net.parameter_storage().data();
  tensor<float, typename Net::input_shape> x;
  tenet::detail::random_generator rng(seed + 1);
  for (float& v : x) v = rng.uniform(-1.0f, 1.0f);

  tenet::detail::aligned_floats ws(pass::layout::workspace_floats), grad(Net::storage_size);
  std::fill_n(grad.data(), Net::storage_size, 0.0f);
  pass::forward(params, x.data(), ws.data(), true, 0);
  pass::backward(params, x.data(), label, ws.data(), grad.data());

  std::vector<std::vector<float>> outs(depth);
  boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<depth>), [&](auto i) {
    constexpr std::size_t I = decltype(i)::value;
    using B = typename Net::template bound_layer<I>;
    static_assert(
        !requires { B::state_count; }, "layers with per-example state (dropout) draw noise: not compared here");
    outs[I].assign(B::output_shape::size, 0.0f);
    B::template forward<arch>({params + Net::weight_offset(I), params + Net::bias_offset(I), I == 0 ? x.data() : outs[I - 1].data(),
                               outs[I].data(), parallel::policy::serial});
  });
  for (std::size_t k = 0; k < Net::output_shape::size; ++k)
    REQUIRE(std::bit_cast<std::uint32_t>(outs[depth - 1][k]) == std::bit_cast<std::uint32_t>(pass::output_of(ws.data(), depth - 1)[k]));

  std::vector<float> want(Net::storage_size, 0.0f);
  constexpr std::size_t top = pass::fused ? depth - 1 : depth;
  std::vector<float> g(Net::template layer_output_shape<top - 1>::size);
  if constexpr (pass::fused) loss_t::gradient_of_logits(outs[depth - 1].data(), Net::output_shape::size, label, g.data());
  else loss_t::gradient(outs[depth - 1].data(), Net::output_shape::size, label, g.data());
  boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<top>), [&](auto step) {
    constexpr std::size_t I = top - 1 - decltype(step)::value;
    using B = typename Net::template bound_layer<I>;
    std::vector<float> g_in(B::input_shape::size), scratch(tenet::plan::scratch_count_of<B, arch>() + 1);
    backward_args a{};
    a.weights = params + Net::weight_offset(I);
    a.in = I == 0 ? x.data() : outs[I == 0 ? 0 : I - 1].data();
    a.out = outs[I].data();
    a.grad_out = g.data();
    a.grad_in = I == 0 ? nullptr : g_in.data();
    a.grad_weights = want.data() + Net::weight_offset(I);
    a.grad_biases = want.data() + Net::bias_offset(I);
    a.scratch = scratch.data();
    B::template backward<arch>(a);
    g = std::move(g_in);
  });
  std::size_t differing = 0;
  for (std::size_t k = 0; k < Net::storage_size; ++k)
    if (std::bit_cast<std::uint32_t>(want[k]) != std::bit_cast<std::uint32_t>(grad.data()[k])) ++differing;
  INFO(differing << " of " << Net::storage_size << " gradient values differ");
  REQUIRE(differing == 0);
}
}  // namespace

TEST_CASE("training's fused and skipped layers give the bits of every layer run on its own", "[gradients][network][fused]") {
  using namespace tenet;
  // The seed CNN's pattern: conv2d absorbs the ReLU forward, max_pool the ReLU backward,
  // flatten is skipped.
  require_training_pass_matches_layers_one_by_one<
      network<input<8, 8, 1>, conv2d<16, kernel<2, 2>, same>, relu, max_pool<2>, flatten, dense<10>, softmax>>(3);
  // 6 channels (half-width registers and scalars), a row and a column in no pooling window,
  // a second conv2d + ReLU + pool, a ReLU after a dense layer (not absorbed).
  require_training_pass_matches_layers_one_by_one<
      network<input<11, 9, 1>, conv2d<6, kernel<3, 3>, same>, relu, max_pool<2>, conv2d<5, kernel<2, 2>>, relu, max_pool<2>, flatten,
              dense<7>, relu, dense<3>, softmax>>(5);
  // Overlapping windows (the pooling's own backward, then the ReLU's), a ReLU as the first
  // layer (no input gradient: its pooling is not fused), tanh, and an expect.
  require_training_pass_matches_layers_one_by_one<
      network<input<9, 9, 3>, relu, max_pool<2>, conv2d<4, kernel<2, 2>>, relu, max_pool<3, stride<2>>, expect<shape<1, 1, 4>>, flatten,
              dense<4>, tenet::tanh, dense<2>, softmax>>(7);
}

namespace {
/// `count` examples through training's backward pass as the trainer runs a chunk (conv2d's
/// transposed weights prepared once, before the first example's forward pass; the dense
/// layers' weight gradients deferred to groups: prepare_backward, backward_in_run) against
/// one plain backward pass per example: the same bits.
template <class Net>
void require_deferred_weight_gradients_match(std::size_t count, std::uint64_t seed) {
  using namespace tenet;
  using loss_t = typename tenet::detail::resolve_loss<cross_entropy, tensor<float, typename Net::output_shape>>::type;
  using pass = tenet::detail::backprop<Net, loss_t>;
  Net net;
  net.initialize(seed);
  const float* params = net.parameter_storage().data();
  std::vector<tensor<float, typename Net::input_shape>> xs(count);
  tenet::detail::random_generator rng(seed + 1);
  for (auto& x : xs)
    for (float& v : x) v = rng.uniform(-1.0f, 1.0f);
  tenet::detail::aligned_floats ws(pass::layout::workspace_floats), want(Net::storage_size), grad(Net::storage_size);
  std::fill_n(want.data(), Net::storage_size, 0.0f);
  std::fill_n(grad.data(), Net::storage_size, 0.0f);
  for (std::size_t j = 0; j < count; ++j) {
    const unsigned label = static_cast<unsigned>(j % Net::output_shape::size);
    pass::forward(params, xs[j].data(), ws.data(), true, 0);
    pass::backward(params, xs[j].data(), label, ws.data(), want.data());
  }
  // A workspace of its own, NaN to start with: nothing left from the plain passes above.
  tenet::detail::aligned_floats chunk_ws(pass::layout::workspace_floats);
  std::fill_n(chunk_ws.data(), pass::layout::workspace_floats, std::numeric_limits<float>::quiet_NaN());
  pass::prepare_backward(params, chunk_ws.data());
  for (std::size_t j = 0; j < count; ++j) {
    const unsigned label = static_cast<unsigned>(j % Net::output_shape::size);
    pass::forward(params, xs[j].data(), chunk_ws.data(), true, 0);
    pass::backward_in_run(params, xs[j].data(), label, chunk_ws.data(), grad.data(), j, j + 1 == count);
  }
  std::size_t differing = 0, zero = 0;
  for (std::size_t k = 0; k < Net::storage_size; ++k) {
    if (std::bit_cast<std::uint32_t>(want.data()[k]) != std::bit_cast<std::uint32_t>(grad.data()[k])) ++differing;
    if (want.data()[k] == 0.0f) ++zero;
  }
  INFO(differing << " of " << Net::storage_size << " gradient values differ");
  REQUIRE(differing == 0);
  REQUIRE(zero < Net::storage_size / 2);  // the comparison is not between two empty gradients
}
}  // namespace

TEST_CASE(
    "training's prepared conv2d weights and deferred dense weight gradients give the bits of one backward pass per "
    "example",
    "[gradients][network][deferred]") {
  using namespace tenet;
  // The seed CNN's pattern with a second, multi-channel convolution (prepared once) and a
  // 10-unit dense layer (interleaved kernels), 11 examples = a group of 8 and one of 3.
  using convolutions = network<input<8, 8, 1>, conv2d<16, kernel<2, 2>, same>, relu, max_pool<2>, conv2d<5, kernel<3, 3>, same>, relu,
                               flatten, dense<10>, softmax>;
  static_assert(tenet::plan::prepares_backward<convolutions::bound_layer<3>, convolutions::arch> &&
                tenet::plan::defers_weight_gradients<convolutions::bound_layer<6>, convolutions::arch>);
  require_deferred_weight_gradients_match<convolutions>(11, 3);
  // A dense layer first (its input is the example), one too large to defer (72,000 weights)
  // between two that do, 5 examples (one group, not full).
  using mixed = network<input<64>, dense<24>, relu, dense<3000>, tenet::tanh, dense<3>, softmax>;
  static_assert(mixed::bound_layer<0>::defer_weight_gradients && !mixed::bound_layer<2>::defer_weight_gradients &&
                mixed::bound_layer<4>::defer_weight_gradients);
  require_deferred_weight_gradients_match<mixed>(5, 9);
}

namespace {
// A layer whose backward is deliberately wrong (it forgets the factor 2 of y = 2x): the
// checker must report it, or it proves nothing.
struct doubling {
  static std::string describe() { return "doubling (buggy)"; }
  template <class In>
  static constexpr tenet::verdict check() {
    return tenet::verdict::ok;
  }
  template <class In>
  struct at {
    using input_shape = In;
    using output_shape = In;
    static constexpr std::size_t weight_count = 0, bias_count = 0, flops = 0;
    template <class Arch>
    static void forward(const tenet::forward_args& a) {
      for (std::size_t i = 0; i < In::size; ++i) a.out[i] = 2.0f * a.in[i];
    }
    template <class Arch>
    static void backward(const tenet::backward_args& a) {
      if (a.grad_in != nullptr)
        for (std::size_t i = 0; i < In::size; ++i) a.grad_in[i] = a.grad_out[i];  // should be 2 * grad_out[i]
    }
  };
};
}  // namespace

TEST_CASE("the gradient checker catches a wrong gradient", "[gradients][meta]") {
  const auto report = tenet::testing::check_layer_gradients<doubling, tenet::shape<5>>();
  REQUIRE_FALSE(report.passed());
  REQUIRE(report.failures == 5);
}
