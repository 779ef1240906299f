#pragma once
/// Which instruction sets this CPU has, and which one tenet runs: chosen once per process,
/// the best the CPU has unless the environment variable `TENET_ISA` pins one.
///
/// An ISA here is a whole tier of x86-64 (the levels the compilers know as -march=x86-64-v2,
/// -v3, -v4), not one extension: code compiled for a tier may use any instruction of it, so
/// the CPU must have all of them, and the operating system must save the registers they use
/// (XCR0), which CPUID alone does not say.

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "../error.hpp"
#include "../kernels/arch.hpp"

namespace tenet::simd {

/// The instruction-set tiers tenet compiles kernels for, from the least to the most capable.
/// `baseline` is whatever a build without ISA flags gives (SSE2 on x86-64, NEON on aarch64).
enum class isa : std::uint8_t { baseline, sse4_2, avx2, avx512 };
inline constexpr std::size_t isa_count = 4;

/// The name used by `TENET_ISA`, `active_isa()` and `summary()`.
constexpr std::string_view name(isa i) noexcept {
  switch (i) {
    case isa::sse4_2:
      return "sse4.2";
    case isa::avx2:
      return "avx2";
    case isa::avx512:
      return "avx512";
    case isa::baseline:
      break;
  }
#if defined(__aarch64__)
  return "neon";
#else
  return "sse2";
#endif
}

/// The tier an xsimd architecture belongs to (the one a translation unit's flags select as
/// `xsimd::default_arch`).
template <class Arch>
constexpr isa isa_of() noexcept {
#if XSIMD_WITH_AVX512BW
  if constexpr (std::is_base_of_v<xsimd::avx512bw, Arch>) return isa::avx512;
#endif
#if XSIMD_WITH_FMA3_AVX2
  if constexpr (std::is_base_of_v<xsimd::fma3<xsimd::avx2>, Arch>) return isa::avx2;
#endif
#if XSIMD_WITH_SSE4_2
  if constexpr (std::is_base_of_v<xsimd::sse4_2, Arch>) return isa::sse4_2;
#endif
  return isa::baseline;
}

/// Thrown when `TENET_ISA` names an ISA tenet does not know or this CPU lacks, or one a
/// network was not compiled for.
class isa_error : public tenet::error {
 public:
  using tenet::error::error;
};

/// What CPUID and XCR0 say about the tiers: for each, the features it needs that are missing
/// (empty: the tier can run).
struct cpu_report {
  std::string model;
  std::array<std::vector<std::string>, isa_count> missing;

  bool supports(isa i) const noexcept { return missing[static_cast<std::size_t>(i)].empty(); }
  /// The most capable tier with nothing missing.
  isa best() const noexcept {
    for (std::size_t i = isa_count; i-- > 1;)
      if (missing[i].empty()) return static_cast<isa>(i);
    return isa::baseline;
  }
};

namespace detail {

#if defined(__x86_64__) || defined(__i386__)
struct cpuid_regs {
  unsigned a = 0, b = 0, c = 0, d = 0;
};
inline cpuid_regs cpuid(unsigned leaf, unsigned subleaf = 0) noexcept {
  cpuid_regs r;
  if (__get_cpuid_count(leaf, subleaf, &r.a, &r.b, &r.c, &r.d) == 0) return {};
  return r;
}
/// XCR0: which register states the operating system saves on a context switch. `xgetbv`
/// through asm, since the intrinsic needs -mxsave on the translation unit.
inline std::uint64_t xcr0() noexcept {
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (std::uint64_t{hi} << 32) | lo;
}
#endif

}  // namespace detail

/// Reads this CPU's features (CPUID and XCR0 on x86; nothing to read elsewhere: the baseline
/// is all there is).
inline cpu_report read_cpu() {
  cpu_report r;
#if defined(__x86_64__) || defined(__i386__)
  using detail::cpuid;
  const unsigned max_leaf = cpuid(0).a;
  const auto l1 = cpuid(1);
  const auto l7 = max_leaf >= 7 ? cpuid(7, 0) : detail::cpuid_regs{};
  const auto ext = cpuid(0x80000001u);
  std::array<unsigned, 12> brand{};
  if (cpuid(0x80000000u).a >= 0x80000004u) {
    for (unsigned i = 0; i < 3; ++i) {
      const auto b = cpuid(0x80000002u + i);
      brand[4 * i] = b.a, brand[4 * i + 1] = b.b, brand[4 * i + 2] = b.c, brand[4 * i + 3] = b.d;
    }
    r.model.assign(reinterpret_cast<const char*>(brand.data()), sizeof brand);
    r.model.resize(r.model.find_first_of('\0') == std::string::npos ? r.model.size() : r.model.find_first_of('\0'));
    const auto first = r.model.find_first_not_of(' ');
    r.model = first == std::string::npos ? std::string{} : r.model.substr(first);
  }
  const auto bit = [](unsigned reg, unsigned b) { return ((reg >> b) & 1u) != 0; };
  const bool osxsave = bit(l1.c, 27);
  const std::uint64_t xcr = osxsave ? detail::xcr0() : 0;
  struct feature {
    const char* name;
    bool present;
  };
  // Each tier's features beyond the one below it (the x86-64 micro-architecture levels).
  const feature v2[] = {
      {"sse3", bit(l1.c, 0)}, {"ssse3", bit(l1.c, 9)}, {"sse4.1", bit(l1.c, 19)}, {"sse4.2", bit(l1.c, 20)}, {"popcnt", bit(l1.c, 23)}};
  const feature v3[] = {{"avx", bit(l1.c, 28)},   {"avx2", bit(l7.b, 5)},   {"fma", bit(l1.c, 12)},
                        {"bmi1", bit(l7.b, 3)},   {"bmi2", bit(l7.b, 8)},   {"f16c", bit(l1.c, 29)},
                        {"lzcnt", bit(ext.c, 5)}, {"movbe", bit(l1.c, 22)}, {"OS support for AVX registers (XCR0)", (xcr & 0x6) == 0x6}};
  const feature v4[] = {{"avx512f", bit(l7.b, 16)},  {"avx512bw", bit(l7.b, 30)},
                        {"avx512cd", bit(l7.b, 28)}, {"avx512dq", bit(l7.b, 17)},
                        {"avx512vl", bit(l7.b, 31)}, {"OS support for AVX-512 registers (XCR0)", (xcr & 0xE6) == 0xE6}};
  auto add = [&](isa from, const auto& features) {
    for (std::size_t t = static_cast<std::size_t>(from); t < isa_count; ++t)
      for (const feature& f : features)
        if (!f.present) r.missing[t].push_back(f.name);
  };
  add(isa::sse4_2, v2);
  add(isa::avx2, v3);
  add(isa::avx512, v4);
#else
  for (std::size_t t = 1; t < isa_count; ++t) r.missing[t].push_back("an x86-64 CPU");
#endif
  return r;
}

/// The ISA named by `value` (a `TENET_ISA` setting), checked against `cpu`. Throws isa_error
/// when the name is unknown or the CPU lacks a feature of that tier (naming them).
inline isa parse_isa(std::string_view value, const cpu_report& cpu) {
  for (std::size_t i = 0; i < isa_count; ++i) {
    const isa candidate = static_cast<isa>(i);
    if (value != name(candidate)) continue;
    if (!cpu.supports(candidate)) {
      std::string lacks;
      for (const std::string& f : cpu.missing[i]) lacks += (lacks.empty() ? "" : ", ") + f;
      throw isa_error("tenet: TENET_ISA=" + std::string(value) + ", but this CPU" +
                      (cpu.model.empty() ? std::string{} : " (" + cpu.model + ")") + " lacks " + lacks + "; its best is " +
                      std::string(name(cpu.best())) + " (unset TENET_ISA to use it)");
    }
    return candidate;
  }
  std::string known;
  for (std::size_t i = isa_count; i-- > 0;) known += std::string(i + 1 == isa_count ? "" : ", ") + std::string(name(static_cast<isa>(i)));
  throw isa_error("tenet: TENET_ISA=" + std::string(value) + " is not an instruction set tenet knows; use one of " + known +
                  " (or unset it: the best this CPU has)");
}

/// The process's choice, made on first use: `TENET_ISA` when set (and not empty), else the
/// best tier this CPU has. `pinned` says which.
struct isa_choice {
  isa chosen;
  bool pinned;
};
inline isa_choice choose_isa(const char* setting, const cpu_report& cpu) {
  if (setting != nullptr && *setting != '\0') return {parse_isa(setting, cpu), true};
  return {cpu.best(), false};
}

/// This process's ISA choice, read once (thread-safe; a bad `TENET_ISA` throws isa_error
/// from every call).
inline const isa_choice& process_isa() {
  static const isa_choice choice = choose_isa(std::getenv("TENET_ISA"), read_cpu());
  return choice;
}

/// The name of the ISA tenet runs on in this process: "avx512", "avx2", "sse4.2", "sse2".
/// A network runs it when it was compiled for it (see simd/dispatch.hpp); `network::isa()`
/// says what a given network runs.
inline std::string_view active_isa() { return name(process_isa().chosen); }

}  // namespace tenet::simd
