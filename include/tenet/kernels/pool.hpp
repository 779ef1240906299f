#pragma once
/// Max pooling, channels last, `valid` windows.

#include <cstddef>
#include <limits>
#include <type_traits>

#include "../config.hpp"
#include "arch.hpp"
#include "pool_dims.hpp"

namespace tenet::kernels {

/// Output rows [row_begin, row_end) of a max pooling: each output is the largest input in
/// its window, channel by channel. `in` is [H][W][C], `out` [OH][OW][C].
template <class Arch, class Dims>
void max_pool_forward(const Dims& d, const float* TENET_RESTRICT in, float* TENET_RESTRICT out, std::size_t row_begin,
                      std::size_t row_end) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  for (std::size_t oh = row_begin; oh < row_end; ++oh) {
    for (std::size_t ow = 0; ow < d.out_width; ++ow) {
      const float* window = in + (oh * d.stride_height * d.in_width + ow * d.stride_width) * d.channels;
      float* o = out + (oh * d.out_width + ow) * d.channels;
      auto vector_block = [&](std::size_t c) {
        V m = simd::load<Arch>(window + c);
        for (std::size_t ph = 0; ph < d.window_height; ++ph)
          for (std::size_t pw = 0; pw < d.window_width; ++pw)
            m = xsimd::max(m, simd::load<Arch>(window + (ph * d.in_width + pw) * d.channels + c));
        simd::store<Arch>(o + c, m);
      };
      if (d.channels >= L) {
        std::size_t c = 0;
        for (; c + L <= d.channels; c += L) vector_block(c);
        if (c < d.channels) vector_block(d.channels - L);  // overlapping tail, same values
      } else {
        for (std::size_t c = 0; c < d.channels; ++c) {
          float m = -std::numeric_limits<float>::infinity();
          for (std::size_t ph = 0; ph < d.window_height; ++ph)
            for (std::size_t pw = 0; pw < d.window_width; ++pw) {
              const float v = window[(ph * d.in_width + pw) * d.channels + c];
              m = v > m ? v : m;
            }
          o[c] = m;
        }
      }
    }
  }
}

namespace detail {

/// The pixel of the window at `corner` whose channel `c` holds the maximum `m`: the first
/// one, on ties; the window's first pixel when none equals `m` (only a NaN causes that).
template <class Dims>
TENET_ALWAYS_INLINE std::size_t window_argmax(const Dims& d, const float* TENET_RESTRICT in, float m, std::size_t corner, std::size_t c) {
  for (std::size_t ph = 0; ph < d.window_height; ++ph)
    for (std::size_t pw = 0; pw < d.window_width; ++pw) {
      const std::size_t p = corner + ph * d.in_width + pw;
      if (in[p * d.channels + c] == m) return p;
    }
  return corner;
}

/// The max-pool gradient of one window, channels [c_begin, c_end): vectorized over channels
/// with masks (after a ReLU most windows tie at zero, and a branch per input would often be
/// mispredicted), then narrower registers, then scalars for the last few channels.
template <class Arch, class Dims>
TENET_ALWAYS_INLINE void max_pool_backward_window(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT out,
                                                  const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in, std::size_t corner,
                                                  std::size_t o, std::size_t c_begin, std::size_t c_end) {
  using V = simd::vfloat<Arch>;
  using M = xsimd::batch_bool<float, Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  const V zero(0.0f);
  std::size_t c = c_begin;
  for (; c + L <= c_end; c += L) {
    const V m = simd::load<Arch>(out + o + c);
    const V g = simd::load<Arch>(grad_out + o + c);
    M taken(false);
    for (std::size_t ph = 0; ph < d.window_height; ++ph)
      for (std::size_t pw = 0; pw < d.window_width; ++pw) {
        const std::size_t at = (corner + ph * d.in_width + pw) * d.channels + c;
        const M hit = (simd::load<Arch>(in + at) == m) & ~taken;
        simd::store<Arch>(grad_in + at, simd::load<Arch>(grad_in + at) + xsimd::select(hit, g, zero));
        taken = taken | hit;
      }
    if (!xsimd::all(taken)) {  // only a NaN matches no input: the window's first input gets it
      float* first = grad_in + corner * d.channels + c;
      simd::store<Arch>(first, simd::load<Arch>(first) + xsimd::select(taken, zero, g));
    }
  }
  if constexpr (!std::is_same_v<simd::half_width_t<Arch>, Arch>) {
    if (c + simd::lanes<simd::half_width_t<Arch>> <= c_end)
      return max_pool_backward_window<simd::half_width_t<Arch>>(d, in, out, grad_out, grad_in, corner, o, c, c_end);
  }
  for (; c < c_end; ++c) {
    const std::size_t arg = window_argmax(d, in, out[o + c], corner, c);
    grad_in[arg * d.channels + c] += grad_out[o + c];
  }
}

/// max_pool_backward_window followed by the gradient of the ReLU whose output `in` is, for
/// windows that do not overlap: every input of the window is written (not accumulated), with
/// the output gradient where it was the window's maximum and positive, else 0. The bits are
/// those of zeroing, accumulating and then applying relu_backward (0 + g, not g: the sum
/// turns a -0 gradient into +0, and so does this).
template <class Arch, class Dims>
TENET_ALWAYS_INLINE void max_pool_relu_backward_window(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT out,
                                                       const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in,
                                                       std::size_t corner, std::size_t o, std::size_t c_begin, std::size_t c_end) {
  using V = simd::vfloat<Arch>;
  using M = xsimd::batch_bool<float, Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  const V zero(0.0f);
  std::size_t c = c_begin;
  for (; c + L <= c_end; c += L) {
    const V m = simd::load<Arch>(out + o + c);
    const V g = zero + simd::load<Arch>(grad_out + o + c);
    M taken(false);
    for (std::size_t ph = 0; ph < d.window_height; ++ph)
      for (std::size_t pw = 0; pw < d.window_width; ++pw) {
        const std::size_t at = (corner + ph * d.in_width + pw) * d.channels + c;
        const V x = simd::load<Arch>(in + at);
        const M hit = (x == m) & ~taken;
        simd::store<Arch>(grad_in + at, xsimd::select(hit & (x > zero), g, zero));
        taken = taken | hit;
      }
    if (!xsimd::all(taken)) {  // only a NaN matches no input: the window's first input gets it
      const std::size_t at = corner * d.channels + c;
      simd::store<Arch>(grad_in + at, xsimd::select(~taken & (simd::load<Arch>(in + at) > zero), g, simd::load<Arch>(grad_in + at)));
    }
  }
  if constexpr (!std::is_same_v<simd::half_width_t<Arch>, Arch>) {
    if (c + simd::lanes<simd::half_width_t<Arch>> <= c_end)
      return max_pool_relu_backward_window<simd::half_width_t<Arch>>(d, in, out, grad_out, grad_in, corner, o, c, c_end);
  }
  for (; c < c_end; ++c) {
    const std::size_t arg = window_argmax(d, in, out[o + c], corner, c);
    for (std::size_t ph = 0; ph < d.window_height; ++ph)
      for (std::size_t pw = 0; pw < d.window_width; ++pw) {
        const std::size_t p = corner + ph * d.in_width + pw;
        const float x = in[p * d.channels + c];
        grad_in[p * d.channels + c] = p == arg && x > 0.0f ? 0.0f + grad_out[o + c] : 0.0f;
      }
  }
}

}  // namespace detail

/// Whether max_pool_relu_backward applies: the windows do not overlap (stride = window).
template <class Dims>
constexpr bool pool_windows_disjoint(const Dims& d) {
  return d.stride_height == d.window_height && d.stride_width == d.window_width;
}

/// The gradient of a ReLU followed by this max pooling, in one pass: `in` is the ReLU's
/// output (the pooling's input) and `grad_in` receives the gradient at the ReLU's input,
/// every value written (inputs in no window get 0). Same bits as max_pool_backward into a
/// zeroed buffer followed by relu_backward, without the zeroing and the second pass.
/// Requires pool_windows_disjoint(d).
template <class Arch, class Dims>
void max_pool_relu_backward(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT out,
                            const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in) {
  const std::size_t covered_rows = d.out_height * d.window_height, covered_cols = d.out_width * d.window_width;
  for (std::size_t oh = 0; oh < d.out_height; ++oh) {
    for (std::size_t ow = 0; ow < d.out_width; ++ow)
      detail::max_pool_relu_backward_window<Arch>(d, in, out, grad_out, grad_in, oh * d.window_height * d.in_width + ow * d.window_width,
                                                  (oh * d.out_width + ow) * d.channels, 0, d.channels);
    for (std::size_t r = oh * d.window_height; r < (oh + 1) * d.window_height; ++r)  // columns past the last window
      for (std::size_t k = (r * d.in_width + covered_cols) * d.channels; k < (r + 1) * d.in_width * d.channels; ++k) grad_in[k] = 0.0f;
  }
  for (std::size_t k = covered_rows * d.in_width * d.channels; k < d.in_height * d.in_width * d.channels; ++k)
    grad_in[k] = 0.0f;  // rows below the last window
}

/// Gradient of max pooling for one example: each output's gradient goes to the input that
/// was the maximum of its window (the first one, on ties; the window's first input when no
/// input equals the maximum, which only a NaN causes). Accumulates into `grad_in` (the
/// caller zeroes it first), so overlapping windows add up.
template <class Arch, class Dims>
void max_pool_backward(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT out, const float* TENET_RESTRICT grad_out,
                       float* TENET_RESTRICT grad_in) {
  for (std::size_t oh = 0; oh < d.out_height; ++oh)
    for (std::size_t ow = 0; ow < d.out_width; ++ow)
      detail::max_pool_backward_window<Arch>(d, in, out, grad_out, grad_in, oh * d.stride_height * d.in_width + ow * d.stride_width,
                                             (oh * d.out_width + ow) * d.channels, 0, d.channels);
}

}  // namespace tenet::kernels
