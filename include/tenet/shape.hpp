#pragma once
/// Shapes and the compile-time arithmetic of layer geometry.
///
/// A shape is a type: `shape<28, 28, 1>` is height 28, width 28, one channel (channels last,
/// as in Keras). Everything a network knows about sizes flows through these types, so the
/// numbers show up verbatim in compiler diagnostics.

#include <array>
#include <cstddef>
#include <string>

namespace tenet {

/// The dimensions of a tensor, outermost first. Rank 1 (`shape<10>`) or rank 3
/// (`shape<H, W, C>`) for the layers tenet ships.
template <std::size_t... Dims>
struct shape {
  static constexpr std::size_t rank = sizeof...(Dims);
  static constexpr std::size_t size = (std::size_t{1} * ... * Dims);
  static constexpr std::array<std::size_t, rank> dims{Dims...};
  /// True when no dimension is zero.
  static constexpr bool non_zero = ((Dims != 0) && ...);
};

/// Stands for "no shape": what the layer after a failed shape check receives, so that one
/// mistake produces one diagnostic instead of a cascade.
struct invalid_shape {
  static constexpr std::size_t rank = 0;
  static constexpr std::size_t size = 0;
  static constexpr bool non_zero = false;
};

/// A convolution window: `kernel<KH, KW>` (rows, columns).
template <std::size_t KH, std::size_t KW>
struct kernel {
  static constexpr std::size_t height = KH;
  static constexpr std::size_t width = KW;
};

/// Step between windows: `stride<S>` (both directions) or `stride<SH, SW>`.
template <std::size_t SH, std::size_t SW = SH>
struct stride {
  static constexpr std::size_t height = SH;
  static constexpr std::size_t width = SW;
};

/// Zero padding so that out = ceil(in / stride), the odd extra row or column going to the
/// bottom or right, exactly as TensorFlow pads.
struct same {};
/// No padding: out = floor((in - window) / stride) + 1. The default, as in Keras.
struct valid {};

template <class T>
inline constexpr bool is_shape_v = false;
template <std::size_t... D>
inline constexpr bool is_shape_v<shape<D...>> = true;

/// A shape type, e.g. `shape<28, 28, 1>`.
template <class T>
concept Shape = is_shape_v<T>;

/// Height, width and channels of a rank-3 shape.
template <class S>
  requires(S::rank == 3)
struct image_dims {
  static constexpr std::size_t height = S::dims[0];
  static constexpr std::size_t width = S::dims[1];
  static constexpr std::size_t channels = S::dims[2];
};

namespace geometry {

/// Output length of a window sliding over `in` with `valid` padding; 0 when it does not fit.
constexpr std::size_t valid_out(std::size_t in, std::size_t window, std::size_t step) { return in < window ? 0 : (in - window) / step + 1; }

/// Output length with `same` padding: ceil(in / step).
constexpr std::size_t same_out(std::size_t in, std::size_t step) { return (in + step - 1) / step; }

/// Total padding TensorFlow adds along one axis for `same`.
constexpr std::size_t same_pad_total(std::size_t in, std::size_t window, std::size_t step) {
  const std::size_t out = same_out(in, step);
  const std::size_t needed = (out - 1) * step + window;
  return needed > in ? needed - in : 0;
}

/// Padding before the data (top or left): the smaller half. The odd one goes after.
constexpr std::size_t same_pad_before(std::size_t in, std::size_t window, std::size_t step) { return same_pad_total(in, window, step) / 2; }

}  // namespace geometry

/// `"(28, 28, 1)"`, the way Keras prints a shape.
template <class S>
std::string to_string() {
  if constexpr (Shape<S>) {
    std::string text = "(";
    for (std::size_t i = 0; i < S::rank; ++i) {
      if (i != 0) text += ", ";
      text += std::to_string(S::dims[i]);
    }
    return text + ")";
  } else {
    return "(invalid)";
  }
}

}  // namespace tenet
