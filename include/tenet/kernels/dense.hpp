#pragma once
/// Fully connected layer: y = x W + b, weights in Keras order [inputs][units].

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "../config.hpp"
#include "arch.hpp"

// g++ 12 at -O3 reports "iteration N invokes undefined behavior" for the tail loops below,
// with N near 2^63 / stride: it loses the link between the loop bounds and the buffer sizes
// after inlining. The bounds are exact (every kernel is tested against a reference under
// AddressSanitizer), so the warning is silenced here, for these kernels only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Waggressive-loop-optimizations"
#endif

namespace tenet::kernels {

/// Dense geometry known at compile time.
template <std::size_t In, std::size_t Units>
struct static_dense_dims {
  static constexpr std::size_t inputs = In, units = Units;
};

/// The same geometry at run time.
struct dense_dims {
  std::size_t inputs, units;
};

template <class Dims>
inline constexpr bool is_static_dense_dims = false;
template <std::size_t In, std::size_t Units>
inline constexpr bool is_static_dense_dims<static_dense_dims<In, Units>> = true;

namespace detail {

/// Lane j of register K of a block of L inputs x [L][Units] flattened: which input it belongs to.
template <class Arch, std::size_t Units, std::size_t K, std::size_t... J>
constexpr auto input_of_lane(std::index_sequence<J...>) {
  constexpr std::size_t L = sizeof...(J);
  return xsimd::batch_constant<xsimd::batch<std::uint32_t, Arch>, std::uint32_t((K * L + J) / Units)...>{};
}

/// y = x W + b for a layer with few units that do not fill whole registers (10 classes, say).
/// Row by row, such a layer wastes most of each register and loads every weight row
/// unaligned; here the weights of L consecutive inputs, L x Units floats, are exactly Units
/// whole registers, multiplied by the inputs spread to match (one permute each, the pattern
/// fixed at compile time). Units accumulators hold per-(input mod L, unit) sums, added up
/// at the end. 3136 -> 10: 1.75 -> 1.23 us.
template <class Arch, std::size_t In, std::size_t Units, std::size_t... K>
TENET_ALWAYS_INLINE void dense_forward_interleaved(const float* TENET_RESTRICT x, const float* TENET_RESTRICT weights,
                                                   const float* TENET_RESTRICT bias, float* TENET_RESTRICT y,
                                                   std::index_sequence<K...>) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  constexpr std::size_t vector_end = In - In % L;
  V acc[Units];
  for (auto& a : acc) a = V(0.0f);
  for (std::size_t i = 0; i < vector_end; i += L) {
    const V xv = simd::load<Arch>(x + i);
    const float* w = weights + i * Units;
    ((acc[K] = xsimd::fma(xsimd::swizzle(xv, input_of_lane<Arch, Units, K>(std::make_index_sequence<L>{})),
                          simd::load<Arch>(w + K * L), acc[K])),
     ...);
  }
  alignas(64) float partial[L * Units];
  for (std::size_t k = 0; k < Units; ++k) simd::store<Arch>(partial + k * L, acc[k]);
  for (std::size_t u = 0; u < Units; ++u) {
    float sum = bias[u];
    for (std::size_t q = 0; q < L; ++q) sum += partial[q * Units + u];
    for (std::size_t i = vector_end; i < In; ++i) sum += x[i] * weights[i * Units + u];
    y[u] = sum;
  }
}

template <class Arch, std::size_t Blocks, class Dims>
TENET_ALWAYS_INLINE void dense_units_vector(const Dims& d, const float* TENET_RESTRICT x,
                                            const float* TENET_RESTRICT weights, const float* TENET_RESTRICT bias,
                                            float* TENET_RESTRICT y, std::size_t u, std::size_t last) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  // Registers b < Blocks - 1 hold units u + b * L; the last one starts at `last`, which is
  // u + (Blocks - 1) * L or, for a ragged end, overlaps its neighbour (units computed twice
  // get identical values), so the whole row is one pass over the inputs.
  std::size_t at[Blocks];
  for (std::size_t b = 0; b + 1 < Blocks; ++b) at[b] = u + b * L;
  at[Blocks - 1] = last;
  // The sum over inputs is one long dependency chain per register; `Split` partial sums over
  // interleaved inputs give 8 independent chains in all, enough to cover the FMA latency.
  constexpr std::size_t Split = Blocks >= 8 ? 1 : 8 / Blocks;
  V acc[Split][Blocks];
  for (std::size_t s = 0; s < Split; ++s)
    for (std::size_t b = 0; b < Blocks; ++b) acc[s][b] = V(0.0f);
  const std::size_t split_end = d.inputs - d.inputs % Split;
  for (std::size_t i = 0; i < split_end; i += Split) {
    for (std::size_t s = 0; s < Split; ++s) {
      const V xv(x[i + s]);
      const float* w = weights + (i + s) * d.units;
      for (std::size_t b = 0; b < Blocks; ++b) acc[s][b] = xsimd::fma(xv, simd::load<Arch>(w + at[b]), acc[s][b]);
    }
  }
  for (std::size_t i = split_end; i < d.inputs; ++i) {
    const V xv(x[i]);
    const float* w = weights + i * d.units;
    for (std::size_t b = 0; b < Blocks; ++b) acc[0][b] = xsimd::fma(xv, simd::load<Arch>(w + at[b]), acc[0][b]);
  }
  for (std::size_t b = 0; b < Blocks; ++b) {
    V sum = simd::load<Arch>(bias + at[b]);
    for (std::size_t s = 0; s < Split; ++s) sum += acc[s][b];
    simd::store<Arch>(y + at[b], sum);
  }
}

}  // namespace detail

/// Units [unit_begin, unit_end) of y = x W + b for one example.
/// `x` is [inputs], `weights` [inputs][units], `bias` and `y` [units].
template <class Arch, class Dims>
void dense_forward(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT weights,
                   const float* TENET_RESTRICT bias, float* TENET_RESTRICT y, std::size_t unit_begin,
                   std::size_t unit_end) {
  constexpr std::size_t L = simd::lanes<Arch>;
  constexpr std::size_t max_blocks = 4;
  if constexpr (is_static_dense_dims<Dims>) {
    // Up to 12 accumulators: with the inputs and a temporary, 14 of AVX2's 16 registers.
    if constexpr (Dims::units % L != 0 && Dims::units <= 12) {
      if (unit_begin == 0 && unit_end == Dims::units) {
        detail::dense_forward_interleaved<Arch, Dims::inputs, Dims::units>(x, weights, bias, y,
                                                                           std::make_index_sequence<Dims::units>{});
        return;
      }
    }
  }
  if (unit_end - unit_begin < L) {
    for (std::size_t u = unit_begin; u < unit_end; ++u) y[u] = bias[u];
    for (std::size_t i = 0; i < d.inputs; ++i)
      for (std::size_t u = unit_begin; u < unit_end; ++u) y[u] += x[i] * weights[i * d.units + u];
    return;
  }
  std::size_t u = unit_begin;
  for (; unit_end - u > max_blocks * L; u += max_blocks * L)
    detail::dense_units_vector<Arch, max_blocks>(d, x, weights, bias, y, u, u + (max_blocks - 1) * L);
  // The rest in one pass: 1 to 4 registers, the last one ending at unit_end.
  const std::size_t last = unit_end - L;
  switch ((unit_end - u + L - 1) / L) {
    case 1: detail::dense_units_vector<Arch, 1>(d, x, weights, bias, y, last, last); break;
    case 2: detail::dense_units_vector<Arch, 2>(d, x, weights, bias, y, u, last); break;
    case 3: detail::dense_units_vector<Arch, 3>(d, x, weights, bias, y, u, last); break;
    default: detail::dense_units_vector<Arch, 4>(d, x, weights, bias, y, u, last); break;
  }
}

/// Gradients of y = x W + b for one example: accumulates x^T g into `grad_weights`
/// [inputs][units] and g into `grad_bias`; when `grad_in` is not null, writes W g into it.
template <class Arch, class Dims>
void dense_backward(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT weights,
                    const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in,
                    float* TENET_RESTRICT grad_weights, float* TENET_RESTRICT grad_bias) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  const std::size_t vector_end = d.units - d.units % L;
  for (std::size_t u = 0; u < d.units; ++u) grad_bias[u] += grad_out[u];
  for (std::size_t i = 0; i < d.inputs; ++i) {
    const float* w = weights + i * d.units;
    float* gw = grad_weights + i * d.units;
    const V xv(x[i]);
    V dot(0.0f);
    for (std::size_t u = 0; u < vector_end; u += L) {
      const V gv = simd::load<Arch>(grad_out + u);
      simd::store<Arch>(gw + u, xsimd::fma(xv, gv, simd::load<Arch>(gw + u)));
      dot = xsimd::fma(simd::load<Arch>(w + u), gv, dot);
    }
    float dot_tail = 0.0f;
    for (std::size_t u = vector_end; u < d.units; ++u) {
      gw[u] += x[i] * grad_out[u];
      dot_tail += w[u] * grad_out[u];
    }
    if (grad_in != nullptr) grad_in[i] = simd::reduce_sum<Arch>(dot) + dot_tail;
  }
}

}  // namespace tenet::kernels

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
