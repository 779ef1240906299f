#pragma once
/// Numerical gradient checks, public so that authors of custom layers can check theirs
/// (dlib's test_layer does the same job).
///
/// The analytic gradients of the backward pass are compared with central finite differences
/// (f(v + h) - f(v - h)) / 2h for every input value and every parameter.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../detail/aligned.hpp"
#include "../detail/random.hpp"
#include "../layers/expect.hpp"
#include "../layers/input.hpp"
#include "../network.hpp"
#include "../tensor.hpp"
#include "../train/backprop.hpp"
#include "../train/loss.hpp"

namespace tenet::testing {

/// How close analytic and numeric gradients must be: a value passes when it is within
/// `relative` of the larger magnitude, or within `absolute` (for gradients near zero, where
/// float32 finite differences are mostly rounding noise).
struct gradient_tolerance {
  double relative = 1e-2;
  double absolute = 1e-3;
};

/// The outcome of a check: how many values failed, and the worst one.
struct gradient_report {
  std::size_t checked = 0;  // values compared
  std::size_t failures = 0;  // values outside the tolerance
  /// Values where the function is not smooth within the step (a relu input or a pooling
  /// tie within h/2 of the perturbed value): the one-sided differences disagree, so no
  /// derivative exists to compare with. They are skipped; a handful in a relu network is
  /// normal, many means the step is too large.
  std::size_t kinks = 0;
  double worst_excess = 0;  // min(rel / tol.relative, abs / tol.absolute) at the worst value; <= 1 passes
  std::string worst;  // "weight 12 of layer 1 (conv2d 2@3x3 same): analytic 0.31, numeric 0.30"

  bool passed() const { return failures == 0; }
};

namespace detail {

/// A probe loss: sum_i r_i * p_i for a fixed random r. Its gradient is r, which excites every
/// output of the network with a different weight.
template <class Out>
struct linear_probe {
  using target_type = Out;
  static double loss(const float* p, std::size_t n, const target_type& r) noexcept {
    double s = 0;  // double: summation error would otherwise swamp the finite differences
    for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(r[i]) * static_cast<double>(p[i]);
    return s;
  }
  static void gradient(const float*, std::size_t n, const target_type& r, float* g) noexcept {
    for (std::size_t i = 0; i < n; ++i) g[i] = r[i];
  }
  static bool correct(const float*, std::size_t, const target_type&) noexcept { return false; }
  static bool valid_target(std::size_t, const target_type&) noexcept { return true; }
};

template <class S>
struct input_for;
template <std::size_t... D>
struct input_for<shape<D...>> {
  using type = input<D...>;
};

/// The derivative of `f` at `value` by central differences with step h/2, and whether `f` is
/// smooth there: at a kink (relu at 0, a pooling tie) the one-sided differences disagree by
/// the jump in slope, whatever the step, while the central difference settles on their
/// average, which is no derivative at all. `set(v)` moves the variable; it is restored.
template <class Set, class F>
std::pair<double, bool> numeric_derivative(float value, float h, const gradient_tolerance& tol, Set&& set, F&& f) {
  const float s = h / 2;
  const double here = f();
  set(value + s);
  const double up = f();
  set(value - s);
  const double down = f();
  set(value);
  const double forward = (up - here) / static_cast<double>(s);
  const double backward = (here - down) / static_cast<double>(s);
  const double jump = std::abs(forward - backward);
  const bool smooth = jump <= tol.absolute || jump <= tol.relative * std::max(std::abs(forward), std::abs(backward));
  return {(up - down) / (2.0 * static_cast<double>(s)), smooth};
}

inline void compare(gradient_report& report, const gradient_tolerance& tol, double analytic, double numeric, const std::string& what) {
  const double abs_error = std::abs(analytic - numeric);
  const double rel_error = abs_error / std::max({std::abs(analytic), std::abs(numeric), 1e-12});
  const double excess = std::min(rel_error / tol.relative, abs_error / tol.absolute);
  ++report.checked;
  if (excess > 1.0) ++report.failures;
  if (excess >= report.worst_excess) {
    report.worst_excess = excess;
    report.worst = what + ": analytic " + std::to_string(analytic) + ", numeric " + std::to_string(numeric);
  }
}

}  // namespace detail

/// Checks the gradients of a whole network for one example and a loss (the network's
/// parameters as they are; a fixed dropout mask). `step` is the finite-difference step h.
template <class Net, class Loss = cross_entropy>
gradient_report check_network_gradients(
    Net& net, const tensor<float, typename Net::input_shape>& x,
    const typename tenet::detail::resolve_loss<Loss, tensor<float, typename Net::output_shape>>::type::target_type& target,
    gradient_tolerance tol = {}, float step = 4e-3f) {
  using loss_type = typename tenet::detail::resolve_loss<Loss, tensor<float, typename Net::output_shape>>::type;
  using pass = tenet::detail::backprop<Net, loss_type>;
  constexpr std::uint64_t noise = 12345;
  tenet::detail::aligned_floats ws(pass::layout::workspace_floats), grad(Net::storage_size), input_grad_ws(pass::layout::workspace_floats);
  float* params = net.parameter_storage().data();

  auto loss_at = [&](const float* input) {
    pass::forward(params, input, ws.data(), true, noise);
    return static_cast<double>(pass::score(ws.data(), target).loss);
  };

  // Analytic parameter gradients.
  pass::forward(params, x.data(), ws.data(), true, noise);
  pass::backward(params, x.data(), target, ws.data(), grad.data());

  gradient_report report;
  // Parameters, layer by layer.
  net.for_each_layer([&](auto view) {
    constexpr std::size_t I = decltype(view)::index;
    auto check_block = [&](std::size_t offset, std::size_t count, const char* kind) {
      for (std::size_t k = 0; k < count; ++k) {
        float& p = params[offset + k];
        const auto [numeric, smooth] = detail::numeric_derivative(
            p, step, tol, [&](float v) { p = v; }, [&] { return loss_at(x.data()); });
        if (!smooth) {
          ++report.kinks;
          continue;
        }
        detail::compare(report, tol, grad.data()[offset + k], numeric,
                        std::string(kind) + " " + std::to_string(k) + " of " + decltype(view)::name());
      }
    };
    check_block(Net::weight_offset(I), decltype(view)::weight_count, "weight");
    check_block(Net::bias_offset(I), decltype(view)::bias_count, "bias");
  });

  // The first layer never computes an input gradient (nothing consumes it), so inputs are
  // checked per layer, by check_layer_gradients.
  return report;
}

/// Settings of check_layer_gradients.
struct layer_check_options {
  gradient_tolerance tolerance{};
  std::uint64_t seed = 1;
  /// Finite-difference step h: values are moved by +-h/2.
  float step = 4e-3f;
  /// Range of the random inputs. Keep it away from kinks (e.g. (0.05, 1) for relu).
  float input_low = -1.0f, input_high = 1.0f;
  /// Evenly spaced inputs in random order instead of independent draws: no two values closer
  /// than (high - low) / size, so a finite-difference step cannot swap a pooling window's
  /// maximum (use for max_pool, with step well below that spacing).
  bool distinct_inputs = false;
};

/// Checks one layer `L` on input shape `In` with random input, parameters and output probe:
/// both the parameter gradients and the input gradient.
template <class L, class In>
gradient_report check_layer_gradients(const layer_check_options& options = {}) {
  const gradient_tolerance tol = options.tolerance;
  const float step = options.step;
  // The layer under test sits after an identity-like first layer (flatten of the same shape
  // would change the rank, so use `expect<In>`), which makes it layer 1 and gives it an input
  // gradient to compute.
  using net_t = network<typename detail::input_for<In>::type, expect<In>, L>;
  using out_t = tensor<float, typename net_t::output_shape>;
  using probe = detail::linear_probe<out_t>;
  using pass = tenet::detail::backprop<net_t, probe>;

  net_t net;
  tenet::detail::random_generator rng(options.seed);
  for (float& p : net.parameter_storage()) p = rng.uniform(-1.0f, 1.0f);
  tensor<float, In> x;
  if (options.distinct_inputs) {
    for (std::size_t k = 0; k < In::size; ++k)
      x[k] = options.input_low + (options.input_high - options.input_low) * (static_cast<float>(k) + 0.5f) / static_cast<float>(In::size);
    for (std::size_t k = In::size - 1; k > 0; --k) std::swap(x[k], x[rng.below(k + 1)]);
  } else {
    for (float& v : x) v = rng.uniform(options.input_low, options.input_high);
  }
  out_t r;
  for (float& v : r) v = rng.uniform(-1.0f, 1.0f);

  gradient_report report = check_network_gradients<net_t, probe>(net, x, r, tol, step);

  // Input gradient: the backward pass of layer 1 writes it into the gradient buffer that
  // layer 0 (expect, the identity) reads as grad_out; recompute it here explicitly.
  tenet::detail::aligned_floats ws(pass::layout::workspace_floats), grad(net_t::storage_size);
  float* params = net.parameter_storage().data();
  constexpr std::uint64_t noise = 12345;
  pass::forward(params, x.data(), ws.data(), true, noise);
  std::vector<float> grad_out(out_t::size()), grad_in(In::size);
  probe::gradient(nullptr, out_t::size(), r, grad_out.data());
  using B = typename net_t::template bound_layer<1>;
  constexpr auto& table = pass::layout::table;
  backward_args a{};
  a.weights = params + net_t::weight_offset(1);
  a.in = ws.data() + table.output[0];
  a.out = ws.data() + table.output[1];
  a.grad_out = grad_out.data();
  a.grad_in = grad_in.data();
  a.grad_weights = grad.data() + net_t::weight_offset(1);
  a.grad_biases = grad.data() + net_t::bias_offset(1);
  a.state = ws.data() + table.state[1];
  a.scratch = ws.data() + table.scratch[1];
  B::template backward<typename net_t::arch>(a);
  tensor<float, In> moved = x;
  for (std::size_t k = 0; k < In::size; ++k) {
    const auto [numeric, smooth] = detail::numeric_derivative(
        x[k], step, tol, [&](float v) { moved[k] = v; },
        [&] {
          pass::forward(params, moved.data(), ws.data(), true, noise);
          return static_cast<double>(pass::score(ws.data(), r).loss);
        });
    if (!smooth) {
      ++report.kinks;
      continue;
    }
    detail::compare(report, tol, grad_in[k], numeric, "input " + std::to_string(k) + " of " + L::describe());
  }
  return report;
}

}  // namespace tenet::testing
