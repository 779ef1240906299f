#pragma once
/// `max_pool<P>` and `max_pool<P, stride<S>>`: the largest value of each window.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../diagnostics.hpp"
#include "../kernels/pool.hpp"
#include "../layer_args.hpp"
#include "../parallel/execution.hpp"
#include "../plan/fusion.hpp"
#include "../shape.hpp"
#include "pool_window.hpp"

namespace tenet {

/// Max pooling over P x P windows with stride P (or the given `stride<...>`), channel by
/// channel, without padding: out = floor((in - P) / stride) + 1 (detail::pool_window).
template <std::size_t P, class... Options>
struct max_pool {
  using window = detail::pool_window<P, Options...>;
  using stride_type = typename window::stride_type;

  template <class In>
  static constexpr verdict check() {
    return window::template check<In>();
  }

  static std::string describe() { return window::describe("max_pool"); }

  /// What a weight file's fingerprint records of this layer (io/fingerprint.hpp).
  static constexpr std::string_view fingerprint_name = "max_pool";
  static constexpr std::array<std::uint64_t, 3> fingerprint_numbers = {P, stride_type::height, stride_type::width};

  template <class In>
  struct at {
    using bound_window = typename window::template at<In>;
    using input_shape = In;
    using output_shape = typename bound_window::output_shape;
    using dims = typename bound_window::dims;
    static constexpr std::size_t OH = bound_window::OH;
    static constexpr std::size_t weight_count = 0, bias_count = 0;
    static constexpr std::size_t flops = 0;

    /// Pooling is what a convolution before it may take into its own pass (plan/fusion.hpp).
    static constexpr fusion_role role = fusion_role::max_pool;

    template <class Arch>
    static void forward(const forward_args& a) {
      kernels::max_pool_forward<Arch>(dims{}, a.in, a.out, 0, OH);
    }

    /// Routes each output's gradient to the input that was its window's maximum.
    template <class Arch>
    static void backward(const backward_args& a) {
      if (a.grad_in == nullptr) return;
      std::fill_n(a.grad_in, In::size, 0.0f);
      kernels::max_pool_backward<Arch>(dims{}, a.in, a.out, a.grad_out, a.grad_in);
    }

    /// Training: the backward pass of a ReLU right before this pooling, done in this one's
    /// when the windows do not overlap (each input then has one window to look at).
    template <class Arch, class Prev>
    static constexpr bool absorbs_backward_of() {
      return plan::role_of<Prev> == fusion_role::relu && kernels::pool_windows_disjoint(dims{});
    }

    /// The backward passes of this pooling and of the ReLU before it in one: `in` is the
    /// ReLU's output, `grad_in` receives the gradient at the ReLU's input. Same bits as the
    /// two backward passes.
    template <class Arch, class Prev>
    static void backward_absorbing(const backward_args& a) {
      kernels::max_pool_relu_backward<Arch>(dims{}, a.in, a.out, a.grad_out, a.grad_in);
    }
  };
};

}  // namespace tenet
