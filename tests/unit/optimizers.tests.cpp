// The optimizers' updates (vectorized, spread over threads) against the textbook formulas in
// double precision, and bit-identical on 1 and 4 threads.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <tbb/global_control.h>
#include <catch2/catch.hpp>

#include <tenet/train/optimizer.hpp>

#include "test_helpers.hpp"

namespace {

using tenet::test::random_values;

/// Weights, decay mask (weights 1, "biases" 0) and one gradient per step.
struct problem {
  std::size_t n;
  std::vector<float> w, mask;
  std::vector<std::vector<float>> grads;

  problem(std::size_t size, std::size_t steps) : n(size), w(random_values(size, 3)), mask(size) {
    for (std::size_t i = 0; i < n; ++i) mask[i] = i % 3 == 0 ? 0.0f : 1.0f;
    for (std::size_t s = 0; s < steps; ++s) grads.push_back(random_values(size, 10 + static_cast<std::uint32_t>(s)));
  }
};

template <class Opt>
std::vector<float> run(const Opt& opt, const problem& p, const std::vector<float>& rates) {
  typename Opt::state state;
  state.reset(opt, p.n);
  std::vector<float> w = p.w;
  for (std::size_t s = 0; s < p.grads.size(); ++s) state.step(opt, w.data(), p.grads[s].data(), p.mask.data(), p.n, rates[s]);
  return w;
}

/// The same steps, element by element, in double.
std::vector<double> reference(const tenet::sgd& o, const problem& p, const std::vector<float>& rates) {
  std::vector<double> w(p.w.begin(), p.w.end()), v(p.n, 0.0);
  for (std::size_t s = 0; s < p.grads.size(); ++s)
    for (std::size_t i = 0; i < p.n; ++i) {
      const double lr = rates[s], g = p.grads[s][i];
      double update = -lr * g;
      if (o.momentum != 0.0f) {
        v[i] = o.momentum * v[i] - lr * g;
        update = o.nesterov ? o.momentum * v[i] - lr * g : v[i];
      }
      w[i] += update - lr * o.weight_decay * p.mask[i] * w[i];
    }
  return w;
}

std::vector<double> reference(const tenet::rmsprop& o, const problem& p, const std::vector<float>& rates) {
  std::vector<double> w(p.w.begin(), p.w.end()), ms(p.n, 0.0);
  for (std::size_t s = 0; s < p.grads.size(); ++s)
    for (std::size_t i = 0; i < p.n; ++i) {
      const double lr = rates[s], g = p.grads[s][i];
      ms[i] = o.rho * ms[i] + (1.0 - o.rho) * g * g;
      w[i] -= lr * g / (std::sqrt(ms[i]) + o.epsilon) + lr * o.weight_decay * p.mask[i] * w[i];
    }
  return w;
}

std::vector<double> reference(const tenet::adam& o, const problem& p, const std::vector<float>& rates) {
  std::vector<double> w(p.w.begin(), p.w.end()), m(p.n, 0.0), v(p.n, 0.0);
  for (std::size_t s = 0; s < p.grads.size(); ++s) {
    const double lr = rates[s];
    const double step = lr * std::sqrt(1.0 - std::pow(o.beta2, s + 1.0)) / (1.0 - std::pow(o.beta1, s + 1.0));
    for (std::size_t i = 0; i < p.n; ++i) {
      const double g = p.grads[s][i];
      m[i] = o.beta1 * m[i] + (1.0 - o.beta1) * g;
      v[i] = o.beta2 * v[i] + (1.0 - o.beta2) * g * g;
      w[i] -= step * m[i] / (std::sqrt(v[i]) + o.epsilon) + lr * o.weight_decay * p.mask[i] * w[i];
    }
  }
  return w;
}

template <class Opt>
void check_against_reference(const Opt& opt) {
  // 1003 = 125 registers of 8 and 3 more: the padded last block is covered.
  for (std::size_t n : {std::size_t{5}, std::size_t{1003}}) {
    INFO(n << " parameters");
    const problem p(n, 6);
    const std::vector<float> rates = {0.1f, 0.1f, 0.05f, 0.05f, 0.02f, 0.01f};
    const std::vector<float> got = run(opt, p, rates);
    const std::vector<double> want = reference(opt, p, rates);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (std::abs(got[i] - want[i]) > 1e-5 + 1e-5 * std::abs(want[i])) ++bad;
    CHECK(bad == 0);
    std::size_t changed = 0;
    for (std::size_t i = 0; i < n; ++i) changed += got[i] != p.w[i] ? 1 : 0;
    CHECK(changed == n);  // every parameter moved
  }
}

template <class Opt>
void check_thread_independence(const Opt& opt) {
  // 100,003 parameters: 12,500 registers, split over several tasks when threads allow it.
  const problem p(100003, 3);
  const std::vector<float> rates = {0.05f, 0.05f, 0.01f};
  std::vector<float> one, four;
  {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
    one = run(opt, p, rates);
  }
  {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 4);
    four = run(opt, p, rates);
  }
  CHECK(tenet::test::identical(one, four));
}

/// The trainer's step in pieces (begin_step, then step_range on ranges of whole registers in
/// any order) against step: the same bits, step after step.
template <class Opt>
void check_pieces(const Opt& opt) {
  INFO("learning rate " << opt.learning_rate << ", weight decay " << opt.weight_decay);
  const problem p(1024, 4);  // 128 registers of 8 (of 4 for SSE)
  const std::vector<float> rates = {0.1f, 0.05f, 0.05f, 0.01f};
  typename Opt::state pieces;
  pieces.reset(opt, p.n);
  std::vector<float> w = p.w;
  for (std::size_t s = 0; s < p.grads.size(); ++s) {
    pieces.begin_step(opt, rates[s]);
    for (std::size_t begin : {std::size_t{512}, std::size_t{0}, std::size_t{256}})  // out of order
      pieces.step_range(opt, w.data(), p.grads[s].data(), p.mask.data(), begin, begin + 256, rates[s]);
    pieces.step_range(opt, w.data(), p.grads[s].data(), p.mask.data(), 768, 1024, rates[s]);
  }
  CHECK(tenet::test::identical(w, run(opt, p, rates)));
}

}  // namespace

// The trainer takes the built-in optimizers' steps in pieces; a slip in a signature would
// silently send it back to step() after its gradient pass.
static_assert(tenet::OptimizerInPieces<tenet::sgd> && tenet::OptimizerInPieces<tenet::rmsprop> && tenet::OptimizerInPieces<tenet::adam>);

TEST_CASE("an optimizer step taken in pieces is the whole step", "[optimizers]") {
  check_pieces(tenet::sgd{.learning_rate = 0.1f});
  check_pieces(tenet::sgd{.learning_rate = 0.1f, .momentum = 0.9f, .nesterov = true, .weight_decay = 0.01f});
  check_pieces(tenet::rmsprop{.weight_decay = 0.05f});
  check_pieces(tenet::adam{.weight_decay = 0.05f});
}

TEST_CASE("sgd: momentum switched on after the state was reset starts from rest", "[optimizers]") {
  // The settings may change between fits; the state was sized without a velocity.
  tenet::sgd opt{.learning_rate = 0.1f};
  tenet::sgd::state state;
  state.reset(opt, 16);
  opt.momentum = 0.9f;
  std::vector<float> w(16, 1.0f), g(16, 0.5f), mask(16, 1.0f);
  state.step(opt, w.data(), g.data(), mask.data(), 16, 0.1f);
  for (float v : w) CHECK(v == 1.0f - 0.1f * 0.5f);  // v = 0.9 * 0 - 0.05
}

TEST_CASE("sgd updates match the formulas", "[optimizers]") {
  check_against_reference(tenet::sgd{.learning_rate = 0.1f});
  check_against_reference(tenet::sgd{.learning_rate = 0.1f, .momentum = 0.9f});
  check_against_reference(tenet::sgd{.learning_rate = 0.1f, .momentum = 0.9f, .nesterov = true, .weight_decay = 0.01f});
  check_thread_independence(tenet::sgd{.learning_rate = 0.1f, .momentum = 0.9f});
}

TEST_CASE("rmsprop updates match the formulas", "[optimizers]") {
  check_against_reference(tenet::rmsprop{});
  check_against_reference(tenet::rmsprop{.weight_decay = 0.05f});
  check_thread_independence(tenet::rmsprop{});
}

TEST_CASE("adam updates match the formulas", "[optimizers]") {
  check_against_reference(tenet::adam{});
  check_against_reference(tenet::adam{.weight_decay = 0.05f});
  check_thread_independence(tenet::adam{});
}
