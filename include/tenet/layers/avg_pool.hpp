#pragma once
/// `avg_pool<P>` and `avg_pool<P, stride<S>>`: the mean of each window (Keras's
/// AveragePooling2D with `valid` padding).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../diagnostics.hpp"
#include "../kernels/avg_pool.hpp"
#include "../layer_args.hpp"
#include "../parallel/execution.hpp"
#include "../shape.hpp"
#include "pool_window.hpp"

namespace tenet {

/// Average pooling over P x P windows with stride P (or the given `stride<...>`), channel
/// by channel, without padding: out = floor((in - P) / stride) + 1, each output the mean of
/// the P * P inputs of its window.
template <std::size_t P, class... Options>
struct avg_pool {
  using window = detail::pool_window<P, Options...>;
  using stride_type = typename window::stride_type;

  template <class In>
  static constexpr verdict check() {
    return window::template check<In>();
  }

  static std::string describe() { return window::describe("avg_pool"); }

  /// What a weight file's fingerprint records of this layer (io/fingerprint.hpp).
  static constexpr std::string_view fingerprint_name = "avg_pool";
  static constexpr std::array<std::uint64_t, 3> fingerprint_numbers = {P, stride_type::height, stride_type::width};

  template <class In>
  struct at {
    using bound_window = typename window::template at<In>;
    using input_shape = In;
    using output_shape = typename bound_window::output_shape;
    using dims = typename bound_window::dims;
    static constexpr std::size_t weight_count = 0, bias_count = 0;
    /// An add per window input and a multiply per output.
    static constexpr std::size_t flops = output_shape::size * (P * P);

    template <class Arch>
    static void forward(const forward_args& a) {
      kernels::avg_pool_forward<Arch>(dims{}, a.in, a.out, 0, dims::out_height);
    }

    /// Each output's gradient, divided by P * P, goes to every input of its window.
    template <class Arch>
    static void backward(const backward_args& a) {
      if (a.grad_in == nullptr) return;
      std::fill_n(a.grad_in, In::size, 0.0f);
      kernels::avg_pool_backward<Arch>(dims{}, a.grad_out, a.grad_in);
    }
  };
};

}  // namespace tenet
