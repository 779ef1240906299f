#pragma once
/// `conv2d<Filters, kernel<KH, KW>, Options...>`: 2-D convolution with bias.

#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>

#include "../detail/options.hpp"
#include "../diagnostics.hpp"
#include "../kernels/conv2d.hpp"
#include "../kernels/fused.hpp"
#include "../parallel/execution.hpp"
#include "../shape.hpp"

namespace tenet {

/// A convolution with `Filters` output channels and a `kernel<KH, KW>` window.
/// Options, in any order: `same` or `valid` (default `valid`, as in Keras) and `stride<S>` or
/// `stride<SH, SW>` (default 1). Input (H, W, C), output (OH, OW, Filters); weights
/// (KH, KW, C, Filters) in Keras order, then `Filters` biases.
template <std::size_t Filters, class KernelArg, class... Options>
struct conv2d {
  // A stand-in window when the argument is not a kernel<>, so that check() can report the
  // mistake once (verdict::kernel_expected) instead of failing on every use of its sizes.
  using Kernel = std::conditional_t<detail::is_kernel_v<KernelArg>, KernelArg, kernel<1, 1>>;
  using stride_type = typename detail::find_stride<stride<1>, Options...>::type;
  static constexpr bool same_padding = detail::has_same_padding_v<Options...>;

  template <class In>
  static constexpr verdict check() {
    constexpr int options = detail::option_problem<true, Options...>();
    if constexpr (!detail::is_kernel_v<KernelArg>) return verdict::kernel_expected;
    else if constexpr (options == 1) return verdict::unknown_option;
    else if constexpr (options == 2) return verdict::conflicting_options;
    else if constexpr (Filters == 0 || Kernel::height == 0 || Kernel::width == 0) return verdict::zero_size;
    else if constexpr (stride_type::height == 0 || stride_type::width == 0) return verdict::zero_stride;
    else if constexpr (In::rank != 3) return verdict::needs_image_input;
    else if constexpr (!same_padding && (In::dims[0] < Kernel::height || In::dims[1] < Kernel::width))
      return verdict::kernel_larger_than_input;
    else return verdict::ok;
  }

  static std::string describe() {
    std::string text = "conv2d " + std::to_string(Filters) + "@" + std::to_string(Kernel::height) + "x" +
                       std::to_string(Kernel::width) + (same_padding ? " same" : " valid");
    if (stride_type::height != 1 || stride_type::width != 1)
      text += " /" + std::to_string(stride_type::height) + "x" + std::to_string(stride_type::width);
    return text;
  }

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
    using output_shape = shape<OH, OW, Filters>;
    using weight_shape = shape<KH, KW, C, Filters>;
    using bias_shape = shape<Filters>;
    static constexpr std::size_t weight_count = weight_shape::size;
    static constexpr std::size_t bias_count = Filters;
    static constexpr std::size_t fan_in = KH * KW * C;
    static constexpr std::size_t fan_out = KH * KW * Filters;
    /// Multiply-adds of the full window at every output, counted as 2 (padding included, as
    /// frameworks count it).
    static constexpr std::size_t flops = 2 * OH * OW * KH * KW * C * Filters;
    using dims = kernels::static_conv2d_dims<H, W, C, Filters, KH, KW, SH, SW, OH, OW, pad_top, pad_left>;

    /// Output rows split across threads when the policy allows it; with `relu`, max(out, 0).
    template <class Arch>
    static void forward(const float* weights, const float* biases, const float* in, float* out, parallel::policy p,
                        bool relu = false) {
      if constexpr (kernels::winograd_applies<Arch>(dims{})) {
        // Winograd (kernels/winograd.hpp): the weights transformed once, before the threads
        // split the pairs of rows its 2x2 blocks cover.
        kernels::with_winograd_weights<Arch>(dims{}, weights, [&](const float* u) {
          parallel::for_ranges(p, (OH + 1) / 2, flops / OH * 2, [&](std::size_t begin, std::size_t end) {
            const std::size_t row_begin = 2 * begin, row_end = std::min(2 * end, OH);
            kernels::conv2d_winograd_rows<Arch>(dims{}, in, u, biases, out + row_begin * OW * Filters, row_begin,
                                                row_end, relu);
          });
        });
      } else {
        parallel::for_ranges(p, OH, flops / OH, [&](std::size_t begin, std::size_t end) {
          kernels::conv2d_forward<Arch>(dims{}, in, weights, biases, out, begin, end, relu);
        });
      }
    }

    /// forward followed by a ReLU, in one pass over the output (inference, and training,
    /// where the ReLU's output is all the backward passes need: backward reads no output).
    template <class Arch>
    static void forward_relu(const float* weights, const float* biases, const float* in, float* out,
                             parallel::policy p) {
      forward<Arch>(weights, biases, in, out, p, true);
    }

    /// forward, ReLU and the max pooling bound as `Pool` in one pass (inference), when the
    /// pooling windows do not overlap vertically and a strip of window-height output rows
    /// fits in 32 KiB on the stack (kernels/fused.hpp). Threads split the pooled rows.
    template <class Arch, class Pool>
      requires(kernels::fusable_conv2d_max_pool(dims{}, typename Pool::dims{}) &&
               kernels::conv2d_max_pool_strip(dims{}, typename Pool::dims{}) <= 8192)
    static void forward_relu_pool(const float* weights, const float* biases, const float* in, float* out,
                                  parallel::policy p) {
      using pool_dims = typename Pool::dims;
      constexpr std::size_t strip_floats = kernels::conv2d_max_pool_strip(dims{}, pool_dims{});
      constexpr std::size_t row_flops = flops / OH * pool_dims::window_height;
      if constexpr (kernels::winograd_applies<Arch>(dims{})) {  // the weights transformed once for all threads
        kernels::with_winograd_weights<Arch>(dims{}, weights, [&](const float* u) {
          parallel::for_ranges(p, pool_dims::out_height, row_flops, [&](std::size_t begin, std::size_t end) {
            alignas(64) float strip[strip_floats];
            kernels::conv2d_winograd_relu_max_pool_from<Arch>(dims{}, pool_dims{}, in, u, biases, out, begin, end,
                                                              strip);
          });
        });
      } else {
        parallel::for_ranges(p, pool_dims::out_height, row_flops, [&](std::size_t begin, std::size_t end) {
          alignas(64) float strip[strip_floats];
          kernels::conv2d_relu_max_pool_forward<Arch>(dims{}, pool_dims{}, in, weights, biases, out, begin, end,
                                                      strip);
        });
      }
    }

    /// Scratch for the backward pass (the weights, transposed).
    static constexpr std::size_t scratch_count = kernels::conv2d_backward_scratch<simd::default_arch>(dims{});

    /// Accumulates the weight and bias gradients; writes the input gradient when asked.
    template <class Arch>
    static void backward(const float* weights, const float* in, const float* /*out*/, const float* grad_out,
                         float* grad_in, float* grad_weights, float* grad_biases, float* scratch) {
      if (grad_in != nullptr) std::fill_n(grad_in, In::size, 0.0f);
      kernels::conv2d_backward<Arch>(dims{}, in, weights, grad_out, grad_in, grad_weights, grad_biases, scratch);
    }

    /// Training: the transposed weights the input gradient reads, written into the scratch
    /// once for a group of examples (the weights do not change within a batch), and the
    /// backward pass that uses them; the same bits as backward. (LeNet-5's second layer spent
    /// 1.0-1.5 of its 11-12 us transposing its weights for every example.)
    template <class Arch>
      requires(!kernels::conv2d_single_channel_backward(dims{}))
    static void prepare_backward(const float* weights, float* scratch) {
      kernels::conv2d_transpose_weights<Arch>(dims{}, weights, scratch);
    }
    template <class Arch>
      requires(!kernels::conv2d_single_channel_backward(dims{}))
    static void backward_prepared(const float* weights, const float* in, const float* /*out*/, const float* grad_out,
                                  float* grad_in, float* grad_weights, float* grad_biases, float* scratch) {
      if (grad_in != nullptr) std::fill_n(grad_in, In::size, 0.0f);
      kernels::conv2d_backward<Arch>(dims{}, in, weights, grad_out, grad_in, grad_weights, grad_biases, scratch, true);
    }
  };
};

}  // namespace tenet
