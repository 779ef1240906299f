#pragma once
/// The SIMD vocabulary every kernel uses, and the differences between xsimd versions.
///
/// Kernels are templated on an xsimd architecture tag (`Arch`); the network instantiates them
/// with `tenet::simd::default_arch`, the best instruction set the translation unit was
/// compiled for. Tests also run them with `fallback_arch` to cover a second width.

#include <cstddef>

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

/// The 128-bit architecture to use beside `Arch` for short rows (e.g. 6 filters, fewer than
/// the 8 lanes of AVX2): with AVX2 + FMA code, SSE registers still use VEX-encoded FMAs.
/// `Arch` itself when it is already 128 bits wide (or narrower).
template <class Arch>
struct half_width {
  using type = Arch;
};
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

}  // namespace tenet::simd
