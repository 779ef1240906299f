#pragma once
/// The SIMD vocabulary every kernel uses, and the differences between xsimd versions.
///
/// Kernels are templated on an xsimd architecture tag (`Arch`); the network instantiates them
/// with `tenet::simd::default_arch`, the best instruction set the translation unit was
/// compiled for. Tests also run them with `fallback_arch` to cover a second width.

#include <cstddef>
#include <type_traits>

// g++ 12's AVX-512 intrinsics read a deliberately undefined register (_mm512_undefined_ps is
// `__m512 __Y = __Y;`), which -Wuninitialized reports in every function that inlines them
// (GCC bug 105593, fixed in 13). immintrin.h is included here, before xsimd, with those two
// warnings off for its lines only.
#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__))
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

#include <xsimd/xsimd.hpp>

namespace tenet::simd {

/// The widest instruction set enabled by the compiler flags (AVX2 + FMA with -march=x86-64-v3).
using default_arch = xsimd::default_arch;

/// A narrower architecture, for testing kernels at a second vector width. (xsimd 8 has no
/// scalar "generic" batch; later xsimd versions call the fallback `common`.)
#if XSIMD_WITH_SSE2
using fallback_arch = xsimd::sse2;
#else
using fallback_arch = xsimd::default_arch;
#endif

template <class Arch>
using vfloat = xsimd::batch<float, Arch>;

/// The architecture of half `Arch`'s width, to use beside it for short rows (e.g. 6 filters,
/// fewer than the 8 lanes of AVX2; 10 units, fewer than the 16 of AVX-512): AVX2 beside
/// AVX-512, SSE beside AVX2 (with AVX2 + FMA code, SSE registers still use VEX-encoded FMAs).
/// `Arch` itself when it is already 128 bits wide (or narrower).
template <class Arch>
struct half_width {
  using type = Arch;
};
#if XSIMD_WITH_AVX512BW && XSIMD_WITH_FMA3_AVX2
template <>
struct half_width<xsimd::avx512bw> {
  using type = xsimd::fma3<xsimd::avx2>;
};
#endif
#if XSIMD_WITH_FMA3_AVX2 && XSIMD_WITH_FMA3_SSE
template <>
struct half_width<xsimd::fma3<xsimd::avx2>> {
  using type = xsimd::fma3<xsimd::sse4_2>;
};
#endif
#if XSIMD_WITH_AVX2 && XSIMD_WITH_SSE4_2
template <>
struct half_width<xsimd::avx2> {
  using type = xsimd::sse4_2;
};
#endif
template <class Arch>
using half_width_t = typename half_width<Arch>::type;

/// Number of floats in one register of `Arch`.
template <class Arch>
inline constexpr std::size_t lanes = vfloat<Arch>::size;

/// Vector registers the compiler can allocate for `Arch`: 32 with AVX-512 (zmm0-31) and on
/// aarch64 (v0-v31), 16 with AVX and SSE on x86-64. Register tiles (accumulators + the
/// operands they share) are sized from it.
template <class Arch>
inline constexpr std::size_t register_count = [] {
#if XSIMD_WITH_AVX512F
  if constexpr (std::is_base_of_v<xsimd::avx512f, Arch>) return std::size_t{32};
#endif
#if defined(__aarch64__)
  return std::size_t{32};
#else
  return std::size_t{16};
#endif
}();

/// x * y + z with one rounding. xsimd 8.1 has no AVX-512 fma: for avx512 it falls back to
/// `x * y + z`, which g++ contracts into an FMA where it chooses (at -O2 and above, not in
/// every inlined copy alike, never at -Og), so two passes that must give the same bits would
/// not. Here AVX-512 gets its FMA instruction.
template <class A>
inline xsimd::batch<float, A> fma(xsimd::batch<float, A> x, xsimd::batch<float, A> y, xsimd::batch<float, A> z) noexcept {
#if XSIMD_WITH_AVX512F
  if constexpr (std::is_base_of_v<xsimd::avx512f, A>) return _mm512_fmadd_ps(x, y, z);
#endif
  return xsimd::fma(x, y, z);
}

/// Horizontal sum (xsimd 8 spells it `hadd`; xsimd 11+ `reduce_add`).
template <class Arch>
inline float reduce_sum(vfloat<Arch> v) noexcept {
  return xsimd::hadd(v);
}

template <class Arch>
inline vfloat<Arch> load(const float* p) noexcept {
  return vfloat<Arch>::load_unaligned(p);
}

template <class Arch>
inline void store(float* p, vfloat<Arch> v) noexcept {
  v.store_unaligned(p);
}

/// Loads a register that the caller will use several times, and keeps it in a register: left
/// alone, g++ folds the load into every FMA that reads it (a memory operand costs no
/// instruction), which turns one load into several and makes a tile that reuses each weight
/// register bound by loads instead of FMAs. The empty asm statement says the value may have
/// changed, so it cannot be re-read from memory.
template <class Arch>
inline vfloat<Arch> load_to_register(const float* p) noexcept {
  vfloat<Arch> v = vfloat<Arch>::load_unaligned(p);
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  typename vfloat<Arch>::register_type r = v;
  asm("" : "+x"(r));
  v = r;
#endif
  return v;
}

/// Writes `Rows` registers of L values as L rows of Rows values: row p (lane p of every
/// register) at out + p * Rows. On AVX (Rows <= 8) an 8x8 transpose in registers (24 shuffles)
/// and one store per row, each spilling L - Rows values into the next row's place, which the
/// next store overwrites; rows whose store would reach past out + L * Rows are stored exactly.
/// Elsewhere through a buffer on the stack.
template <class Arch, std::size_t Rows>
inline void store_transposed(const vfloat<Arch> (&v)[Rows], float* out) noexcept {
  constexpr std::size_t L = lanes<Arch>;
#if XSIMD_WITH_AVX
  if constexpr (L == 8 && Rows <= 8 && std::is_base_of_v<xsimd::avx, Arch>) {
    __m256 r[8];
    for (std::size_t i = 0; i < 8; ++i) r[i] = i < Rows ? static_cast<__m256>(v[i]) : _mm256_setzero_ps();
    __m256 t[8], s[8];
    for (std::size_t i = 0; i < 4; ++i) {
      t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);  // lanes 0 1 of rows 2i, 2i+1, and 4 5
      t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);  // lanes 2 3, and 6 7
    }
    for (std::size_t h = 0; h < 2; ++h) {  // rows 0-3 (h = 0) and 4-7
      s[4 * h + 0] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
      s[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xEE);
      s[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
      s[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xEE);
    }
    __m256 rows[8];
    for (std::size_t i = 0; i < 4; ++i) {
      rows[i] = _mm256_permute2f128_ps(s[i], s[4 + i], 0x20);
      rows[4 + i] = _mm256_permute2f128_ps(s[i], s[4 + i], 0x31);
    }
    for (std::size_t p = 0; p < 8; ++p) {
      if (p * Rows + 8 <= 8 * Rows) {
        _mm256_storeu_ps(out + p * Rows, rows[p]);
      } else {  // would write past the end
        alignas(32) float row[8];
        _mm256_store_ps(row, rows[p]);
        for (std::size_t i = 0; i < Rows; ++i) out[p * Rows + i] = row[i];
      }
    }
    return;
  }
#endif
  alignas(64) float buffer[Rows][L];
  for (std::size_t i = 0; i < Rows; ++i) v[i].store_aligned(buffer[i]);
  for (std::size_t p = 0; p < L; ++p)
    for (std::size_t i = 0; i < Rows; ++i) out[p * Rows + i] = buffer[i][p];
}

/// max(v, 0) with ReLU's rule for NaN on every ISA: a NaN gives 0, as the scalar tails'
/// `v > 0 ? v : 0` do. x86's maxps returns its second operand when either is NaN, so
/// xsimd::max(v, 0) is that there; NEON's fmax returns the NaN, its fmaxnm (IEEE maxNum) the
/// number.
template <class Arch>
inline vfloat<Arch> relu(vfloat<Arch> v) noexcept {
#if XSIMD_WITH_NEON64
  if constexpr (std::is_base_of_v<xsimd::neon64, Arch>) return vfloat<Arch>(vmaxnmq_f32(v, vdupq_n_f32(0.0f)));
#endif
  return xsimd::max(v, vfloat<Arch>(0.0f));
}

}  // namespace tenet::simd
