#pragma once
#include <cstddef>
/// Version and the few configuration macros tenet has.

#define TENET_VERSION_MAJOR 0
#define TENET_VERSION_MINOR 1
#define TENET_VERSION_PATCH 0

#if defined(__GNUC__) || defined(__clang__)
#define TENET_ALWAYS_INLINE inline __attribute__((always_inline))
#define TENET_NOINLINE __attribute__((noinline))
#define TENET_RESTRICT __restrict__
#else
#define TENET_ALWAYS_INLINE inline
#define TENET_NOINLINE
#define TENET_RESTRICT
#endif

namespace tenet {
/// Every buffer tenet owns (tensors, parameters, scratch) starts on this boundary:
/// one cache line, and a multiple of every x86 SIMD register width up to AVX-512.
inline constexpr std::size_t alignment = 64;
}  // namespace tenet
