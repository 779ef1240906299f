#pragma once
/// `max_pool<P>` and `max_pool<P, stride<S>>`: the largest value of each window.

#include <algorithm>
#include <cstddef>
#include <string>

#include "../detail/options.hpp"
#include "../diagnostics.hpp"
#include "../kernels/pool.hpp"
#include "../parallel/execution.hpp"
#include "../shape.hpp"

namespace tenet {

/// Max pooling over P x P windows with stride P (or the given `stride<...>`), channel by
/// channel, without padding: out = floor((in - P) / stride) + 1.
template <std::size_t P, class... Options>
struct max_pool {
  using stride_type = typename detail::find_stride<stride<P>, Options...>::type;

  template <class In>
  static constexpr verdict check() {
    constexpr int options = detail::option_problem<false, Options...>();
    if constexpr (options == 1) return verdict::unknown_option;
    else if constexpr (options == 2) return verdict::conflicting_options;
    else if constexpr (P == 0) return verdict::zero_size;
    else if constexpr (stride_type::height == 0 || stride_type::width == 0) return verdict::zero_stride;
    else if constexpr (In::rank != 3) return verdict::needs_image_input;
    else if constexpr (In::dims[0] < P || In::dims[1] < P) return verdict::window_larger_than_input;
    else return verdict::ok;
  }

  static std::string describe() {
    std::string text = "max_pool " + std::to_string(P) + "x" + std::to_string(P);
    if (stride_type::height != P || stride_type::width != P)
      text += " /" + std::to_string(stride_type::height) + "x" + std::to_string(stride_type::width);
    return text;
  }

  template <class In>
  struct at {
    static constexpr std::size_t H = In::dims[0], W = In::dims[1], C = In::dims[2];
    static constexpr std::size_t SH = stride_type::height, SW = stride_type::width;
    static constexpr std::size_t OH = geometry::valid_out(H, P, SH), OW = geometry::valid_out(W, P, SW);

    using input_shape = In;
    using output_shape = shape<OH, OW, C>;
    static constexpr std::size_t weight_count = 0, bias_count = 0;
    static constexpr std::size_t flops = 0;
    using dims = kernels::static_pool_dims<H, W, C, P, P, SH, SW, OH, OW>;

    template <class Arch>
    static void forward(const float*, const float*, const float* in, float* out, parallel::policy) {
      kernels::max_pool_forward<Arch>(dims{}, in, out, 0, OH);
    }

    /// Routes each output's gradient to the input that was its window's maximum.
    template <class Arch>
    static void backward(const float*, const float* in, const float* out, const float* grad_out, float* grad_in, float*,
                         float*, const float*) {
      if (grad_in == nullptr) return;
      std::fill_n(grad_in, In::size, 0.0f);
      kernels::max_pool_backward<Arch>(dims{}, in, out, grad_out, grad_in);
    }

    /// The backward passes of this pooling and of the ReLU before it in one (training, when
    /// the windows do not overlap): `in` is the ReLU's output, `grad_in` receives the
    /// gradient at the ReLU's input. Same bits as the two backward passes.
    template <class Arch>
      requires(kernels::pool_windows_disjoint(dims{}))
    static void backward_through_relu(const float* in, const float* out, const float* grad_out, float* grad_in) {
      kernels::max_pool_relu_backward<Arch>(dims{}, in, out, grad_out, grad_in);
    }
  };
};

}  // namespace tenet
