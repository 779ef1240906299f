#pragma once
/// Direct 2-D convolution, channels last, weights in Keras order [KH][KW][C][F].
///
/// One algorithm, two ways to call it: with `static_conv2d_dims<...>` every extent is a
/// compile-time constant and the compiler specializes the loops (this is what networks use);
/// with `conv2d_dims` the same code runs on run-time sizes (the generic baseline that
/// bench/ compares against). Single-threaded over a range of output rows; the layer decides
/// how rows are split across threads.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "../config.hpp"
#include "arch.hpp"
#include "winograd.hpp"

// g++ 12 at -O3 reports "iteration N invokes undefined behavior" for the tail loops below,
// with N near 2^63 / stride: it loses the link between the loop bounds and the buffer sizes
// after inlining. The bounds are exact (every kernel is tested against a reference under
// AddressSanitizer), so the warning is silenced here, for these kernels only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Waggressive-loop-optimizations"
#endif

namespace tenet::kernels {

/// Convolution geometry known at compile time.
template <std::size_t H, std::size_t W, std::size_t C, std::size_t F, std::size_t KH, std::size_t KW, std::size_t SH, std::size_t SW,
          std::size_t OH, std::size_t OW, std::size_t PadTop, std::size_t PadLeft>
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
  const std::ptrdiff_t hi = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(size), static_cast<std::ptrdiff_t>(extent) - origin);
  return {static_cast<std::size_t>(lo), static_cast<std::size_t>(std::max(lo, hi))};
}

/// `Blocks` SIMD registers of filters [f, f + Blocks * lanes) for one output pixel: the
/// accumulators stay in registers across all taps and channels.
template <class Arch, std::size_t Blocks, class Dims>
TENET_ALWAYS_INLINE void conv2d_pixel_vector(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                                             const float* TENET_RESTRICT bias, float* TENET_RESTRICT out, std::size_t f, std::ptrdiff_t ih0,
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
        for (std::size_t b = 0; b < Blocks; ++b) acc[b] = simd::fma(xv, simd::load<Arch>(w + c * d.filters + b * L), acc[b]);
      }
    }
  }
  for (std::size_t b = 0; b < Blocks; ++b) simd::store<Arch>(out + f + b * L, acc[b]);
}

/// Filters [f_begin, f_end) one at a time, for layers with fewer filters than SIMD lanes.
/// std::fma, not `+= x * w`: g++ contracts the latter into an FMA in some inlined copies and
/// not in others, and the fused and the separate passes must give the same bits.
template <class Dims>
TENET_ALWAYS_INLINE void conv2d_pixel_scalar(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                                             const float* TENET_RESTRICT bias, float* TENET_RESTRICT out, std::size_t f_begin,
                                             std::size_t f_end, std::ptrdiff_t ih0, std::ptrdiff_t iw0, tap_range rows, tap_range cols) {
  for (std::size_t f = f_begin; f < f_end; ++f) out[f] = bias[f];
  for (std::size_t kh = rows.begin; kh < rows.end; ++kh) {
    for (std::size_t kw = cols.begin; kw < cols.end; ++kw) {
      const float* x = in + ((static_cast<std::size_t>(ih0) + kh) * d.in_width + static_cast<std::size_t>(iw0) + kw) * d.channels;
      const float* w = weights + (kh * d.kernel_width + kw) * d.channels * d.filters;
      for (std::size_t c = 0; c < d.channels; ++c)
        for (std::size_t f = f_begin; f < f_end; ++f) out[f] = std::fma(x[c], w[c * d.filters + f], out[f]);
    }
  }
}

}  // namespace detail

namespace detail {

/// `Pixels` neighbouring output pixels of one row (all of whose taps lie inside the input)
/// times `Blocks` registers of filters: each weight register loaded is used `Pixels` times,
/// and Pixels x Blocks independent accumulators keep both FMA units busy.
template <class Arch, std::size_t Pixels, std::size_t Blocks, class Dims>
TENET_ALWAYS_INLINE void conv2d_pixels_vector(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                                              const float* TENET_RESTRICT bias, float* TENET_RESTRICT out, std::size_t f, std::size_t ih0,
                                              std::size_t iw0, tap_range rows) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  V acc[Pixels][Blocks];
  for (std::size_t b = 0; b < Blocks; ++b) {
    const V start = simd::load<Arch>(bias + f + b * L);
    for (std::size_t p = 0; p < Pixels; ++p) acc[p][b] = start;
  }
  const std::size_t pixel_step = d.stride_width * d.channels;
  for (std::size_t kh = rows.begin; kh < rows.end; ++kh) {
    for (std::size_t kw = 0; kw < d.kernel_width; ++kw) {
      const float* x = in + ((ih0 + kh) * d.in_width + iw0 + kw) * d.channels;
      const float* w = weights + (kh * d.kernel_width + kw) * d.channels * d.filters + f;
      for (std::size_t c = 0; c < d.channels; ++c) {
        V wv[Blocks];
        for (std::size_t b = 0; b < Blocks; ++b) wv[b] = simd::load<Arch>(w + c * d.filters + b * L);
        for (std::size_t p = 0; p < Pixels; ++p) {
          const V xv(x[p * pixel_step + c]);
          for (std::size_t b = 0; b < Blocks; ++b) acc[p][b] = simd::fma(xv, wv[b], acc[p][b]);
        }
      }
    }
  }
  for (std::size_t p = 0; p < Pixels; ++p)
    for (std::size_t b = 0; b < Blocks; ++b) simd::store<Arch>(out + p * d.filters + f + b * L, acc[p][b]);
}

/// Pixels per tile of the interior run for `n` interior pixels: 6, 5 or 4, whichever
/// covers the row in the fewest tiles (the remainder goes in tiles of 2 and 1), then the
/// smallest remainder. With two registers of filters that is 12, 10 or 8 accumulators;
/// 12 is the most that fit beside the two weight registers and a broadcast in AVX2's 16
/// registers, and the more independent chains, the closer the FMA units run to their peak.
constexpr std::size_t interior_tile_pixels(std::size_t n) {
  std::size_t best = 6, best_tiles = ~std::size_t{0}, best_rest = 0;
  for (std::size_t p : {6, 5, 4}) {
    const std::size_t rest = n % p, tiles = n / p + (rest + 1) / 2;
    if (tiles < best_tiles || (tiles == best_tiles && rest < best_rest)) {
      best = p;
      best_tiles = tiles;
      best_rest = rest;
    }
  }
  return best;
}

/// Output columns whose windows lie wholly inside the input (no padding taps).
template <class Dims>
constexpr tap_range interior_columns(const Dims& d) {
  const std::size_t ow_first = (d.pad_left + d.stride_width - 1) / d.stride_width;
  const std::size_t ow_last =
      d.in_width + d.pad_left >= d.kernel_width ? (d.in_width + d.pad_left - d.kernel_width) / d.stride_width + 1 : 0;
  const std::size_t begin = std::min(ow_first, d.out_width);
  return {begin, std::max(begin, std::min(ow_last, d.out_width))};
}

/// Whether `Dims` holds its sizes as compile-time constants (static_conv2d_dims).
template <class Dims>
struct is_static_conv2d_dims : std::false_type {};
template <std::size_t... Sizes>
struct is_static_conv2d_dims<static_conv2d_dims<Sizes...>> : std::true_type {};

/// The weights of two registers of filters for every tap and channel, when they fit in 8
/// registers (small single-channel kernels: a 2x2 kernel on a gray image).
template <class Arch, class Dims>
inline constexpr bool weights_fit_in_registers = false;
template <class Arch, std::size_t... Sizes>
inline constexpr bool weights_fit_in_registers<Arch, static_conv2d_dims<Sizes...>> =
    static_conv2d_dims<Sizes...>::kernel_height* static_conv2d_dims<Sizes...>::kernel_width* static_conv2d_dims<Sizes...>::channels <= 4 &&
    static_conv2d_dims<Sizes...>::filters % (2 * simd::lanes<Arch>) == 0;

/// conv2d_pixels_vector for such layers: the weights stay in registers for a whole run of
/// pixels, so the only loads are the inputs' broadcasts (the general tile reloads its two
/// weight registers per tap for every few pixels: with 4 taps of 1 channel, nearly as many
/// loads as FMAs). The deep CNN's first layer went from 2.74 to 1.8 us (62 -> ~95 % of
/// peak), the seed CNN's from 1.37 to 0.90 us. Same sums in the same order, so the same
/// bits. All taps must be inside the input.
template <class Arch, std::size_t Pixels, class Dims>
TENET_ALWAYS_INLINE void conv2d_pixels_resident(const Dims& d, const float* TENET_RESTRICT in,
                                                const simd::vfloat<Arch> (&w)[Dims::kernel_height * Dims::kernel_width * Dims::channels][2],
                                                const simd::vfloat<Arch> (&start)[2], float* TENET_RESTRICT out, std::size_t f,
                                                std::size_t ih0, std::size_t iw0) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  constexpr std::size_t KW = Dims::kernel_width, C = Dims::channels;
  V acc[Pixels][2];
  for (std::size_t p = 0; p < Pixels; ++p)
    for (std::size_t b = 0; b < 2; ++b) acc[p][b] = start[b];
  for (std::size_t kh = 0; kh < Dims::kernel_height; ++kh)
    for (std::size_t kw = 0; kw < KW; ++kw) {
      const float* x = in + ((ih0 + kh) * d.in_width + iw0 + kw) * C;
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t p = 0; p < Pixels; ++p) {
          const V xv(x[p * d.stride_width * C + c]);
          for (std::size_t b = 0; b < 2; ++b) acc[p][b] = simd::fma(xv, w[(kh * KW + kw) * C + c][b], acc[p][b]);
        }
    }
  for (std::size_t p = 0; p < Pixels; ++p)
    for (std::size_t b = 0; b < 2; ++b) simd::store<Arch>(out + p * d.filters + f + b * L, acc[p][b]);
}

/// conv2d_interior_run's pixels [ow_begin, ow_end) of a row whose whole windows lie inside
/// the input, for layers whose weights fit in registers. A function of its own, not inlined:
/// its loop keeps 15 registers live (8 of weights, 6 accumulators, a broadcast), and inlined
/// into the row loop beside the general tiles g++ spilled them to the stack (the deep CNN's
/// first layer 1.8 -> 3.1 us).
template <class Arch, class Dims>
TENET_NOINLINE void conv2d_resident_run(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                                        const float* TENET_RESTRICT bias, float* TENET_RESTRICT out_row, std::size_t ih0,
                                        std::size_t ow_begin, std::size_t ow_end) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  constexpr std::size_t taps = Dims::kernel_height * Dims::kernel_width * Dims::channels;
  constexpr std::size_t P = 3;  // 6 accumulators + 8 weight registers + a broadcast (1 and 2: within 5 %)
  for (std::size_t f = 0; f < d.filters; f += 2 * L) {
    V w[taps][2], start[2];
    for (std::size_t t = 0; t < taps; ++t)
      for (std::size_t b = 0; b < 2; ++b) w[t][b] = simd::load<Arch>(weights + t * d.filters + f + b * L);
    for (std::size_t b = 0; b < 2; ++b) start[b] = simd::load<Arch>(bias + f + b * L);
    std::size_t ow = ow_begin;
    for (; ow + P <= ow_end; ow += P)
      conv2d_pixels_resident<Arch, P>(d, in, w, start, out_row + ow * d.filters, f, ih0, ow * d.stride_width - d.pad_left);
    for (; ow < ow_end; ++ow)
      conv2d_pixels_resident<Arch, 1>(d, in, w, start, out_row + ow * d.filters, f, ih0, ow * d.stride_width - d.pad_left);
  }
}

/// Calls `tile.template operator()<Blocks>(at)` over [0, extent), a whole number of L-wide
/// registers: MaxBlocks registers at a time, then 4, 2 and 1 for what is left, so that a
/// tile keeps as many independent accumulators as the extent allows.
template <std::size_t L, std::size_t MaxBlocks, class Tile>
TENET_ALWAYS_INLINE void in_register_blocks(std::size_t extent, Tile&& tile) {
  std::size_t at = 0;
  for (; at + MaxBlocks * L <= extent; at += MaxBlocks * L) tile.template operator()<MaxBlocks>(at);
  if constexpr (MaxBlocks > 4) {
    if (at + 4 * L <= extent) {
      tile.template operator()<4>(at);
      at += 4 * L;
    }
  }
  if constexpr (MaxBlocks > 2) {
    if (at + 2 * L <= extent) {
      tile.template operator()<2>(at);
      at += 2 * L;
    }
  }
  for (; at < extent; at += L) tile.template operator()<1>(at);
}

/// `Pixels` (1 or 2) interior pixels with every filter, in tiles of Pixels x 8 / Pixels
/// registers of filters: the few pixels left at the end of a row after its full tiles. In
/// the row's tiles of 2 filter registers, a lone pixel would be 2 dependency chains, a
/// quarter of what two FMA units of 4-cycle latency need; here it is 8 (its weights are
/// FMA memory operands, each used once). Same sums in the same order as the row's tiles.
/// Requires whole registers of filters.
template <class Arch, std::size_t Pixels, class Dims>
TENET_ALWAYS_INLINE void conv2d_pixels_all_filters(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                                                   const float* TENET_RESTRICT bias, float* TENET_RESTRICT out, std::size_t ih0,
                                                   std::size_t iw0, tap_range rows) {
  in_register_blocks<simd::lanes<Arch>, 8 / Pixels>(d.filters, [&]<std::size_t Blocks>(std::size_t f) {
    conv2d_pixels_vector<Arch, Pixels, Blocks>(d, in, weights, bias, out, f, ih0, iw0, rows);
  });
}

/// All filters of the output pixels [ow_begin, ow_end) of row `oh`, which are interior:
/// every tap of their windows lies inside the input.
template <class Arch, class Dims>
TENET_ALWAYS_INLINE void conv2d_interior_run(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                                             const float* TENET_RESTRICT bias, float* TENET_RESTRICT out_row, std::size_t ih0,
                                             tap_range rows, std::size_t ow_begin, std::size_t ow_end) {
  constexpr std::size_t L = simd::lanes<Arch>;
  if constexpr (weights_fit_in_registers<Arch, Dims>) {
    if (rows.begin == 0 && rows.end == Dims::kernel_height)
      return conv2d_resident_run<Arch>(d, in, weights, bias, out_row, ih0, ow_begin, ow_end);
  }
  // With whole pairs of filter registers, the pixels left after the row's full tiles go
  // with all filters at once (conv2d_pixels_all_filters); otherwise in tiles of 2 and 1
  // pixels per block of filters. With compile-time sizes (the row is then always the
  // interior) that code exists only when pixels are left: beside the tiles of a layer that
  // never has any (LeNet-5's second), it changed how g++ allocated the tiles' registers,
  // 4.34 -> 5.0 us.
  const bool pairs_of_registers = [&] {
    if constexpr (is_static_conv2d_dims<Dims>::value) {
      constexpr tap_range interior = interior_columns(Dims{});
      constexpr std::size_t n = interior.end - interior.begin;
      return Dims::filters % (2 * L) == 0 && n % interior_tile_pixels(n) != 0;
    } else {
      return d.filters % (2 * L) == 0;
    }
  }();
  std::size_t rest_begin = ow_end;
  // Tiles of Pixels x Blocks registers of filters (Pixels * Blocks accumulators), then the
  // row's remainder.
  auto run_tiles = [&]<std::size_t Blocks, std::size_t Pixels>(std::size_t f) {
    std::size_t ow = ow_begin;
    for (; ow + Pixels <= ow_end; ow += Pixels)
      conv2d_pixels_vector<Arch, Pixels, Blocks>(d, in, weights, bias, out_row + ow * d.filters, f, ih0, ow * d.stride_width - d.pad_left,
                                                 rows);
    if (pairs_of_registers) {
      rest_begin = ow;
      return;
    }
    for (; ow + 2 <= ow_end; ow += 2)
      conv2d_pixels_vector<Arch, 2, Blocks>(d, in, weights, bias, out_row + ow * d.filters, f, ih0, ow * d.stride_width - d.pad_left, rows);
    if (ow < ow_end)
      conv2d_pixels_vector<Arch, 1, Blocks>(d, in, weights, bias, out_row + ow * d.filters, f, ih0, ow * d.stride_width - d.pad_left, rows);
  };
  // Blocks of two filter registers, or one (with twice the pixels) for the last register.
  // With compile-time sizes the tile width is a constant, and only that tile is compiled.
  auto run_block = [&]<std::size_t Blocks>(std::size_t f) {
    if constexpr (is_static_conv2d_dims<Dims>::value) {
      constexpr tap_range interior = interior_columns(Dims{});
      constexpr std::size_t pixels = interior_tile_pixels(interior.end - interior.begin);
      run_tiles.template operator()<Blocks, 2 * pixels / Blocks>(f);
    } else {
      switch (interior_tile_pixels(ow_end - ow_begin)) {
        case 6:
          run_tiles.template operator()<Blocks, 12 / Blocks>(f);
          break;
        case 5:
          run_tiles.template operator()<Blocks, 10 / Blocks>(f);
          break;
        default:
          run_tiles.template operator()<Blocks, 8 / Blocks>(f);
          break;
      }
    }
  };
  std::size_t f = 0;
  for (; f + 2 * L <= d.filters; f += 2 * L) run_block.template operator()<2>(f);
  if (f + L <= d.filters) {
    run_block.template operator()<1>(f);
    f += L;
  }
  // A partial last register: recompute the last L filters (the overlap gets identical
  // values), which keeps the tail vectorized without masks.
  if (f < d.filters) run_block.template operator()<1>(d.filters - L);
  if (pairs_of_registers) {
    std::size_t ow = rest_begin;
    for (; ow + 2 <= ow_end; ow += 2)
      conv2d_pixels_all_filters<Arch, 2>(d, in, weights, bias, out_row + ow * d.filters, ih0, ow * d.stride_width - d.pad_left, rows);
    if (ow < ow_end)
      conv2d_pixels_all_filters<Arch, 1>(d, in, weights, bias, out_row + ow * d.filters, ih0, ow * d.stride_width - d.pad_left, rows);
  }
}

/// Largest filter count for which single-channel convolutions vectorize over pixels.
inline constexpr std::size_t single_channel_max_filters = 8;

/// A single-channel, stride-1 convolution (a first layer on gray images) vectorized over
/// `lanes` neighbouring output pixels instead of over filters: with one input channel and few
/// filters (LeNet's 6), registers of filters would be mostly empty, while a row of pixels is
/// contiguous in the input. One accumulator per filter; the result is transposed to the
/// channels-last output at the end. All taps of these pixels' windows must be inside the
/// input horizontally; `rows` clips them vertically.
template <class Arch, class Dims>
TENET_ALWAYS_INLINE void conv2d_single_channel_block(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                                                     const float* TENET_RESTRICT bias, float* TENET_RESTRICT out_row, std::size_t ih0,
                                                     tap_range rows, std::size_t ow) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  constexpr std::size_t max_f = single_channel_max_filters;
  V acc[max_f];
  for (std::size_t f = 0; f < d.filters; ++f) acc[f] = V(bias[f]);
  const std::size_t iw0 = ow - d.pad_left;
  for (std::size_t kh = rows.begin; kh < rows.end; ++kh) {
    const float* x = in + (ih0 + kh) * d.in_width + iw0;
    const float* w = weights + kh * d.kernel_width * d.filters;
    for (std::size_t kw = 0; kw < d.kernel_width; ++kw) {
      const V xv = simd::load<Arch>(x + kw);
      for (std::size_t f = 0; f < d.filters; ++f) acc[f] = simd::fma(xv, V(w[kw * d.filters + f]), acc[f]);
    }
  }
  alignas(64) float lanes[max_f][L];
  for (std::size_t f = 0; f < d.filters; ++f) simd::store<Arch>(lanes[f], acc[f]);
  for (std::size_t p = 0; p < L; ++p)
    for (std::size_t f = 0; f < d.filters; ++f) out_row[(ow + p) * d.filters + f] = lanes[f][p];
}

/// Whether conv2d_forward_rows runs a single-channel layer (LeNet-5's first) on a copy of its
/// input rows with the padding columns written out as zeros (conv2d_single_channel_padded):
/// compile-time sizes, one channel, stride 1 along a row, at most 8 filters, a row at least
/// one register wide, and the copy within 32 KiB.
template <class Arch, class Dims>
inline constexpr bool single_channel_padded = false;
template <class Arch, std::size_t... Sizes>
inline constexpr bool single_channel_padded<Arch, static_conv2d_dims<Sizes...>> = [] {
  using d = static_conv2d_dims<Sizes...>;
  constexpr std::size_t rows = (d::out_height - 1) * d::stride_height + d::kernel_height;
  constexpr std::size_t padded_width = d::out_width + d::kernel_width - 1;
  return d::channels == 1 && d::stride_width == 1 && d::filters <= single_channel_max_filters && d::out_width >= simd::lanes<Arch> &&
         rows * padded_width <= 8192;
}();

/// Output rows [row_begin, row_end) of a single_channel_padded layer, vectorized over
/// neighbouring pixels like conv2d_single_channel_block, but on a copy of the input rows
/// padded with zeros left and right: every pixel then runs the vector code (the pixels near
/// the left and right edges went one filter at a time), in tiles of two registers of pixels
/// x up to 6 filters (12 accumulators; 7 or 8 filters: one register of pixels), each input
/// register loaded once per tap and kept in a register (load_to_register), and the result
/// transposed to channels-last in registers (simd::store_transposed). The padding's zeros
/// are multiplied in rather than skipped, as frameworks do: with finite weights a zero adds
/// nothing. Top and bottom padding is still skipped row by row. LeNet-5's first layer: 4.45
/// -> 2.8 us. Not inlined: inlined into the fused convolution + pooling's strip loop, g++
/// spilled two of the 12 accumulators to the stack, every FMA on them a store and a reload
/// (LeNet-5 batch-1 inference, min of 10 x 3 runs, A/B: 14.8-17.1 -> 12.9-15.9 us).
template <class Arch, class Dims>
TENET_NOINLINE void conv2d_single_channel_padded(const Dims& /*d: the sizes are Dims's constants*/, const float* TENET_RESTRICT in,
                                                 const float* TENET_RESTRICT weights, const float* TENET_RESTRICT bias,
                                                 float* TENET_RESTRICT rows_out, std::size_t row_begin, std::size_t row_end, bool relu) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  constexpr std::size_t F = Dims::filters, KH = Dims::kernel_height, KW = Dims::kernel_width;
  constexpr std::size_t OW = Dims::out_width, H = Dims::in_height, W = Dims::in_width;
  constexpr std::size_t padded_width = OW + KW - 1;
  constexpr std::size_t max_rows = (Dims::out_height - 1) * Dims::stride_height + KH;
  constexpr std::size_t copied = std::min(W, padded_width - std::min(Dims::pad_left, padded_width));
  constexpr std::size_t blocks = (OW + L - 1) / L;  // registers of pixels per row, the last one ending at OW
  constexpr std::size_t per_tile = F <= 6 ? 2 : 1;
  if (row_begin >= row_end) return;
  // Input rows the output rows read, clipped to the image.
  const std::ptrdiff_t top = static_cast<std::ptrdiff_t>(row_begin * Dims::stride_height) - static_cast<std::ptrdiff_t>(Dims::pad_top);
  const std::ptrdiff_t bottom =
      static_cast<std::ptrdiff_t>((row_end - 1) * Dims::stride_height + KH) - static_cast<std::ptrdiff_t>(Dims::pad_top);
  const std::size_t first = static_cast<std::size_t>(std::max<std::ptrdiff_t>(top, 0));
  const std::size_t last = static_cast<std::size_t>(std::min<std::ptrdiff_t>(bottom, static_cast<std::ptrdiff_t>(H)));
  alignas(64) float padded[max_rows * padded_width];
  for (std::size_t ih = first; ih < last; ++ih) {
    float* row = padded + (ih - first) * padded_width;
    std::fill_n(row, padded_width, 0.0f);
    std::copy_n(in + ih * W, copied, row + Dims::pad_left);
  }
  for (std::size_t oh = row_begin; oh < row_end; ++oh) {
    const std::ptrdiff_t ih0 = static_cast<std::ptrdiff_t>(oh * Dims::stride_height) - static_cast<std::ptrdiff_t>(Dims::pad_top);
    const tap_range rows = clip_window(ih0, KH, H);
    // Row ih0 + kh of the image is row ih0 + kh - first of the copy (unsigned arithmetic is
    // modular, so a negative ih0 is fine for the kept taps).
    const float* source = padded + (static_cast<std::size_t>(ih0) - first) * padded_width;
    float* out_row = rows_out + (oh - row_begin) * OW * F;
    for (std::size_t block = 0; block < blocks; block += per_tile) {
      constexpr auto start = [](std::size_t b) { return b + 1 < blocks ? b * L : OW - L; };
      const std::size_t n = std::min(per_tile, blocks - block);  // 1 for an odd last register
      V acc[per_tile][F];
      for (std::size_t t = 0; t < per_tile; ++t)
        for (std::size_t f = 0; f < F; ++f) acc[t][f] = V(bias[f]);
      for (std::size_t kh = rows.begin; kh < rows.end; ++kh) {
        const float* x = source + kh * padded_width;
        const float* w = weights + kh * KW * F;
        for (std::size_t kw = 0; kw < KW; ++kw) {
          V xv[per_tile];
          for (std::size_t t = 0; t < per_tile; ++t)  // an odd last register: its neighbour's pixels again, unused
            xv[t] = simd::load_to_register<Arch>(x + start(block + std::min(t, n - 1)) + kw);
          for (std::size_t f = 0; f < F; ++f) {
            const V wv(w[kw * F + f]);
            for (std::size_t t = 0; t < per_tile; ++t) acc[t][f] = simd::fma(xv[t], wv, acc[t][f]);
          }
        }
      }
      for (std::size_t t = 0; t < n; ++t) {
        if (relu)  // a following ReLU, as conv2d_forward_rows applies it
          for (std::size_t f = 0; f < F; ++f) acc[t][f] = simd::relu<Arch>(acc[t][f]);
        simd::store_transposed<Arch, F>(acc[t], out_row + start(block + t) * F);
      }
    }
  }
}

/// Output rows [row_begin, row_end) of a convolution into `rows_out`, which holds row
/// `row_begin` first (the whole output, or a strip of a few rows: see fused.hpp).
template <class Arch, class Dims>
void conv2d_forward_rows(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                         const float* TENET_RESTRICT bias, float* TENET_RESTRICT rows_out, std::size_t row_begin, std::size_t row_end,
                         bool relu) {
  constexpr std::size_t L = simd::lanes<Arch>;
  if constexpr (single_channel_padded<Arch, Dims>) {
    return conv2d_single_channel_padded<Arch>(d, in, weights, bias, rows_out, row_begin, row_end, relu);
  }
  const bool single_channel = d.channels == 1 && d.stride_width == 1 && d.filters <= single_channel_max_filters;
  if constexpr (!std::is_same_v<simd::half_width_t<Arch>, Arch>) {
    // Fewer filters than lanes (LeNet's 6): 128-bit registers fit them better.
    if (d.filters < L && !single_channel)
      return conv2d_forward_rows<simd::half_width_t<Arch>>(d, in, weights, bias, rows_out, row_begin, row_end, relu);
  }
  const tap_range interior = interior_columns(d);
  const std::size_t interior_begin = interior.begin, interior_end = interior.end;

  for (std::size_t oh = row_begin; oh < row_end; ++oh) {
    const std::ptrdiff_t ih0 = static_cast<std::ptrdiff_t>(oh * d.stride_height) - static_cast<std::ptrdiff_t>(d.pad_top);
    const tap_range rows = clip_window(ih0, d.kernel_height, d.in_height);
    float* out_row = rows_out + (oh - row_begin) * d.out_width * d.filters;
    auto edge_pixel = [&](std::size_t ow) {
      const std::ptrdiff_t iw0 = static_cast<std::ptrdiff_t>(ow * d.stride_width) - static_cast<std::ptrdiff_t>(d.pad_left);
      const detail::tap_range cols = detail::clip_window(iw0, d.kernel_width, d.in_width);
      float* o = out_row + ow * d.filters;
      if (d.filters < L) {
        detail::conv2d_pixel_scalar(d, in, weights, bias, o, 0, d.filters, ih0, iw0, rows, cols);
        return;
      }
      // Several registers of filters at once: a single register would be one dependency
      // chain through every tap and channel, four times slower than the interior pixels.
      std::size_t f = 0;
      for (; f + 4 * L <= d.filters; f += 4 * L) detail::conv2d_pixel_vector<Arch, 4>(d, in, weights, bias, o, f, ih0, iw0, rows, cols);
      if (f + 2 * L <= d.filters) {
        detail::conv2d_pixel_vector<Arch, 2>(d, in, weights, bias, o, f, ih0, iw0, rows, cols);
        f += 2 * L;
      }
      for (; f + L <= d.filters; f += L) detail::conv2d_pixel_vector<Arch, 1>(d, in, weights, bias, o, f, ih0, iw0, rows, cols);
      if (f < d.filters) detail::conv2d_pixel_vector<Arch, 1>(d, in, weights, bias, o, d.filters - L, ih0, iw0, rows, cols);
    };
    for (std::size_t ow = 0; ow < interior_begin; ++ow) edge_pixel(ow);
    if (single_channel) {
      std::size_t ow = interior_begin;
      for (; ow + L <= interior_end; ow += L)
        detail::conv2d_single_channel_block<Arch>(d, in, weights, bias, out_row, static_cast<std::size_t>(ih0), rows, ow);
      for (; ow < interior_end; ++ow) edge_pixel(ow);
    } else if (d.filters >= L && interior_begin < interior_end) {
      // ih0 is negative in the top padding; as an unsigned origin it wraps, and origin + kh is
      // exact again for the taps kept by `rows` (unsigned arithmetic is modular).
      detail::conv2d_interior_run<Arch>(d, in, weights, bias, out_row, static_cast<std::size_t>(ih0), rows, interior_begin, interior_end);
    } else {
      for (std::size_t ow = interior_begin; ow < interior_end; ++ow) edge_pixel(ow);
    }
    for (std::size_t ow = interior_end; ow < d.out_width; ++ow) edge_pixel(ow);
    if (relu) {  // a following ReLU, applied while the row is still in L1
      const std::size_t n = d.out_width * d.filters, vector_end = n - n % L;
      for (std::size_t k = 0; k < vector_end; k += L) simd::store<Arch>(out_row + k, simd::relu<Arch>(simd::load<Arch>(out_row + k)));
      for (std::size_t k = vector_end; k < n; ++k) out_row[k] = out_row[k] > 0.0f ? out_row[k] : 0.0f;
    }
  }
}

}  // namespace detail

/// Output rows [row_begin, row_end) of a convolution: out = bias + sum over taps of in * weights,
/// then max(out, 0) with `relu` (a convolution followed by a ReLU layer, in inference).
/// `in` is [H][W][C], `weights` [KH][KW][C][F], `bias` [F], `out` [OH][OW][F].
template <class Arch, class Dims>
void conv2d_forward(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights, const float* TENET_RESTRICT bias,
                    float* TENET_RESTRICT out, std::size_t row_begin, std::size_t row_end, bool relu = false) {
  float* rows_out = out + row_begin * d.out_width * d.filters;
  // A generic lambda: compiled only for the layers that take this path.
  const auto winograd = [&](const auto& dims) {
    with_winograd_weights<Arch>(dims, weights,
                                [&](const float* u) { conv2d_winograd_rows<Arch>(dims, in, u, bias, rows_out, row_begin, row_end, relu); });
  };
  if constexpr (detail::winograd_static_dims<Dims>) {
    if constexpr (winograd_applies<Arch>(Dims{})) return winograd(d);
  } else if (winograd_applies<Arch>(d)) {
    return winograd(d);
  }
  detail::conv2d_forward_rows<Arch>(d, in, weights, bias, rows_out, row_begin, row_end, relu);
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

/// The weight gradient of a layer whose weights for two filter registers fit in 8 registers
/// (weights_fit_in_registers: 2x2 on one channel), every tap at once: for each output
/// pixel, its two registers of output gradient times each tap's input, into taps x 2
/// accumulators. Tap by tap (conv2d_weight_tile) a single channel gives 2 FMAs per 3 loads;
/// here 8 FMAs per 6. Pixels where some tap falls in the padding are added after, with their
/// taps inside the input, into the same accumulators.
/// The bias gradient is summed in the same pass, from the output gradient registers already
/// loaded (2 adds per pixel beside 8 FMAs): as a pass of its own, each register's sum went
/// through memory once per pixel.
template <class Arch, class Dims>
void conv2d_weight_grad_resident(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT grad_out,
                                 float* TENET_RESTRICT grad_weights, float* TENET_RESTRICT grad_bias) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  constexpr std::size_t KH = Dims::kernel_height, KW = Dims::kernel_width, C = Dims::channels;
  constexpr std::size_t taps = KH * KW * C;
  // Output pixels every tap reaches: the intersection of each tap's range.
  tap_range rows{0, d.out_height}, cols{0, d.out_width};
  for (std::size_t kh = 0; kh < KH; ++kh) {
    const tap_range r = outputs_reaching(kh, d.pad_top, d.stride_height, d.in_height, d.out_height);
    rows = {std::max(rows.begin, r.begin), std::min(rows.end, r.end)};
  }
  for (std::size_t kw = 0; kw < KW; ++kw) {
    const tap_range c = outputs_reaching(kw, d.pad_left, d.stride_width, d.in_width, d.out_width);
    cols = {std::max(cols.begin, c.begin), std::min(cols.end, c.end)};
  }
  const bool has_interior = rows.begin < rows.end && cols.begin < cols.end;
  for (std::size_t f = 0; f < d.filters; f += 2 * L) {
    V acc[taps][2];
    for (auto& t : acc) t[0] = t[1] = V(0.0f);
    V bias0(0.0f), bias1(0.0f);
    if (has_interior)
      for (std::size_t oh = rows.begin; oh < rows.end; ++oh)
        for (std::size_t ow = cols.begin; ow < cols.end; ++ow) {
          const float* g = grad_out + (oh * d.out_width + ow) * d.filters + f;
          const V g0 = simd::load_to_register<Arch>(g), g1 = simd::load_to_register<Arch>(g + L);  // reused per tap
          bias0 += g0;
          bias1 += g1;
          const float* x = in + ((oh * d.stride_height - d.pad_top) * d.in_width + ow * d.stride_width - d.pad_left) * C;
          for (std::size_t kh = 0; kh < KH; ++kh)
            for (std::size_t kw = 0; kw < KW; ++kw)
              for (std::size_t c = 0; c < C; ++c) {
                const V xv(x[(kh * d.in_width + kw) * C + c]);
                const std::size_t t = (kh * KW + kw) * C + c;
                acc[t][0] = simd::fma(xv, g0, acc[t][0]);
                acc[t][1] = simd::fma(xv, g1, acc[t][1]);
              }
        }
    // The pixels outside the interior (an image's last row and column, for a 2x2 kernel that
    // pads after), into the same accumulators, each with the taps that fall inside the
    // input. (A pass per tap over them, each its own chain of FMAs with a test per pixel,
    // took a quarter of the deep CNN's first-layer backward for 7 % of its pixels.)
    const auto border_pixel = [&](std::size_t oh, std::size_t ow) {
      const float* g = grad_out + (oh * d.out_width + ow) * d.filters + f;
      const V g0 = simd::load<Arch>(g), g1 = simd::load<Arch>(g + L);
      bias0 += g0;
      bias1 += g1;
      for (std::size_t kh = 0; kh < KH; ++kh) {
        const std::size_t iy = oh * d.stride_height + kh - d.pad_top;  // wraps around above the image
        if (iy >= d.in_height) continue;
        for (std::size_t kw = 0; kw < KW; ++kw) {
          const std::size_t ix = ow * d.stride_width + kw - d.pad_left;
          if (ix >= d.in_width) continue;
          for (std::size_t c = 0; c < C; ++c) {
            const V xv(in[(iy * d.in_width + ix) * C + c]);
            const std::size_t t = (kh * KW + kw) * C + c;
            acc[t][0] = simd::fma(xv, g0, acc[t][0]);
            acc[t][1] = simd::fma(xv, g1, acc[t][1]);
          }
        }
      }
    };
    for (std::size_t oh = 0; oh < d.out_height; ++oh) {
      if (has_interior && oh >= rows.begin && oh < rows.end) {
        for (std::size_t ow = 0; ow < cols.begin; ++ow) border_pixel(oh, ow);
        for (std::size_t ow = cols.end; ow < d.out_width; ++ow) border_pixel(oh, ow);
      } else {
        for (std::size_t ow = 0; ow < d.out_width; ++ow) border_pixel(oh, ow);
      }
    }
    for (std::size_t t = 0; t < taps; ++t) {
      float* gw = grad_weights + t * d.filters + f;
      simd::store<Arch>(gw, simd::load<Arch>(gw) + acc[t][0]);
      simd::store<Arch>(gw + L, simd::load<Arch>(gw + L) + acc[t][1]);
    }
    simd::store<Arch>(grad_bias + f, simd::load<Arch>(grad_bias + f) + bias0);
    simd::store<Arch>(grad_bias + f + L, simd::load<Arch>(grad_bias + f + L) + bias1);
  }
}

/// grad_weights[tap][c0 + i][f0 + j] += sum over output pixels of x[pixel(tap)][c0 + i] *
/// g[pixel][f0 + j], for a tile of CB channels and FB registers of filters kept in registers.
template <class Arch, std::size_t CB, std::size_t FB, class Dims>
TENET_ALWAYS_INLINE void conv2d_weight_tile(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT grad_out,
                                            float* TENET_RESTRICT gw, std::size_t kh, std::size_t kw, std::size_t c0, std::size_t f0,
                                            tap_range rows, tap_range cols) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  // Small tiles (one channel, as in a first layer) would be one long dependency chain per
  // register; S partial sums over alternating pixels give 8 chains in all.
  constexpr std::size_t S = CB * FB >= 8 ? 1 : 8 / (CB * FB);
  V acc[S][CB][FB];
  for (std::size_t s = 0; s < S; ++s)
    for (std::size_t i = 0; i < CB; ++i)
      for (std::size_t j = 0; j < FB; ++j) acc[s][i][j] = V(0.0f);
  auto add_pixel = [&](std::size_t s, std::size_t oh, std::size_t ow, std::size_t ih) {
    const std::size_t iw = ow * d.stride_width + kw - d.pad_left;
    const float* x = in + (ih * d.in_width + iw) * d.channels + c0;
    const float* g = grad_out + (oh * d.out_width + ow) * d.filters + f0;
    V gv[FB];
    for (std::size_t j = 0; j < FB; ++j) gv[j] = simd::load<Arch>(g + j * L);
    for (std::size_t i = 0; i < CB; ++i) {
      const V xv(x[i]);
      for (std::size_t j = 0; j < FB; ++j) acc[s][i][j] = simd::fma(xv, gv[j], acc[s][i][j]);
    }
  };
  const std::size_t span = cols.end - cols.begin, full = span - span % S;
  for (std::size_t oh = rows.begin; oh < rows.end; ++oh) {
    const std::size_t ih = oh * d.stride_height + kh - d.pad_top;
    for (std::size_t k = 0; k < full; k += S)
      for (std::size_t s = 0; s < S; ++s) add_pixel(s, oh, cols.begin + k + s, ih);
    for (std::size_t k = full; k < span; ++k) add_pixel(0, oh, cols.begin + k, ih);
  }
  for (std::size_t i = 0; i < CB; ++i)
    for (std::size_t j = 0; j < FB; ++j) {
      V sum = simd::load<Arch>(gw + (c0 + i) * d.filters + f0 + j * L);
      for (std::size_t s = 0; s < S; ++s) sum += acc[s][i][j];
      simd::store<Arch>(gw + (c0 + i) * d.filters + f0 + j * L, sum);
    }
}

}  // namespace detail

namespace detail {

/// grad_in[pixel_p][c0 + ...] += sum_f g_p[f] * wt[f][c0 + ...] for `Pixels` output pixels of
/// one row (whose tap lands at input pixels `Pixels` apart by the stride) and `Blocks`
/// registers of channels. `wt` is one tap of the transposed weights, rows of `row` floats.
template <class Arch, std::size_t Pixels, std::size_t Blocks, class Dims>
TENET_ALWAYS_INLINE void conv2d_input_grad_tile(const Dims& d, const float* TENET_RESTRICT g, const float* TENET_RESTRICT wt,
                                                std::size_t row, float* TENET_RESTRICT gi, std::size_t c0) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  const std::size_t gi_step = d.stride_width * d.channels;
  V acc[Pixels][Blocks];
  for (std::size_t p = 0; p < Pixels; ++p)
    for (std::size_t b = 0; b < Blocks; ++b) acc[p][b] = simd::load<Arch>(gi + p * gi_step + c0 + b * L);
  for (std::size_t f = 0; f < d.filters; ++f) {
    V wv[Blocks];
    for (std::size_t b = 0; b < Blocks; ++b) wv[b] = simd::load<Arch>(wt + f * row + c0 + b * L);
    for (std::size_t p = 0; p < Pixels; ++p) {
      const V gv(g[p * d.filters + f]);
      for (std::size_t b = 0; b < Blocks; ++b) acc[p][b] = simd::fma(gv, wv[b], acc[p][b]);
    }
  }
  for (std::size_t p = 0; p < Pixels; ++p)
    for (std::size_t b = 0; b < Blocks; ++b) simd::store<Arch>(gi + p * gi_step + c0 + b * L, acc[p][b]);
}

/// `Pixels` (1 or 2) pixels of conv2d_input_grad_tile with every channel, Pixels x 8 / Pixels
/// registers at a time: the pixels a row leaves after its full tiles (see
/// conv2d_pixels_all_filters). Same sums in the same order. Requires whole registers of
/// channels. Not inlined: the input gradient's loops measured faster without it inline.
template <class Arch, std::size_t Pixels, class Dims>
TENET_NOINLINE void conv2d_input_grad_all_channels(const Dims& d, const float* TENET_RESTRICT g, const float* TENET_RESTRICT wt,
                                                   std::size_t row, float* TENET_RESTRICT gi) {
  in_register_blocks<simd::lanes<Arch>, 8 / Pixels>(
      d.channels, [&]<std::size_t Blocks>(std::size_t c) { conv2d_input_grad_tile<Arch, Pixels, Blocks>(d, g, wt, row, gi, c); });
}

/// The same for fewer channels than lanes: one register over the zero-padded row of `wt`,
/// of which the first `d.channels` lanes are added to grad_in.
template <class Arch, class Dims>
TENET_ALWAYS_INLINE void conv2d_input_grad_short(const Dims& d, const float* TENET_RESTRICT g, const float* TENET_RESTRICT wt,
                                                 std::size_t row, float* TENET_RESTRICT gi) {
  using V = simd::vfloat<Arch>;
  V acc0(0.0f), acc1(0.0f);  // two chains: the sum over filters is a latency-bound reduction
  std::size_t f = 0;
  for (; f + 2 <= d.filters; f += 2) {
    acc0 = simd::fma(V(g[f]), simd::load<Arch>(wt + f * row), acc0);
    acc1 = simd::fma(V(g[f + 1]), simd::load<Arch>(wt + (f + 1) * row), acc1);
  }
  if (f < d.filters) acc0 = simd::fma(V(g[f]), simd::load<Arch>(wt + f * row), acc0);
  alignas(64) float sum[simd::lanes<Arch>];
  simd::store<Arch>(sum, acc0 + acc1);
  for (std::size_t c = 0; c < d.channels; ++c) gi[c] += sum[c];
}

/// `Pixels` pixels of conv2d_input_grad_short at once, for independent accumulator chains.
/// Each register spans one pixel's channels and then the next pixels' first channels: the
/// zero-padded weight rows leave those lanes at the values loaded, and the pixels are stored
/// in increasing order, so each pixel's own store comes last and the lanes past the last
/// pixel write back what they held. The caller guarantees that the last register ends
/// inside grad_in, and that no two of the pixels coincide.
template <class Arch, std::size_t Pixels, class Dims>
TENET_ALWAYS_INLINE void conv2d_input_grad_short_tile(const Dims& d, const float* TENET_RESTRICT g, const float* TENET_RESTRICT wt,
                                                      std::size_t row, float* gi) {
  using V = simd::vfloat<Arch>;
  const std::size_t gi_step = d.stride_width * d.channels;
  V acc[Pixels];
  for (std::size_t p = 0; p < Pixels; ++p) acc[p] = simd::load<Arch>(gi + p * gi_step);
  for (std::size_t f = 0; f < d.filters; ++f) {
    const V wv = simd::load<Arch>(wt + f * row);
    for (std::size_t p = 0; p < Pixels; ++p) acc[p] = simd::fma(V(g[p * d.filters + f]), wv, acc[p]);
  }
  for (std::size_t p = 0; p < Pixels; ++p) simd::store<Arch>(gi + p * gi_step, acc[p]);
}

/// Calls tile.template operator()<N>() for the run-time width n in [Min, Max]: the row
/// loops below pick a tile width at run time, each width a compile-time register count.
template <std::size_t Min, std::size_t Max, class Tile>
TENET_ALWAYS_INLINE void with_tile_width(std::size_t n, Tile&& tile) {
  [&]<std::size_t... N>(std::index_sequence<N...>) { (void)((n == Min + N ? (tile.template operator()<Min + N>(), true) : false) || ...); }
  (std::make_index_sequence<Max - Min + 1>{});
}

/// How many of the `left` pixels of a row the next tile of at most `max` takes: all when they
/// fit, half (rounded up) when two tiles do, else `max`; so a row never ends with a tile much
/// narrower than the others.
constexpr std::size_t next_tile_width(std::size_t left, std::size_t max) {
  return left <= max ? left : left < 2 * max ? (left + 1) / 2 : max;
}

/// conv2d_input_grad_short_tile for two neighbouring taps of a kernel row at once (stride 1:
/// tap kw + 1 of output pixel p lands where tap kw of pixel p + 1 does): Pixels + 1
/// accumulators, each broadcast output gradient used by two FMAs. One tap at a time, every
/// FMA needed a broadcast of its own, and the loads, not the FMAs, set the pace (LeNet-5's
/// second layer: 11 loads per 10 FMAs).
template <class Arch, std::size_t Pixels, class Dims>
TENET_ALWAYS_INLINE void conv2d_input_grad_short_pair_tile(const Dims& d, const float* TENET_RESTRICT g, const float* TENET_RESTRICT wt0,
                                                           const float* TENET_RESTRICT wt1, std::size_t row, float* gi) {
  using V = simd::vfloat<Arch>;
  V acc[Pixels + 1];
  for (std::size_t q = 0; q <= Pixels; ++q) acc[q] = simd::load<Arch>(gi + q * d.channels);
  for (std::size_t f = 0; f < d.filters; ++f) {
    const V w0 = simd::load_to_register<Arch>(wt0 + f * row), w1 = simd::load_to_register<Arch>(wt1 + f * row);
    for (std::size_t p = 0; p < Pixels; ++p) {
      const V gv(g[p * d.filters + f]);
      acc[p] = simd::fma(gv, w0, acc[p]);
      acc[p + 1] = simd::fma(gv, w1, acc[p + 1]);
    }
  }
  for (std::size_t q = 0; q <= Pixels; ++q) simd::store<Arch>(gi + q * d.channels, acc[q]);
}

/// Largest tile of conv2d_input_grad_short_pair_tile: 11 accumulators, two weight registers
/// and the broadcast.
inline constexpr std::size_t short_pair_tile_max_pixels = 10;

/// conv2d_input_grad_short_row for taps kw and kw + 1 (stride 1, the same output columns
/// [cols) reaching both), `gi_at` giving tap kw's input pixel: tiles of up to 10 pixels, cut
/// short where a tile's last register would end past grad_in; a pixel the cut leaves alone
/// runs each tap on its own.
template <class Arch, class Dims, class PixelAt>
TENET_ALWAYS_INLINE void conv2d_input_grad_short_pair_row(const Dims& d, const float* TENET_RESTRICT g_row, const float* TENET_RESTRICT wt0,
                                                          const float* TENET_RESTRICT wt1, std::size_t row, tap_range cols, PixelAt gi_at,
                                                          const float* grad_in_end) {
  constexpr std::size_t L = simd::lanes<Arch>, P = short_pair_tile_max_pixels;
  std::size_t ow = cols.begin;
  while (ow < cols.end) {
    std::size_t n = next_tile_width(cols.end - ow, P);
    while (n > 0 && gi_at(ow + n) + L > grad_in_end) --n;  // the last register, tap kw + 1's of pixel n - 1
    const float* g = g_row + ow * d.filters;
    float* gi = gi_at(ow);
    if (n == 0) {  // the row's last pixel, at the end of grad_in
      conv2d_input_grad_short<Arch>(d, g, wt0, row, gi);
      conv2d_input_grad_short<Arch>(d, g, wt1, row, gi + d.channels);
      n = 1;
    } else {
      with_tile_width<1, P>(n, [&]<std::size_t Pixels>() { conv2d_input_grad_short_pair_tile<Arch, Pixels>(d, g, wt0, wt1, row, gi); });
    }
    ow += n;
  }
}

/// Largest tile of conv2d_input_grad_short_tile: 12 accumulators, the weight register and
/// the broadcast output gradient in AVX2's 16 registers.
inline constexpr std::size_t short_tile_max_pixels = 12;

/// One row of output pixels [cols) of the input gradient with fewer channels than lanes, in
/// tiles of conv2d_input_grad_short_tile as wide as the registers allow: a row of up to 12
/// pixels in one tile, longer rows in tiles of equal size. A tile's accumulators are chains
/// of one FMA per filter, so a pixel left on its own (2 chains) costs as much as a tile of
/// 8: LeNet-5's second layer, 10 pixels a row, ran as a tile of 8 and two pixels alone.
/// A tile whose last register would end past grad_in is cut short there (the last pixel of
/// the last rows then runs alone).
template <class Arch, class Dims, class PixelAt>
TENET_ALWAYS_INLINE void conv2d_input_grad_short_row(const Dims& d, const float* TENET_RESTRICT g_row, const float* TENET_RESTRICT wt,
                                                     std::size_t row, tap_range cols, PixelAt gi_at, const float* grad_in_end) {
  constexpr std::size_t L = simd::lanes<Arch>, P = short_tile_max_pixels;
  std::size_t ow = cols.begin;
  while (ow < cols.end) {
    std::size_t n = next_tile_width(cols.end - ow, P);
    while (n > 1 && gi_at(ow + n - 1) + L > grad_in_end) --n;
    const float* g = g_row + ow * d.filters;
    float* gi = gi_at(ow);
    if (n == 1) conv2d_input_grad_short<Arch>(d, g, wt, row, gi);
    else with_tile_width<2, P>(n, [&]<std::size_t Pixels>() { conv2d_input_grad_short_tile<Arch, Pixels>(d, g, wt, row, gi); });
    ow += n;
  }
}

/// Taps per pass of conv2d_single_channel_weight_grad: two neighbouring taps of a kernel row
/// share each output gradient register (up to 6 filters: 12 accumulators, 2 inputs and the
/// gradient in AVX2's 16 registers).
constexpr std::size_t single_channel_taps_per_pass(std::size_t filters) { return filters <= 6 ? 2 : 1; }

/// The copies a single-channel weight gradient works on (conv2d_single_channel_weight_grad):
/// the output gradient transposed to [F][OH][row], each row zero-padded to whole registers,
/// and the input zero-padded so that every tap reaches every pixel of those rows.
template <class Arch, class Dims>
struct single_channel_copies {
  static constexpr std::size_t L = simd::lanes<Arch>;
  std::size_t row, gradient_floats, width, height;
  constexpr explicit single_channel_copies(const Dims& d)
      : row((d.out_width + L - 1) / L * L),
        gradient_floats(d.filters * d.out_height * row),
        width(row + d.kernel_width - 1),
        height((d.out_height - 1) * d.stride_height + d.kernel_height) {}
  constexpr std::size_t floats() const { return gradient_floats + width * height; }
};

/// Taps kw0 .. kw0 + Taps - 1 of kernel row kh of conv2d_single_channel_weight_grad: each
/// gradient register loaded is used by Taps accumulators (one tap alone: 7 loads per 6 FMAs,
/// and 6 chains of 4-cycle FMAs). The padded lanes of a row add 0 x 0.
template <class Arch, std::size_t Taps, class Dims>
TENET_ALWAYS_INLINE void conv2d_single_channel_tap_pass(const Dims& d, const single_channel_copies<Arch, Dims>& copies,
                                                        const float* TENET_RESTRICT padded, const float* TENET_RESTRICT g_t,
                                                        float* TENET_RESTRICT grad_weights, std::size_t kh, std::size_t kw0) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  constexpr std::size_t max_f = single_channel_max_filters;
  const std::size_t filter_stride = d.out_height * copies.row;
  V acc[Taps][max_f];
  for (std::size_t t = 0; t < Taps; ++t)
    for (std::size_t f = 0; f < d.filters; ++f) acc[t][f] = V(0.0f);
  for (std::size_t oh = 0; oh < d.out_height; ++oh) {
    const float* x = padded + (oh * d.stride_height + kh) * copies.width + kw0;
    const float* g = g_t + oh * copies.row;
    // Not unrolled: g++ unrolls a row of 4 registers and then spills accumulators.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 1
#endif
    for (std::size_t k = 0; k < copies.row; k += L) {
      V xv[Taps];
      for (std::size_t t = 0; t < Taps; ++t) xv[t] = simd::load_to_register<Arch>(x + k + t);
      for (std::size_t f = 0; f < d.filters; ++f) {
        const V gv = simd::load_to_register<Arch>(g + f * filter_stride + k);
        for (std::size_t t = 0; t < Taps; ++t) acc[t][f] = simd::fma(xv[t], gv, acc[t][f]);
      }
    }
  }
  for (std::size_t t = 0; t < Taps; ++t) {
    float* gw = grad_weights + (kh * d.kernel_width + kw0 + t) * d.filters;
    for (std::size_t f = 0; f < d.filters; ++f) gw[f] += simd::reduce_sum<Arch>(acc[t][f]);
  }
}

/// Weight gradient of a single-channel convolution with stride 1 along rows, vectorized over
/// pixels like its forward pass: grad_w[tap][f] += sum over pixels of x[pixel + tap] *
/// g[pixel][f], on the copies of single_channel_copies in `scratch`. Every tap runs over
/// whole registers of every row; two taps share a pass (LeNet-5's first layer, one tap at a
/// time over its own pixels with a masked register at each row's end: 38 % of peak).
template <class Arch, class Dims>
void conv2d_single_channel_weight_grad(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT grad_out,
                                       float* TENET_RESTRICT grad_weights, float* TENET_RESTRICT grad_bias, float* TENET_RESTRICT scratch) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  const single_channel_copies<Arch, Dims> copies(d);
  for (std::size_t f = 0; f < d.filters; ++f)
    for (std::size_t oh = 0; oh < d.out_height; ++oh) {
      float* dst = scratch + (f * d.out_height + oh) * copies.row;
      const float* src = grad_out + oh * d.out_width * d.filters + f;
      for (std::size_t ow = 0; ow < d.out_width; ++ow) dst[ow] = src[ow * d.filters];
      for (std::size_t ow = d.out_width; ow < copies.row; ++ow) dst[ow] = 0.0f;
    }
  // The bias gradient from the transposed rows, two chains per filter (pixel by pixel from
  // grad_out, a filter's sum was one chain of 784 dependent adds in LeNet-5's first layer).
  const std::size_t filter_floats = d.out_height * copies.row;  // a multiple of L
  for (std::size_t f = 0; f < d.filters; ++f) {
    const float* g = scratch + f * filter_floats;
    V sum0(0.0f), sum1(0.0f);
    std::size_t k = 0;
    for (; k + 2 * L <= filter_floats; k += 2 * L) {
      sum0 += simd::load<Arch>(g + k);
      sum1 += simd::load<Arch>(g + k + L);
    }
    if (k < filter_floats) sum0 += simd::load<Arch>(g + k);
    grad_bias[f] += simd::reduce_sum<Arch>(sum0 + sum1);
  }
  float* padded = scratch + copies.gradient_floats;
  for (std::size_t r = 0; r < copies.height; ++r)
    for (std::size_t c = 0; c < copies.width; ++c) {
      const std::size_t ih = r - d.pad_top, iw = c - d.pad_left;  // wraps around to a large value in the padding
      padded[r * copies.width + c] = ih < d.in_height && iw < d.in_width ? in[ih * d.in_width + iw] : 0.0f;
    }
  const std::size_t taps = single_channel_taps_per_pass(d.filters);
  for (std::size_t kh = 0; kh < d.kernel_height; ++kh) {
    std::size_t kw = 0;
    if (taps == 2)
      for (; kw + 2 <= d.kernel_width; kw += 2) conv2d_single_channel_tap_pass<Arch, 2>(d, copies, padded, scratch, grad_weights, kh, kw);
    for (; kw < d.kernel_width; ++kw) conv2d_single_channel_tap_pass<Arch, 1>(d, copies, padded, scratch, grad_weights, kh, kw);
  }
}

}  // namespace detail

/// C', the length of a filter's row of transposed weights ([KH][KW][F][C']): C, or one
/// register when C is shorter (zero-padded).
template <class Arch, class Dims>
constexpr std::size_t conv2d_transposed_row(const Dims& d) {
  return std::max(d.channels, simd::lanes<Arch>);
}

namespace detail {

/// The geometry of the input gradient of a 2x2, stride-1 convolution as a convolution of its
/// own (see conv2d_winograd_backward_weights), with compile-time sizes when `d` has them.
template <class Dims>
constexpr auto input_gradient_dims(const Dims& d) {
  if constexpr (is_static_conv2d_dims<Dims>::value)
    return static_conv2d_dims<Dims::out_height, Dims::out_width, Dims::filters, Dims::channels, 2, 2, 1, 1, Dims::in_height, Dims::in_width,
                              1, 1>{};
  else return conv2d_dims{d.out_height, d.out_width, d.filters, d.channels, 2, 2, 1, 1, d.in_height, d.in_width, 1, 1};
}

/// Whether conv2d_backward computes the input gradient by Winograd (winograd.hpp): a 2x2
/// kernel of stride 1 without padding before (so the gradient pads one before), and the
/// swapped geometry winograd_applies.
template <class Arch, class Dims>
constexpr bool winograd_input_gradient(const Dims& d) {
  return d.kernel_height == 2 && d.kernel_width == 2 && d.stride_height == 1 && d.stride_width == 1 && d.pad_top == 0 && d.pad_left == 0 &&
         winograd_applies<Arch>(input_gradient_dims(d));
}

}  // namespace detail

/// Floats of scratch conv2d_backward needs: the weights transposed to [KH][KW][F][C'], or
/// their Winograd transform (detail::winograd_input_gradient).
template <class Arch, class Dims>
constexpr std::size_t conv2d_backward_scratch(const Dims& d) {
  const std::size_t transposed_weights = detail::winograd_input_gradient<Arch>(d)
                                             ? winograd_weight_floats(d)
                                             : d.kernel_height * d.kernel_width * d.filters * conv2d_transposed_row<Arch>(d);
  // Single-channel layers also transpose the output gradient to [F][OH * OW] and copy the
  // input with zero padding.
  const std::size_t transposed_gradient = d.channels == 1 ? detail::single_channel_copies<Arch, Dims>(d).floats() : 0;
  return std::max(transposed_weights, transposed_gradient);
}

/// Whether conv2d_backward computes this layer's weight gradient with
/// conv2d_single_channel_weight_grad (which uses the scratch for copies of its own).
template <class Dims>
constexpr bool conv2d_single_channel_backward(const Dims& d) {
  return d.channels == 1 && d.stride_width == 1 && d.filters <= detail::single_channel_max_filters;
}

/// The weights as conv2d_backward's input gradient reads them, in `scratch`: transposed to
/// [KH][KW][F][C'] (conv2d_transposed_row), or the Winograd transform of the kernel turned
/// half a turn (detail::winograd_input_gradient).
template <class Arch, class Dims>
void conv2d_transpose_weights(const Dims& d, const float* TENET_RESTRICT weights, float* TENET_RESTRICT scratch) {
  if (detail::winograd_input_gradient<Arch>(d))
    return conv2d_winograd_backward_weights<Arch>(detail::input_gradient_dims(d), weights, scratch);
  const std::size_t taps = d.kernel_height * d.kernel_width;
  const std::size_t row = conv2d_transposed_row<Arch>(d);
  for (std::size_t t = 0; t < taps; ++t)
    for (std::size_t f = 0; f < d.filters; ++f) {
      float* dst = scratch + (t * d.filters + f) * row;
      for (std::size_t c = 0; c < d.channels; ++c) dst[c] = weights[(t * d.channels + c) * d.filters + f];
      for (std::size_t c = d.channels; c < row; ++c) dst[c] = 0.0f;
    }
}

/// Gradients of a convolution for one example. Accumulates (+=) into `grad_weights`
/// [KH][KW][C][F] and `grad_bias` [F]; when `grad_in` is not null, accumulates into it
/// [H][W][C] (the caller zeroes it first). `grad_out` is [OH][OW][F]; `scratch` holds
/// conv2d_backward_scratch<Arch>(d) floats. With `weights_transposed`, the scratch already
/// holds conv2d_transpose_weights of these weights (training prepares them once per group of
/// examples; not for conv2d_single_channel_backward layers, whose scratch holds other copies).
///
/// Both products are organized like the forward pass, with accumulators in registers:
/// the weight gradient per tap as a (channels x pixels) * (pixels x filters) product with a
/// tile of channels x filters in registers, the input gradient vectorized over channels with
/// the weights transposed so that channels are contiguous, several pixels at a time.
template <class Arch, class Dims>
void conv2d_backward(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT weights,
                     const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in, float* TENET_RESTRICT grad_weights,
                     float* TENET_RESTRICT grad_bias, float* TENET_RESTRICT scratch, bool weights_transposed = false) {
  constexpr std::size_t L = simd::lanes<Arch>;
  const std::size_t pixels = d.out_height * d.out_width;
  const std::size_t f_vector_end = d.filters - d.filters % L;

  // Bias: the sum of the output gradient over all pixels (conv2d_weight_grad_resident and
  // conv2d_single_channel_weight_grad sum it themselves).
  const bool single_channel = conv2d_single_channel_backward(d);
  if (!detail::weights_fit_in_registers<Arch, Dims> && !single_channel) {
    for (std::size_t p = 0; p < pixels; ++p) {
      const float* g = grad_out + p * d.filters;
      for (std::size_t f = 0; f < f_vector_end; f += L)
        simd::store<Arch>(grad_bias + f, simd::load<Arch>(grad_bias + f) + simd::load<Arch>(g + f));
      for (std::size_t f = f_vector_end; f < d.filters; ++f) grad_bias[f] += g[f];
    }
  }

  if (single_channel) {
    detail::conv2d_single_channel_weight_grad<Arch>(d, in, grad_out, grad_weights, grad_bias, scratch);
  } else if constexpr (detail::weights_fit_in_registers<Arch, Dims>) {
    detail::conv2d_weight_grad_resident<Arch>(d, in, grad_out, grad_weights, grad_bias);
  } else {
    // Weights, tap by tap, over the output pixels whose window includes that tap.
    for (std::size_t kh = 0; kh < d.kernel_height; ++kh) {
      const detail::tap_range rows = detail::outputs_reaching(kh, d.pad_top, d.stride_height, d.in_height, d.out_height);
      for (std::size_t kw = 0; kw < d.kernel_width; ++kw) {
        const detail::tap_range cols = detail::outputs_reaching(kw, d.pad_left, d.stride_width, d.in_width, d.out_width);
        float* gw = grad_weights + (kh * d.kernel_width + kw) * d.channels * d.filters;
        std::size_t f = 0;
        // Tiles of 6 channels x 2 registers of filters: 12 accumulators (see the forward pass).
        for (; f + 2 * L <= f_vector_end; f += 2 * L) {
          std::size_t c = 0;
          for (; c + 6 <= d.channels; c += 6) detail::conv2d_weight_tile<Arch, 6, 2>(d, in, grad_out, gw, kh, kw, c, f, rows, cols);
          if (c + 4 <= d.channels) {
            detail::conv2d_weight_tile<Arch, 4, 2>(d, in, grad_out, gw, kh, kw, c, f, rows, cols);
            c += 4;
          }
          if (c + 2 <= d.channels) {
            detail::conv2d_weight_tile<Arch, 2, 2>(d, in, grad_out, gw, kh, kw, c, f, rows, cols);
            c += 2;
          }
          if (c < d.channels) detail::conv2d_weight_tile<Arch, 1, 2>(d, in, grad_out, gw, kh, kw, c, f, rows, cols);
        }
        for (; f < f_vector_end; f += L) {
          std::size_t c = 0;
          for (; c + 4 <= d.channels; c += 4) detail::conv2d_weight_tile<Arch, 4, 1>(d, in, grad_out, gw, kh, kw, c, f, rows, cols);
          for (; c < d.channels; ++c) detail::conv2d_weight_tile<Arch, 1, 1>(d, in, grad_out, gw, kh, kw, c, f, rows, cols);
        }
        if (f_vector_end < d.filters) {  // filters past the last full register, one at a time
          for (std::size_t oh = rows.begin; oh < rows.end; ++oh)
            for (std::size_t ow = cols.begin; ow < cols.end; ++ow) {
              const float* x =
                  in + ((oh * d.stride_height + kh - d.pad_top) * d.in_width + ow * d.stride_width + kw - d.pad_left) * d.channels;
              const float* g = grad_out + (oh * d.out_width + ow) * d.filters;
              for (std::size_t c = 0; c < d.channels; ++c)
                for (std::size_t t = f_vector_end; t < d.filters; ++t) gw[c * d.filters + t] = std::fma(x[c], g[t], gw[c * d.filters + t]);
            }
        }
      }
    }
  }

  if (grad_in == nullptr) return;

  // Input: grad_in[pixel(tap)][c] += sum_f W[tap][c][f] * g[pixel][f], with the weights
  // transposed to [tap][f][c] (conv2d_transpose_weights).
  if (!weights_transposed) conv2d_transpose_weights<Arch>(d, weights, scratch);
  // A generic lambda: compiled only for the layers that take this path.
  const auto winograd = [&](const auto& gradient_dims) { conv2d_winograd_input_gradient<Arch>(gradient_dims, grad_out, scratch, grad_in); };
  if constexpr (detail::is_static_conv2d_dims<Dims>::value) {
    if constexpr (detail::winograd_input_gradient<Arch>(Dims{})) return winograd(detail::input_gradient_dims(d));
  } else if (detail::winograd_input_gradient<Arch>(d)) {
    return winograd(detail::input_gradient_dims(d));
  }
  const std::size_t row = conv2d_transposed_row<Arch>(d);
  const std::size_t c_vector_end = d.channels - d.channels % L;
  const float* const grad_in_end = grad_in + d.in_height * d.in_width * d.channels;
  // With compile-time sizes, the short-channel tiles (21 tile widths) are compiled only for
  // layers that have fewer channels than lanes.
  constexpr bool short_channels_possible = [] {
    if constexpr (detail::is_static_conv2d_dims<Dims>::value) return Dims::channels < L;
    else return true;
  }();
  for (std::size_t kh = 0; kh < d.kernel_height; ++kh) {
    const detail::tap_range rows = detail::outputs_reaching(kh, d.pad_top, d.stride_height, d.in_height, d.out_height);
    // The input-gradient row that output row oh reaches through tap row kh.
    const auto input_row = [&](std::size_t oh) { return grad_in + (oh * d.stride_height + kh - d.pad_top) * d.in_width * d.channels; };
    for (std::size_t kw = 0; kw < d.kernel_width; ++kw) {
      const detail::tap_range cols = detail::outputs_reaching(kw, d.pad_left, d.stride_width, d.in_width, d.out_width);
      const float* wt = scratch + (kh * d.kernel_width + kw) * d.filters * row;
      if constexpr (short_channels_possible) {
        // Taps kw and kw + 1 together where they reach the same output columns (stride 1).
        const auto reaches_same_columns = [&] {
          const detail::tap_range next = detail::outputs_reaching(kw + 1, d.pad_left, 1, d.in_width, d.out_width);
          return next.begin == cols.begin && next.end == cols.end && cols.begin < cols.end;
        };
        if (d.channels < L && d.stride_width == 1 && kw + 1 < d.kernel_width && reaches_same_columns()) {
          for (std::size_t oh = rows.begin; oh < rows.end; ++oh) {
            float* gi_row = input_row(oh);
            auto gi_at = [&](std::size_t ow) { return gi_row + (ow + kw - d.pad_left) * d.channels; };
            detail::conv2d_input_grad_short_pair_row<Arch>(d, grad_out + oh * d.out_width * d.filters, wt, wt + d.filters * row, row, cols,
                                                           gi_at, grad_in_end);
          }
          ++kw;
          continue;
        }
      }
      for (std::size_t oh = rows.begin; oh < rows.end; ++oh) {
        float* gi_row = input_row(oh);
        const float* g_row = grad_out + oh * d.out_width * d.filters;
        auto gi_at = [&](std::size_t ow) { return gi_row + (ow * d.stride_width + kw - d.pad_left) * d.channels; };
        if constexpr (short_channels_possible) {
          if (d.channels < L) {
            detail::conv2d_input_grad_short_row<Arch>(d, g_row, wt, row, cols, gi_at, grad_in_end);
            continue;
          }
        }
        // Channel blocks of 2 or 1 registers with 6 or 12 pixels: 12 accumulators (see the
        // forward pass), the row's remainder in tiles of 2 and 1 pixels; with whole pairs of
        // channel registers, the remainder with all channels at once.
        const bool pairs_of_registers = d.channels % (2 * L) == 0;
        std::size_t rest_begin = cols.end;
        auto run_block = [&]<std::size_t Blocks>(std::size_t c) {
          constexpr std::size_t P = 12 / Blocks;
          std::size_t ow = cols.begin;
          for (; ow + P <= cols.end; ow += P)
            detail::conv2d_input_grad_tile<Arch, P, Blocks>(d, g_row + ow * d.filters, wt, row, gi_at(ow), c);
          if (pairs_of_registers) {
            rest_begin = ow;
            return;
          }
          for (; ow + 2 <= cols.end; ow += 2)
            detail::conv2d_input_grad_tile<Arch, 2, Blocks>(d, g_row + ow * d.filters, wt, row, gi_at(ow), c);
          if (ow < cols.end) detail::conv2d_input_grad_tile<Arch, 1, Blocks>(d, g_row + ow * d.filters, wt, row, gi_at(ow), c);
        };
        std::size_t c = 0;
        for (; c + 2 * L <= c_vector_end; c += 2 * L) run_block.template operator()<2>(c);
        for (; c < c_vector_end; c += L) run_block.template operator()<1>(c);
        if (pairs_of_registers) {
          std::size_t ow = rest_begin;
          for (; ow + 2 <= cols.end; ow += 2)
            detail::conv2d_input_grad_all_channels<Arch, 2>(d, g_row + ow * d.filters, wt, row, gi_at(ow));
          if (ow < cols.end) detail::conv2d_input_grad_all_channels<Arch, 1>(d, g_row + ow * d.filters, wt, row, gi_at(ow));
        }
        for (; c < d.channels; ++c)  // channels past the last full register
          for (std::size_t ow = cols.begin; ow < cols.end; ++ow) {
            const float* g = g_row + ow * d.filters;
            float sum = 0.0f;
            for (std::size_t f = 0; f < d.filters; ++f) sum = std::fma(g[f], wt[f * row + c], sum);
            gi_at(ow)[c] += sum;
          }
      }
    }
  }
}

/// The architecture a convolution layer's kernels run at, every pass alike: `Arch`, or half
/// its width for a layer whose weights fit in registers at half width but not at `Arch`'s
/// (16 filters of a 2x2 kernel on one channel with AVX-512's 16 lanes: its register-resident
/// forward and weight-gradient paths take two registers of filters, the general ones reload
/// the weights for every few pixels).
template <class Arch, class Dims>
using conv2d_arch =
    std::conditional_t<!detail::weights_fit_in_registers<Arch, Dims> && detail::weights_fit_in_registers<simd::half_width_t<Arch>, Dims>,
                       simd::half_width_t<Arch>, Arch>;

}  // namespace tenet::kernels

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
