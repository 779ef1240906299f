#pragma once
/// Direct 2-D convolution, channels last, weights in Keras order [KH][KW][C][F].
///
/// One algorithm, two ways to call it: with `static_conv2d_dims<...>` every extent is a
/// compile-time constant and the compiler specializes the loops (this is what networks use);
/// with `conv2d_dims` the same code runs on run-time sizes (the generic baseline that
/// bench/ compares against). Single-threaded over a range of output rows; the layer decides
/// how rows are split across threads.

#include <algorithm>
#include <cstddef>

#include "../config.hpp"
#include "arch.hpp"

namespace tenet::kernels {

/// Convolution geometry known at compile time.
template <std::size_t H, std::size_t W, std::size_t C, std::size_t F, std::size_t KH, std::size_t KW,
          std::size_t SH, std::size_t SW, std::size_t OH, std::size_t OW, std::size_t PadTop,
          std::size_t PadLeft>
struct static_conv2d_dims {
  static constexpr std::size_t in_height = H, in_width = W, channels = C, filters = F;
  static constexpr std::size_t kernel_height = KH, kernel_width = KW;
  static constexpr std::size_t stride_height = SH, stride_width = SW;
  static constexpr std::size_t out_height = OH, out_width = OW;
  static constexpr std::size_t pad_top = PadTop, pad_left = PadLeft;
};

/// The same geometry at run time.
struct conv2d_dims {
  std::size_t in_height, in_width, channels, filters;
  std::size_t kernel_height, kernel_width;
  std::size_t stride_height, stride_width;
  std::size_t out_height, out_width;
  std::size_t pad_top, pad_left;
};

namespace detail {

/// The valid part [begin, end) of a window of `size` taps starting at `origin`
/// (which may be negative inside the padding) over an axis of length `extent`.
struct tap_range {
  std::size_t begin, end;
};
TENET_ALWAYS_INLINE tap_range clip_window(std::ptrdiff_t origin, std::size_t size, std::size_t extent) {
  const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(0, -origin);
  const std::ptrdiff_t hi =
      std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(size), static_cast<std::ptrdiff_t>(extent) - origin);
  return {static_cast<std::size_t>(lo), static_cast<std::size_t>(std::max(lo, hi))};
}

/// `Blocks` SIMD registers of filters [f, f + Blocks * lanes) for one output pixel: the
/// accumulators stay in registers across all taps and channels.
template <class Arch, std::size_t Blocks, class Dims>
TENET_ALWAYS_INLINE void conv2d_pixel_vector(const Dims& d, const float* TENET_RESTRICT in,
                                             const float* TENET_RESTRICT weights, const float* TENET_RESTRICT bias,
                                             float* TENET_RESTRICT out, std::size_t f, std::ptrdiff_t ih0,
                                             std::ptrdiff_t iw0, tap_range rows, tap_range cols) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  V acc[Blocks];
  for (std::size_t b = 0; b < Blocks; ++b) acc[b] = simd::load<Arch>(bias + f + b * L);
  for (std::size_t kh = rows.begin; kh < rows.end; ++kh) {
    for (std::size_t kw = cols.begin; kw < cols.end; ++kw) {
      const float* x = in + ((static_cast<std::size_t>(ih0) + kh) * d.in_width + static_cast<std::size_t>(iw0) + kw) * d.channels;
      const float* w = weights + (kh * d.kernel_width + kw) * d.channels * d.filters + f;
      for (std::size_t c = 0; c < d.channels; ++c) {
        const V xv(x[c]);
        for (std::size_t b = 0; b < Blocks; ++b) acc[b] = xsimd::fma(xv, simd::load<Arch>(w + c * d.filters + b * L), acc[b]);
      }
    }
  }
  for (std::size_t b = 0; b < Blocks; ++b) simd::store<Arch>(out + f + b * L, acc[b]);
}

/// Filters [f_begin, f_end) one at a time, for layers with fewer filters than SIMD lanes.
template <class Dims>
TENET_ALWAYS_INLINE void conv2d_pixel_scalar(const Dims& d, const float* TENET_RESTRICT in,
                                             const float* TENET_RESTRICT weights, const float* TENET_RESTRICT bias,
                                             float* TENET_RESTRICT out, std::size_t f_begin, std::size_t f_end,
                                             std::ptrdiff_t ih0, std::ptrdiff_t iw0, tap_range rows, tap_range cols) {
  for (std::size_t f = f_begin; f < f_end; ++f) out[f] = bias[f];
  for (std::size_t kh = rows.begin; kh < rows.end; ++kh) {
    for (std::size_t kw = cols.begin; kw < cols.end; ++kw) {
      const float* x = in + ((static_cast<std::size_t>(ih0) + kh) * d.in_width + static_cast<std::size_t>(iw0) + kw) * d.channels;
      const float* w = weights + (kh * d.kernel_width + kw) * d.channels * d.filters;
      for (std::size_t c = 0; c < d.channels; ++c)
        for (std::size_t f = f_begin; f < f_end; ++f) out[f] += x[c] * w[c * d.filters + f];
    }
  }
}

}  // namespace detail

/// Output rows [row_begin, row_end) of a convolution: out = bias + sum over taps of in * weights.
/// `in` is [H][W][C], `weights` [KH][KW][C][F], `bias` [F], `out` [OH][OW][F].
template <class Arch, class Dims>
void conv2d_forward(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                    const float* TENET_RESTRICT bias, float* TENET_RESTRICT out, std::size_t row_begin,
                    std::size_t row_end) {
  constexpr std::size_t L = simd::lanes<Arch>;
  // Up to four registers of filters per pass: enough to hide FMA latency, few enough to
  // leave registers for the broadcast input and the weight loads.
  constexpr std::size_t max_blocks = 4;
  for (std::size_t oh = row_begin; oh < row_end; ++oh) {
    const std::ptrdiff_t ih0 = static_cast<std::ptrdiff_t>(oh * d.stride_height) - static_cast<std::ptrdiff_t>(d.pad_top);
    const detail::tap_range rows = detail::clip_window(ih0, d.kernel_height, d.in_height);
    for (std::size_t ow = 0; ow < d.out_width; ++ow) {
      const std::ptrdiff_t iw0 = static_cast<std::ptrdiff_t>(ow * d.stride_width) - static_cast<std::ptrdiff_t>(d.pad_left);
      const detail::tap_range cols = detail::clip_window(iw0, d.kernel_width, d.in_width);
      float* o = out + (oh * d.out_width + ow) * d.filters;
      if (d.filters < L) {
        detail::conv2d_pixel_scalar(d, in, weights, bias, o, 0, d.filters, ih0, iw0, rows, cols);
        continue;
      }
      std::size_t f = 0;
      for (; f + max_blocks * L <= d.filters; f += max_blocks * L)
        detail::conv2d_pixel_vector<Arch, max_blocks>(d, in, weights, bias, o, f, ih0, iw0, rows, cols);
      for (; f + L <= d.filters; f += L)
        detail::conv2d_pixel_vector<Arch, 1>(d, in, weights, bias, o, f, ih0, iw0, rows, cols);
      // A partial last register: recompute the last L filters (overlapping ones already done
      // get the same values), which keeps the tail vectorized without masks.
      if (f < d.filters)
        detail::conv2d_pixel_vector<Arch, 1>(d, in, weights, bias, o, d.filters - L, ih0, iw0, rows, cols);
    }
  }
}

/// Gradients of a convolution for one example, for output rows [row_begin, row_end).
/// Accumulates (+=) into `grad_weights` [KH][KW][C][F] and `grad_bias` [F]; when `grad_in`
/// is not null, accumulates into it [H][W][C] (the caller zeroes it first). `grad_out` is
/// [OH][OW][F].
template <class Arch, class Dims>
void conv2d_backward(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                     const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in,
                     float* TENET_RESTRICT grad_weights, float* TENET_RESTRICT grad_bias, std::size_t row_begin,
                     std::size_t row_end) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  const std::size_t vector_end = d.filters - d.filters % L;
  for (std::size_t oh = row_begin; oh < row_end; ++oh) {
    const std::ptrdiff_t ih0 = static_cast<std::ptrdiff_t>(oh * d.stride_height) - static_cast<std::ptrdiff_t>(d.pad_top);
    const detail::tap_range rows = detail::clip_window(ih0, d.kernel_height, d.in_height);
    for (std::size_t ow = 0; ow < d.out_width; ++ow) {
      const std::ptrdiff_t iw0 = static_cast<std::ptrdiff_t>(ow * d.stride_width) - static_cast<std::ptrdiff_t>(d.pad_left);
      const detail::tap_range cols = detail::clip_window(iw0, d.kernel_width, d.in_width);
      const float* g = grad_out + (oh * d.out_width + ow) * d.filters;
      for (std::size_t f = 0; f < d.filters; ++f) grad_bias[f] += g[f];
      for (std::size_t kh = rows.begin; kh < rows.end; ++kh) {
        for (std::size_t kw = cols.begin; kw < cols.end; ++kw) {
          const std::size_t pixel = (static_cast<std::size_t>(ih0) + kh) * d.in_width + static_cast<std::size_t>(iw0) + kw;
          const float* x = in + pixel * d.channels;
          const std::size_t tap = (kh * d.kernel_width + kw) * d.channels * d.filters;
          for (std::size_t c = 0; c < d.channels; ++c) {
            float* gw = grad_weights + tap + c * d.filters;
            const float* w = weights + tap + c * d.filters;
            const V xv(x[c]);
            V dot(0.0f);
            for (std::size_t f = 0; f < vector_end; f += L) {
              const V gv = simd::load<Arch>(g + f);
              simd::store<Arch>(gw + f, xsimd::fma(xv, gv, simd::load<Arch>(gw + f)));
              dot = xsimd::fma(simd::load<Arch>(w + f), gv, dot);
            }
            float dot_tail = 0.0f;
            for (std::size_t f = vector_end; f < d.filters; ++f) {
              gw[f] += x[c] * g[f];
              dot_tail += w[f] * g[f];
            }
            if (grad_in != nullptr) grad_in[pixel * d.channels + c] += simd::reduce_sum<Arch>(dot) + dot_tail;
          }
        }
      }
    }
  }
}

}  // namespace tenet::kernels
