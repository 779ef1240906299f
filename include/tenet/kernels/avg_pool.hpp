#pragma once
/// Average pooling, channels last, `valid` windows: each output is the mean of its window.

#include <cstddef>

#include "../config.hpp"
#include "arch.hpp"
#include "pool_dims.hpp"

namespace tenet::kernels {

namespace detail {

/// The window's sum of channels [c, c + lanes of Arch), in window order (row by row, then
/// pixel by pixel): the order the scalar path and the reference use too.
template <class Arch, class Dims>
TENET_ALWAYS_INLINE simd::vfloat<Arch> window_sum(const Dims& d, const float* TENET_RESTRICT window, std::size_t c) {
  simd::vfloat<Arch> sum = simd::load<Arch>(window + c);
  for (std::size_t ph = 0; ph < d.window_height; ++ph)
    for (std::size_t pw = ph == 0 ? 1 : 0; pw < d.window_width; ++pw)
      sum += simd::load<Arch>(window + (ph * d.in_width + pw) * d.channels + c);
  return sum;
}

template <class Dims>
TENET_ALWAYS_INLINE float window_sum_scalar(const Dims& d, const float* TENET_RESTRICT window, std::size_t c) {
  float sum = window[c];
  for (std::size_t ph = 0; ph < d.window_height; ++ph)
    for (std::size_t pw = ph == 0 ? 1 : 0; pw < d.window_width; ++pw) sum += window[(ph * d.in_width + pw) * d.channels + c];
  return sum;
}

}  // namespace detail

/// 1 / (window pixels): outputs are sums times this, and each input's gradient share is
/// the output gradient times this.
template <class Dims>
constexpr float avg_pool_scale(const Dims& d) {
  return 1.0f / static_cast<float>(d.window_height * d.window_width);
}

/// Output rows [row_begin, row_end) of an average pooling. `in` is [H][W][C], `out`
/// [OH][OW][C]. Vectorized over channels; a ragged last register recomputes a few channels
/// (same values).
template <class Arch, class Dims>
void avg_pool_forward(const Dims& d, const float* TENET_RESTRICT in, float* TENET_RESTRICT out, std::size_t row_begin,
                      std::size_t row_end) {
  constexpr std::size_t L = simd::lanes<Arch>;
  const float scale = avg_pool_scale(d);
  for (std::size_t oh = row_begin; oh < row_end; ++oh) {
    for (std::size_t ow = 0; ow < d.out_width; ++ow) {
      const float* window = in + (oh * d.stride_height * d.in_width + ow * d.stride_width) * d.channels;
      float* o = out + (oh * d.out_width + ow) * d.channels;
      if (d.channels >= L) {
        std::size_t c = 0;
        for (; c + L <= d.channels; c += L) simd::store<Arch>(o + c, detail::window_sum<Arch>(d, window, c) * scale);
        if (c < d.channels) {
          c = d.channels - L;  // overlapping tail, same values
          simd::store<Arch>(o + c, detail::window_sum<Arch>(d, window, c) * scale);
        }
      } else {
        for (std::size_t c = 0; c < d.channels; ++c) o[c] = detail::window_sum_scalar(d, window, c) * scale;
      }
    }
  }
}

/// Adds each output's gradient, times avg_pool_scale, to every input of its window
/// (`grad_in` [H][W][C] must hold zeros or a gradient to add to; overlapping windows add up).
template <class Arch, class Dims>
void avg_pool_backward(const Dims& d, const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  const float scale = avg_pool_scale(d);
  for (std::size_t oh = 0; oh < d.out_height; ++oh) {
    for (std::size_t ow = 0; ow < d.out_width; ++ow) {
      float* window = grad_in + (oh * d.stride_height * d.in_width + ow * d.stride_width) * d.channels;
      const float* g = grad_out + (oh * d.out_width + ow) * d.channels;
      std::size_t c = 0;
      for (; c + L <= d.channels; c += L) {  // no overlapping tail here: it would add twice
        const V share = simd::load<Arch>(g + c) * scale;
        for (std::size_t ph = 0; ph < d.window_height; ++ph)
          for (std::size_t pw = 0; pw < d.window_width; ++pw) {
            float* at = window + (ph * d.in_width + pw) * d.channels + c;
            simd::store<Arch>(at, simd::load<Arch>(at) + share);
          }
      }
      for (; c < d.channels; ++c) {
        const float share = g[c] * scale;
        for (std::size_t ph = 0; ph < d.window_height; ++ph)
          for (std::size_t pw = 0; pw < d.window_width; ++pw) window[(ph * d.in_width + pw) * d.channels + c] += share;
      }
    }
  }
}

}  // namespace tenet::kernels
