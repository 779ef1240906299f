#pragma once
/// The geometry of a pooling layer (max or average), at compile time or at run time: the
/// kernels take either, so each layer gets code for its exact sizes and the tests and
/// benchmarks can run the same code with run-time sizes.

#include <cstddef>

namespace tenet::kernels {

/// Pooling geometry known at compile time.
template <std::size_t H, std::size_t W, std::size_t C, std::size_t PH, std::size_t PW, std::size_t SH, std::size_t SW, std::size_t OH,
          std::size_t OW>
struct static_pool_dims {
  static constexpr std::size_t in_height = H, in_width = W, channels = C;
  static constexpr std::size_t window_height = PH, window_width = PW;
  static constexpr std::size_t stride_height = SH, stride_width = SW;
  static constexpr std::size_t out_height = OH, out_width = OW;
};

/// The same geometry at run time.
struct pool_dims {
  std::size_t in_height, in_width, channels;
  std::size_t window_height, window_width;
  std::size_t stride_height, stride_width;
  std::size_t out_height, out_width;
};

}  // namespace tenet::kernels
