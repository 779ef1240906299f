#pragma once
/// Run-time dispatch: tables of a network's entry points, one per ISA, and the choice among
/// them.
///
/// A translation unit compiles every kernel for one instruction set, the one its flags give
/// (`xsimd::default_arch`, the network's `arch`). To run a better one where the CPU has it, a
/// program compiles its networks again in translation units of their own, one per ISA
/// (`tenet_add_isa_dispatch` in cmake/TenetIsaDispatch.cmake), and each of those registers
/// its tables here while the program starts (simd/compile_for_isa.hpp). The first time a
/// network runs, it takes the table of the process's ISA (simd/isa.hpp), or of the best ISA
/// below it that it has, or its own translation unit's.
///
/// A table type (`Kernels`) names its network, and for training its loss; it has a member
/// `which`, the ISA it was compiled for.

#include <cstddef>
#include <string>

#include "isa.hpp"

namespace tenet::simd {

/// The tables registered for one table type, one slot per ISA. Constant-initialized (every
/// slot null before any dynamic initialization), so a per-ISA translation unit's registration
/// cannot run before the slots exist, whatever the order of initialization.
template <class Kernels>
struct registry {
  inline static const Kernels* slots[isa_count] = {};
  static void add(const Kernels& k) noexcept { slots[static_cast<std::size_t>(k.which)] = &k; }
};

namespace detail {

/// The table to run: the process's ISA when there is one for it, else the best below it;
/// `own` (compiled with the caller's translation unit) counts as one. A pinned ISA
/// (TENET_ISA) must be there exactly: isa_error otherwise, naming the network.
template <class Kernels>
const Kernels& choose_kernels(const Kernels& own, std::string (*describe)(), const isa_choice& c,
                              const Kernels* const (&slots)[isa_count] = registry<Kernels>::slots) {
  const auto wanted = static_cast<std::size_t>(c.chosen);
  const auto own_index = static_cast<std::size_t>(own.which);
  if (c.pinned) {
    if (slots[wanted] != nullptr) return *slots[wanted];
    if (own_index == wanted) return own;
    std::string have(name(own.which));
    for (std::size_t i = isa_count; i-- > 0;)
      if (slots[i] != nullptr && i != own_index) have += ", " + std::string(name(static_cast<isa>(i)));
    throw isa_error("tenet: TENET_ISA=" + std::string(name(c.chosen)) + ", but this program compiled " + describe() + " for " + have +
                    " only: name the header that declares it in tenet_add_isa_dispatch (docs/isa.md), " + "or unset TENET_ISA");
  }
  for (std::size_t i = wanted + 1; i-- > 0;) {
    if (i == own_index) return own;
    if (slots[i] != nullptr) return *slots[i];
  }
  return own;
}

}  // namespace detail

/// The table this process runs for `Kernels`, chosen on the first call (thread-safe): see
/// detail::choose_kernels. `own` must be the same object on every call.
template <class Kernels>
const Kernels& dispatched(const Kernels& own, std::string (*describe)()) {
  static const Kernels& chosen = detail::choose_kernels(own, describe, process_isa());
  return chosen;
}

}  // namespace tenet::simd
