#pragma once
/// Every compile-time error tenet reports, in one place.
///
/// A network is checked one link at a time: `check_layer<layer_index<N>, Layer, Incoming>`
/// asks the layer whether it accepts the incoming shape. The *template arguments* carry the
/// evidence (where the layer is, which layer, which shape reaches it); g++ and clang print
/// them in the "In instantiation of ... required from" line right above our message. The
/// message itself is a fixed sentence: what is wrong and what to do.
///
/// After a failed check the rest of the chain receives `invalid_shape` and stops, so a
/// mistake produces one error, not pages of follow-on noise. Each message below has a
/// compile-fail test in tests/compile_fail/ that matches its text, and docs/errors.md shows
/// it as g++ prints it.

#include <cstddef>
#include <type_traits>

#include "shape.hpp"

namespace tenet {

/// What a layer says about the shape it is offered.
enum class verdict {
  ok,
  needs_flat_input,  // dense / softmax offered an image
  needs_image_input,  // conv2d / max_pool offered a flat vector
  kernel_larger_than_input,  // conv2d, valid padding
  window_larger_than_input,  // max_pool
  zero_size,  // zero filters, units, kernel side or pool window
  zero_stride,
  unexpected_shape,  // tenet::expect did not hold
  rate_out_of_range,  // dropout
  unknown_option,  // conv2d / max_pool option that is not same, valid, stride<>
  conflicting_options,  // e.g. both same and valid, or two strides
  kernel_expected,  // conv2d's second argument is not tenet::kernel<KH, KW>
};

/// A layer's index in the network: 0 is the first layer after `input`, as in summary() and `network::layer<I>()`.
template <std::size_t N>
struct layer_index {};

namespace detail {

template <bool Ok, class Layer, class In>
struct output_if_ok {
  using type = invalid_shape;
};
template <class Layer, class In>
struct output_if_ok<true, Layer, In> {
  using type = typename Layer::template at<In>::output_shape;
};

}  // namespace detail

/// Links one layer to the shape produced by the layer before it. Instantiated once per layer
/// by `network<...>`; its arguments are what the compiler shows you when a check fails.
template <class Index, class Layer, class Incoming>
struct check_layer {
  static constexpr verdict result = Layer::template check<Incoming>();

  static_assert(result != verdict::needs_flat_input,
                "tenet: this layer needs a flat (rank-1) input but receives an image (H, W, C): "
                "put tenet::flatten before it. Layer index, layer and incoming shape are in the "
                "'check_layer<...>' line above.");
  static_assert(result != verdict::needs_image_input,
                "tenet: this layer needs an image (H, W, C) input but receives a flat vector: "
                "convolution and pooling must come before tenet::flatten. Layer index, layer and "
                "incoming shape are in the 'check_layer<...>' line above.");
  static_assert(result != verdict::kernel_larger_than_input,
                "tenet: the convolution kernel is larger than its input under 'valid' padding: "
                "use a smaller kernel, or tenet::same. Layer index, layer and incoming shape are in "
                "the 'check_layer<...>' line above.");
  static_assert(result != verdict::window_larger_than_input,
                "tenet: the pooling window is larger than its input: use a smaller window or "
                "fewer pooling layers. Layer index, layer and incoming shape are in the "
                "'check_layer<...>' line above.");
  static_assert(result != verdict::zero_size,
                "tenet: a layer has a zero size (filters, units, kernel side or pool window): "
                "every size must be at least 1. The layer is in the 'check_layer<...>' line above.");
  static_assert(result != verdict::zero_stride,
                "tenet: a stride is zero: every stride must be at least 1. The layer is in the "
                "'check_layer<...>' line above.");
  static_assert(result != verdict::unexpected_shape,
                "tenet::expect: the shape at this point of the network is not the one you "
                "expected. The expected shape (inside tenet::expect) and the actual incoming "
                "shape are in the 'check_layer<...>' line above.");
  static_assert(result != verdict::rate_out_of_range,
                "tenet::dropout: the rate must be at least 0 and less than 1 (it is the fraction "
                "of values dropped while training).");
  static_assert(result != verdict::unknown_option,
                "tenet: unknown layer option: conv2d takes tenet::same, tenet::valid and "
                "tenet::stride<S> or stride<SH, SW>; max_pool takes tenet::stride<S>.");
  static_assert(result != verdict::kernel_expected,
                "tenet::conv2d<Filters, Kernel, Options...>: the second argument must be a window such "
                "as tenet::kernel<3, 3>. The layer is in the 'check_layer<...>' line above.");
  static_assert(result != verdict::conflicting_options,
                "tenet: conflicting layer options: give at most one padding (tenet::same or "
                "tenet::valid) and at most one tenet::stride<...>.");

  /// The shape this layer produces, or `invalid_shape` after a failed check.
  using output = typename detail::output_if_ok<result == verdict::ok, Layer, Incoming>::type;
};

/// The shape a network was declared with, and the shape it was handed.
template <class Expected>
struct expected {};
template <class Given>
struct given {};

/// Checks the argument of `network::predict`.
template <class Expected, class Given>
struct check_input;
template <class E, class G>
struct check_input<expected<E>, given<G>> {
  static constexpr bool ok = std::is_same_v<E, G>;
  static_assert(ok,
                "tenet::network::predict: the tensor's shape is not the network's input shape. "
                "Both shapes are in the 'check_input<expected<...>, given<...>>' line above; "
                "reshape the data or change tenet::input<...>.");
};

/// Checks the first argument of `network<...>`.
template <class First>
struct check_network_input {
  static constexpr bool ok = !std::is_same_v<First, First>;  // false, but only once instantiated
  static_assert(ok,
                "tenet::network: the first argument must be tenet::input<H, W, C> (an image, "
                "channels last) or tenet::input<N> (a vector), with every size at least 1.");
};

/// Checks that every argument after the input is a layer.
template <class Index, class NotALayer>
struct check_is_layer {
  static constexpr bool ok = !std::is_same_v<NotALayer, NotALayer>;  // false, but only once instantiated
  static_assert(ok,
                "tenet::network: this argument is not a layer. Layers are the types of "
                "<tenet/layers/...> (tenet::conv2d, tenet::dense, tenet::relu, ...: the list is in "
                "docs/layer_contract.md), or your own type satisfying tenet::Layer.");
};

}  // namespace tenet
