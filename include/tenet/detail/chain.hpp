#pragma once
/// Walking a network's layers from input to output at compile time: each layer is checked
/// against the shape the previous one produces, then bound to it (`L::at<In>`).

#include <cstddef>
#include <type_traits>

#include "../concepts.hpp"
#include "../diagnostics.hpp"
#include "../shape.hpp"

namespace tenet::detail {

/// A layer spec `L` bound to the shape `In` it receives: everything `L::at<In>` provides,
/// plus the spec itself (for names in summary() and fingerprints).
template <class L, class In>
struct bound : L::template at<In> {
  using layer_type = L;
};

template <class... Bs>
struct bound_list {};

template <class B, class List>
struct prepend;
template <class B, class... Bs>
struct prepend<B, bound_list<Bs...>> {
  using type = bound_list<B, Bs...>;
};

/// The link for an argument that is not a layer at all: reports it, yields no shape.
template <class Index, class NotALayer>
struct not_a_layer_link : check_is_layer<Index, NotALayer> {  // the base's static_assert reports
  using output = invalid_shape;
};

template <class Index, class L, class In>
struct link_for {
  using type = not_a_layer_link<Index, L>;
};
template <class Index, class L, class In>
  requires Layer<L>
struct link_for<Index, L, In> {
  using type = check_layer<Index, L, In>;
};

/// chain<I, In, Layers...>: checks and binds Layers... starting at layer index I with input
/// shape In. `valid` is false after the first failed check, and the walk stops there: the
/// rest of the layers are never instantiated, so they cannot add errors of their own.
template <std::size_t I, class In, class... Layers>
struct chain {
  static constexpr bool valid = true;
  using output = In;
  using layers = bound_list<>;
};

template <std::size_t I>
struct chain<I, invalid_shape> {
  static constexpr bool valid = false;
  using output = invalid_shape;
  using layers = bound_list<>;
};

template <std::size_t I, class L, class... Rest>
struct chain<I, invalid_shape, L, Rest...> {
  static constexpr bool valid = false;
  using output = invalid_shape;
  using layers = bound_list<>;
};

template <bool Valid, class L, class In, class Next>
struct bind_if_valid {
  using type = bound_list<>;
};
template <class L, class In, class Next>
struct bind_if_valid<true, L, In, Next> {
  using type = typename prepend<bound<L, In>, typename Next::layers>::type;
};

template <class L, class In>
struct next_shape {
  using type = invalid_shape;
};
template <class L, class In>
  requires Layer<L>
struct next_shape<L, In> {
  using type = typename output_if_ok<L::template check<In>() == verdict::ok, L, In>::type;
};

template <std::size_t I, class In, class L, class... Rest>
struct chain<I, In, L, Rest...> {
  // Instantiating the link reports a failed check. The next shape is computed apart from it:
  // clang marks a class whose static_assert failed as invalid, and reading a member of it
  // would add a second, confusing error.
  static_assert(sizeof(typename link_for<layer_index<I>, L, In>::type) != 0);
  using next = chain<I + 1, typename next_shape<L, In>::type, Rest...>;
  static constexpr bool valid = next::valid;
  using output = typename next::output;
  using layers = typename bind_if_valid<valid, L, In, next>::type;
};

}  // namespace tenet::detail
