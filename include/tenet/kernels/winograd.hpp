#pragma once
/// 2x2 convolutions of stride 1 by Winograd's minimal filtering F(2x2, 2x2).
///
/// Direct, a 2x2 block of outputs costs 16 multiply-adds per channel and filter. Winograd's
/// algorithm transforms the 3x3 input patch under the block (V = Bt d B) and the 2x2 kernel
/// (U = G g Gt), multiplies them element by element (9 products), and transforms the 3x3
/// result back (Y = At M A): 9 multiply-adds per channel and filter, 1.78x fewer. Summed over
/// the channels, the 9 products are 9 small matrix products [tiles x C] x [C x F], run here as
/// register tiles like the direct convolution's (6 tiles x 2 registers of filters). The
/// transforms only add and subtract (F(2, 2): Bt = [1 -1 0; 0 1 0; 0 -1 1], G = [1 0; 1 1;
/// 0 1], At = [1 1 0; 0 1 1]), so the rounding differs from the direct sum by a few ulps
/// (tests compare both with the plain reference, with the tolerance of a sum).
///
/// Used where it pays and the layouts allow it (winograd_applies): 2x2 kernels, stride 1, no
/// padding before (valid, or same, which pads after), whole registers of channels and
/// filters, at least two registers of channels (with fewer, the transforms cost more than the
/// products save). The deep CNN's conv 2-4. FLOP counts and fractions of peak stay those of
/// the direct convolution, as frameworks report them.
///
/// Works on any Dims (static_conv2d_dims or conv2d_dims: the generic build runs the same
/// algorithm); callers see conv2d_forward and conv2d_relu_max_pool_forward only.

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "../config.hpp"
#include "arch.hpp"

namespace tenet::kernels {

/// Floats of the transformed weights U [9][channels][filters].
template <class Dims>
constexpr std::size_t winograd_weight_floats(const Dims& d) {
  return 9 * d.channels * d.filters;
}

/// At most this many floats of transformed weights (160 KiB on the stack; the deep CNN's
/// 64 -> 64 layer needs 144 KiB).
inline constexpr std::size_t winograd_max_weight_floats = 40 * 1024;

template <class Arch, class Dims>
constexpr bool winograd_applies(const Dims& d) {
  constexpr std::size_t L = simd::lanes<Arch>;
  return d.kernel_height == 2 && d.kernel_width == 2 && d.stride_height == 1 && d.stride_width == 1 && d.pad_top <= 1 && d.pad_left <= 1 &&
         d.channels >= 2 * L && d.channels % L == 0 && d.filters % L == 0 && d.out_height > 0 && d.out_width > 0 &&
         winograd_weight_floats(d) <= winograd_max_weight_floats;
}

namespace detail {

/// Whether every size of Dims is a compile-time constant: static_conv2d_dims holds them as
/// static members and nothing else (conv2d_dims holds them as data).
template <class Dims>
inline constexpr bool winograd_static_dims = std::is_empty_v<Dims>;

/// Tiles (2x2 output blocks) transformed and multiplied together: their transformed inputs,
/// 9 x 12 x channels floats (27 KiB for 64 channels), stay in L1 while every filter passes.
inline constexpr std::size_t winograd_chunk = 12;
/// The register tile of the products, from the registers `Arch` has: with 16 (AVX2), up to
/// 6 tiles x 2 registers of filters (12 accumulators, 2 weight registers and a broadcast);
/// with 32 (AVX-512), up to 4 registers of filters and 24 accumulators (6 x 4, 12 x 2): each
/// broadcast of an input feeds more FMAs, and the loads per FMA fall.
template <class Arch>
inline constexpr std::size_t winograd_max_blocks = simd::register_count<Arch> >= 32 ? 4 : 2;
template <class Arch, std::size_t Blocks>
inline constexpr std::size_t winograd_max_tiles = simd::register_count<Arch> >= 32 ? std::min<std::size_t>(winograd_chunk, 24 / Blocks) : 6;

/// U = G g Gt for every channel and filter: `u` is [9][C][F], ξ = 3 i + j.
template <class Arch, class Dims>
void winograd_transform_weights(const Dims& d, const float* TENET_RESTRICT weights, float* TENET_RESTRICT u) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  const std::size_t cf = d.channels * d.filters;
  for (std::size_t k = 0; k < cf; k += L) {  // k = c F + f; weights are [kh][kw][c][f]
    const V g00 = simd::load<Arch>(weights + k), g01 = simd::load<Arch>(weights + cf + k);
    const V g10 = simd::load<Arch>(weights + 2 * cf + k), g11 = simd::load<Arch>(weights + 3 * cf + k);
    const V top[3] = {g00, g00 + g01, g01};  // G along the kernel's columns, row kh = 0
    const V bottom[3] = {g10, g10 + g11, g11};
    for (std::size_t j = 0; j < 3; ++j) {  // then G along its rows
      simd::store<Arch>(u + j * cf + k, top[j]);
      simd::store<Arch>(u + (3 + j) * cf + k, top[j] + bottom[j]);
      simd::store<Arch>(u + (6 + j) * cf + k, bottom[j]);
    }
  }
}

/// V = Bt d B for the tile whose outputs start at (2 ty, 2 tx), every channel: written at
/// v + ξ * plane + c. Inputs outside the image are the zeros of the padding (or, for a valid
/// convolution of odd size, of an output row or column nobody keeps).
template <class Arch, class Dims>
TENET_ALWAYS_INLINE void winograd_input_tile(const Dims& d, const float* TENET_RESTRICT in, std::size_t ty, std::size_t tx,
                                             float* TENET_RESTRICT v, std::size_t plane) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  // The patch's first row and column, as unsigned: in the padding before, they wrap around,
  // and y0 + a < in_height is then false exactly for the rows outside (modular arithmetic).
  const std::size_t y0 = 2 * ty - d.pad_top, x0 = 2 * tx - d.pad_left;
  const bool inside = 2 * ty >= d.pad_top && 2 * tx >= d.pad_left && y0 + 2 < d.in_height && x0 + 2 < d.in_width;
  for (std::size_t c = 0; c < d.channels; c += L) {
    V x[3][3];
    for (std::size_t a = 0; a < 3; ++a)
      for (std::size_t b = 0; b < 3; ++b)
        x[a][b] = inside || (y0 + a < d.in_height && x0 + b < d.in_width)
                      ? simd::load<Arch>(in + ((y0 + a) * d.in_width + x0 + b) * d.channels + c)
                      : V(0.0f);
    V e[3][3];  // Bt along each row: (d0 - d1, d1, d2 - d1)
    for (std::size_t a = 0; a < 3; ++a) {
      e[a][0] = x[a][0] - x[a][1];
      e[a][1] = x[a][1];
      e[a][2] = x[a][2] - x[a][1];
    }
    for (std::size_t j = 0; j < 3; ++j) {  // then along each column
      simd::store<Arch>(v + j * plane + c, e[0][j] - e[1][j]);
      simd::store<Arch>(v + (3 + j) * plane + c, e[1][j]);
      simd::store<Arch>(v + (6 + j) * plane + c, e[2][j] - e[1][j]);
    }
  }
}

/// M[ξ][t][f .. f + Blocks L) = sum over channels of V[ξ][t][c] U[ξ][c][f ..] for one ξ and
/// Tiles tiles: one chain per (ξ, tile, filter) in channel order, however the tiles are
/// grouped, so the same bits for a tile whichever chunk or thread computes it. `v` and `u`
/// point at ξ's plane (and `u` at filter f), `m` at tile 0, filter f of ξ's plane of M
/// [9][chunk][F].
template <class Arch, std::size_t Tiles, std::size_t Blocks, class Dims>
TENET_ALWAYS_INLINE void winograd_multiply(const Dims& d, const float* TENET_RESTRICT v, const float* TENET_RESTRICT u,
                                           float* TENET_RESTRICT m) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  V acc[Tiles][Blocks];
  for (auto& tile : acc)
    for (auto& a : tile) a = V(0.0f);
#pragma GCC unroll 2
  for (std::size_t c = 0; c < d.channels; ++c) {
    V w[Blocks];
    for (std::size_t b = 0; b < Blocks; ++b) w[b] = simd::load_to_register<Arch>(u + c * d.filters + b * L);
    for (std::size_t t = 0; t < Tiles; ++t) {
      const V xv(v[t * d.channels + c]);
      for (std::size_t b = 0; b < Blocks; ++b) acc[t][b] = simd::fma(xv, w[b], acc[t][b]);
    }
  }
  for (std::size_t t = 0; t < Tiles; ++t)
    for (std::size_t b = 0; b < Blocks; ++b) simd::store<Arch>(m + t * d.filters + b * L, acc[t][b]);
}

/// winograd_multiply for one ξ, every filter and `n` tiles (1 to winograd_chunk), in
/// register tiles of at most winograd_max_tiles tiles, as even as possible (10 tiles in tiles
/// of 6: 5 + 5, not 6 + 4). ξ's transformed weights (C x F: 16 KiB for 64 x 64) are read from
/// L2 once and stay in L1 while every group of tiles passes.
template <class Arch, class Dims>
TENET_ALWAYS_INLINE void winograd_multiply_plane(const Dims& d, const float* TENET_RESTRICT v, const float* TENET_RESTRICT u,
                                                 float* TENET_RESTRICT m, std::size_t n) {
  constexpr std::size_t L = simd::lanes<Arch>;
  const auto run = [&]<std::size_t Blocks>(std::size_t f) {
    constexpr std::size_t max_tiles = winograd_max_tiles<Arch, Blocks>;
    const std::size_t groups = (n + max_tiles - 1) / max_tiles;
    std::size_t t = 0;
    for (std::size_t g = 0; g < groups; ++g) {
      const std::size_t size = n / groups + (g < n % groups ? 1 : 0);
      const float* vt = v + t * d.channels;
      float* mt = m + t * d.filters + f;
      // size (1 .. max_tiles) as a template argument
      [&]<std::size_t... T>(std::index_sequence<T...>) {
        (void)((size == T + 1 ? (winograd_multiply<Arch, T + 1, Blocks>(d, vt, u + f, mt), true) : false) || ...);
      }
      (std::make_index_sequence<max_tiles>{});
      t += size;
    }
  };
  std::size_t f = 0;
  if constexpr (winograd_max_blocks<Arch> >= 4)
    for (; f + 4 * L <= d.filters; f += 4 * L) run.template operator()<4>(f);
  for (; f + 2 * L <= d.filters; f += 2 * L) run.template operator()<2>(f);
  if (f < d.filters) run.template operator()<1>(f);  // one register of filters left
}

/// What is done with a tile's 2x2 outputs: stored as rows (optionally rectified), or
/// rectified and max-pooled into one pooled pixel (a 2x2 pooling of stride 2 after a ReLU).
/// rows_add: added to the rows already there, without a bias (an input gradient).
enum class winograd_output { rows, rows_relu, relu_max_pool, rows_add };

/// The chunk's outputs: Y = At M A + bias, then `Out`. rows: `out` holds output row
/// `row_begin` first; only rows [row_begin, row_end) and columns < out_width are written.
/// relu_max_pool: `out` is the pooling's whole output, `tiles_per_row` pixels a row.
template <class Arch, winograd_output Out, class Dims>
TENET_ALWAYS_INLINE void winograd_output_chunk(const Dims& d, const float* TENET_RESTRICT m, std::size_t mplane,
                                               const float* TENET_RESTRICT bias, float* TENET_RESTRICT out, std::size_t first_tile,
                                               std::size_t n, std::size_t tile_row_begin, std::size_t tiles_per_row, std::size_t row_begin,
                                               std::size_t row_end) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  for (std::size_t t = 0; t < n; ++t) {
    const std::size_t ty = tile_row_begin + (first_tile + t) / tiles_per_row, tx = (first_tile + t) % tiles_per_row;
    for (std::size_t f = 0; f < d.filters; f += L) {
      const float* mt = m + t * d.filters + f;
      V z[3][2];  // At along each row of M
      for (std::size_t i = 0; i < 3; ++i) {
        const V m0 = simd::load<Arch>(mt + (3 * i) * mplane), m1 = simd::load<Arch>(mt + (3 * i + 1) * mplane),
                m2 = simd::load<Arch>(mt + (3 * i + 2) * mplane);
        z[i][0] = m0 + m1;
        z[i][1] = m1 + m2;
      }
      V y[2][2];  // then along each column, and the bias
      for (std::size_t j = 0; j < 2; ++j) {
        y[0][j] = z[0][j] + z[1][j];
        y[1][j] = z[1][j] + z[2][j];
      }
      if constexpr (Out != winograd_output::rows_add) {
        const V bv = simd::load<Arch>(bias + f);
        for (auto& row : y)
          for (auto& value : row) value = bv + value;
      }
      if constexpr (Out == winograd_output::relu_max_pool) {
        // ReLU on each output first, as the separate layers do (max(NaN, 0) is 0 there).
        const V top = xsimd::max(simd::relu<Arch>(y[0][0]), simd::relu<Arch>(y[0][1]));
        const V low = xsimd::max(simd::relu<Arch>(y[1][0]), simd::relu<Arch>(y[1][1]));
        simd::store<Arch>(out + (ty * tiles_per_row + tx) * d.filters + f, xsimd::max(top, low));
      } else {
        for (std::size_t a = 0; a < 2; ++a) {
          const std::size_t row = 2 * ty + a;
          if (row < row_begin || row >= row_end) continue;
          for (std::size_t j = 0; j < 2; ++j) {
            const std::size_t col = 2 * tx + j;
            if (col >= d.out_width) continue;
            float* o = out + ((row - row_begin) * d.out_width + col) * d.filters + f;
            if constexpr (Out == winograd_output::rows_add) simd::store<Arch>(o, simd::load<Arch>(o) + y[a][j]);
            else if constexpr (Out == winograd_output::rows_relu) simd::store<Arch>(o, simd::relu<Arch>(y[a][j]));
            else simd::store<Arch>(o, y[a][j]);
          }
        }
      }
    }
  }
}

/// Tile rows [tile_row_begin, tile_row_end), `tiles_per_row` tiles each, from transformed
/// weights `u`: in chunks of up to winograd_chunk tiles (as even as possible), each chunk's
/// inputs transformed once and multiplied by every filter's weights while in L1.
template <class Arch, winograd_output Out, class Dims>
void winograd_tiles(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT u, const float* TENET_RESTRICT bias,
                    float* TENET_RESTRICT out, std::size_t tile_row_begin, std::size_t tile_row_end, std::size_t tiles_per_row,
                    std::size_t row_begin, std::size_t row_end, float* TENET_RESTRICT v, float* TENET_RESTRICT m) {
  const std::size_t plane = winograd_chunk * d.channels, mplane = winograd_chunk * d.filters;
  const std::size_t cf = d.channels * d.filters;
  const std::size_t total = (tile_row_end - tile_row_begin) * tiles_per_row;
  if (total == 0) return;
  const std::size_t chunks = (total + winograd_chunk - 1) / winograd_chunk;
  std::size_t first = 0;
  for (std::size_t k = 0; k < chunks; ++k) {
    const std::size_t n = total / chunks + (k < total % chunks ? 1 : 0);
    for (std::size_t t = 0; t < n; ++t) {
      const std::size_t tile = first + t;
      winograd_input_tile<Arch>(d, in, tile_row_begin + tile / tiles_per_row, tile % tiles_per_row, v + t * d.channels, plane);
    }
    for (std::size_t xi = 0; xi < 9; ++xi) winograd_multiply_plane<Arch>(d, v + xi * plane, u + xi * cf, m + xi * mplane, n);
    winograd_output_chunk<Arch, Out>(d, m, mplane, bias, out, first, n, tile_row_begin, tiles_per_row, row_begin, row_end);
    first += n;
  }
}

/// Runs `body(v, m)` with the chunk buffers: on the stack with compile-time sizes; with
/// run-time sizes (the generic build) in a buffer of this thread's, grown when needed.
template <class Arch, class Dims, class Body>
TENET_ALWAYS_INLINE void with_winograd_chunk_buffers(const Dims& d, Body&& body) {
  if constexpr (winograd_static_dims<Dims>) {
    alignas(64) float v[9 * winograd_chunk * Dims::channels];
    alignas(64) float m[9 * winograd_chunk * Dims::filters];
    body(v, m);
  } else {
    thread_local std::vector<float> buffer;
    const std::size_t v_size = 9 * winograd_chunk * d.channels;
    buffer.resize(std::max(buffer.size(), v_size + 9 * winograd_chunk * d.filters));
    body(buffer.data(), buffer.data() + v_size);
  }
}

}  // namespace detail

/// Transformed weights for conv2d_winograd_rows and conv2d_winograd_relu_max_pool: `u` holds
/// winograd_weight_floats(d) floats. Done once per forward pass of a layer, before the
/// threads split its rows.
template <class Arch, class Dims>
void conv2d_winograd_weights(const Dims& d, const float* TENET_RESTRICT weights, float* TENET_RESTRICT u) {
  detail::winograd_transform_weights<Arch>(d, weights, u);
}

/// Output rows [row_begin, row_end) of the convolution (then max(out, 0) with `relu`) into
/// `rows_out`, which holds row `row_begin` first. A 2x2 block straddling the range's edge is
/// computed whole and only its rows inside the range are written (the same bits whichever
/// range computes them).
template <class Arch, class Dims>
void conv2d_winograd_rows(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT u, const float* TENET_RESTRICT bias,
                          float* TENET_RESTRICT rows_out, std::size_t row_begin, std::size_t row_end, bool relu) {
  if (row_begin >= row_end) return;
  detail::with_winograd_chunk_buffers<Arch>(d, [&](float* v, float* m) {
    const std::size_t tiles_per_row = (d.out_width + 1) / 2;
    if (relu)
      detail::winograd_tiles<Arch, detail::winograd_output::rows_relu>(d, in, u, bias, rows_out, row_begin / 2, (row_end + 1) / 2,
                                                                       tiles_per_row, row_begin, row_end, v, m);
    else
      detail::winograd_tiles<Arch, detail::winograd_output::rows>(d, in, u, bias, rows_out, row_begin / 2, (row_end + 1) / 2, tiles_per_row,
                                                                  row_begin, row_end, v, m);
  });
}

/// Pooled rows [pooled_begin, pooled_end) of max_pool(relu(conv2d(in))) for a 2x2 pooling of
/// stride 2: each tile is one pooling window. `out` is the pooling's whole output,
/// `pooled_width` pixels a row (out_width / 2: an odd last column is in no window).
template <class Arch, class Dims>
void conv2d_winograd_relu_max_pool(const Dims& d, const float* TENET_RESTRICT in, const float* TENET_RESTRICT u,
                                   const float* TENET_RESTRICT bias, float* TENET_RESTRICT out, std::size_t pooled_width,
                                   std::size_t pooled_begin, std::size_t pooled_end) {
  detail::with_winograd_chunk_buffers<Arch>(d, [&](float* v, float* m) {
    detail::winograd_tiles<Arch, detail::winograd_output::relu_max_pool>(d, in, u, bias, out, pooled_begin, pooled_end, pooled_width, 0, 0,
                                                                         v, m);
  });
}

/// The input gradient of a convolution with kernel 2x2 and stride 1 is itself one, read
/// backwards: grad_in[i][j][c] = sum over a, b, f of grad_out[i - 1 + a][j - 1 + b][f]
/// w[1 - a][1 - b][c][f], a convolution of the output gradient (padded with one row and
/// column before) by the kernel turned half a turn, filters and channels swapped. `bd` is
/// its geometry (conv2d_dims: channels = the layer's filters, filters = its channels).
/// Writes that kernel's transform U [9][F][C] into `u` from the layer's weights
/// [2][2][C][F].
template <class Arch, class Dims>
void conv2d_winograd_backward_weights(const Dims& bd, const float* TENET_RESTRICT weights, float* TENET_RESTRICT u) {
  const std::size_t F = bd.channels, C = bd.filters, fc = F * C;  // the layer's filters and channels
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t f = 0; f < F; ++f) {
      // g[a][b] = w[1 - a][1 - b][c][f]
      const float g00 = weights[(3 * C + c) * F + f], g01 = weights[(2 * C + c) * F + f];
      const float g10 = weights[(1 * C + c) * F + f], g11 = weights[c * F + f];
      const float top[3] = {g00, g00 + g01, g01}, bottom[3] = {g10, g10 + g11, g11};
      float* o = u + f * C + c;
      for (std::size_t j = 0; j < 3; ++j) {
        o[j * fc] = top[j];
        o[(3 + j) * fc] = top[j] + bottom[j];
        o[(6 + j) * fc] = bottom[j];
      }
    }
}

/// grad_in += the input gradient, every row, from the output gradient and the transform
/// conv2d_winograd_backward_weights wrote (bd as there).
template <class Arch, class Dims>
void conv2d_winograd_input_gradient(const Dims& bd, const float* TENET_RESTRICT grad_out, const float* TENET_RESTRICT u,
                                    float* TENET_RESTRICT grad_in) {
  detail::with_winograd_chunk_buffers<Arch>(bd, [&](float* v, float* m) {
    detail::winograd_tiles<Arch, detail::winograd_output::rows_add>(bd, grad_out, u, nullptr, grad_in, 0, (bd.out_height + 1) / 2,
                                                                    (bd.out_width + 1) / 2, 0, bd.out_height, v, m);
  });
}

/// Runs `body(u)` with the layer's transformed weights: on the stack with compile-time
/// sizes, else in a buffer of this thread's.
template <class Arch, class Dims, class Body>
TENET_ALWAYS_INLINE void with_winograd_weights(const Dims& d, const float* TENET_RESTRICT weights, Body&& body) {
  if constexpr (detail::winograd_static_dims<Dims>) {
    alignas(64) float u[winograd_weight_floats(Dims{})];
    conv2d_winograd_weights<Arch>(d, weights, u);
    body(static_cast<const float*>(u));
  } else {
    thread_local std::vector<float> u;
    u.resize(std::max(u.size(), winograd_weight_floats(d)));
    conv2d_winograd_weights<Arch>(d, weights, u.data());
    body(static_cast<const float*>(u.data()));
  }
}

}  // namespace tenet::kernels
