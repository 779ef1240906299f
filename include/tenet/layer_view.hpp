#pragma once
/// `layer_view`: read and set one layer's weights and biases (returned by `network::layer<I>()`).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "detail/random.hpp"
#include "init.hpp"
#include "shape.hpp"
#include "tensor.hpp"

namespace tenet {

namespace detail {
/// Rank of a bound layer's weight shape, 0 for layers without weights (kept out of the
/// requires-clause below: clang 14 does not short-circuit a missing member there).
template <class B>
inline constexpr std::size_t weight_rank_v = 0;
template <class B>
  requires requires { typename B::weight_shape; }
inline constexpr std::size_t weight_rank_v<B> = B::weight_shape::rank;
}  // namespace detail

/// A non-owning handle on the parameters of layer `Index` of a network, whose bound layer is
/// `B`. `Const` views come from const networks.
///
/// Layouts are Keras's: conv2d weights (KH, KW, C, Filters), dense weights (inputs, units),
/// then one bias per filter or unit. Layers without parameters have empty spans.
template <std::size_t Index, class B, bool Const>
class layer_view {
  using value = std::conditional_t<Const, const float, float>;

 public:
  using layer_type = typename B::layer_type;
  using input_shape = typename B::input_shape;
  using output_shape = typename B::output_shape;
  static constexpr std::size_t index = Index;
  static constexpr std::size_t weight_count = B::weight_count;
  static constexpr std::size_t bias_count = B::bias_count;

  layer_view(value* weights, value* biases) noexcept : weights_(weights), biases_(biases) {}

  /// All weights, in the layer's documented order.
  std::span<value, weight_count> weights() const noexcept { return std::span<value, weight_count>(weights_, weight_count); }
  /// All biases.
  std::span<value, bias_count> biases() const noexcept { return std::span<value, bias_count>(biases_, bias_count); }

  /// One weight by coordinates, e.g. `weight(kh, kw, c, f)` for conv2d or `weight(i, u)` for dense.
  template <class... I>
    requires(detail::weight_rank_v<B> != 0 && sizeof...(I) == detail::weight_rank_v<B>)
  value& weight(I... index) const noexcept { return weights_[tensor<float, typename B::weight_shape>::offset(index...)]; }

  /// Copies weights from `values` (weight_count of them, in the documented order).
  /// Throws std::invalid_argument, naming the layer, if the count differs.
  void set_weights(std::span<const float> values) const requires(!Const) {
    require_count("weights", values.size(), weight_count);
    // (No copy at all for parameter-free layers: their pointer may sit at the end of storage.)
    if constexpr (weight_count != 0) std::copy(values.begin(), values.end(), weights_);
  }
  /// Copies biases from `values` (bias_count of them).
  void set_biases(std::span<const float> values) const requires(!Const) {
    require_count("biases", values.size(), bias_count);
    if constexpr (bias_count != 0) std::copy(values.begin(), values.end(), biases_);
  }
  /// `set_weights({1.0f, -1.0f})`: the same from a brace list.
  void set_weights(std::initializer_list<float> values) const requires(!Const) {
    set_weights(std::span<const float>(values.begin(), values.size()));
  }
  void set_biases(std::initializer_list<float> values) const requires(!Const) {
    set_biases(std::span<const float>(values.begin(), values.size()));
  }
  /// The weights as a tensor of the layer's weight shape.
  auto get_weights() const requires requires { typename B::weight_shape; }
  {
    tensor<float, typename B::weight_shape> result;
    std::copy_n(weights_, weight_count, result.data());
    return result;
  }
  auto get_biases() const requires requires { typename B::bias_shape; }
  {
    tensor<float, typename B::bias_shape> result;
    std::copy_n(biases_, bias_count, result.data());
    return result;
  }

  /// Re-draws this layer's weights from `init` with its own seed and zeroes its biases.
  void initialize(initializer init, std::uint64_t seed) const requires(!Const && requires { B::fan_in; }) {
    detail::random_generator rng(seed);
    detail::fill_weights(init, B::fan_in, B::fan_out, weights(), rng);
    for (float& b : biases()) b = 0.0f;
  }

  /// "layer 0 (conv2d 16@2x2 same)": how error messages name this layer.
  static std::string name() { return "layer " + std::to_string(Index) + " (" + layer_type::describe() + ")"; }

 private:
  static void require_count(const char* what, std::size_t given, std::size_t wanted) {
    if (given != wanted)
      throw std::invalid_argument("tenet: " + name() + " has " + std::to_string(wanted) + " " + what + ", but " + std::to_string(given) +
                                  " values were given");
  }
  value* weights_;
  value* biases_;
};

}  // namespace tenet
