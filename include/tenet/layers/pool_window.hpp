#pragma once
/// What every pooling layer shares: a P x P window, its stride (P unless a `stride<...>`
/// option says otherwise), the shapes it accepts and the output size, Keras's `valid` rule
/// (out = floor((in - P) / stride) + 1).

#include <cstddef>
#include <string>

#include "../detail/options.hpp"
#include "../diagnostics.hpp"
#include "../kernels/pool_dims.hpp"
#include "../shape.hpp"

namespace tenet::detail {

template <std::size_t P, class... Options>
struct pool_window {
  using stride_type = typename find_stride<stride<P>, Options...>::type;

  /// The rule a pooling layer's options or input break, or ok.
  template <class In>
  static constexpr verdict check() {
    constexpr int options = option_problem<false, Options...>();
    if constexpr (options == 1) return verdict::unknown_option;
    else if constexpr (options == 2) return verdict::conflicting_options;
    else if constexpr (P == 0) return verdict::zero_size;
    else if constexpr (stride_type::height == 0 || stride_type::width == 0) return verdict::zero_stride;
    else if constexpr (In::rank != 3) return verdict::needs_image_input;
    else if constexpr (In::dims[0] < P || In::dims[1] < P) return verdict::window_larger_than_input;
    else return verdict::ok;
  }

  /// "name PxP", and " /SHxSW" when the stride is not the window.
  static std::string describe(const std::string& name) {
    std::string text = name + " " + std::to_string(P) + "x" + std::to_string(P);
    if (stride_type::height != P || stride_type::width != P)
      text += " /" + std::to_string(stride_type::height) + "x" + std::to_string(stride_type::width);
    return text;
  }

  /// The window bound to input shape In (only for shapes check() accepts).
  template <class In>
  struct at {
    static constexpr std::size_t H = In::dims[0], W = In::dims[1], C = In::dims[2];
    static constexpr std::size_t SH = stride_type::height, SW = stride_type::width;
    static constexpr std::size_t OH = geometry::valid_out(H, P, SH), OW = geometry::valid_out(W, P, SW);
    using output_shape = shape<OH, OW, C>;
    using dims = kernels::static_pool_dims<H, W, C, P, P, SH, SW, OH, OW>;
  };
};

}  // namespace tenet::detail
