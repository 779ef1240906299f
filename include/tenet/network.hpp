#pragma once
/// `network<input<...>, Layers...>`: a feed-forward network whose every shape, size and
/// kernel is fixed by its type.
///
/// The layers are listed in data-flow order. While the type is being formed, each layer is
/// checked against the shape the previous one produces (see diagnostics.hpp) and bound to it;
/// the result is a list of bound layers (`detail::bound<Layer, InputShape>`), each knowing its
/// exact sizes. A network object owns one aligned array holding every layer's parameters.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <boost/hana/at.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/range.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>

#include "concepts.hpp"
#include "config.hpp"
#include "detail/aligned.hpp"
#include "detail/chain.hpp"
#include "detail/random.hpp"
#include "init.hpp"
#include "diagnostics.hpp"
#include "io/summary.hpp"
#include "kernels/arch.hpp"
#include "layer_view.hpp"
#include "layers/input.hpp"
#include "parallel/execution.hpp"
#include "shape.hpp"
#include "tensor.hpp"

namespace tenet {

// forward_with fuses these into a preceding conv2d.
struct relu;  // layers/activation.hpp
template <std::size_t P, class... Options>
struct max_pool;  // layers/pooling.hpp

namespace detail {

/// A bound layer whose inference output is its input (flatten, dropout, expect).
template <class Bound>
inline constexpr bool identity_in_inference = requires { requires Bound::identity_in_inference; };

template <class Layer>
inline constexpr bool is_max_pool = false;
template <std::size_t P, class... Options>
inline constexpr bool is_max_pool<max_pool<P, Options...>> = true;

/// The input's shape, or `invalid_shape` (after reporting) when the first argument is not a
/// proper `input<...>`.
template <class First>
struct input_traits : check_network_input<First> {  // the base's static_assert reports
  static constexpr bool valid = false;
  using shape_type = invalid_shape;
};
template <class First>
  requires is_input_v<First>
struct input_traits<First> {
  static constexpr bool valid = true;
  using shape_type = typename First::shape_type;
};

/// Rounds a float count up to a whole cache line, so every layer's weights and biases start
/// 64-byte aligned.
constexpr std::size_t round_to_line(std::size_t floats) {
  constexpr std::size_t per_line = alignment / sizeof(float);
  return (floats + per_line - 1) / per_line * per_line;
}

template <class In, class Out, class Layers>
class network_base;

template <class In, class Out, class... Bs>
class network_base<In, Out, bound_list<Bs...>> {
 public:
  /// The shape of one example.
  using input_shape = In;
  /// The shape of one prediction.
  using output_shape = Out;
  /// Number of layers after the input.
  static constexpr std::size_t depth = sizeof...(Bs);
  /// False after a shape error (already reported): the network then computes nothing, so the
  /// one error is not followed by others.
  static constexpr bool shapes_valid = !std::is_same_v<Out, invalid_shape>;

 private:
  static constexpr auto bound_types = boost::hana::tuple_t<Bs...>;
  static constexpr auto indices = boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<depth>);

 public:
  /// Layer `I` (0 = first after the input) bound to its input shape.
  template <std::size_t I>
  using bound_layer = typename decltype(+boost::hana::at_c<I>(bound_types))::type;
  /// The layer spec at index I, e.g. `conv2d<16, kernel<2, 2>, same>`.
  template <std::size_t I>
  using layer_type = typename bound_layer<I>::layer_type;
  /// The shape layer I produces.
  template <std::size_t I>
  using layer_output_shape = typename bound_layer<I>::output_shape;

  /// Trainable parameters: every weight and bias.
  static constexpr std::size_t param_count = (std::size_t{0} + ... + (Bs::weight_count + Bs::bias_count));
  /// Floating-point operations of one forward pass for one example (a multiply-add is 2).
  static constexpr std::size_t flops = (std::size_t{0} + ... + Bs::flops);

 private:
  struct layout {
    std::array<std::size_t, depth + 1> weight_offset{};
    std::array<std::size_t, depth + 1> bias_offset{};
    std::size_t total = 0;
  };
  static constexpr layout compute_layout() {
    layout l{};
    constexpr std::size_t weights[] = {Bs::weight_count..., 0};
    constexpr std::size_t biases[] = {Bs::bias_count..., 0};
    std::size_t at = 0;
    for (std::size_t i = 0; i < depth; ++i) {
      l.weight_offset[i] = at;
      at += round_to_line(weights[i]);
      l.bias_offset[i] = at;
      at += round_to_line(biases[i]);
    }
    l.total = at;
    return l;
  }
  static constexpr layout layout_ = compute_layout();

 public:
  /// Largest activation of one example, in floats (the input included).
  static constexpr std::size_t max_activation = std::max({In::size, Bs::output_shape::size...});
  /// Bytes of parameter storage (with per-layer alignment padding).
  static constexpr std::size_t parameter_bytes = layout_.total * sizeof(float);
  /// Bytes of all layer outputs of one example (what training keeps for the backward pass).
  static constexpr std::size_t activation_bytes = (std::size_t{0} + ... + Bs::output_shape::size) * sizeof(float);
  /// Bytes of scratch one forward pass needs per thread (two ping-pong buffers).
  static constexpr std::size_t scratch_bytes = 2 * max_activation * sizeof(float);

  /// Parameters are Glorot-uniform (Keras's default) from seed 0, biases zero.
  network_base() : params_(layout_.total) { initialize(0); }

  /// Re-draws every weight with the given seed from `init` (Glorot-uniform, Keras's default,
  /// limit sqrt(6 / (fan_in + fan_out)); or He) and zeroes every bias. The same seed gives the
  /// same weights on every platform. To choose per layer, follow with
  /// `layer<I>().initialize(...)`.
  void initialize(std::uint64_t seed, initializer init = initializer::glorot_uniform) {
    random_generator rng(seed);
    for_each_layer([&](auto view) {
      using B = bound_layer<decltype(view)::index>;
      if constexpr (Trainable<B>) {
        fill_weights(init, B::fan_in, B::fan_out, view.weights(), rng);
        for (float& b : view.biases()) b = 0.0f;
      }
    });
  }

  /// Weights and biases of layer I (0 = first after the input).
  template <std::size_t I>
  auto layer() noexcept {
    static_assert(I < depth, "tenet::network::layer<I>: I is past the last layer (layers are numbered from 0, as in summary())");
    // Past the end, a view of layer 0 stands in, so the caller's use of it adds no errors.
    constexpr std::size_t J = I < depth ? I : 0;
    if constexpr (depth != 0)
      return layer_view<J, bound_layer<J>, false>(params_.data() + layout_.weight_offset[J],
                                                  params_.data() + layout_.bias_offset[J]);
  }
  template <std::size_t I>
  auto layer() const noexcept {
    static_assert(I < depth, "tenet::network::layer<I>: I is past the last layer (layers are numbered from 0, as in summary())");
    constexpr std::size_t J = I < depth ? I : 0;
    if constexpr (depth != 0)
      return layer_view<J, bound_layer<J>, true>(params_.data() + layout_.weight_offset[J],
                                                 params_.data() + layout_.bias_offset[J]);
  }

  /// The raw parameter storage: every layer's weights then biases, each block starting on a
  /// 64-byte boundary (the gaps are zero). For optimizers and file formats; use layer<I>()
  /// for anything else.
  std::span<float> parameter_storage() noexcept { return {params_.data(), params_.size()}; }
  std::span<const float> parameter_storage() const noexcept { return {params_.data(), params_.size()}; }
  /// Offset of layer I's weights (biases) inside parameter_storage().
  static constexpr std::size_t weight_offset(std::size_t i) noexcept { return layout_.weight_offset[i]; }
  static constexpr std::size_t bias_offset(std::size_t i) noexcept { return layout_.bias_offset[i]; }
  /// Size of parameter_storage() in floats.
  static constexpr std::size_t storage_size = layout_.total;

  /// Calls `f(layer<I>())` for every layer, in order.
  template <class F>
  void for_each_layer(F&& f) {
    boost::hana::for_each(indices, [&](auto i) { f(layer<decltype(i)::value>()); });
  }
  template <class F>
  void for_each_layer(F&& f) const {
    boost::hana::for_each(indices, [&](auto i) { f(layer<decltype(i)::value>()); });
  }

  /// Runs one example through the network.
  template <class S>
  tensor<float, Out> predict(const tensor<float, S>& x) const {
    static_assert(sizeof(check_input<expected<In>, given<S>>) != 0);  // reports a wrong shape
    constexpr bool shape_ok = std::is_same_v<In, S>;  // not ::ok of a failed check: clang would add an error
    tensor<float, Out> y;
    if constexpr (shape_ok && shapes_valid) forward(x.data(), y.data(), parallel::policy::split);
    return y;
  }

  /// Runs a batch, examples spread over TBB's threads. `xs` and `ys` must have the same
  /// length (std::invalid_argument otherwise).
  template <class S>
  void predict(std::span<const tensor<float, S>> xs, std::span<tensor<float, Out>> ys) const {
    static_assert(sizeof(check_input<expected<In>, given<S>>) != 0);
    constexpr bool shape_ok = std::is_same_v<In, S>;
    if constexpr (shape_ok && shapes_valid) {
      if (xs.size() != ys.size())
        throw std::invalid_argument("tenet::network::predict: " + std::to_string(xs.size()) + " inputs but room for " +
                                    std::to_string(ys.size()) + " outputs");
      using Arch = simd::default_arch;
      if constexpr (batched_tail_begin<Arch> < depth) {
        // Whole blocks per task where the batch allows, so the dense layers see full blocks.
        const std::size_t grain = std::max(parallel::grain_for(flops + max_activation), tail_block<Arch>);
        parallel::for_ranges(xs.size(), grain, [&](std::size_t begin, std::size_t end) {
          for (std::size_t i = begin; i < end; i += tail_block<Arch>)
            forward_block<Arch>(xs.subspan(i, std::min(tail_block<Arch>, end - i)), ys.subspan(i));
        });
      } else {
        parallel::for_ranges(xs.size(), parallel::grain_for(flops + max_activation), [&](std::size_t begin, std::size_t end) {
          for (std::size_t i = begin; i < end; ++i) forward(xs[i].data(), ys[i].data(), parallel::policy::serial);
        });
      }
    }
  }

  /// Runs a batch held in a vector and returns the predictions.
  template <class S>
  std::vector<tensor<float, Out>> predict(const std::vector<tensor<float, S>>& xs) const {
    std::vector<tensor<float, Out>> ys(xs.size());
    predict(std::span<const tensor<float, S>>(xs), std::span<tensor<float, Out>>(ys));
    return ys;
  }

  /// Every layer's output for one example, as a tuple of tensors (the lecture's "look at the
  /// feature maps"): element I is what layer I produced.
  template <class S>
  std::tuple<tensor<float, typename Bs::output_shape>...> activations(const tensor<float, S>& x) const {
    static_assert(sizeof(check_input<expected<In>, given<S>>) != 0);
    constexpr bool shape_ok = std::is_same_v<In, S>;
    std::tuple<tensor<float, typename Bs::output_shape>...> outs;
    if constexpr (shape_ok) {
      boost::hana::for_each(indices, [&](auto i) {
        constexpr std::size_t I = decltype(i)::value;
        const float* src;
        if constexpr (I == 0) src = x.data();
        else src = std::get<I - 1>(outs).data();
        run_layer<I>(src, std::get<I>(outs).data(), parallel::policy::split);
      });
    }
    return outs;
  }

  /// Prints a Keras-like table: each layer, its output shape, its parameter count, totals.
  static void summary(std::ostream& os = std::cout) {
    std::vector<io::summary_row> rows;
    rows.push_back({"", "input", to_string<In>(), 0});
    boost::hana::for_each(indices, [&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      using B = bound_layer<I>;
      rows.push_back({std::to_string(I), B::layer_type::describe(), to_string<typename B::output_shape>(),
                      B::weight_count + B::bias_count});
    });
    io::print_summary_table(os, rows, {param_count, flops, parameter_bytes, activation_bytes});
  }

  /// The forward pass on raw pointers: `x` holds input_shape::size floats, `y` receives
  /// output_shape::size floats. Uses no heap for networks whose scratch fits in 256 KiB
  /// (the stack); larger ones use a per-thread buffer allocated on first use.
  template <class Arch = simd::default_arch>
  void forward(const float* x, float* y, parallel::policy p) const {
    forward_layers<Arch, depth>(x, y, p);
  }

 private:
  template <std::size_t I, class Arch = simd::default_arch>
  void run_layer(const float* in, float* out, parallel::policy p) const {
    bound_layer<I>::template forward<Arch>(params_.data() + layout_.weight_offset[I], params_.data() + layout_.bias_offset[I], in,
                                           out, p);
  }

  /// Layers [0, End) on one example: `y` receives layer End - 1's output.
  template <class Arch, std::size_t End>
  void forward_layers(const float* x, float* y, parallel::policy p) const {
    if constexpr (last_running<Arch, End> == none) {
      std::memcpy(y, x, In::size * sizeof(float));  // nothing but pass-through layers: the output is the input
    } else if constexpr (scratch_bytes <= 256 * 1024) {
      alignas(alignment) float scratch[2][max_activation];
      forward_with<Arch, End>(x, y, scratch[0], scratch[1], p);
    } else {
      thread_local aligned_floats scratch(2 * round_to_line(max_activation));
      forward_with<Arch, End>(x, y, scratch.data(), scratch.data() + round_to_line(max_activation), p);
    }
  }

  /// Batch predict runs the layers from batched_tail_begin on in blocks of tail_block
  /// examples: the layers before it one example at a time, each example's result into a row
  /// of the block; then layer by layer on the whole block, layers that have `forward_batch`
  /// (dense: each weight loaded once per few examples instead of once per example) in one
  /// call, the others row by row. Every row gets the same bits as single predict.
  template <class Bound, class Arch>
  static constexpr bool batches = requires { &Bound::template forward_batch<Arch>; };

  template <class Arch, std::size_t... I>
  static constexpr std::size_t first_batched(std::index_sequence<I...>) {
    std::size_t first = depth;
    ((first = first == depth && batches<bound_layer<I>, Arch> ? I : first), ...);
    return first;
  }
  template <class Arch>
  static constexpr std::size_t tail_begin_candidate = first_batched<Arch>(std::make_index_sequence<depth>{});

  /// Floats per example of the tail's input, and the most of any tail layer's output.
  template <class Arch>
  static constexpr std::size_t tail_in_width = [] {
    if constexpr (tail_begin_candidate<Arch> < depth) return bound_layer<tail_begin_candidate<Arch>>::input_shape::size;
    else return std::size_t{0};
  }();
  template <class Arch>
  static constexpr std::size_t tail_out_width = [] {
    constexpr std::size_t T = tail_begin_candidate<Arch>;
    constexpr std::size_t sizes[] = {(Bs::output_shape::size)..., 0};
    std::size_t width = 0;
    for (std::size_t i = T; i < depth; ++i) width = std::max(width, sizes[i]);
    return width;
  }();

  /// Examples per block: up to 8 (12 and 16 measured no faster on the lecture's networks),
  /// the block's three buffers (its input rows and two ping-pong ones) at most 128 KiB, as
  /// they live on the stack.
  template <class Arch>
  static constexpr std::size_t tail_block = [] {
    constexpr std::size_t width = tail_in_width<Arch> + 2 * tail_out_width<Arch>;
    if constexpr (width == 0) return std::size_t{0};  // no tail (clang warns of x / 0 even where unevaluated)
    else return std::min<std::size_t>(8, (32 * 1024) / width);
  }();

  /// Where batch predict starts running blocks (depth: it does not; a block of one example
  /// would gain nothing).
  template <class Arch>
  static constexpr std::size_t batched_tail_begin = tail_block<Arch> >= 2 ? tail_begin_candidate<Arch> : depth;

  /// Runs xs (at most tail_block examples) into ys.
  template <class Arch>
  void forward_block(std::span<const tensor<float, In>> xs, std::span<tensor<float, Out>> ys) const {
    constexpr std::size_t T = batched_tail_begin<Arch>;
    constexpr std::size_t rows = tail_block<Arch>;
    constexpr std::size_t tail_in = tail_in_width<Arch>;
    alignas(alignment) float block_in[rows * tail_in];
    alignas(alignment) float block[2][rows * tail_out_width<Arch>];
    const std::size_t n = xs.size();
    for (std::size_t e = 0; e < n; ++e) forward_layers<Arch, T>(xs[e].data(), block_in + e * tail_in, parallel::policy::serial);
    const float* src = block_in;
    boost::hana::for_each(indices, [&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      using B = bound_layer<I>;
      if constexpr (I >= T && !identity_in_inference<B>) {
        float* dst = src == block[0] ? block[1] : block[0];
        if constexpr (batches<B, Arch>) {
          B::template forward_batch<Arch>(params_.data() + layout_.weight_offset[I], params_.data() + layout_.bias_offset[I],
                                          src, dst, n);
        } else {
          constexpr std::size_t in = B::input_shape::size, out = B::output_shape::size;
          for (std::size_t e = 0; e < n; ++e) run_layer<I, Arch>(src + e * in, dst + e * out, parallel::policy::serial);
        }
        src = dst;
      }
    });
    for (std::size_t e = 0; e < n; ++e) std::memcpy(ys[e].data(), src + e * Out::size, Out::size * sizeof(float));
  }

  /// How many of the layers after layer I it performs itself in inference: 1 for a conv2d
  /// followed by relu (conv2d::forward_relu), 2 when a max_pool comes next and the conv2d
  /// can pool its rows as it goes (conv2d::forward_relu_pool); otherwise 0.
  template <std::size_t I, class Arch>
  static constexpr std::size_t absorbs() {
    if constexpr (I + 1 < depth) {
      if constexpr (std::is_same_v<typename bound_layer<I + 1>::layer_type, relu>) {
        if constexpr (I + 2 < depth) {
          if constexpr (is_max_pool<typename bound_layer<I + 2>::layer_type>) {
            if constexpr (requires { &bound_layer<I>::template forward_relu_pool<Arch, bound_layer<I + 2>>; })
              return 2;
          }
        }
        if constexpr (requires { &bound_layer<I>::template forward_relu<Arch>; }) return 1;
      }
    }
    return 0;
  }

  /// absorbed[I]: how many layers after layer I it does itself (see absorbs), within [0, End).
  template <class Arch, std::size_t End, std::size_t... I>
  static constexpr std::array<std::size_t, sizeof...(I) + 1> absorbed_table(std::index_sequence<I...>) {
    return {(I + absorbs<I, Arch>() < End ? absorbs<I, Arch>() : 0)..., 0};  // never past End
  }
  template <class Arch, std::size_t End>
  static constexpr auto absorbed = absorbed_table<Arch, End>(std::make_index_sequence<depth>{});

  /// skipped[I]: layer I does not run in inference (done by a layer before it, or a
  /// pass-through: flatten, dropout, expect, whose output is their input, so that the next
  /// layer reads their input buffer instead of a copy).
  template <class Arch, std::size_t End, std::size_t... I>
  static constexpr std::array<bool, depth + 1> skipped_table(std::index_sequence<I...>) {
    std::array<bool, depth + 1> skipped = {(I < End && identity_in_inference<bound_layer<I>>)..., false};
    for (std::size_t i = 0; i < End; ++i)
      if (!skipped[i])
        for (std::size_t k = 1; k <= absorbed<Arch, End>[i]; ++k) skipped[i + k] = true;
    return skipped;
  }
  template <class Arch, std::size_t End>
  static constexpr auto skipped = skipped_table<Arch, End>(std::make_index_sequence<depth>{});

  static constexpr std::size_t none = static_cast<std::size_t>(-1);

  /// The last layer before End that runs (it writes the output; any layers after it are
  /// pass-throughs), or `none`.
  template <class Arch, std::size_t End>
  static constexpr std::size_t last_running = [] {
    std::size_t last = none;
    for (std::size_t i = 0; i < End; ++i)
      if (!skipped<Arch, End>[i]) last = i;
    return last;
  }();

  /// How many layers run before layer I (the skipped ones do not): the ping-pong buffers
  /// alternate with the layers that run, not with the layer index.
  template <class Arch, std::size_t End>
  static constexpr std::size_t runs_before(std::size_t layer) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < layer; ++i)
      if (!skipped<Arch, End>[i]) ++n;
    return n;
  }

  template <class Arch, std::size_t End>
  void forward_with(const float* x, float* y, float* even, float* odd, parallel::policy p) const {
    boost::hana::for_each(indices, [&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      if constexpr (I >= End || skipped<Arch, End>[I]) {
        return;  // done by a layer before, or after the range
      } else {
        constexpr std::size_t step = runs_before<Arch, End>(I);
        constexpr std::size_t fused = absorbed<Arch, End>[I];
        constexpr bool last = I == last_running<Arch, End>;
        const float* src = step == 0 ? x : (step % 2 == 1 ? even : odd);
        float* dst = last ? y : (step % 2 == 0 ? even : odd);
        const float* weights = params_.data() + layout_.weight_offset[I];
        const float* biases = params_.data() + layout_.bias_offset[I];
        if constexpr (fused == 2)
          bound_layer<I>::template forward_relu_pool<Arch, bound_layer<I + 2>>(weights, biases, src, dst, p);
        else if constexpr (fused == 1)
          bound_layer<I>::template forward_relu<Arch>(weights, biases, src, dst, p);
        else
          run_layer<I, Arch>(src, dst, p);
      }
    });
  }

  aligned_floats params_;
};

}  // namespace detail

/// A network as a type: `network<input<28, 28, 1>, conv2d<16, kernel<2, 2>, same>, relu,
/// max_pool<2>, flatten, dense<10>, softmax>`. The first argument is the input shape; the
/// rest are layers in data-flow order. Every shape is checked when the type is formed.
///
/// Example: examples/summary.cpp
template <class Input, class... Layers>
class network
    : public detail::network_base<typename detail::input_traits<Input>::shape_type,
                                  typename detail::chain<0, typename detail::input_traits<Input>::shape_type, Layers...>::output,
                                  typename detail::chain<0, typename detail::input_traits<Input>::shape_type, Layers...>::layers> {
  using chain_type = detail::chain<0, typename detail::input_traits<Input>::shape_type, Layers...>;

 public:
  /// False when a shape check failed (the compiler has already said why).
  static constexpr bool valid = detail::input_traits<Input>::valid && chain_type::valid;
  /// Number of layers after the input, as written.
  static constexpr std::size_t layer_count = sizeof...(Layers);
};

}  // namespace tenet
