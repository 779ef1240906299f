#pragma once
/// Global average pooling, channels last: each channel's mean over every pixel of the image.

#include <cstddef>

#include "../config.hpp"
#include "arch.hpp"

namespace tenet::kernels {

/// The geometry of a global average pooling at compile time: `pixels` = H * W of an
/// (H, W, C) image.
template <std::size_t Pixels, std::size_t C>
struct static_global_pool_dims {
  static constexpr std::size_t pixels = Pixels, channels = C;
};

/// The same geometry at run time.
struct global_pool_dims {
  std::size_t pixels, channels;
};

/// 1 / pixels: outputs are sums times this, and every pixel's gradient is the output's
/// gradient times this.
template <class Dims>
constexpr float global_avg_pool_scale(const Dims& d) {
  return 1.0f / static_cast<float>(d.pixels);
}

namespace detail {

/// Channels [c, c + Blocks * lanes) summed over every pixel, in pixel order, then scaled:
/// `Blocks` independent sums so that the adds of one block do not wait on each other's.
/// A channel's value is the same whichever block or path computes it (same adds, same order).
template <class Arch, std::size_t Blocks, class Dims>
TENET_ALWAYS_INLINE void global_mean_blocks(const Dims& d, const float* TENET_RESTRICT in, float* TENET_RESTRICT out, std::size_t c,
                                            float scale) {
  constexpr std::size_t L = simd::lanes<Arch>;
  simd::vfloat<Arch> sum[Blocks];
  for (std::size_t b = 0; b < Blocks; ++b) sum[b] = simd::load<Arch>(in + c + b * L);
  for (std::size_t p = 1; p < d.pixels; ++p)
    for (std::size_t b = 0; b < Blocks; ++b) sum[b] += simd::load<Arch>(in + p * d.channels + c + b * L);
  for (std::size_t b = 0; b < Blocks; ++b) simd::store<Arch>(out + c + b * L, sum[b] * scale);
}

}  // namespace detail

/// `out[c]` = the mean of channel c of `in` ([pixels][channels]). Vectorized over channels,
/// four registers at a time; a ragged last register recomputes a few channels (same values);
/// fewer channels than lanes are summed one by one, in the same order.
template <class Arch, class Dims>
void global_avg_pool_forward(const Dims& d, const float* TENET_RESTRICT in, float* TENET_RESTRICT out) {
  constexpr std::size_t L = simd::lanes<Arch>;
  const float scale = global_avg_pool_scale(d);
  if (d.channels < L) {
    for (std::size_t c = 0; c < d.channels; ++c) {
      float sum = in[c];
      for (std::size_t p = 1; p < d.pixels; ++p) sum += in[p * d.channels + c];
      out[c] = sum * scale;
    }
    return;
  }
  std::size_t c = 0;
  for (; c + 4 * L <= d.channels; c += 4 * L) detail::global_mean_blocks<Arch, 4>(d, in, out, c, scale);
  for (; c + L <= d.channels; c += L) detail::global_mean_blocks<Arch, 1>(d, in, out, c, scale);
  if (c < d.channels) detail::global_mean_blocks<Arch, 1>(d, in, out, d.channels - L, scale);  // overlapping tail
}

/// Writes `grad_in` ([pixels][channels]): every pixel of channel c gets grad_out[c] / pixels.
template <class Arch, class Dims>
void global_avg_pool_backward(const Dims& d, const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in) {
  constexpr std::size_t L = simd::lanes<Arch>;
  const float scale = global_avg_pool_scale(d);
  if (d.channels < L) {
    for (std::size_t p = 0; p < d.pixels; ++p)
      for (std::size_t c = 0; c < d.channels; ++c) grad_in[p * d.channels + c] = grad_out[c] * scale;
    return;
  }
  for (std::size_t p = 0; p < d.pixels; ++p) {
    float* row = grad_in + p * d.channels;
    std::size_t c = 0;
    for (; c + L <= d.channels; c += L) simd::store<Arch>(row + c, simd::load<Arch>(grad_out + c) * scale);
    if (c < d.channels) {  // overlapping tail: written, not added, so the overlap is harmless
      c = d.channels - L;
      simd::store<Arch>(row + c, simd::load<Arch>(grad_out + c) * scale);
    }
  }
}

}  // namespace tenet::kernels
