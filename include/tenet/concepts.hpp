#pragma once
/// Named requirements for what users can plug into a network (see docs/layer_contract.md).

#include <concepts>
#include <string>

#include "diagnostics.hpp"
#include "shape.hpp"

namespace tenet {

/// A layer describes itself for `summary()`.
template <class L>
concept Describable = requires {
  { L::describe() } -> std::convertible_to<std::string>;
};

/// A layer judges every incoming shape with a `verdict` (see diagnostics.hpp).
template <class L>
concept ShapeChecked = requires {
  { L::template check<shape<1>>() } -> std::same_as<verdict>;
  { L::template check<shape<1, 1, 1>>() } -> std::same_as<verdict>;
};

/// Something that can appear after `input<...>` in `network<...>`: it describes itself,
/// checks the shape it receives, and (for accepted shapes `In`) provides `at<In>` with
/// `input_shape`, `output_shape`, `weight_count`, `bias_count`, `flops` and
/// `template <class Arch> static void forward(weights, biases, in, out, policy)`.
template <class L>
concept Layer = Describable<L> && ShapeChecked<L>;

/// A layer bound to an input shape: what `L::template at<In>` must provide.
template <class B>
concept BoundLayer = requires {
  typename B::input_shape;
  typename B::output_shape;
  { B::weight_count } -> std::convertible_to<std::size_t>;
  { B::bias_count } -> std::convertible_to<std::size_t>;
  { B::flops } -> std::convertible_to<std::size_t>;
};

/// A layer with weights: it also names their shapes and Glorot fan-in/fan-out.
template <class B>
concept Trainable = BoundLayer<B> && requires {
  typename B::weight_shape;
  typename B::bias_shape;
  { B::fan_in } -> std::convertible_to<std::size_t>;
  { B::fan_out } -> std::convertible_to<std::size_t>;
};

}  // namespace tenet
