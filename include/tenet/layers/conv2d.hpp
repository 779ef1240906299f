#pragma once
/// `conv2d<Filters, kernel<KH, KW>, Options...>`: 2-D convolution with bias.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "../config.hpp"
#include "../detail/options.hpp"
#include "../diagnostics.hpp"
#include "../kernels/conv2d.hpp"
#include "../kernels/fused.hpp"
#include "../layer_args.hpp"
#include "../parallel/execution.hpp"
#include "../plan/fusion.hpp"
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
    std::string text = "conv2d " + std::to_string(Filters) + "@" + std::to_string(Kernel::height) + "x" + std::to_string(Kernel::width) +
                       (same_padding ? " same" : " valid");
    if (stride_type::height != 1 || stride_type::width != 1)
      text += " /" + std::to_string(stride_type::height) + "x" + std::to_string(stride_type::width);
    return text;
  }

  /// What a weight file's fingerprint records of this layer (io/fingerprint.hpp).
  static constexpr std::string_view fingerprint_name = "conv2d";
  static constexpr std::array<std::uint64_t, 6> fingerprint_numbers = {
      Filters, Kernel::height, Kernel::width, stride_type::height, stride_type::width, same_padding};

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

    /// Output rows split across threads when the policy allows it.
    /// The architecture this layer's kernels run at for `Arch` (kernels::conv2d_arch).
    template <class Arch>
    using kernel_arch = kernels::conv2d_arch<Arch, dims>;

    template <class Arch>
    static void forward(const forward_args& a) {
      run<kernel_arch<Arch>>(a, false);
    }

    /// A strip of pooling-window-height output rows, which the fused convolution + ReLU +
    /// max pooling keeps on the stack between the convolution and the pooling.
    static constexpr std::size_t max_pool_strip_floats = 8192;

    /// What this layer runs in its own pass after its output: the ReLU after it (inference
    /// and training: the ReLU's output is all the backward passes need, as this layer's
    /// backward reads no output), or that ReLU and a max pooling after it, when the pooling
    /// windows do not overlap vertically and its strip fits max_pool_strip_floats
    /// (inference only: training keeps the ReLU's output).
    template <plan::pass Pass, class Arch, class... Next>
    static constexpr bool absorbs_forward() {
      using roles = std::array<fusion_role, sizeof...(Next)>;
      constexpr roles next = {plan::role_of<Next>...};
      if constexpr (sizeof...(Next) == 1) {
        return next[0] == fusion_role::relu;
      } else if constexpr (sizeof...(Next) == 2 && Pass == plan::pass::inference) {
        using Pool = std::tuple_element_t<1, std::tuple<Next...>>;
        if constexpr (next[0] == fusion_role::relu && next[1] == fusion_role::max_pool)
          return kernels::fusable_conv2d_max_pool(dims{}, typename Pool::dims{}) &&
                 kernels::conv2d_max_pool_strip(dims{}, typename Pool::dims{}) <= max_pool_strip_floats;
        else return false;
      } else {
        return false;
      }
    }

    /// This layer and the layers Next... (see absorbs_forward) in one pass; the bits of the
    /// layers run one by one. Threads split the output rows (the pooled rows when pooling).
    template <class Arch, class... Next>
    static void forward_absorbing(const forward_args& a) {
      if constexpr (sizeof...(Next) == 1) run<kernel_arch<Arch>>(a, true);
      else run_relu_max_pool<kernel_arch<Arch>, typename std::tuple_element_t<1, std::tuple<Next...>>::dims>(a);
    }

    /// Floats of scratch the backward pass needs (the weights as the input gradient reads them).
    template <class Arch>
    static constexpr std::size_t scratch_count = kernels::conv2d_backward_scratch<kernel_arch<Arch>>(dims{});

    /// Accumulates the weight and bias gradients; writes the input gradient when asked.
    template <class Arch>
    static void backward(const backward_args& a) {
      if (a.grad_in != nullptr) std::fill_n(a.grad_in, In::size, 0.0f);
      kernels::conv2d_backward<kernel_arch<Arch>>(dims{}, a.in, a.weights, a.grad_out, a.grad_in, a.grad_weights, a.grad_biases, a.scratch,
                                                  a.prepared);
    }

    /// Training: what the input gradient reads of the weights (transposed, or transformed
    /// for Winograd), written into the scratch once for a group of examples, since the weights
    /// do not change within a batch; backward then runs `prepared`. Single-channel layers
    /// have none: their scratch holds other copies.
    template <class Arch>
      requires(!kernels::conv2d_single_channel_backward(dims{}))
    static void prepare_backward(const float* weights, float* scratch) {
      kernels::conv2d_transpose_weights<kernel_arch<Arch>>(dims{}, weights, scratch);
    }

   private:
    template <class Arch>
    static void run(const forward_args& a, bool relu) {
      if constexpr (kernels::winograd_applies<Arch>(dims{})) {
        // Winograd (kernels/winograd.hpp): the weights transformed once, before the threads
        // split the pairs of rows its 2x2 blocks cover.
        kernels::with_winograd_weights<Arch>(dims{}, a.weights, [&](const float* u) {
          parallel::for_ranges(a.policy, (OH + 1) / 2, flops / OH * 2, [&](std::size_t begin, std::size_t end) {
            const std::size_t row_begin = 2 * begin, row_end = std::min(2 * end, OH);
            kernels::conv2d_winograd_rows<Arch>(dims{}, a.in, u, a.biases, a.out + row_begin * OW * Filters, row_begin, row_end, relu);
          });
        });
      } else {
        parallel::for_ranges(a.policy, OH, flops / OH, [&](std::size_t begin, std::size_t end) {
          kernels::conv2d_forward<Arch>(dims{}, a.in, a.weights, a.biases, a.out, begin, end, relu);
        });
      }
    }

    template <class Arch, class PoolDims>
    static void run_relu_max_pool(const forward_args& a) {
      constexpr std::size_t strip_floats = kernels::conv2d_max_pool_strip(dims{}, PoolDims{});
      constexpr std::size_t row_flops = flops / OH * PoolDims::window_height;
      if constexpr (kernels::winograd_applies<Arch>(dims{})) {  // the weights transformed once for all threads
        kernels::with_winograd_weights<Arch>(dims{}, a.weights, [&](const float* u) {
          parallel::for_ranges(a.policy, PoolDims::out_height, row_flops, [&](std::size_t begin, std::size_t end) {
            alignas(alignment) float strip[strip_floats];
            kernels::conv2d_winograd_relu_max_pool_from<Arch>(dims{}, PoolDims{}, a.in, u, a.biases, a.out, begin, end, strip);
          });
        });
      } else {
        parallel::for_ranges(a.policy, PoolDims::out_height, row_flops, [&](std::size_t begin, std::size_t end) {
          alignas(alignment) float strip[strip_floats];
          kernels::conv2d_relu_max_pool_forward<Arch>(dims{}, PoolDims{}, a.in, a.weights, a.biases, a.out, begin, end, strip);
        });
      }
    }
  };
};

}  // namespace tenet
