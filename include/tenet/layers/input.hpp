#pragma once
/// `input<H, W, C>` or `input<N>`: the first element of every network, naming the shape of
/// one example.

#include <cstddef>

#include "../shape.hpp"

namespace tenet {

/// The shape of one example: an image (height, width, channels: channels last) or a vector.
template <std::size_t... Dims>
struct input {
  using shape_type = shape<Dims...>;
};

template <class T>
inline constexpr bool is_input_v = false;
template <std::size_t... Dims>
inline constexpr bool is_input_v<input<Dims...>> = (sizeof...(Dims) == 1 || sizeof...(Dims) == 3) && ((Dims != 0) && ...);

}  // namespace tenet
