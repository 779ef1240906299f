#pragma once
/// `depthwise_conv2d<kernel<KH, KW>, Options...>`: one filter per channel, with bias (Keras's
/// DepthwiseConv2D, depth multiplier 1).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "../detail/options.hpp"
#include "../diagnostics.hpp"
#include "../kernels/depthwise_conv2d.hpp"
#include "../layer_args.hpp"
#include "../parallel/execution.hpp"
#include "../shape.hpp"

namespace tenet {

/// Channel c of the output is channel c of the input convolved with its own `kernel<KH, KW>`
/// filter, plus bias c. Options as for conv2d, in any order: `same` or `valid` (default
/// `valid`) and `stride<S>` or `stride<SH, SW>` (default 1). Input (H, W, C), output
/// (OH, OW, C) with conv2d's sizes; weights (KH, KW, C, 1) in Keras order (the depth
/// multiplier last), then C biases. Followed by `conv2d<F, kernel<1, 1>>` it is the
/// depthwise-separable convolution of MobileNet.
///
/// Glorot's fans are the window's KH * KW both ways (each output reads KH * KW inputs, each
/// input feeds KH * KW outputs), as PyTorch counts a grouped convolution; Keras derives
/// them from the weight shape, KH * KW * C in, which shrinks the initial filters as channels
/// grow although no output reads more than one channel.
template <class KernelArg, class... Options>
struct depthwise_conv2d {
  using Kernel = std::conditional_t<detail::is_kernel_v<KernelArg>, KernelArg, kernel<1, 1>>;
  using stride_type = typename detail::find_stride<stride<1>, Options...>::type;
  static constexpr bool same_padding = detail::has_same_padding_v<Options...>;

  template <class In>
  static constexpr verdict check() {
    constexpr int options = detail::option_problem<true, Options...>();
    static_assert(detail::is_kernel_v<KernelArg>,
                  "tenet::depthwise_conv2d<Kernel, Options...>: the first argument must be a window such as "
                  "tenet::kernel<3, 3> (one filter per channel: there is no filter count). The layer is in the "
                  "'check_layer<...>' line above.");
    if constexpr (!detail::is_kernel_v<KernelArg>) return verdict::ok;
    else if constexpr (options == 1) return verdict::unknown_option;
    else if constexpr (options == 2) return verdict::conflicting_options;
    else if constexpr (Kernel::height == 0 || Kernel::width == 0) return verdict::zero_size;
    else if constexpr (stride_type::height == 0 || stride_type::width == 0) return verdict::zero_stride;
    else if constexpr (In::rank != 3) return verdict::needs_image_input;
    else if constexpr (!same_padding && (In::dims[0] < Kernel::height || In::dims[1] < Kernel::width))
      return verdict::kernel_larger_than_input;
    else return verdict::ok;
  }

  static std::string describe() {
    std::string text =
        "depthwise_conv2d " + std::to_string(Kernel::height) + "x" + std::to_string(Kernel::width) + (same_padding ? " same" : " valid");
    if (stride_type::height != 1 || stride_type::width != 1)
      text += " /" + std::to_string(stride_type::height) + "x" + std::to_string(stride_type::width);
    return text;
  }

  /// What a weight file's fingerprint records of this layer (io/fingerprint.hpp).
  static constexpr std::string_view fingerprint_name = "depthwise_conv2d";
  static constexpr std::array<std::uint64_t, 5> fingerprint_numbers = {Kernel::height, Kernel::width, stride_type::height,
                                                                       stride_type::width, same_padding};

  /// The layer bound to its input shape.
  template <class In>
  struct at {
    static constexpr std::size_t H = In::dims[0], W = In::dims[1], C = In::dims[2];
    static constexpr std::size_t KH = Kernel::height, KW = Kernel::width;
    static constexpr std::size_t SH = stride_type::height, SW = stride_type::width;
    static constexpr std::size_t OH = same_padding ? geometry::same_out(H, SH) : geometry::valid_out(H, KH, SH);
    static constexpr std::size_t OW = same_padding ? geometry::same_out(W, SW) : geometry::valid_out(W, KW, SW);
    static constexpr std::size_t pad_top = same_padding ? geometry::same_pad_before(H, KH, SH) : 0;
    static constexpr std::size_t pad_left = same_padding ? geometry::same_pad_before(W, KW, SW) : 0;

    using input_shape = In;
    using output_shape = shape<OH, OW, C>;
    using weight_shape = shape<KH, KW, C, 1>;
    using bias_shape = shape<C>;
    static constexpr std::size_t weight_count = weight_shape::size;
    static constexpr std::size_t bias_count = C;
    static constexpr std::size_t fan_in = KH * KW;
    static constexpr std::size_t fan_out = KH * KW;
    /// A multiply-add per tap of the full window at every output, counted as 2 (padding
    /// included, as conv2d and the frameworks count it).
    static constexpr std::size_t flops = 2 * OH * OW * KH * KW * C;
    using dims = kernels::static_depthwise_dims<H, W, C, KH, KW, SH, SW, OH, OW, pad_top, pad_left>;

    /// Output rows split across threads when the policy allows it, as conv2d splits them.
    template <class Arch>
    static void forward(const forward_args& a) {
      parallel::for_ranges(a.policy, OH, flops / OH, [&](std::size_t begin, std::size_t end) {
        kernels::depthwise_conv2d_forward<Arch>(dims{}, a.in, a.weights, a.biases, a.out, begin, end);
      });
    }

    /// Accumulates the weight and bias gradients; writes the input gradient when asked.
    template <class Arch>
    static void backward(const backward_args& a) {
      if (a.grad_in != nullptr) std::fill_n(a.grad_in, In::size, 0.0f);
      kernels::depthwise_conv2d_backward<Arch>(dims{}, a.in, a.weights, a.grad_out, a.grad_in, a.grad_weights, a.grad_biases);
    }
  };
};

}  // namespace tenet
