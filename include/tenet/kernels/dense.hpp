#pragma once
/// Fully connected layer: y = x W + b, weights in Keras order [inputs][units].
///
/// Scalar multiply-adds are written as std::fma: left as `a * b + c`, the compiler may or may
/// not fuse them depending on where a kernel is inlined, and batch predict promises the bits
/// of single predict, which runs the same kernel inlined elsewhere.

#include <algorithm>
#include <cmath>
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

/// Whether dense_forward runs a whole layer with dense_forward_interleaved: unit count known
/// at compile time, not a multiple of the lanes, at most 12 (up to 12 accumulators: with the
/// inputs and a temporary, 14 of AVX2's 16 registers).
template <class Arch, class Dims>
inline constexpr bool dense_uses_interleaved = false;
template <class Arch, std::size_t In, std::size_t Units>
inline constexpr bool dense_uses_interleaved<Arch, static_dense_dims<In, Units>> = Units % simd::lanes<Arch> != 0 && Units <= 12;

/// Whether a layer's forward and input-gradient passes run at half `Arch`'s width: layers
/// with fewer units than lanes (10 classes on AVX-512), whose rows are shorter than one
/// register; half-width registers (AVX2 inside AVX-512 code) cover them with fewer idle
/// lanes and scalar leftovers. dense_backward and dense_backward_input decide alike, so they
/// keep each other's bits; batch predict does not take such layers (dense_batch_pays).
template <class Arch, class Dims>
inline constexpr bool dense_runs_half_width = false;
template <class Arch, std::size_t In, std::size_t Units>
inline constexpr bool dense_runs_half_width<Arch, static_dense_dims<In, Units>> =
    !std::is_same_v<simd::half_width_t<Arch>, Arch> && Units < simd::lanes<Arch>;

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
                                                   const float* TENET_RESTRICT bias, float* TENET_RESTRICT y, std::index_sequence<K...>) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  constexpr std::size_t vector_end = In - In % L;
  V acc[Units];
  for (auto& a : acc) a = V(0.0f);
  for (std::size_t i = 0; i < vector_end; i += L) {
    const V xv = simd::load<Arch>(x + i);
    const float* w = weights + i * Units;
    ((acc[K] =
          simd::fma(xsimd::swizzle(xv, input_of_lane<Arch, Units, K>(std::make_index_sequence<L>{})), simd::load<Arch>(w + K * L), acc[K])),
     ...);
  }
  alignas(64) float partial[L * Units];
  for (std::size_t k = 0; k < Units; ++k) simd::store<Arch>(partial + k * L, acc[k]);
  for (std::size_t u = 0; u < Units; ++u) {
    float sum = bias[u];
    for (std::size_t q = 0; q < L; ++q) sum += partial[q * Units + u];
    for (std::size_t i = vector_end; i < In; ++i) sum = std::fma(x[i], weights[i * Units + u], sum);
    y[u] = sum;
  }
}

/// Largest number of registers of units dense_forward runs in one pass with one chain each:
/// 15 accumulators and the broadcast fill AVX2's 16 registers (the weights are FMA memory
/// operands).
inline constexpr std::size_t widest_single_pass = 15;

/// How many interleaved partial sums dense_forward keeps per output register: with two FMA
/// units of 4-cycle latency about 8 independent chains are needed. Layers of 8 to 15
/// registers run in one pass with one chain each, which reads each weight row once, whole
/// (LeNet-5's 400 -> 120: 2.22 -> 1.72 us); wider ones, one chain each too, in passes of up
/// to 8 registers over blocks of inputs (dense_units_blocked); layers of 3 to 7 registers
/// run groups of up to 4 registers x 2 chains; smaller ones split the inputs further. It
/// depends only on the layer's width, never on how the units are grouped or on how many
/// examples run together, so dense_forward_batch adds up in exactly the same order.
constexpr std::size_t dense_chains(std::size_t registers) { return registers >= 8 ? 1 : registers >= 3 ? 2 : 8 / registers; }

/// Registers of units in one pass of dense_units_blocked, and inputs per block.
inline constexpr std::size_t blocked_pass_registers = 8, blocked_block_inputs = 32;

/// One pass of dense_units_blocked: Blocks registers of units from `unit`, inputs [begin, end).
template <class Arch, std::size_t Blocks, class Dims>
TENET_ALWAYS_INLINE void dense_blocked_pass(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT weights,
                                            float* TENET_RESTRICT y, std::size_t unit, std::size_t begin, std::size_t end) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  V acc[Blocks];
  for (std::size_t b = 0; b < Blocks; ++b) acc[b] = begin == 0 ? V(0.0f) : simd::load<Arch>(y + unit + b * L);
  for (std::size_t i = begin; i < end; ++i) {
    const V xv(x[i]);
    const float* w = weights + i * d.units + unit;
    for (std::size_t b = 0; b < Blocks; ++b) acc[b] = simd::fma(xv, simd::load<Arch>(w + b * L), acc[b]);
  }
  for (std::size_t b = 0; b < Blocks; ++b) simd::store<Arch>(y + unit + b * L, acc[b]);
}

/// One chain per register for a layer wider than one pass (more than 15 registers: the deep
/// CNN's 3136 -> 128), whose weights come from L3: the inputs in blocks of 32, and for each
/// block passes of up to 8 registers, their partial sums kept in `y` between blocks (exactly:
/// a float stored and loaded back is the same float). Each block's weight rows (32 x 512
/// bytes for 128 units) are then read as one stretch of memory, all of every row used,
/// where passes over all the inputs read a quarter or a half of every row, 512 bytes apart
/// (3136 -> 128 alone on the Zen 3, median of 3000: 51 us in passes of 4 registers x 2
/// chains, 39 in two passes of 8 x 1 over all inputs, 33 this way). The same sums, in the
/// same order, as one pass of every register would add. Units [unit_begin, unit_begin +
/// registers L) must be whole registers (no overlapping last register: y holds the partial sums).
template <class Arch, class Dims>
void dense_units_blocked(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT weights,
                         const float* TENET_RESTRICT bias, float* TENET_RESTRICT y, std::size_t unit_begin, std::size_t registers) {
  constexpr std::size_t L = simd::lanes<Arch>;
  const std::size_t passes = (registers + blocked_pass_registers - 1) / blocked_pass_registers;
  for (std::size_t begin = 0; begin < d.inputs; begin += blocked_block_inputs) {
    const std::size_t end = std::min(d.inputs, begin + blocked_block_inputs);
    std::size_t unit = unit_begin;
    for (std::size_t p = 0; p < passes; ++p) {  // as even as possible: 17 registers are 6 + 6 + 5
      const std::size_t n = registers / passes + (p < registers % passes ? 1 : 0);
      switch (n) {
        case 1:
          dense_blocked_pass<Arch, 1>(d, x, weights, y, unit, begin, end);
          break;
        case 2:
          dense_blocked_pass<Arch, 2>(d, x, weights, y, unit, begin, end);
          break;
        case 3:
          dense_blocked_pass<Arch, 3>(d, x, weights, y, unit, begin, end);
          break;
        case 4:
          dense_blocked_pass<Arch, 4>(d, x, weights, y, unit, begin, end);
          break;
        case 5:
          dense_blocked_pass<Arch, 5>(d, x, weights, y, unit, begin, end);
          break;
        case 6:
          dense_blocked_pass<Arch, 6>(d, x, weights, y, unit, begin, end);
          break;
        case 7:
          dense_blocked_pass<Arch, 7>(d, x, weights, y, unit, begin, end);
          break;
        default:
          dense_blocked_pass<Arch, 8>(d, x, weights, y, unit, begin, end);
          break;
      }
      unit += n * L;
    }
  }
  for (std::size_t r = 0; r < registers; ++r) {
    float* o = y + unit_begin + r * L;
    simd::store<Arch>(o, simd::load<Arch>(bias + unit_begin + r * L) + simd::load<Arch>(o));
  }
}

template <class Dims>
struct is_static_dense_dims : std::false_type {};
template <std::size_t In, std::size_t Units>
struct is_static_dense_dims<static_dense_dims<In, Units>> : std::true_type {};

/// Register b of one pass covers units at[b]; a ragged last register overlaps its neighbour
/// (units computed twice get identical values).
template <class Arch, std::size_t Blocks, std::size_t Split, class Dims>
TENET_ALWAYS_INLINE void dense_units_vector(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT weights,
                                            const float* TENET_RESTRICT bias, float* TENET_RESTRICT y, const std::size_t* at) {
  using V = simd::vfloat<Arch>;
  // Chain s sums the inputs i with i % Split == s, in order (the odd input left over by the
  // split goes to chain 0); the chains are added to the bias in order at the end.
  V acc[Split][Blocks];
  for (std::size_t s = 0; s < Split; ++s)
    for (std::size_t b = 0; b < Blocks; ++b) acc[s][b] = V(0.0f);
  const std::size_t split_end = d.inputs - d.inputs % Split;
  for (std::size_t i = 0; i < split_end; i += Split) {
    for (std::size_t s = 0; s < Split; ++s) {
      const V xv(x[i + s]);
      const float* w = weights + (i + s) * d.units;
      for (std::size_t b = 0; b < Blocks; ++b) acc[s][b] = simd::fma(xv, simd::load<Arch>(w + at[b]), acc[s][b]);
    }
  }
  for (std::size_t i = split_end; i < d.inputs; ++i) {
    const V xv(x[i]);
    const float* w = weights + i * d.units;
    for (std::size_t b = 0; b < Blocks; ++b) acc[0][b] = simd::fma(xv, simd::load<Arch>(w + at[b]), acc[0][b]);
  }
  for (std::size_t b = 0; b < Blocks; ++b) {
    V sum = simd::load<Arch>(bias + at[b]);
    for (std::size_t s = 0; s < Split; ++s) sum += acc[s][b];
    simd::store<Arch>(y + at[b], sum);
  }
}

/// One input's multiply-adds into one chain of a dense_batch_tile.
template <class Arch, std::size_t Registers, std::size_t Examples, class Dims>
TENET_ALWAYS_INLINE void dense_batch_step(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT weights,
                                          const std::size_t* at, std::size_t i, simd::vfloat<Arch> (&acc)[Examples][Registers]) {
  using V = simd::vfloat<Arch>;
  const float* w = weights + i * d.units;
  V wv[Registers];
  for (std::size_t r = 0; r < Registers; ++r) wv[r] = simd::load_to_register<Arch>(w + at[r]);
  for (std::size_t e = 0; e < Examples; ++e) {
    const V xv(x[e * d.inputs + i]);
    for (std::size_t r = 0; r < Registers; ++r) acc[e][r] = simd::fma(xv, wv[r], acc[e][r]);
  }
}

/// The same sums as dense_units_vector with Chains (1 or 2) chains, for Registers registers of
/// units and Examples examples at once: each weight register loaded is used Examples times.
/// x is [examples][inputs], y [examples][units]. Two chains run one after the other (chain 0
/// into y with the bias, then chain 1 added to it: the order of dense_units_vector's final
/// sum), so one set of accumulators serves both and the tile can hold twice the examples:
/// deep CNN 3136 -> 128 in blocks of 8, 19 -> 15 us per example (2 x 3 examples with both
/// chains at once before).
template <class Arch, std::size_t Registers, std::size_t Examples, std::size_t Chains, class Dims>
TENET_ALWAYS_INLINE void dense_batch_tile(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT weights,
                                          const float* TENET_RESTRICT bias, float* TENET_RESTRICT y, const std::size_t* at) {
  using V = simd::vfloat<Arch>;
  static_assert(Chains == 1 || Chains == 2);
  const std::size_t split_end = d.inputs - d.inputs % Chains;
  for (std::size_t chain = 0; chain < Chains; ++chain) {
    V acc[Examples][Registers];
    for (auto& example : acc)
      for (auto& a : example) a = V(0.0f);
    for (std::size_t i = chain; i < split_end; i += Chains) dense_batch_step<Arch>(d, x, weights, at, i, acc);
    if (chain == 0 && split_end != d.inputs) dense_batch_step<Arch>(d, x, weights, at, split_end, acc);  // an odd input left over
    // Every partial sum is read before any is written: a ragged last register overlaps its
    // neighbour, and its lanes must get chain 0's value, not the finished one.
    for (std::size_t e = 0; e < Examples; ++e)
      for (std::size_t r = 0; r < Registers; ++r)
        acc[e][r] = (chain == 0 ? simd::load<Arch>(bias + at[r]) : simd::load<Arch>(y + e * d.units + at[r])) + acc[e][r];
    for (std::size_t e = 0; e < Examples; ++e)
      for (std::size_t r = 0; r < Registers; ++r) simd::store<Arch>(y + e * d.units + at[r], acc[e][r]);
  }
}

}  // namespace detail

/// Units [unit_begin, unit_end) of y = x W + b for one example.
/// `x` is [inputs], `weights` [inputs][units], `bias` and `y` [units].
template <class Arch, class Dims>
void dense_forward(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT weights, const float* TENET_RESTRICT bias,
                   float* TENET_RESTRICT y, std::size_t unit_begin, std::size_t unit_end) {
  if constexpr (dense_runs_half_width<Arch, Dims>)
    return dense_forward<simd::half_width_t<Arch>>(d, x, weights, bias, y, unit_begin, unit_end);
  constexpr std::size_t L = simd::lanes<Arch>;
  constexpr std::size_t max_blocks = 4;
  if constexpr (dense_uses_interleaved<Arch, Dims>) {
    if (unit_begin == 0 && unit_end == Dims::units) {
      detail::dense_forward_interleaved<Arch, Dims::inputs, Dims::units>(x, weights, bias, y, std::make_index_sequence<Dims::units>{});
      return;
    }
  }
  if (unit_end - unit_begin < L) {
    for (std::size_t u = unit_begin; u < unit_end; ++u) y[u] = bias[u];
    for (std::size_t i = 0; i < d.inputs; ++i)
      for (std::size_t u = unit_begin; u < unit_end; ++u) y[u] = std::fma(x[i], weights[i * d.units + u], y[u]);
    return;
  }
  const std::size_t registers = (unit_end - unit_begin + L - 1) / L;
  // Register r covers units unit_begin + r * L, the last one ends at unit_end.
  const auto at = [&](std::size_t r) { return r + 1 < registers ? unit_begin + r * L : unit_end - L; };
  if (registers == 1) {
    const std::size_t at0[1] = {at(0)};
    detail::dense_units_vector<Arch, 1, detail::dense_chains(1)>(d, x, weights, bias, y, at0);
    return;
  }
  if (registers == 2) {
    const std::size_t at01[2] = {at(0), at(1)};
    detail::dense_units_vector<Arch, 2, detail::dense_chains(2)>(d, x, weights, bias, y, at01);
    return;
  }
  if (registers > detail::widest_single_pass) {
    // Whole registers blocked; a ragged last one after them, alone (its overlap with the one
    // before gets the same values again: the same single chains).
    const std::size_t whole = (unit_end - unit_begin) / L;
    detail::dense_units_blocked<Arch>(d, x, weights, bias, y, unit_begin, whole);
    if (whole < registers) {
      const std::size_t last[1] = {unit_end - L};
      detail::dense_units_vector<Arch, 1, 1>(d, x, weights, bias, y, last);
    }
    return;
  }
  if (detail::dense_chains(registers) == 1) {
    // 8 to 15 registers, one chain each, in one pass (with compile-time sizes only the
    // layer's own width is compiled).
    std::size_t pass[detail::widest_single_pass];
    for (std::size_t b = 0; b < registers; ++b) pass[b] = at(b);
    auto run = [&]<std::size_t Blocks>() { detail::dense_units_vector<Arch, Blocks, 1>(d, x, weights, bias, y, pass); };
    if constexpr (detail::is_static_dense_dims<Dims>::value) {
      constexpr std::size_t whole = (Dims::units + L - 1) / L;
      if constexpr (detail::dense_chains(whole) == 1 && whole <= detail::widest_single_pass) {
        if (registers == whole) return run.template operator()<whole>();
      }
    } else {
      switch (registers) {
        case 8:
          return run.template operator()<8>();
        case 9:
          return run.template operator()<9>();
        case 10:
          return run.template operator()<10>();
        case 11:
          return run.template operator()<11>();
        case 12:
          return run.template operator()<12>();
        case 13:
          return run.template operator()<13>();
        case 14:
          return run.template operator()<14>();
        case 15:
          return run.template operator()<15>();
        default:
          break;
      }
    }
    // A range of a layer's units: register by register, the same single chains, the same sums.
    for (std::size_t b = 0; b < registers; ++b) detail::dense_units_vector<Arch, 1, 1>(d, x, weights, bias, y, pass + b);
    return;
  }
  // Passes of up to 4 registers x 2 chains, the last one 1 to 4 registers.
  for (std::size_t r = 0; r < registers; r += max_blocks) {
    std::size_t pass[max_blocks] = {};  // zeros: g++ cannot see that only n are read
    const std::size_t n = std::min(max_blocks, registers - r);
    for (std::size_t b = 0; b < n; ++b) pass[b] = at(r + b);
    switch (n) {
      case 1:
        detail::dense_units_vector<Arch, 1, 2>(d, x, weights, bias, y, pass);
        break;
      case 2:
        detail::dense_units_vector<Arch, 2, 2>(d, x, weights, bias, y, pass);
        break;
      case 3:
        detail::dense_units_vector<Arch, 3, 2>(d, x, weights, bias, y, pass);
        break;
      default:
        detail::dense_units_vector<Arch, 4, 2>(d, x, weights, bias, y, pass);
        break;
    }
  }
}

/// Whether dense_forward_batch does better than dense_forward once per example: layers of at
/// least 3 registers of units, other than those dense_forward_interleaved handles.
template <class Arch, class Dims>
inline constexpr bool dense_batch_pays = Dims::units >= 3 * simd::lanes<Arch> && !dense_uses_interleaved<Arch, Dims>;

/// y = x W + b for `count` examples: x is [count][inputs], y [count][units]. Gives the same
/// bits as dense_forward on each example (the same chains, see dense_chains), but in tiles
/// of 2 registers of units x 4 examples, each weight register loaded once per tile instead
/// of once per example: a layer whose weights come from L2 or beyond is bound by those loads
/// one example at a time.
template <class Arch, class Dims>
void dense_forward_batch(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT weights,
                         const float* TENET_RESTRICT bias, float* TENET_RESTRICT y, std::size_t count) {
  constexpr std::size_t L = simd::lanes<Arch>;
  const std::size_t registers = (d.units + L - 1) / L;
  const std::size_t chains = detail::dense_chains(registers);
  if (count < 2 || d.units < L || chains > 2 || dense_uses_interleaved<Arch, Dims>) {
    for (std::size_t e = 0; e < count; ++e) dense_forward<Arch>(d, x + e * d.inputs, weights, bias, y + e * d.units, 0, d.units);
    return;
  }
  const auto at = [&](std::size_t r) { return r + 1 < registers ? r * L : d.units - L; };
  // The tile with this layer's chain count (1 or 2).
  auto tile = [&]<std::size_t Registers, std::size_t Examples>(const float* xe, float* ye, const std::size_t* pass) {
    if constexpr (detail::is_static_dense_dims<Dims>::value) {  // the chain count is a constant
      constexpr std::size_t fixed = detail::dense_chains((Dims::units + L - 1) / L);
      if constexpr (fixed <= 2) detail::dense_batch_tile<Arch, Registers, Examples, fixed>(d, xe, weights, bias, ye, pass);
    } else if (chains == 1) {
      detail::dense_batch_tile<Arch, Registers, Examples, 1>(d, xe, weights, bias, ye, pass);
    } else {
      detail::dense_batch_tile<Arch, Registers, Examples, 2>(d, xe, weights, bias, ye, pass);
    }
  };
  // Register pairs outermost: the pair's weight columns (inputs x 2 registers) are then read
  // from memory once and stay in cache while every example passes.
  for (std::size_t r = 0; r < registers; r += 2) {
    const std::size_t pass[2] = {at(r), r + 1 < registers ? at(r + 1) : 0};
    for (std::size_t e = 0; e < count;) {
      const float* xe = x + e * d.inputs;
      float* ye = y + e * d.units;
      if (r + 1 < registers) {
        switch (std::min<std::size_t>(4, count - e)) {
          case 1:
            tile.template operator()<2, 1>(xe, ye, pass);
            e += 1;
            break;
          case 2:
            tile.template operator()<2, 2>(xe, ye, pass);
            e += 2;
            break;
          case 3:
            tile.template operator()<2, 3>(xe, ye, pass);
            e += 3;
            break;
          default:
            tile.template operator()<2, 4>(xe, ye, pass);
            e += 4;
            break;
        }
      } else {
        switch (std::min<std::size_t>(8, count - e)) {
          case 1:
            tile.template operator()<1, 1>(xe, ye, pass);
            e += 1;
            break;
          case 2:
            tile.template operator()<1, 2>(xe, ye, pass);
            e += 2;
            break;
          case 3:
            tile.template operator()<1, 3>(xe, ye, pass);
            e += 3;
            break;
          case 4:
            tile.template operator()<1, 4>(xe, ye, pass);
            e += 4;
            break;
          case 5:
            tile.template operator()<1, 5>(xe, ye, pass);
            e += 5;
            break;
          case 6:
            tile.template operator()<1, 6>(xe, ye, pass);
            e += 6;
            break;
          case 7:
            tile.template operator()<1, 7>(xe, ye, pass);
            e += 7;
            break;
          default:
            tile.template operator()<1, 8>(xe, ye, pass);
            e += 8;
            break;
        }
      }
    }
  }
}

namespace detail {

/// Inputs [begin, end) of dense_backward, one input at a time: its row of weight gradients
/// (registers, then scalars) and its input gradient (a dot product and a horizontal sum).
template <class Arch, class Dims>
TENET_ALWAYS_INLINE void dense_backward_rows(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT weights,
                                             const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in,
                                             float* TENET_RESTRICT grad_weights, std::size_t begin, std::size_t end) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  const std::size_t vector_end = d.units - d.units % L;
  for (std::size_t i = begin; i < end; ++i) {
    const float* w = weights + i * d.units;
    float* gw = grad_weights + i * d.units;
    const V xv(x[i]);
    V dot(0.0f);
    for (std::size_t u = 0; u < vector_end; u += L) {
      const V gv = simd::load<Arch>(grad_out + u);
      simd::store<Arch>(gw + u, simd::fma(xv, gv, simd::load<Arch>(gw + u)));
      dot = simd::fma(simd::load<Arch>(w + u), gv, dot);
    }
    float dot_tail = 0.0f;
    for (std::size_t u = vector_end; u < d.units; ++u) {
      gw[u] = std::fma(x[i], grad_out[u], gw[u]);
      dot_tail = std::fma(w[u], grad_out[u], dot_tail);
    }
    if (grad_in != nullptr) grad_in[i] = simd::reduce_sum<Arch>(dot) + dot_tail;
  }
}

/// The input gradients of rows [i, i + Rows) of dense_backward_rows, without the weight
/// gradients, at once: each row's dot product is one chain of FMAs over its unit registers, a
/// chain per row in the same order, so the same bits; but the chains of Rows rows run side by
/// side and share each load of the output gradient. One row at a time, a 128-unit layer's
/// row was a chain of 16 dependent FMAs (64 cycles).
template <class Arch, std::size_t Rows, class Dims>
TENET_ALWAYS_INLINE void dense_input_gradient_rows(const Dims& d, const float* TENET_RESTRICT weights, const float* TENET_RESTRICT grad_out,
                                                   float* TENET_RESTRICT grad_in, std::size_t i) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  const std::size_t vector_end = d.units - d.units % L;
  const float* w = weights + i * d.units;
  V dot[Rows];
  for (auto& v : dot) v = V(0.0f);
  for (std::size_t u = 0; u < vector_end; u += L) {
    const V gv = simd::load_to_register<Arch>(grad_out + u);
    for (std::size_t r = 0; r < Rows; ++r) dot[r] = simd::fma(simd::load<Arch>(w + r * d.units + u), gv, dot[r]);
  }
  for (std::size_t r = 0; r < Rows; ++r) {
    float dot_tail = 0.0f;
    for (std::size_t u = vector_end; u < d.units; ++u) dot_tail = std::fma(w[r * d.units + u], grad_out[u], dot_tail);
    grad_in[i + r] = simd::reduce_sum<Arch>(dot[r]) + dot_tail;
  }
}

/// Input gradients of rows [begin, end): dense_input_gradient_rows 4 rows at a time (one
/// kernel alone, 400 -> 120: 2.5 us a row at a time, 1.7-2.1 us 4 rows, 2.3-2.6 us 8 rows).
template <class Arch, class Dims>
TENET_ALWAYS_INLINE void dense_input_gradient(const Dims& d, const float* TENET_RESTRICT weights, const float* TENET_RESTRICT grad_out,
                                              float* TENET_RESTRICT grad_in, std::size_t begin, std::size_t end) {
  constexpr std::size_t rows = 4;
  std::size_t i = begin;
  for (; i + rows <= end; i += rows) dense_input_gradient_rows<Arch, rows>(d, weights, grad_out, grad_in, i);
  for (; i < end; ++i) dense_input_gradient_rows<Arch, 1>(d, weights, grad_out, grad_in, i);
}

/// dense_backward for the layers dense_forward_interleaved runs (few units, not a multiple of
/// the lanes: 10 classes), L inputs at a time. Their L x Units weight gradients are Units
/// whole registers, each updated with the inputs spread to match (as in the forward pass) times
/// the output gradient repeated with period Units: one load, FMA and store per register,
/// against a register and Units - L scalars per input row (the same single FMA per element, so
/// the same bits). With more units than lanes but fewer than two registers, the L input
/// gradients are L dot products of a row's two overlapping registers, added up across with
/// one xsimd::haddp instead of one horizontal sum per input.
template <class Arch, bool WeightGradients, std::size_t In, std::size_t Units, std::size_t... K>
TENET_ALWAYS_INLINE void dense_backward_interleaved(const float* TENET_RESTRICT x, const float* TENET_RESTRICT weights,
                                                    const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in,
                                                    float* TENET_RESTRICT grad_weights, std::index_sequence<K...>) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  constexpr std::size_t vector_end = In - In % L;
  constexpr bool rows_of_two_registers = Units > L && Units < 2 * L;
  alignas(64) float repeated[Units * L];  // grad_out with period Units: register K meets units (K L + j) % Units
  if constexpr (WeightGradients)
    for (std::size_t t = 0; t < Units * L; ++t) repeated[t] = grad_out[t % Units];
  // With rows of two registers: grad_out's first L units, and the units of a row's second
  // register (Units - L ... Units - 1) that the first did not cover, the others zero.
  V g_head(0.0f), g_tail(0.0f);
  if constexpr (rows_of_two_registers) {
    alignas(64) float tail_lanes[L];
    for (std::size_t j = 0; j < L; ++j) tail_lanes[j] = j + Units >= 2 * L ? grad_out[Units - L + j] : 0.0f;
    g_head = simd::load<Arch>(grad_out);
    g_tail = simd::load<Arch>(tail_lanes);
  }
  for (std::size_t i = 0; i < vector_end; i += L) {
    if constexpr (WeightGradients) {
      const V xv = simd::load_to_register<Arch>(x + i);
      float* gw = grad_weights + i * Units;
      ((simd::store<Arch>(gw + K * L, simd::fma(xsimd::swizzle(xv, input_of_lane<Arch, Units, K>(std::make_index_sequence<L>{})),
                                                simd::load<Arch>(repeated + K * L), simd::load<Arch>(gw + K * L)))),
       ...);
    }
    if (grad_in == nullptr) continue;
    if constexpr (rows_of_two_registers) {
      V dots[L];
      for (std::size_t q = 0; q < L; ++q) {
        const float* w = weights + (i + q) * Units;
        dots[q] = simd::fma(simd::load<Arch>(w + Units - L), g_tail, simd::load<Arch>(w) * g_head);
      }
      simd::store<Arch>(grad_in + i, xsimd::haddp(dots));
    } else {
      dense_input_gradient_rows<Arch, L>(static_dense_dims<In, Units>{}, weights, grad_out, grad_in, i);
    }
  }
  if constexpr (WeightGradients)
    dense_backward_rows<Arch>(static_dense_dims<In, Units>{}, x, weights, grad_out, grad_in, grad_weights, vector_end, In);
  else dense_input_gradient<Arch>(static_dense_dims<In, Units>{}, weights, grad_out, grad_in, vector_end, In);
}

/// How many examples dense_weight_gradients takes in one sweep over the weight gradients:
/// the interleaved kernel keeps each example's repeated output gradient in a buffer on the
/// stack of this many rows (training passes at most backprop's deferred_examples, also 8).
inline constexpr std::size_t weight_gradient_sweep = 8;

/// dense_weight_gradients for the layers dense_forward_interleaved runs: L inputs' weight
/// gradients, Units registers, stay in registers while each example adds its products (the
/// inputs spread as in the forward pass, the output gradient repeated with period Units).
template <class Arch, std::size_t In, std::size_t Units, std::size_t... K>
TENET_ALWAYS_INLINE void dense_weight_gradients_interleaved(const float* TENET_RESTRICT x, const float* TENET_RESTRICT g, std::size_t count,
                                                            float* TENET_RESTRICT grad_weights, std::index_sequence<K...>) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  constexpr std::size_t vector_end = In - In % L;
  alignas(64) float repeated[weight_gradient_sweep][Units * L];  // example e's g with period Units
  for (std::size_t e = 0; e < count; ++e)
    for (std::size_t t = 0; t < Units * L; ++t) repeated[e][t] = g[e * Units + t % Units];
  for (std::size_t i = 0; i < vector_end; i += L) {
    float* gw = grad_weights + i * Units;
    V acc[Units] = {simd::load<Arch>(gw + K * L)...};
    for (std::size_t e = 0; e < count; ++e) {
      const V xv = simd::load_to_register<Arch>(x + e * In + i);
      ((acc[K] = simd::fma(xsimd::swizzle(xv, input_of_lane<Arch, Units, K>(std::make_index_sequence<L>{})),
                           simd::load<Arch>(repeated[e] + K * L), acc[K])),
       ...);
    }
    (simd::store<Arch>(gw + K * L, acc[K]), ...);
  }
  for (std::size_t i = vector_end; i < In; ++i)
    for (std::size_t u = 0; u < Units; ++u) {
      float sum = grad_weights[i * Units + u];
      for (std::size_t e = 0; e < count; ++e) sum = std::fma(x[e * In + i], g[e * Units + u], sum);
      grad_weights[i * Units + u] = sum;
    }
}

/// Rows [i, i + Rows) x Registers registers of units from `u` of dense_weight_gradients, in
/// registers while every example adds its products: per example Registers loads of its
/// output gradient and Rows broadcasts of its inputs for Rows x Registers FMAs.
template <class Arch, std::size_t Rows, std::size_t Registers, class Dims>
TENET_ALWAYS_INLINE void dense_weight_gradient_tile(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT g,
                                                    std::size_t count, float* TENET_RESTRICT grad_weights, std::size_t i, std::size_t u) {
  using V = simd::vfloat<Arch>;
  constexpr std::size_t L = simd::lanes<Arch>;
  V acc[Rows][Registers];
  for (std::size_t r = 0; r < Rows; ++r)
    for (std::size_t k = 0; k < Registers; ++k) acc[r][k] = simd::load<Arch>(grad_weights + (i + r) * d.units + u + k * L);
      // The examples' loop not unrolled: unrolled (with compile-time sizes), g++ scheduled the
      // tile worse (400 -> 120: 1.6 us per example against 1.0 us; 1.2 us with run-time sizes).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 1
#endif
  for (std::size_t e = 0; e < count; ++e) {
    V gv[Registers];
    for (std::size_t k = 0; k < Registers; ++k) gv[k] = simd::load_to_register<Arch>(g + e * d.units + u + k * L);
    for (std::size_t r = 0; r < Rows; ++r) {
      const V xv(x[e * d.inputs + i + r]);
      for (std::size_t k = 0; k < Registers; ++k) acc[r][k] = simd::fma(xv, gv[k], acc[r][k]);
    }
  }
  for (std::size_t r = 0; r < Rows; ++r)
    for (std::size_t k = 0; k < Registers; ++k) simd::store<Arch>(grad_weights + (i + r) * d.units + u + k * L, acc[r][k]);
}

/// Rows [i, i + Rows) of dense_weight_gradients: pairs of unit registers, a last single
/// register, then the units past the last whole register one FMA at a time.
template <class Arch, std::size_t Rows, class Dims>
TENET_ALWAYS_INLINE void dense_weight_gradient_rows(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT g,
                                                    std::size_t count, float* TENET_RESTRICT grad_weights, std::size_t i) {
  constexpr std::size_t L = simd::lanes<Arch>;
  const std::size_t vector_end = d.units - d.units % L;
  std::size_t u = 0;
  for (; u + 2 * L <= vector_end; u += 2 * L) dense_weight_gradient_tile<Arch, Rows, 2>(d, x, g, count, grad_weights, i, u);
  if (u < vector_end) dense_weight_gradient_tile<Arch, Rows, 1>(d, x, g, count, grad_weights, i, u);
  for (std::size_t r = i; r < i + Rows; ++r)
    for (u = vector_end; u < d.units; ++u) {
      float sum = grad_weights[r * d.units + u];
      for (std::size_t e = 0; e < count; ++e) sum = std::fma(x[e * d.inputs + r], g[e * d.units + u], sum);
      grad_weights[r * d.units + u] = sum;
    }
}

}  // namespace detail

/// The input and bias gradients of dense_backward, without the weight gradients: training
/// computes those for several examples at once (dense_weight_gradients). The same bits as
/// dense_backward's.
template <class Arch, class Dims>
void dense_backward_input(const Dims& d, const float* TENET_RESTRICT weights, const float* TENET_RESTRICT grad_out,
                          float* TENET_RESTRICT grad_in, float* TENET_RESTRICT grad_bias) {
  if constexpr (dense_runs_half_width<Arch, Dims>)
    return dense_backward_input<simd::half_width_t<Arch>>(d, weights, grad_out, grad_in, grad_bias);
  for (std::size_t u = 0; u < d.units; ++u) grad_bias[u] += grad_out[u];
  if (grad_in == nullptr) return;
  if constexpr (dense_uses_interleaved<Arch, Dims>) {
    detail::dense_backward_interleaved<Arch, false, Dims::inputs, Dims::units>(nullptr, weights, grad_out, grad_in, nullptr,
                                                                               std::make_index_sequence<Dims::units>{});
  } else {
    detail::dense_input_gradient<Arch>(d, weights, grad_out, grad_in, 0, d.inputs);
  }
}

/// The weight gradients of `count` examples: grad_weights [inputs][units] += sum over e of
/// x_e^T g_e, x [count][inputs], g [count][units]. Each weight's gradient adds its examples'
/// products one FMA at a time in example order, so the result has the bits of `count`
/// dense_backward calls; but the weight gradients are read and written once per 8 examples
/// instead of once per example (a 3136 -> 10 layer's are 125 KB, LeNet-5's 400 -> 120 192 KB:
/// one example's pass was bound by that traffic).
template <class Arch, class Dims>
void dense_weight_gradients(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT g, std::size_t count,
                            float* TENET_RESTRICT grad_weights) {
  constexpr std::size_t sweep = detail::weight_gradient_sweep;
  for (std::size_t e = 0; e < count; e += sweep) {
    const std::size_t n = std::min(sweep, count - e);
    const float* xe = x + e * d.inputs;
    const float* ge = g + e * d.units;
    if constexpr (dense_uses_interleaved<Arch, Dims>) {
      detail::dense_weight_gradients_interleaved<Arch, Dims::inputs, Dims::units>(xe, ge, n, grad_weights,
                                                                                  std::make_index_sequence<Dims::units>{});
    } else {
      constexpr std::size_t rows = 4;
      std::size_t i = 0;
      for (; i + rows <= d.inputs; i += rows) detail::dense_weight_gradient_rows<Arch, rows>(d, xe, ge, n, grad_weights, i);
      for (; i < d.inputs; ++i) detail::dense_weight_gradient_rows<Arch, 1>(d, xe, ge, n, grad_weights, i);
    }
  }
}

/// Gradients of y = x W + b for one example: accumulates x^T g into `grad_weights`
/// [inputs][units] and g into `grad_bias`; when `grad_in` is not null, writes W g into it.
template <class Arch, class Dims>
void dense_backward(const Dims& d, const float* TENET_RESTRICT x, const float* TENET_RESTRICT weights, const float* TENET_RESTRICT grad_out,
                    float* TENET_RESTRICT grad_in, float* TENET_RESTRICT grad_weights, float* TENET_RESTRICT grad_bias) {
  if constexpr (dense_runs_half_width<Arch, Dims>)
    return dense_backward<simd::half_width_t<Arch>>(d, x, weights, grad_out, grad_in, grad_weights, grad_bias);
  for (std::size_t u = 0; u < d.units; ++u) grad_bias[u] += grad_out[u];
  if constexpr (dense_uses_interleaved<Arch, Dims>) {
    detail::dense_backward_interleaved<Arch, true, Dims::inputs, Dims::units>(x, weights, grad_out, grad_in, grad_weights,
                                                                              std::make_index_sequence<Dims::units>{});
  } else {
    detail::dense_backward_rows<Arch>(d, x, weights, grad_out, grad_in, grad_weights, 0, d.inputs);
  }
}

}  // namespace tenet::kernels

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
