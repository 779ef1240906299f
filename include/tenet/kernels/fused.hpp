#pragma once
/// A convolution, its ReLU and the max pooling after it in one pass (inference).
///
/// Done one after the other, the convolution writes its whole output (50 KiB for the seed
/// CNN's first layer), then pooling reads it all back. Here a strip of as many convolution rows
/// as the pooling window is tall is computed, rectified and pooled while it is in L1, and
/// only the pooled rows are written. The operations are those of the three layers in order,
/// so the results are the same bits.

#include <cstddef>

#include "../config.hpp"
#include "conv2d.hpp"
#include "pool.hpp"

namespace tenet::kernels {

namespace detail {

/// The pooling geometry of one strip: one window tall, one output row.
template <std::size_t H, std::size_t W, std::size_t C, std::size_t PH, std::size_t PW, std::size_t SH, std::size_t SW, std::size_t OH,
          std::size_t OW>
constexpr auto one_pooled_row(static_pool_dims<H, W, C, PH, PW, SH, SW, OH, OW>) {
  return static_pool_dims<PH, W, C, PH, PW, SH, SW, 1, OW>{};
}
constexpr pool_dims one_pooled_row(pool_dims d) {
  d.in_height = d.window_height;
  d.out_height = 1;
  return d;
}

}  // namespace detail

/// Whether conv2d_relu_max_pool_forward applies: the pooling reads the convolution's output,
/// and its windows do not overlap vertically (each convolution row is pooled once).
template <class ConvDims, class PoolDims>
constexpr bool fusable_conv2d_max_pool(const ConvDims& c, const PoolDims& p) {
  return p.in_height == c.out_height && p.in_width == c.out_width && p.channels == c.filters && p.stride_height == p.window_height;
}

/// Floats of the strip buffer conv2d_relu_max_pool_forward needs.
template <class ConvDims, class PoolDims>
constexpr std::size_t conv2d_max_pool_strip(const ConvDims& c, const PoolDims& p) {
  return p.window_height * c.out_width * c.filters;
}

namespace detail {

/// Whether conv2d_relu_max_pool_forward can keep the weights in registers and pool straight
/// from the accumulators (conv2d_relu_max_pool_resident): sizes known at compile time, at
/// most 4 weights per filter (a 2x2 kernel on one channel), whole registers of filters, and
/// pooling windows that tile the output (stride = window) with at most 8 pixels each.
template <class Arch, class ConvDims, class PoolDims>
inline constexpr bool pools_from_registers = false;
template <class Arch, std::size_t... C, std::size_t... P>
inline constexpr bool pools_from_registers<Arch, static_conv2d_dims<C...>, static_pool_dims<P...>> = [] {
  using cd = static_conv2d_dims<C...>;
  using pd = static_pool_dims<P...>;
  return fusable_conv2d_max_pool(cd{}, pd{}) && cd::kernel_height * cd::kernel_width * cd::channels <= 4 &&
         cd::filters % simd::lanes<Arch> == 0 && pd::stride_width == pd::window_width && pd::window_height * pd::window_width <= 8;
}();

/// `Pooled` neighbouring pooled pixels of one register of filters (`f`), starting at pooled
/// row `pr`, column `pc`: every convolution output under their windows is accumulated at
/// once (at most 8 accumulators, the 4 weight registers, a broadcast), each input of the
/// patch broadcast once and multiplied into every output whose window holds it. `Clipped`:
/// the patch reaches into the padding, so inputs outside the image are skipped (they are the
/// zeros of the padding). Each output still adds its taps in the order (kh, kw, c) after the
/// bias, the order of conv2d_forward, so the bits are the same; ReLU then max pooling as the
/// two layers do them.
template <class Arch, std::size_t Pooled, bool Clipped, class CD, class PD>
TENET_ALWAYS_INLINE void conv2d_relu_pool_tile(const float* TENET_RESTRICT in, const simd::vfloat<Arch> (&w)[4], simd::vfloat<Arch> bias,
                                               float* TENET_RESTRICT out, std::size_t pr, std::size_t pc) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t KH = CD::kernel_height, KW = CD::kernel_width, C = CD::channels;
  constexpr std::size_t SH = CD::stride_height, SW = CD::stride_width;
  constexpr std::size_t PH = PD::window_height, PW = PD::window_width, window = PH * PW;
  constexpr std::size_t patch_rows = (PH - 1) * SH + KH, patch_cols = (Pooled * PW - 1) * SW + KW;
  const std::ptrdiff_t iy0 = static_cast<std::ptrdiff_t>(pr * PH * SH) - static_cast<std::ptrdiff_t>(CD::pad_top);
  const std::ptrdiff_t ix0 = static_cast<std::ptrdiff_t>(pc * PW * SW) - static_cast<std::ptrdiff_t>(CD::pad_left);
  V acc[Pooled][window];
#pragma GCC unroll 8
  for (std::size_t q = 0; q < Pooled; ++q)
#pragma GCC unroll 8
    for (std::size_t o = 0; o < window; ++o) acc[q][o] = bias;
#pragma GCC unroll 16
  for (std::size_t a = 0; a < patch_rows; ++a) {
    const std::ptrdiff_t iy = iy0 + static_cast<std::ptrdiff_t>(a);
    if (Clipped && (iy < 0 || iy >= static_cast<std::ptrdiff_t>(CD::in_height))) continue;
#pragma GCC unroll 32
    for (std::size_t b = 0; b < patch_cols; ++b) {
      const std::ptrdiff_t ix = ix0 + static_cast<std::ptrdiff_t>(b);
      if (Clipped && (ix < 0 || ix >= static_cast<std::ptrdiff_t>(CD::in_width))) continue;
      const float* x = in + (static_cast<std::size_t>(iy) * CD::in_width + static_cast<std::size_t>(ix)) * C;
#pragma GCC unroll 4
      for (std::size_t c = 0; c < C; ++c) {
        const V xv(x[c]);
#pragma GCC unroll 8
        for (std::size_t q = 0; q < Pooled; ++q)
#pragma GCC unroll 8
          for (std::size_t dy = 0; dy < PH; ++dy)
#pragma GCC unroll 8
            for (std::size_t dx = 0; dx < PW; ++dx) {
              // The tap of this output that reads input (a, b): a = dy * SH + kh, b = (q * PW + dx) * SW + kw.
              const std::size_t row0 = dy * SH, col0 = (q * PW + dx) * SW;
              if (a < row0 || a - row0 >= KH || b < col0 || b - col0 >= KW) continue;
              const std::size_t tap = ((a - row0) * KW + (b - col0)) * C + c;
              acc[q][dy * PW + dx] = simd::fma(xv, w[tap], acc[q][dy * PW + dx]);
            }
      }
    }
  }
#pragma GCC unroll 8
  for (std::size_t q = 0; q < Pooled; ++q) {
    // ReLU on each output first, as the separate layers do: max(NaN, 0) is 0 there.
    V m = simd::relu<Arch>(acc[q][0]);
#pragma GCC unroll 8
    for (std::size_t o = 1; o < window; ++o) m = xsimd::max(m, simd::relu<Arch>(acc[q][o]));
    simd::store<Arch>(out + q * CD::filters, m);
  }
}

/// Pooled rows [row_begin, row_end) of max_pool(relu(conv2d(in))) without a strip buffer,
/// when pools_from_registers: one register of filters at a time, its weights loaded once.
/// The seed CNN's first layers: 1.4-2.0 us through a strip, 0.87-1.1 us this way (the
/// convolution alone takes 0.86-1.1 us).
template <class Arch, class CD, class PD>
void conv2d_relu_max_pool_resident(const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights, const float* TENET_RESTRICT bias,
                                   float* TENET_RESTRICT out, std::size_t row_begin, std::size_t row_end) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  constexpr std::size_t taps = CD::kernel_height * CD::kernel_width * CD::channels;
  constexpr std::size_t PH = PD::window_height, PW = PD::window_width;
  constexpr std::size_t pooled = PH * PW <= 4 ? 2 : 1;  // pooled pixels per tile: 8 accumulators at most
  // Whether a tile's input patch stays inside the image (else it is clipped), by pooled
  // row and by the first pooled column of a tile.
  constexpr std::size_t patch_rows = (PH - 1) * CD::stride_height + CD::kernel_height;
  constexpr std::size_t patch_cols = (pooled * PW - 1) * CD::stride_width + CD::kernel_width;
  const auto row_inside = [](std::size_t pr) {
    const std::size_t y0 = pr * PH * CD::stride_height;
    return y0 >= CD::pad_top && y0 - CD::pad_top + patch_rows <= CD::in_height;
  };
  const auto tile_inside = [](std::size_t pc) {
    const std::size_t x0 = pc * PW * CD::stride_width;
    return x0 >= CD::pad_left && x0 - CD::pad_left + patch_cols <= CD::in_width;
  };
  for (std::size_t f = 0; f < CD::filters; f += L) {
    V w[4];
    for (std::size_t t = 0; t < taps; ++t) w[t] = simd::load<Arch>(weights + t * CD::filters + f);
    const V b = simd::load<Arch>(bias + f);
    for (std::size_t pr = row_begin; pr < row_end; ++pr) {
      float* out_row = out + pr * PD::out_width * CD::filters + f;
      const bool rows_in = row_inside(pr);
      std::size_t pc = 0;
      for (; pc + pooled <= PD::out_width; pc += pooled) {
        if (rows_in && tile_inside(pc)) conv2d_relu_pool_tile<Arch, pooled, false, CD, PD>(in, w, b, out_row + pc * CD::filters, pr, pc);
        else conv2d_relu_pool_tile<Arch, pooled, true, CD, PD>(in, w, b, out_row + pc * CD::filters, pr, pc);
      }
      for (; pc < PD::out_width; ++pc) conv2d_relu_pool_tile<Arch, 1, true, CD, PD>(in, w, b, out_row + pc * CD::filters, pr, pc);
    }
  }
}

}  // namespace detail

/// Pooled rows [row_begin, row_end) of max_pool(relu(conv2d(in))) for a convolution that
/// winograd_applies to, from its transformed weights `u` (conv2d_winograd_weights).
template <class Arch, class ConvDims, class PoolDims>
void conv2d_winograd_relu_max_pool_from(const ConvDims& c, const PoolDims& p, const float* TENET_RESTRICT in, const float* TENET_RESTRICT u,
                                        const float* TENET_RESTRICT bias, float* TENET_RESTRICT out, std::size_t row_begin,
                                        std::size_t row_end, float* TENET_RESTRICT strip) {
  if (p.window_height == 2 && p.window_width == 2 && p.stride_height == 2 && p.stride_width == 2) {
    conv2d_winograd_relu_max_pool<Arch>(c, in, u, bias, out, p.out_width, row_begin, row_end);
    return;
  }
  const auto strip_pool = detail::one_pooled_row(p);
  const std::size_t window = p.window_height;
  for (std::size_t r = row_begin; r < row_end; ++r) {
    conv2d_winograd_rows<Arch>(c, in, u, bias, strip, r * window, r * window + window, true);
    max_pool_forward<Arch>(strip_pool, strip, out + r * p.out_width * p.channels, 0, 1);
  }
}

/// Pooled rows [row_begin, row_end) of max_pool(relu(conv2d(in))). `out` is the pooling's
/// whole output [POH][POW][F]; `strip` holds conv2d_max_pool_strip floats (unused when the
/// weights fit in registers: detail::pools_from_registers). Convolution rows that no pooling
/// window reads (the last one of an odd height) are not computed.
template <class Arch, class ConvDims, class PoolDims>
void conv2d_relu_max_pool_forward(const ConvDims& c, const PoolDims& p, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                                  const float* TENET_RESTRICT bias, float* TENET_RESTRICT out, std::size_t row_begin, std::size_t row_end,
                                  float* TENET_RESTRICT strip) {
  // Winograd's 2x2 blocks (winograd.hpp): each one is a 2x2 pooling window of stride 2, pooled
  // straight from registers; other poolings pool strips of its rows. A generic lambda:
  // compiled only for the layers that take this path.
  const auto winograd = [&](const auto& conv) {
    with_winograd_weights<Arch>(conv, weights, [&](const float* u) {
      conv2d_winograd_relu_max_pool_from<Arch>(conv, p, in, u, bias, out, row_begin, row_end, strip);
    });
  };
  if constexpr (detail::winograd_static_dims<ConvDims>) {
    if constexpr (winograd_applies<Arch>(ConvDims{})) return winograd(c);
  } else if (winograd_applies<Arch>(c)) {
    return winograd(c);
  }
  if constexpr (detail::pools_from_registers<Arch, ConvDims, PoolDims>) {
    detail::conv2d_relu_max_pool_resident<Arch, ConvDims, PoolDims>(in, weights, bias, out, row_begin, row_end);
  } else {
    const auto strip_pool = detail::one_pooled_row(p);
    const std::size_t window = p.window_height;
    for (std::size_t r = row_begin; r < row_end; ++r) {
      detail::conv2d_forward_rows<Arch>(c, in, weights, bias, strip, r * window, r * window + window, true);
      max_pool_forward<Arch>(strip_pool, strip, out + r * p.out_width * p.channels, 0, 1);
    }
  }
}

}  // namespace tenet::kernels
