#pragma once
/// `global_avg_pool`: an image (H, W, C) becomes the vector (C) of its channels' means
/// (Keras's GlobalAveragePooling2D).

#include <cstddef>
#include <string>
#include <string_view>

#include "../diagnostics.hpp"
#include "../kernels/global_avg_pool.hpp"
#include "../layer_args.hpp"
#include "../shape.hpp"

namespace tenet {

/// The mean of each channel over all H * W pixels. Its output is a vector, so a `dense` may
/// follow it directly (no `flatten`).
struct global_avg_pool {
  template <class In>
  static constexpr verdict check() {
    if constexpr (In::rank != 3) return verdict::needs_image_input;
    else return verdict::ok;
  }

  static std::string describe() { return "global_avg_pool"; }

  /// What a weight file's fingerprint records of this layer (io/fingerprint.hpp): the name;
  /// its shapes say the rest.
  static constexpr std::string_view fingerprint_name = "global_avg_pool";

  template <class In>
  struct at {
    static constexpr std::size_t H = In::dims[0], W = In::dims[1], C = In::dims[2];
    using input_shape = In;
    using output_shape = shape<C>;
    using dims = kernels::static_global_pool_dims<H * W, C>;
    static constexpr std::size_t weight_count = 0, bias_count = 0;
    /// An add per input and a multiply per output (H * W - 1 adds and one multiply per channel).
    static constexpr std::size_t flops = In::size;

    /// A few thousand adds at most: never worth splitting across threads.
    template <class Arch>
    static void forward(const forward_args& a) {
      kernels::global_avg_pool_forward<Arch>(dims{}, a.in, a.out);
    }

    /// Every pixel of a channel gets that channel's gradient divided by H * W.
    template <class Arch>
    static void backward(const backward_args& a) {
      if (a.grad_in != nullptr) kernels::global_avg_pool_backward<Arch>(dims{}, a.grad_out, a.grad_in);
    }
  };
};

}  // namespace tenet
