#pragma once
/// Depthwise 2-D convolution, channels last: channel c of the output is channel c of the input
/// convolved with its own KH x KW filter, plus its bias. Weights [KH][KW][C] (Keras's
/// (KH, KW, C, 1), depth multiplier 1). Every loop runs over registers of channels, the
/// innermost, contiguous dimension; a channel's value is computed by the same operations in
/// the same order whichever path (register tile, single pixel, scalar tail) computes it.

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "../config.hpp"
#include "arch.hpp"

// g++ 12 at -O3 reports "iteration N invokes undefined behavior" for the clipped tap loops
// below, with N near 2^62: after inlining it loses the link between the tap range and the
// buffer sizes. The bounds are exact (the kernels are tested against a reference, and under
// AddressSanitizer), so the warning is silenced for these kernels only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Waggressive-loop-optimizations"
#endif

namespace tenet::kernels {

/// Depthwise convolution geometry known at compile time.
template <std::size_t H, std::size_t W, std::size_t C, std::size_t KH, std::size_t KW, std::size_t SH, std::size_t SW, std::size_t OH,
          std::size_t OW, std::size_t PadTop, std::size_t PadLeft>
struct static_depthwise_dims {
  static constexpr std::size_t in_height = H, in_width = W, channels = C;
  static constexpr std::size_t kernel_height = KH, kernel_width = KW;
  static constexpr std::size_t stride_height = SH, stride_width = SW;
  static constexpr std::size_t out_height = OH, out_width = OW;
  static constexpr std::size_t pad_top = PadTop, pad_left = PadLeft;
};

/// The same geometry at run time.
struct depthwise_dims {
  std::size_t in_height, in_width, channels;
  std::size_t kernel_height, kernel_width;
  std::size_t stride_height, stride_width;
  std::size_t out_height, out_width;
  std::size_t pad_top, pad_left;
};

namespace detail {

/// A register of channels of Arch, or one channel: the kernels below are written once for both.
template <class Arch>
struct channel_register {
  using type = simd::vfloat<Arch>;
  static constexpr std::size_t width = simd::lanes<Arch>;
  static TENET_ALWAYS_INLINE type load(const float* p) { return simd::load<Arch>(p); }
  static TENET_ALWAYS_INLINE void store(float* p, type v) { simd::store<Arch>(p, v); }
  static TENET_ALWAYS_INLINE type fma(type x, type y, type z) { return simd::fma(x, y, z); }
  static TENET_ALWAYS_INLINE type zero() { return type(0.0f); }
};
struct one_channel {
  using type = float;
  static constexpr std::size_t width = 1;
  static TENET_ALWAYS_INLINE float load(const float* p) { return *p; }
  static TENET_ALWAYS_INLINE void store(float* p, float v) { *p = v; }
  // std::fma, not x * y + z: the compiler may contract the latter in one inlined copy and not
  // in another, and the same channel must get the same bits everywhere.
  static TENET_ALWAYS_INLINE float fma(float x, float y, float z) { return std::fma(x, y, z); }
  static TENET_ALWAYS_INLINE float zero() { return 0.0f; }
};

/// The taps [begin, end) of a window starting at `origin` (negative inside the padding) that
/// fall inside an axis of length `extent`.
struct depthwise_taps {
  std::size_t begin, end;
};
TENET_ALWAYS_INLINE depthwise_taps taps_inside(std::ptrdiff_t origin, std::size_t size, std::size_t extent) {
  const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(0, -origin);
  const std::ptrdiff_t hi = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(size), static_cast<std::ptrdiff_t>(extent) - origin);
  return {static_cast<std::size_t>(lo), static_cast<std::size_t>(std::max(lo, hi))};
}

/// Output pixels whose windows lie wholly inside the input horizontally: [begin, end).
template <class Dims>
constexpr depthwise_taps interior_pixels(const Dims& d) {
  const std::size_t begin = (d.pad_left + d.stride_width - 1) / d.stride_width;
  if (d.in_width + d.pad_left < d.kernel_width) return {begin, begin};
  const std::size_t end = std::min(d.out_width, (d.in_width + d.pad_left - d.kernel_width) / d.stride_width + 1);
  return {begin, std::max(begin, end)};
}

/// `Pixels` neighbouring output pixels of one row, channels [c, c + R::width): each weight
/// register loaded serves every pixel. Every tap is inside the input (columns: interior
/// pixels; rows: `rows`).
template <class R, std::size_t Pixels, class Dims>
TENET_ALWAYS_INLINE void depthwise_pixels(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                                          const float* TENET_RESTRICT bias, float* TENET_RESTRICT out, std::size_t c, std::ptrdiff_t ih0,
                                          std::size_t iw0, depthwise_taps rows) {
  typename R::type acc[Pixels];
  for (std::size_t p = 0; p < Pixels; ++p) acc[p] = R::load(bias + c);
  for (std::size_t kh = rows.begin; kh < rows.end; ++kh) {
    const float* x = in + ((static_cast<std::size_t>(ih0) + kh) * d.in_width + iw0) * d.channels + c;
    for (std::size_t kw = 0; kw < d.kernel_width; ++kw) {
      const auto w = R::load(weights + (kh * d.kernel_width + kw) * d.channels + c);
      for (std::size_t p = 0; p < Pixels; ++p) acc[p] = R::fma(R::load(x + (p * d.stride_width + kw) * d.channels), w, acc[p]);
    }
  }
  for (std::size_t p = 0; p < Pixels; ++p) R::store(out + p * d.channels + c, acc[p]);
}

/// One output pixel, channels [c, c + R::width), its window clipped to the input.
template <class R, class Dims>
TENET_ALWAYS_INLINE void depthwise_pixel(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                                         const float* TENET_RESTRICT bias, float* TENET_RESTRICT out, std::size_t c, std::ptrdiff_t ih0,
                                         std::ptrdiff_t iw0, depthwise_taps rows, depthwise_taps cols) {
  auto acc = R::load(bias + c);
  for (std::size_t kh = rows.begin; kh < rows.end; ++kh)
    for (std::size_t kw = cols.begin; kw < cols.end; ++kw) {
      const std::size_t ih = static_cast<std::size_t>(ih0 + static_cast<std::ptrdiff_t>(kh));
      const std::size_t iw = static_cast<std::size_t>(iw0 + static_cast<std::ptrdiff_t>(kw));
      acc = R::fma(R::load(in + (ih * d.in_width + iw) * d.channels + c), R::load(weights + (kh * d.kernel_width + kw) * d.channels + c),
                   acc);
    }
  R::store(out + c, acc);
}

/// Every channel of `Pixels` interior pixels (Pixels > 1) or of one clipped pixel: whole
/// registers, then an overlapping last register (same values written twice), or one channel
/// at a time when there are fewer channels than lanes.
template <class Arch, std::size_t Pixels, class Dims>
TENET_ALWAYS_INLINE void depthwise_channels(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                                            const float* TENET_RESTRICT bias, float* TENET_RESTRICT out, std::ptrdiff_t ih0,
                                            std::ptrdiff_t iw0, depthwise_taps rows, depthwise_taps cols) {
  using R = channel_register<Arch>;
  auto run = [&]<class Reg>(std::size_t c) {
    if constexpr (Pixels > 1) depthwise_pixels<Reg, Pixels>(d, in, weights, bias, out, c, ih0, static_cast<std::size_t>(iw0), rows);
    else depthwise_pixel<Reg>(d, in, weights, bias, out, c, ih0, iw0, rows, cols);
  };
  if (d.channels < R::width) {
    for (std::size_t c = 0; c < d.channels; ++c) run.template operator()<one_channel>(c);
    return;
  }
  std::size_t c = 0;
  for (; c + R::width <= d.channels; c += R::width) run.template operator()<R>(c);
  if (c < d.channels) run.template operator()<R>(d.channels - R::width);
}

}  // namespace detail

/// Output rows [row_begin, row_end) of a depthwise convolution. `in` [H][W][C], `weights`
/// [KH][KW][C], `bias` [C], `out` [OH][OW][C]. Interior pixels go four at a time.
template <class Arch, class Dims>
void depthwise_conv2d_forward(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                              const float* TENET_RESTRICT bias, float* TENET_RESTRICT out, std::size_t row_begin, std::size_t row_end) {
  constexpr std::size_t tile = 4;
  const detail::depthwise_taps interior = detail::interior_pixels(d);
  for (std::size_t oh = row_begin; oh < row_end; ++oh) {
    const std::ptrdiff_t ih0 = static_cast<std::ptrdiff_t>(oh * d.stride_height) - static_cast<std::ptrdiff_t>(d.pad_top);
    const detail::depthwise_taps rows = detail::taps_inside(ih0, d.kernel_height, d.in_height);
    float* row_out = out + oh * d.out_width * d.channels;
    auto one = [&](std::size_t ow) {
      const std::ptrdiff_t iw0 = static_cast<std::ptrdiff_t>(ow * d.stride_width) - static_cast<std::ptrdiff_t>(d.pad_left);
      detail::depthwise_channels<Arch, 1>(d, in, weights, bias, row_out + ow * d.channels, ih0, iw0, rows,
                                          detail::taps_inside(iw0, d.kernel_width, d.in_width));
    };
    std::size_t ow = 0;
    for (; ow < interior.begin; ++ow) one(ow);
    for (; ow + tile <= interior.end; ow += tile) {
      const std::ptrdiff_t iw0 = static_cast<std::ptrdiff_t>(ow * d.stride_width - d.pad_left);
      detail::depthwise_channels<Arch, tile>(d, in, weights, bias, row_out + ow * d.channels, ih0, iw0, rows, {0, d.kernel_width});
    }
    for (; ow < d.out_width; ++ow) one(ow);
  }
}

namespace detail {

/// The backward pass for channels [c, c + R::width): the bias gradient summed over the
/// example's output pixels in a register, then added; the weight and input gradients added
/// tap by tap, output pixel after output pixel (a fixed order: the same bits on any thread).
template <class R, class Dims>
TENET_ALWAYS_INLINE void depthwise_backward_channels(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                                                     const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in,
                                                     float* TENET_RESTRICT grad_weights, float* TENET_RESTRICT grad_biases, std::size_t c) {
  const std::size_t C = d.channels;
  auto bias_sum = R::zero();
  for (std::size_t p = 0; p < d.out_height * d.out_width; ++p) bias_sum += R::load(grad_out + p * C + c);
  R::store(grad_biases + c, R::load(grad_biases + c) + bias_sum);

  for (std::size_t oh = 0; oh < d.out_height; ++oh) {
    const std::ptrdiff_t ih0 = static_cast<std::ptrdiff_t>(oh * d.stride_height) - static_cast<std::ptrdiff_t>(d.pad_top);
    const depthwise_taps rows = taps_inside(ih0, d.kernel_height, d.in_height);
    for (std::size_t ow = 0; ow < d.out_width; ++ow) {
      const std::ptrdiff_t iw0 = static_cast<std::ptrdiff_t>(ow * d.stride_width) - static_cast<std::ptrdiff_t>(d.pad_left);
      const depthwise_taps cols = taps_inside(iw0, d.kernel_width, d.in_width);
      const auto g = R::load(grad_out + (oh * d.out_width + ow) * C + c);
      for (std::size_t kh = rows.begin; kh < rows.end; ++kh)
        for (std::size_t kw = cols.begin; kw < cols.end; ++kw) {
          const std::size_t at = (static_cast<std::size_t>(ih0 + static_cast<std::ptrdiff_t>(kh)) * d.in_width +
                                  static_cast<std::size_t>(iw0 + static_cast<std::ptrdiff_t>(kw))) *
                                     C +
                                 c;
          const std::size_t tap = (kh * d.kernel_width + kw) * C + c;
          R::store(grad_weights + tap, R::fma(R::load(in + at), g, R::load(grad_weights + tap)));
          if (grad_in != nullptr) R::store(grad_in + at, R::fma(R::load(weights + tap), g, R::load(grad_in + at)));
        }
    }
  }
}

}  // namespace detail

/// Training, one example: adds the weight gradients ([KH][KW][C]) and bias gradients ([C]),
/// and adds the input gradient into `grad_in` ([H][W][C]; zeros, or null when nobody reads it).
/// Whole registers of channels, then the rest one channel at a time (no overlapping register:
/// it would add twice).
template <class Arch, class Dims>
void depthwise_conv2d_backward(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                               const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in, float* TENET_RESTRICT grad_weights,
                               float* TENET_RESTRICT grad_biases) {
  using R = detail::channel_register<Arch>;
  std::size_t c = 0;
  for (; c + R::width <= d.channels; c += R::width)
    detail::depthwise_backward_channels<R>(d, in, weights, grad_out, grad_in, grad_weights, grad_biases, c);
  for (; c < d.channels; ++c)
    detail::depthwise_backward_channels<detail::one_channel>(d, in, weights, grad_out, grad_in, grad_weights, grad_biases, c);
}

}  // namespace tenet::kernels

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
