#pragma once
/// Reading the option lists of conv2d and max_pool (`same`, `valid`, `stride<...>`).

#include <cstddef>
#include <type_traits>

#include "../shape.hpp"

namespace tenet::detail {

template <class T>
inline constexpr bool is_stride_v = false;
template <std::size_t SH, std::size_t SW>
inline constexpr bool is_stride_v<stride<SH, SW>> = true;

template <class T>
inline constexpr bool is_padding_v = std::is_same_v<T, same> || std::is_same_v<T, valid>;

template <class T>
inline constexpr bool is_kernel_v = false;
template <std::size_t KH, std::size_t KW>
inline constexpr bool is_kernel_v<kernel<KH, KW>> = true;

/// The stride among `Options...`, or `Default` when none is given.
template <class Default, class... Options>
struct find_stride {
  using type = Default;
};
template <class Default, class First, class... Rest>
struct find_stride<Default, First, Rest...> {
  using type = std::conditional_t<is_stride_v<First>, First, typename find_stride<Default, Rest...>::type>;
};

/// What is wrong with an option list, if anything: 0 = fine, 1 = unknown option, 2 = conflict.
template <bool PaddingAllowed, class... Options>
constexpr int option_problem() {
  constexpr std::size_t strides = (std::size_t{0} + ... + (is_stride_v<Options> ? 1 : 0));
  constexpr std::size_t paddings = (std::size_t{0} + ... + (is_padding_v<Options> ? 1 : 0));
  constexpr bool all_known = ((is_stride_v<Options> || (PaddingAllowed && is_padding_v<Options>)) && ...);
  if (!all_known) return 1;
  if (strides > 1 || paddings > 1) return 2;
  return 0;
}

template <class... Options>
inline constexpr bool has_same_padding_v = (std::is_same_v<Options, same> || ...);

}  // namespace tenet::detail
