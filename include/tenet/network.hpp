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
#include "diagnostics.hpp"
#include "init.hpp"
#include "io/summary.hpp"
#include "kernels/arch.hpp"
#include "layer_args.hpp"
#include "layer_view.hpp"
#include "layers/input.hpp"
#include "parallel/execution.hpp"
#include "plan/inference.hpp"
#include "shape.hpp"
#include "simd/dispatch.hpp"
#include "simd/isa.hpp"
#include "tensor.hpp"

namespace tenet {

namespace detail {

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
  /// The instruction set the network's plan and kernels are compiled for: the best one this
  /// translation unit's flags allow (the plan and every kernel below take it as a parameter).
  /// Programs that also compile it for other ISAs run the best the CPU has (simd/dispatch.hpp).
  using arch = simd::default_arch;
  /// The network type every instantiation of these layers shares (the key of its per-ISA tables).
  using base_type = network_base;
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
      return layer_view<J, bound_layer<J>, false>(params_.data() + layout_.weight_offset[J], params_.data() + layout_.bias_offset[J]);
  }
  template <std::size_t I>
  auto layer() const noexcept {
    static_assert(I < depth, "tenet::network::layer<I>: I is past the last layer (layers are numbered from 0, as in summary())");
    constexpr std::size_t J = I < depth ? I : 0;
    if constexpr (depth != 0)
      return layer_view<J, bound_layer<J>, true>(params_.data() + layout_.weight_offset[J], params_.data() + layout_.bias_offset[J]);
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
    if constexpr (shape_ok && shapes_valid) kernels_in_use().forward(*this, x.data(), y.data(), parallel::policy::split);
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
      kernels_in_use().predict_batch(*this, xs.data(), ys.data(), xs.size());
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
        run_layer<I, arch>(src, std::get<I>(outs).data(), parallel::policy::split);
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
      rows.push_back(
          {std::to_string(I), B::layer_type::describe(), to_string<typename B::output_shape>(), B::weight_count + B::bias_count});
    });
    const std::string_view isa = isa_name();  // before printing: a bad TENET_ISA throws
    io::print_summary_table(os, rows, {param_count, flops, parameter_bytes, activation_bytes});
    os << "isa: " << isa << '\n';
  }

  /// The forward pass on raw pointers: `x` holds input_shape::size floats, `y` receives
  /// output_shape::size floats, following the plan for `Arch` (plan/inference.hpp). Uses no
  /// heap for networks whose scratch fits in stack_scratch_bytes; larger ones use a
  /// per-thread buffer allocated on first use.
  template <class Arch = arch>
  void forward(const float* x, float* y, parallel::policy p) const {
    forward_layers<Arch, depth>(x, y, p);
  }

  /// The entry points of one ISA (simd/dispatch.hpp): `which` names it.
  struct kernels {
    simd::isa which;
    void (*forward)(const network_base& net, const float* x, float* y, parallel::policy p);
    void (*predict_batch)(const network_base& net, const tensor<float, In>* xs, tensor<float, Out>* ys, std::size_t n);
  };
  /// The ISA this network runs in this process ("avx512", "avx2", ...): its own translation
  /// unit's, or a better one the CPU has that the program compiled it for. Chosen on first use.
  static std::string_view isa_name() { return simd::name(kernels_in_use().which); }

  /// The layers, for messages: "the network (input (28, 28, 1), conv2d 16@2x2 same, relu, ...)".
  static std::string describe() {
    std::string d = "the network (input " + to_string<In>();
    boost::hana::for_each(indices, [&](auto i) { d += ", " + bound_layer<decltype(i)::value>::layer_type::describe(); });
    return d + ")";
  }

  /// Scratch a forward pass may keep on the stack; past it, a thread-local heap buffer (the
  /// main thread's stack is 8 MiB, TBB workers' smaller, and batch predict adds its blocks).
  static constexpr std::size_t stack_scratch_bytes = 256 * 1024;

 private:
  static const kernels& kernels_in_use() { return simd::dispatched(kernels_for<arch>, &describe); }

  /// Batch predict's body for `Arch`: examples spread over TBB's threads.
  template <class Arch>
  static void predict_batch_on(const network_base& net, const tensor<float, In>* x, tensor<float, Out>* y, std::size_t n) {
    const std::span<const tensor<float, In>> xs(x, n);
    const std::span<tensor<float, Out>> ys(y, n);
    using tail = plan::batch_tail<network_base, Arch>;
    if constexpr (tail::begin < depth) {
      // Whole blocks per task where the batch allows, so the dense layers see full blocks.
      const std::size_t grain = std::max(parallel::grain_for(flops + max_activation), tail::block);
      parallel::for_ranges(xs.size(), grain, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; i += tail::block)
          net.template forward_block<Arch>(xs.subspan(i, std::min(tail::block, end - i)), ys.subspan(i));
      });
    } else {
      parallel::for_ranges(xs.size(), parallel::grain_for(flops + max_activation), [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) net.template forward<Arch>(xs[i].data(), ys[i].data(), parallel::policy::serial);
      });
    }
  }

  /// Single predict's body for `Arch`.
  template <class Arch>
  static void forward_on(const network_base& net, const float* x, float* y, parallel::policy p) {
    net.template forward<Arch>(x, y, p);
  }

 public:
  /// The entry points for `Arch`, as a per-ISA translation unit registers them.
  template <class Arch>
  static constexpr kernels kernels_for{simd::isa_of<Arch>(), &forward_on<Arch>, &predict_batch_on<Arch>};

 private:
  template <std::size_t I, class Arch>
  forward_args args_of(const float* in, float* out, parallel::policy p) const {
    return {params_.data() + layout_.weight_offset[I], params_.data() + layout_.bias_offset[I], in, out, p};
  }

  template <std::size_t I, class Arch>
  void run_layer(const float* in, float* out, parallel::policy p) const {
    bound_layer<I>::template forward<Arch>(args_of<I, Arch>(in, out, p));
  }

  /// Layers [0, End) on one example: `y` receives layer End - 1's output.
  template <class Arch, std::size_t End>
  void forward_layers(const float* x, float* y, parallel::policy p) const {
    using steps = plan::inference<network_base, Arch, End>;
    if constexpr (steps::step_count == 0) {
      std::memcpy(y, x, In::size * sizeof(float));  // nothing but pass-through layers: the output is the input
    } else if constexpr (scratch_bytes <= stack_scratch_bytes) {
      alignas(alignment) float scratch[2][max_activation];
      run_steps<steps, Arch>(x, y, scratch[0], scratch[1], p);
    } else {
      thread_local aligned_floats scratch(2 * round_to_line(max_activation));
      run_steps<steps, Arch>(x, y, scratch.data(), scratch.data() + round_to_line(max_activation), p);
    }
  }

  /// Runs a plan's steps (plan::inference) with `ping` and `pong` as its scratch buffers.
  template <class Steps, class Arch>
  void run_steps(const float* x, float* y, float* ping, float* pong, parallel::policy p) const {
    [&]<std::size_t... S>(std::index_sequence<S...>) { (run_step<Steps, S, Arch>(x, y, ping, pong, p), ...); }
    (std::make_index_sequence<Steps::step_count>{});
  }

  template <class Steps, std::size_t S, class Arch>
  void run_step(const float* x, float* y, float* ping, float* pong, parallel::policy p) const {
    constexpr plan::step step = Steps::steps[S];
    const float* in = step.reads == plan::buffer::input ? x : step.reads == plan::buffer::ping ? ping : pong;
    float* out = step.writes == plan::buffer::output ? y : step.writes == plan::buffer::ping ? ping : pong;
    using B = bound_layer<step.layer>;
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      if constexpr (step.absorbed == 0) B::template forward<Arch>(args_of<step.layer, Arch>(in, out, p));
      else B::template forward_absorbing<Arch, bound_layer<step.layer + 1 + K>...>(args_of<step.layer, Arch>(in, out, p));
    }
    (std::make_index_sequence<step.absorbed>{});
  }

  /// Runs xs (at most a block of examples) into ys: the layers before the tail one example
  /// at a time into the rows of a block, then the tail layer by layer on the whole block, the
  /// layers that have `forward_batch` in one call and the others row by row.
  template <class Arch>
  void forward_block(std::span<const tensor<float, In>> xs, std::span<tensor<float, Out>> ys) const {
    using tail = plan::batch_tail<network_base, Arch>;
    constexpr std::size_t T = tail::begin;
    alignas(alignment) float block_in[tail::block * tail::in_width];
    alignas(alignment) float block[2][tail::block * tail::out_width];
    const std::size_t n = xs.size();
    for (std::size_t e = 0; e < n; ++e) forward_layers<Arch, T>(xs[e].data(), block_in + e * tail::in_width, parallel::policy::serial);
    const float* src = block_in;
    boost::hana::for_each(indices, [&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      using B = bound_layer<I>;
      if constexpr (I >= T && !plan::identity_in_inference<B>) {
        float* dst = src == block[0] ? block[1] : block[0];
        if constexpr (tail::template batches<B>) {
          B::template forward_batch<Arch>(args_of<I, Arch>(src, dst, parallel::policy::serial), n);
        } else {
          constexpr std::size_t in = B::input_shape::size, out = B::output_shape::size;
          for (std::size_t e = 0; e < n; ++e) run_layer<I, Arch>(src + e * in, dst + e * out, parallel::policy::serial);
        }
        src = dst;
      }
    });
    for (std::size_t e = 0; e < n; ++e) std::memcpy(ys[e].data(), src + e * Out::size, Out::size * sizeof(float));
  }

  aligned_floats params_;
};

}  // namespace detail

/// A network as a type: `network<input<28, 28, 1>, conv2d<16, kernel<2, 2>, same>, relu,
/// max_pool<2>, flatten, dense<10>, softmax>`. The first argument is the input shape; the
/// rest are layers in data-flow order. Every shape is checked when the type is formed.
///
/// Example: examples/seed_network.cpp
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
