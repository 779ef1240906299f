// Run-time ISA dispatch end to end: the networks of dispatch_networks.hpp are compiled for
// this binary's own ISA and, by tenet_add_isa_dispatch, for the ones above it. Every table
// this CPU can run must give the own ISA's results up to rounding (inference, and a training
// chunk's losses and gradients), and the networks run the process's choice.

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <tenet/simd/dispatch.hpp>
#include <tenet/train/backprop.hpp>

#include "dispatch_networks.hpp"
#include "test_helpers.hpp"

using tenet::simd::isa;

namespace {

template <class Net>
using inference_table = typename Net::base_type::kernels;

/// The registered tables of `Kernels` this CPU can run, and a line naming the others.
template <class Kernels>
std::vector<const Kernels*> runnable(std::string& skipped) {
  const tenet::simd::cpu_report cpu = tenet::simd::read_cpu();
  std::vector<const Kernels*> out;
  for (std::size_t i = 0; i < tenet::simd::isa_count; ++i) {
    const Kernels* k = tenet::simd::registry<Kernels>::slots[i];
    if (k == nullptr) continue;
    if (cpu.supports(k->which)) out.push_back(k);
    else skipped += std::string(tenet::simd::name(k->which)) + " (this CPU lacks it) ";
  }
  return out;
}

template <class Net>
std::vector<float> random_inputs(std::size_t n, std::uint32_t seed) {
  return tenet::test::random_values(n * Net::input_shape::size, seed, 0.0f, 1.0f);
}

template <class Net>
void check_inference_on_every_isa() {
  using base = typename Net::base_type;
  using table = inference_table<Net>;
  using in_t = tenet::tensor<float, typename Net::input_shape>;
  using out_t = tenet::tensor<float, typename Net::output_shape>;
  Net net;
  net.initialize(7);
  constexpr std::size_t n = 37;  // not a multiple of any batch block
  const std::vector<float> flat = random_inputs<Net>(n, 11);
  std::vector<in_t> xs(n);
  for (std::size_t e = 0; e < n; ++e) std::copy_n(flat.data() + e * in_t::size(), in_t::size(), xs[e].data());

  const table& own = base::template kernels_for<typename Net::arch>;
  std::vector<out_t> want(n);
  for (std::size_t e = 0; e < n; ++e) own.forward(net, xs[e].data(), want[e].data(), tenet::parallel::policy::serial);

  std::string skipped;
  const auto tables = runnable<table>(skipped);
  if (!skipped.empty()) WARN("not run: " << skipped);
  INFO("own ISA " << tenet::simd::name(own.which));
  for (const table* k : tables) {
    INFO("ISA " << tenet::simd::name(k->which));
    std::vector<out_t> single(n), batch(n);
    for (std::size_t e = 0; e < n; ++e) k->forward(net, xs[e].data(), single[e].data(), tenet::parallel::policy::split);
    k->predict_batch(net, xs.data(), batch.data(), n);
    for (std::size_t e = 0; e < n; ++e) {
      INFO("example " << e);
      // within one ISA a batch gives each example's bits exactly
      CHECK(tenet::test::identical(std::span<const float>(batch[e].data(), out_t::size()),
                                   std::span<const float>(single[e].data(), out_t::size())));
      tenet::test::check_close(std::span<const float>(single[e].data(), out_t::size()),
                               std::vector<float>(want[e].data(), want[e].data() + out_t::size()), {1e-4, 1e-5});
    }
  }
}

template <class Net>
void check_training_on_every_isa() {
  using base = typename Net::base_type;
  using loss = tenet::cross_entropy;
  using table = tenet::detail::training_kernels<base, loss>;
  using in_t = tenet::tensor<float, typename Net::input_shape>;
  Net net;
  net.initialize(3);
  constexpr std::size_t n = 19;  // more than one group of deferred dense gradients
  const std::vector<float> flat = random_inputs<Net>(n, 5);
  std::vector<in_t> xs(n);
  std::vector<std::uint32_t> ys(n);
  std::vector<std::size_t> order(n);
  for (std::size_t e = 0; e < n; ++e) {
    std::copy_n(flat.data() + e * in_t::size(), in_t::size(), xs[e].data());
    ys[e] = static_cast<std::uint32_t>((e * 7) % Net::output_shape::size);
    order[e] = (e * 5) % n;  // a permutation: 5 and 19 are coprime
  }
  const float* params = net.parameter_storage().data();
  auto run = [&](const table& k, std::vector<float>& grad, std::vector<tenet::detail::example_outcome>& outcomes,
                 tenet::detail::batch_result& eval) {
    tenet::detail::aligned_floats workspace(k.workspace_floats);
    grad.assign(Net::storage_size, 0.0f);
    outcomes.assign(n, {});
    k.run_chunk(params, xs.data(), ys.data(), order.data(), 0, n, workspace.data(), grad.data(), 99, true, outcomes.data());
    eval = {0.0, 0};
    k.evaluate_range(params, xs.data(), ys.data(), 0, n, workspace.data(), eval);
  };
  const table& own = tenet::detail::backprop<base, loss, typename Net::arch>::kernels;
  std::vector<float> want_grad;
  std::vector<tenet::detail::example_outcome> want_outcomes;
  tenet::detail::batch_result want_eval{};
  run(own, want_grad, want_outcomes, want_eval);
  double scale = 0.0;
  for (float g : want_grad) scale = std::max(scale, static_cast<double>(std::fabs(g)));
  REQUIRE(scale > 0.0);  // a pass that computed nothing would agree with itself

  std::string skipped;
  const auto tables = runnable<table>(skipped);
  if (!skipped.empty()) WARN("not run: " << skipped);
  for (const table* k : tables) {
    INFO("ISA " << tenet::simd::name(k->which));
    std::vector<float> grad;
    std::vector<tenet::detail::example_outcome> outcomes;
    tenet::detail::batch_result eval{};
    run(*k, grad, outcomes, eval);
    for (std::size_t e = 0; e < n; ++e) {
      INFO("example " << e);
      CHECK(outcomes[e].loss == Approx(want_outcomes[e].loss).epsilon(1e-4));
    }
    CHECK(eval.loss == Approx(want_eval.loss).epsilon(1e-4));
    // rounding only: far below what a wrong tap or a missed example would change
    tenet::test::check_close(grad, want_grad, {1e-3, 1e-4 * scale}, "gradient");
  }
}

}  // namespace

TEMPLATE_TEST_CASE("every ISA's inference gives the own ISA's outputs up to rounding", "[dispatch]", dispatch_test::seed_net,
                   dispatch_test::ragged_net) {
  check_inference_on_every_isa<TestType>();
}

TEMPLATE_TEST_CASE("every ISA's training pass gives the own ISA's losses and gradients up to rounding", "[dispatch]",
                   dispatch_test::seed_net, dispatch_test::ragged_net) {
  check_training_on_every_isa<TestType>();
}

TEST_CASE("a network runs the process's ISA when it was compiled for it", "[dispatch]") {
  // ctest runs this also with TENET_ISA set (tests/CMakeLists.txt: unit_isa.*)
  using net = dispatch_test::ragged_net;
  const auto& slots = tenet::simd::registry<inference_table<net>>::slots;
  std::string compiled = std::string(tenet::simd::name(tenet::simd::isa_of<net::arch>()));
  for (std::size_t i = 0; i < tenet::simd::isa_count; ++i)
    if (slots[i] != nullptr) compiled += std::string(" ") + std::string(tenet::simd::name(slots[i]->which));
  INFO("compiled for: " << compiled);
  try {
    const std::string_view active = tenet::simd::active_isa();
    // this binary has its own ISA and every one above it (TENET_OWN_DISPATCH_ISAS)
    if (tenet::simd::process_isa().chosen >= tenet::simd::isa_of<net::arch>()) CHECK(net::isa_name() == active);
    else CHECK_THROWS_AS(net::isa_name(), tenet::simd::isa_error);
  } catch (const tenet::simd::isa_error& e) {
    CHECK_THROWS_WITH(net::isa_name(), e.what());  // a bad TENET_ISA: the same message from the network
  }
}
