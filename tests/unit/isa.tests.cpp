// What the CPU has and which ISA tenet runs (simd/isa.hpp), and the choice among a network's
// per-ISA tables (simd/dispatch.hpp), on made-up CPUs and tables as well as this machine.

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include <tenet/simd/dispatch.hpp>
#include <tenet/simd/isa.hpp>

using tenet::simd::isa;

namespace {

/// A CPU whose tiers above `best` each lack one feature.
tenet::simd::cpu_report cpu_up_to(isa best) {
  tenet::simd::cpu_report r;
  r.model = "Test CPU";
  for (std::size_t t = static_cast<std::size_t>(best) + 1; t < tenet::simd::isa_count; ++t)
    r.missing[t] =
        t == static_cast<std::size_t>(isa::avx512) ? std::vector<std::string>{"avx512bw", "avx512vl"} : std::vector<std::string>{"avx2"};
  return r;
}

struct fake_kernels {
  isa which;
  int id;
};

std::string fake_network() { return "the network (input (4))"; }

#if defined(__x86_64__)
/// This CPU's flags line from /proc/cpuinfo, or empty.
std::set<std::string> proc_cpu_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      std::set<std::string> flags;
      for (std::string w; words >> w;) flags.insert(w);
      return flags;
    }
  return {};
}
#endif

}  // namespace

TEST_CASE("TENET_ISA names an ISA the CPU has, or says what is wrong", "[isa]") {
  const auto cpu = cpu_up_to(isa::avx2);
  CHECK(tenet::simd::parse_isa("avx2", cpu) == isa::avx2);
  CHECK(tenet::simd::parse_isa("sse4.2", cpu) == isa::sse4_2);
  CHECK_THROWS_MATCHES(tenet::simd::parse_isa("avx512", cpu), tenet::simd::isa_error,
                       Catch::Matchers::Message("tenet: TENET_ISA=avx512, but this CPU (Test CPU) lacks avx512bw, "
                                                "avx512vl; its best is avx2 (unset TENET_ISA to use it)"));
  CHECK_THROWS_MATCHES(tenet::simd::parse_isa("AVX2", cpu), tenet::simd::isa_error,
                       Catch::Matchers::Message("tenet: TENET_ISA=AVX2 is not an instruction set tenet knows; use one "
                                                "of avx512, avx2, sse4.2, " +
                                                std::string(tenet::simd::name(isa::baseline)) +  // sse2, or neon on aarch64
                                                " (or unset it: the best this CPU has)"));
  // every tenet exception derives from tenet::error
  CHECK_THROWS_AS(tenet::simd::parse_isa("avx-512", cpu), tenet::error);
}

TEST_CASE("without TENET_ISA the process runs the best tier the CPU has", "[isa]") {
  for (isa best : {isa::baseline, isa::sse4_2, isa::avx2, isa::avx512}) {
    const auto cpu = cpu_up_to(best);
    CHECK(cpu.best() == best);
    const auto unset = tenet::simd::choose_isa(nullptr, cpu);
    CHECK(unset.chosen == best);
    CHECK_FALSE(unset.pinned);
    const auto empty = tenet::simd::choose_isa("", cpu);
    CHECK(empty.chosen == best);
    CHECK_FALSE(empty.pinned);
  }
  const auto pinned = tenet::simd::choose_isa("sse4.2", cpu_up_to(isa::avx512));
  CHECK(pinned.chosen == isa::sse4_2);
  CHECK(pinned.pinned);
}

TEST_CASE("a network takes the table of the chosen ISA, else the best below it, else its own", "[isa][dispatch]") {
  using tenet::simd::detail::choose_kernels;
  const fake_kernels own{isa::avx2, 0}, avx512{isa::avx512, 1}, sse{isa::sse4_2, 2};
  const fake_kernels* none[tenet::simd::isa_count] = {};
  const fake_kernels* with_avx512[tenet::simd::isa_count] = {nullptr, nullptr, nullptr, &avx512};
  const fake_kernels* with_sse[tenet::simd::isa_count] = {nullptr, &sse, nullptr, nullptr};
  const tenet::simd::isa_choice best_avx512{isa::avx512, false}, best_avx2{isa::avx2, false};

  CHECK(choose_kernels(own, &fake_network, best_avx512, with_avx512).id == 1);
  CHECK(choose_kernels(own, &fake_network, best_avx2, with_avx512).id == 0);  // the CPU lacks AVX-512
  CHECK(choose_kernels(own, &fake_network, best_avx512, none).id == 0);  // never compiled for it
  CHECK(choose_kernels(own, &fake_network, best_avx512, with_sse).id == 0);  // its own is better than sse4.2
  CHECK(choose_kernels(own, &fake_network, {isa::sse4_2, true}, with_sse).id == 2);
  CHECK(choose_kernels(own, &fake_network, {isa::avx2, true}, with_avx512).id == 0);
  CHECK(choose_kernels(own, &fake_network, {isa::avx512, true}, with_avx512).id == 1);
  CHECK_THROWS_MATCHES(choose_kernels(own, &fake_network, {isa::avx512, true}, with_sse), tenet::simd::isa_error,
                       Catch::Matchers::Message("tenet: TENET_ISA=avx512, but this program compiled the network (input (4)) for avx2, "
                                                "sse4.2 only: name the header that declares it in tenet_add_isa_dispatch (docs/isa.md), or "
                                                "unset TENET_ISA"));
}

TEST_CASE("CPUID and XCR0 agree with what the kernel reports in /proc/cpuinfo", "[isa]") {
  const tenet::simd::cpu_report cpu = tenet::simd::read_cpu();
  INFO("CPU: " << cpu.model);
#if defined(__x86_64__)
  const std::set<std::string> flags = proc_cpu_flags();
  if (flags.empty()) {
    WARN("no /proc/cpuinfo flags line: not compared");
    return;
  }
  auto has = [&](std::initializer_list<const char*> names) {
    for (const char* n : names)
      if (!flags.count(n)) return false;
    return true;
  };
  // Linux lists a feature only when the kernel enabled its registers (XCR0 included).
  CHECK(cpu.supports(isa::sse4_2) == has({"pni", "ssse3", "sse4_1", "sse4_2", "popcnt"}));
  CHECK(cpu.supports(isa::avx2) == (cpu.supports(isa::sse4_2) && has({"avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "abm", "movbe"})));
  CHECK(cpu.supports(isa::avx512) == (cpu.supports(isa::avx2) && has({"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"})));
  CHECK_FALSE(cpu.model.empty());
#else
  // Off x86-64 there is no CPUID and no x86 tier: the baseline (NEON on aarch64) only.
  // /proc/cpuinfo is not read: under qemu-user it is the x86 host's.
  CHECK(cpu.best() == isa::baseline);
  for (isa tier : {isa::sse4_2, isa::avx2, isa::avx512}) CHECK_FALSE(cpu.supports(tier));
#endif
}

TEST_CASE("active_isa() names the process's choice", "[isa]") {
  // ctest runs this also with TENET_ISA set (tests/CMakeLists.txt: unit_isa.*)
  const char* setting = std::getenv("TENET_ISA");
  const tenet::simd::cpu_report cpu = tenet::simd::read_cpu();
  if (setting == nullptr || *setting == '\0') {
    CHECK(tenet::simd::active_isa() == tenet::simd::name(cpu.best()));
    return;
  }
  INFO("TENET_ISA=" << setting);
  try {
    const isa wanted = tenet::simd::parse_isa(setting, cpu);
    CHECK(tenet::simd::active_isa() == tenet::simd::name(wanted));
  } catch (const tenet::simd::isa_error& e) {
    CHECK_THROWS_WITH(tenet::simd::active_isa(), e.what());
  }
}
