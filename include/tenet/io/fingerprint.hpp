#pragma once
/// `fingerprint_v<Net>`: a 64-bit hash of a network's *type* (its layers and shapes),
/// computed at compile time, and `describe_network<Net>()`, the same network in words.
///
/// A weights file records the fingerprint of the network that saved it; `load_weights`
/// refuses a file whose fingerprint differs from the loading network's (see
/// docs/weights-format.md). What is hashed, in order (FNV-1a, 64 bits, every number as 8
/// little-endian bytes, every text as its length then its bytes):
///
///   - the scheme tag "tenet.fingerprint/1" and the network's input shape;
///   - for every layer except `expect` (which computes nothing): a kind token naming the layer
///     and the settings that its shapes do not reveal, as the layer declares them
///     (`fingerprint_name`, `fingerprint_numbers`; conv2d: filters, kernel, stride, padding;
///     max_pool and avg_pool: window, stride; dense: units), its input shape, output shape,
///     weight shape (if it has one), weight count and bias count;
///   - the number of layers hashed.
///
/// Deliberately left out, so that changing them keeps existing files loadable:
///   - `expect<...>` checkpoints, entirely (adding or removing one changes nothing);
///   - the rate of `dropout` / `dropout_ratio` (a dropout layer itself does count: it is a
///     layer of the network, and files store one record per layer);
///   - how options are spelled: `conv2d<8, kernel<3, 3>>` and
///     `conv2d<8, kernel<3, 3>, valid, stride<1>>` are the same layer.
///
/// A layer tenet does not know (a user layer) is hashed by its shapes and counts plus an
/// optional `static constexpr std::string_view fingerprint_token` (or an integer) that it
/// declares: give two custom layers with the same shapes different tokens, and change the
/// token when the meaning of the layer's weights changes.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../shape.hpp"

namespace tenet {

namespace io::detail {

/// 64-bit FNV-1a, usable in constant expressions. Numbers are fed as 8 little-endian bytes,
/// so the result is the same on every host.
struct fnv1a {
  std::uint64_t state = 0xcbf29ce484222325ull;

  constexpr void byte(std::uint8_t b) { state = (state ^ b) * 0x100000001b3ull; }
  constexpr void number(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) byte(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  constexpr void text(std::string_view s) {
    number(s.size());
    for (char c : s) byte(static_cast<std::uint8_t>(c));
  }
  /// Rank, then each dimension.
  template <class S>
  constexpr void dims() {
    if constexpr (Shape<S>) {
      number(S::rank);
      for (std::size_t d : S::dims) number(d);
    } else {
      number(~std::uint64_t{0});  // invalid_shape: never in a network that compiled
    }
  }
};

/// A compile-time constant string: `fingerprint_token` qualifies when it converts to
/// std::string_view in a constant expression.
template <class L>
concept HasTextToken = requires {
  typename std::integral_constant<std::size_t, std::string_view(L::fingerprint_token).size()>;
};
template <class L>
concept HasNumberToken = requires {
  requires std::is_integral_v<std::remove_cvref_t<decltype(L::fingerprint_token)>>;
  typename std::integral_constant<std::uint64_t, static_cast<std::uint64_t>(L::fingerprint_token)>;
};

/// How a layer spec enters the fingerprint. A layer declares it next to itself:
///   - `static constexpr std::string_view fingerprint_name` and, optionally,
///     `fingerprint_numbers` (a constexpr array of integers): tenet's own layers, the name
///     and the settings its shapes do not reveal;
///   - `static constexpr bool recorded_in_files = false`: left out of the fingerprint, the
///     description and the weights file (expect);
///   - nothing, or a `fingerprint_token`: a user layer, hashed as "user" plus its token.
template <class L>
struct layer_kind {
  static constexpr bool transparent = requires { requires !L::recorded_in_files; };
  static constexpr void add(fnv1a& h) {
    if constexpr (requires { L::fingerprint_name; }) {
      h.text(std::string_view(L::fingerprint_name));
      if constexpr (requires { L::fingerprint_numbers; })
        for (const auto n : L::fingerprint_numbers) h.number(static_cast<std::uint64_t>(n));
    } else {
      h.text("user");
      if constexpr (HasTextToken<L>) {
        h.text(std::string_view(L::fingerprint_token));
      } else if constexpr (HasNumberToken<L>) {
        h.number(static_cast<std::uint64_t>(L::fingerprint_token));
      } else {
        static_assert(
            !requires { L::fingerprint_token; },
            "tenet::fingerprint_v: a layer's fingerprint_token must be a constexpr string "
            "(e.g. static constexpr std::string_view fingerprint_token = \"my_layer/1\";) or integer");
        h.text("");
      }
    }
  }
};

/// True for layers that appear in fingerprints, descriptions and weights files.
template <class L>
inline constexpr bool is_recorded_v = !layer_kind<L>::transparent;

template <class Net, std::size_t... I>
constexpr std::size_t count_records(std::index_sequence<I...>) {
  return (std::size_t{0} + ... + (is_recorded_v<typename Net::template bound_layer<I>::layer_type> ? 1 : 0));
}

/// Number of layers a weights file of `Net` holds records for (every layer but `expect`).
template <class Net>
inline constexpr std::size_t record_count_v = count_records<Net>(std::make_index_sequence<Net::depth>{});

template <class B>
constexpr void add_bound_layer(fnv1a& h) {
  using L = typename B::layer_type;
  if constexpr (is_recorded_v<L>) {
    layer_kind<L>::add(h);
    h.dims<typename B::input_shape>();
    h.dims<typename B::output_shape>();
    if constexpr (requires { typename B::weight_shape; }) {
      h.number(1);
      h.dims<typename B::weight_shape>();
    } else {
      h.number(0);
    }
    h.number(B::weight_count);
    h.number(B::bias_count);
  }
}

template <class Net, std::size_t... I>
constexpr std::uint64_t compute_fingerprint(std::index_sequence<I...>) {
  fnv1a h;
  h.text("tenet.fingerprint/1");
  h.dims<typename Net::input_shape>();
  (add_bound_layer<typename Net::template bound_layer<I>>(h), ...);
  h.number(record_count_v<Net>);
  return h.state;
}

/// What `fingerprint_v` and `describe_network` need from a network type.
template <class Net>
concept NetworkType = requires {
  typename Net::input_shape;
  typename Net::output_shape;
  { Net::depth } -> std::convertible_to<std::size_t>;
  { Net::param_count } -> std::convertible_to<std::size_t>;
};

template <class B>
void append_description(std::string& text) {
  using L = typename B::layer_type;
  if constexpr (is_recorded_v<L>) {
    text += " | ";
    text += L::describe();
    if constexpr (!std::is_same_v<typename B::input_shape, typename B::output_shape>) {
      text += ' ';
      text += to_string<typename B::output_shape>();
    }
  }
}

}  // namespace io::detail

/// The fingerprint of network type `Net`: equal for networks with the same layers and
/// shapes, different (up to 64-bit hash collisions) otherwise. A constant expression.
///
/// Example: tests/unit/weights.tests.cpp
template <class Net>
  requires io::detail::NetworkType<Net>
inline constexpr std::uint64_t fingerprint_v = io::detail::compute_fingerprint<Net>(std::make_index_sequence<Net::depth>{});

/// The network in one line, as weights-file error messages show it:
/// `input (28, 28, 1) | conv2d 16@2x2 same (28, 28, 16) | relu | max_pool 2x2 (14, 14, 16) |
/// flatten (3136) | dense 10 (10) | softmax`. A layer's output shape is shown when it differs
/// from its input shape; `expect` checkpoints are left out, as from the fingerprint.
template <class Net>
  requires io::detail::NetworkType<Net> std::string describe_network() {
    std::string text = "input " + to_string<typename Net::input_shape>();
    [&]<std::size_t... I>(std::index_sequence<I...>) { (io::detail::append_description<typename Net::template bound_layer<I>>(text), ...); }
    (std::make_index_sequence<Net::depth>{});
    return text;
  }

}  // namespace tenet
