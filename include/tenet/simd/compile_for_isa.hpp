#pragma once
/// Included first by the translation units that `tenet_add_isa_dispatch`
/// (cmake/TenetIsaDispatch.cmake) writes, one per ISA, each compiled with that ISA's flags:
/// `TENET_COMPILE_FOR_ISA(net_t, ...)` there compiles each network's inference and training
/// entry points for this translation unit's ISA and registers them (simd/dispatch.hpp) while
/// the program starts.
///
/// Everything instantiated here depends on this unit's xsimd architecture (the registrar,
/// the tables, the kernels), so none of it is the same function as the baseline's. What both
/// compile alike (inline functions of the library and of std) is kept from the program's own
/// objects, which the link line lists first: the linker keeps the first copy of each.

#include <cstdint>

#include "../network.hpp"
#include "../train/backprop.hpp"
#include "../train/loss.hpp"
#include "dispatch.hpp"
#include "isa.hpp"

namespace tenet::simd::detail {

/// Registers Net's tables for `Arch` (this translation unit's architecture) on construction.
template <class Arch, class Net>
struct isa_registrar {
  using base = typename Net::base_type;
  using output = tensor<float, typename Net::output_shape>;

  template <class Loss>
  static void add_training() noexcept {
    registry<tenet::detail::training_kernels<base, Loss>>::add(tenet::detail::backprop<base, Loss, Arch>::kernels);
  }

  isa_registrar() noexcept {
    registry<typename base::kernels>::add(base::template kernels_for<Arch>);
    add_training<tenet::cross_entropy>();
    add_training<typename tenet::detail::resolve_loss<tenet::categorical_cross_entropy, output>::type>();
    add_training<typename tenet::detail::resolve_loss<tenet::mean_squared_error, output>::type>();
  }
};

template <class Arch, class... Nets>
struct isa_registrars {
  std::tuple<isa_registrar<Arch, Nets>...> each;
};

}  // namespace tenet::simd::detail

/// Compiles and registers the listed networks for this translation unit's ISA. Use it once,
/// at namespace scope, in a file that tenet_add_isa_dispatch compiles.
#define TENET_COMPILE_FOR_ISA(...)                                                                        \
  namespace {                                                                                             \
  const ::tenet::simd::detail::isa_registrars<::xsimd::default_arch, __VA_ARGS__> tenet_isa_registrars{}; \
  }
