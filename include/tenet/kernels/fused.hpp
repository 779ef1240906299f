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
template <std::size_t H, std::size_t W, std::size_t C, std::size_t PH, std::size_t PW, std::size_t SH,
          std::size_t SW, std::size_t OH, std::size_t OW>
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
  return p.in_height == c.out_height && p.in_width == c.out_width && p.channels == c.filters &&
         p.stride_height == p.window_height;
}

/// Floats of the strip buffer conv2d_relu_max_pool_forward needs.
template <class ConvDims, class PoolDims>
constexpr std::size_t conv2d_max_pool_strip(const ConvDims& c, const PoolDims& p) {
  return p.window_height * c.out_width * c.filters;
}

/// Pooled rows [row_begin, row_end) of max_pool(relu(conv2d(in))). `out` is the pooling's
/// whole output [POH][POW][F]; `strip` holds conv2d_max_pool_strip floats. Convolution rows
/// that no pooling window reads (the last one of an odd height) are not computed.
template <class Arch, class ConvDims, class PoolDims>
void conv2d_relu_max_pool_forward(const ConvDims& c, const PoolDims& p, const float* TENET_RESTRICT in,
                                  const float* TENET_RESTRICT weights, const float* TENET_RESTRICT bias,
                                  float* TENET_RESTRICT out, std::size_t row_begin, std::size_t row_end,
                                  float* TENET_RESTRICT strip) {
  const auto strip_pool = detail::one_pooled_row(p);
  const std::size_t window = p.window_height;
  for (std::size_t r = row_begin; r < row_end; ++r) {
    detail::conv2d_forward_rows<Arch>(c, in, weights, bias, strip, r * window, r * window + window, true);
    max_pool_forward<Arch>(strip_pool, strip, out + r * p.out_width * p.channels, 0, 1);
  }
}

}  // namespace tenet::kernels
