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

namespace detail {

/// First and one-past-last output index o whose tap t lands inside the input:
/// 0 <= o * stride + t - pad < extent.
TENET_ALWAYS_INLINE tap_range outputs_reaching(std::size_t tap, std::size_t pad, std::size_t step, std::size_t extent,
                                               std::size_t outputs) {
  // o * step >= pad - tap, and o * step <= extent - 1 + pad - tap
  const std::size_t lo = pad > tap ? (pad - tap + step - 1) / step : 0;
  if (extent + pad <= tap) return {0, 0};
  const std::size_t hi = std::min(outputs, (extent - 1 + pad - tap) / step + 1);
  return {std::min(lo, hi), hi};
}

/// grad_weights[tap][c0 + i][f0 + j] += sum over output pixels of x[pixel(tap)][c0 + i] *
/// g[pixel][f0 + j], for a tile of CB channels and FB registers of filters kept in registers.
template <class Arch, std::size_t CB, std::size_t FB, class Dims>
TENET_ALWAYS_INLINE void conv2d_weight_tile(const Dims& d, const float* TENET_RESTRICT in,
                                            const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT gw,
                                            std::size_t kh, std::size_t kw, std::size_t c0, std::size_t f0,
                                            tap_range rows, tap_range cols) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  V acc[CB][FB];
  for (std::size_t i = 0; i < CB; ++i)
    for (std::size_t j = 0; j < FB; ++j) acc[i][j] = simd::load<Arch>(gw + (c0 + i) * d.filters + f0 + j * L);
  for (std::size_t oh = rows.begin; oh < rows.end; ++oh) {
    const std::size_t ih = oh * d.stride_height + kh - d.pad_top;
    for (std::size_t ow = cols.begin; ow < cols.end; ++ow) {
      const std::size_t iw = ow * d.stride_width + kw - d.pad_left;
      const float* x = in + (ih * d.in_width + iw) * d.channels + c0;
      const float* g = grad_out + (oh * d.out_width + ow) * d.filters + f0;
      V gv[FB];
      for (std::size_t j = 0; j < FB; ++j) gv[j] = simd::load<Arch>(g + j * L);
      for (std::size_t i = 0; i < CB; ++i) {
        const V xv(x[i]);
        for (std::size_t j = 0; j < FB; ++j) acc[i][j] = xsimd::fma(xv, gv[j], acc[i][j]);
      }
    }
  }
  for (std::size_t i = 0; i < CB; ++i)
    for (std::size_t j = 0; j < FB; ++j) simd::store<Arch>(gw + (c0 + i) * d.filters + f0 + j * L, acc[i][j]);
}

}  // namespace detail

/// Floats of scratch conv2d_backward needs: the weights transposed to [KH][KW][F][C].
template <class Dims>
constexpr std::size_t conv2d_backward_scratch(const Dims& d) {
  return d.kernel_height * d.kernel_width * d.filters * d.channels;
}

/// Gradients of a convolution for one example. Accumulates (+=) into `grad_weights`
/// [KH][KW][C][F] and `grad_bias` [F]; when `grad_in` is not null, accumulates into it
/// [H][W][C] (the caller zeroes it first). `grad_out` is [OH][OW][F]; `scratch` holds
/// conv2d_backward_scratch(d) floats.
///
/// Both products are organized like the forward pass, with accumulators in registers:
/// the weight gradient per tap as a (channels x pixels) * (pixels x filters) product with a
/// tile of channels x filters in registers, the input gradient vectorized over channels with
/// the weights transposed so that channels are contiguous.
template <class Arch, class Dims>
void conv2d_backward(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                     const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in,
                     float* TENET_RESTRICT grad_weights, float* TENET_RESTRICT grad_bias,
                     float* TENET_RESTRICT scratch) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  const std::size_t pixels = d.out_height * d.out_width;
  const std::size_t f_vector_end = d.filters - d.filters % L;

  // Bias: the sum of the output gradient over all pixels.
  for (std::size_t p = 0; p < pixels; ++p) {
    const float* g = grad_out + p * d.filters;
    for (std::size_t f = 0; f < f_vector_end; f += L)
      simd::store<Arch>(grad_bias + f, simd::load<Arch>(grad_bias + f) + simd::load<Arch>(g + f));
    for (std::size_t f = f_vector_end; f < d.filters; ++f) grad_bias[f] += g[f];
  }

  // Weights, tap by tap, over the output pixels whose window includes that tap.
  for (std::size_t kh = 0; kh < d.kernel_height; ++kh) {
    const detail::tap_range rows = detail::outputs_reaching(kh, d.pad_top, d.stride_height, d.in_height, d.out_height);
    for (std::size_t kw = 0; kw < d.kernel_width; ++kw) {
      const detail::tap_range cols = detail::outputs_reaching(kw, d.pad_left, d.stride_width, d.in_width, d.out_width);
      float* gw = grad_weights + (kh * d.kernel_width + kw) * d.channels * d.filters;
      std::size_t f = 0;
      for (; f + 2 * L <= f_vector_end; f += 2 * L) {
        std::size_t c = 0;
        for (; c + 4 <= d.channels; c += 4) detail::conv2d_weight_tile<Arch, 4, 2>(d, in, grad_out, gw, kh, kw, c, f, rows, cols);
        for (; c < d.channels; ++c) detail::conv2d_weight_tile<Arch, 1, 2>(d, in, grad_out, gw, kh, kw, c, f, rows, cols);
      }
      for (; f < f_vector_end; f += L) {
        std::size_t c = 0;
        for (; c + 4 <= d.channels; c += 4) detail::conv2d_weight_tile<Arch, 4, 1>(d, in, grad_out, gw, kh, kw, c, f, rows, cols);
        for (; c < d.channels; ++c) detail::conv2d_weight_tile<Arch, 1, 1>(d, in, grad_out, gw, kh, kw, c, f, rows, cols);
      }
      if (f_vector_end < d.filters) {  // filters past the last full register, one at a time
        for (std::size_t oh = rows.begin; oh < rows.end; ++oh)
          for (std::size_t ow = cols.begin; ow < cols.end; ++ow) {
            const float* x = in + ((oh * d.stride_height + kh - d.pad_top) * d.in_width + ow * d.stride_width + kw - d.pad_left) * d.channels;
            const float* g = grad_out + (oh * d.out_width + ow) * d.filters;
            for (std::size_t c = 0; c < d.channels; ++c)
              for (std::size_t t = f_vector_end; t < d.filters; ++t) gw[c * d.filters + t] += x[c] * g[t];
          }
      }
    }
  }

  if (grad_in == nullptr) return;

  // Input: grad_in[pixel(tap)][c] += sum_f W[tap][c][f] * g[pixel][f].
  const std::size_t taps = d.kernel_height * d.kernel_width;
  if (d.channels < L) {
    // Few channels (the first convolution after an RGB or gray image): dot products over filters.
    for (std::size_t kh = 0; kh < d.kernel_height; ++kh) {
      const detail::tap_range rows = detail::outputs_reaching(kh, d.pad_top, d.stride_height, d.in_height, d.out_height);
      for (std::size_t kw = 0; kw < d.kernel_width; ++kw) {
        const detail::tap_range cols = detail::outputs_reaching(kw, d.pad_left, d.stride_width, d.in_width, d.out_width);
        const float* w = weights + (kh * d.kernel_width + kw) * d.channels * d.filters;
        for (std::size_t oh = rows.begin; oh < rows.end; ++oh)
          for (std::size_t ow = cols.begin; ow < cols.end; ++ow) {
            float* gi = grad_in + ((oh * d.stride_height + kh - d.pad_top) * d.in_width + ow * d.stride_width + kw - d.pad_left) * d.channels;
            const float* g = grad_out + (oh * d.out_width + ow) * d.filters;
            for (std::size_t c = 0; c < d.channels; ++c) {
              const float* wc = w + c * d.filters;
              float sum = 0.0f;
              for (std::size_t t = 0; t < d.filters; ++t) sum += wc[t] * g[t];
              gi[c] += sum;
            }
          }
      }
    }
    return;
  }
  // Many channels: transpose the weights to [tap][F][C] and vectorize over channels.
  for (std::size_t t = 0; t < taps; ++t)
    for (std::size_t c = 0; c < d.channels; ++c)
      for (std::size_t f = 0; f < d.filters; ++f)
        scratch[(t * d.filters + f) * d.channels + c] = weights[(t * d.channels + c) * d.filters + f];
  const std::size_t c_vector_end = d.channels - d.channels % L;
  for (std::size_t kh = 0; kh < d.kernel_height; ++kh) {
    const detail::tap_range rows = detail::outputs_reaching(kh, d.pad_top, d.stride_height, d.in_height, d.out_height);
    for (std::size_t kw = 0; kw < d.kernel_width; ++kw) {
      const detail::tap_range cols = detail::outputs_reaching(kw, d.pad_left, d.stride_width, d.in_width, d.out_width);
      const float* wt = scratch + (kh * d.kernel_width + kw) * d.filters * d.channels;
      for (std::size_t oh = rows.begin; oh < rows.end; ++oh)
        for (std::size_t ow = cols.begin; ow < cols.end; ++ow) {
          float* gi = grad_in + ((oh * d.stride_height + kh - d.pad_top) * d.in_width + ow * d.stride_width + kw - d.pad_left) * d.channels;
          const float* g = grad_out + (oh * d.out_width + ow) * d.filters;
          std::size_t c = 0;
          for (; c + 4 * L <= c_vector_end; c += 4 * L) {
            V acc[4];
            for (std::size_t j = 0; j < 4; ++j) acc[j] = simd::load<Arch>(gi + c + j * L);
            for (std::size_t f = 0; f < d.filters; ++f) {
              const V gv(g[f]);
              for (std::size_t j = 0; j < 4; ++j) acc[j] = xsimd::fma(gv, simd::load<Arch>(wt + f * d.channels + c + j * L), acc[j]);
            }
            for (std::size_t j = 0; j < 4; ++j) simd::store<Arch>(gi + c + j * L, acc[j]);
          }
          for (; c < c_vector_end; c += L) {
            V acc = simd::load<Arch>(gi + c);
            for (std::size_t f = 0; f < d.filters; ++f) acc = xsimd::fma(V(g[f]), simd::load<Arch>(wt + f * d.channels + c), acc);
            simd::store<Arch>(gi + c, acc);
          }
          for (; c < d.channels; ++c) {
            float sum = 0.0f;
            for (std::size_t f = 0; f < d.filters; ++f) sum += g[f] * wt[f * d.channels + c];
            gi[c] += sum;
          }
        }
    }
  }
}

}  // namespace tenet::kernels
