#pragma once
/// Forward and backward passes of one example through a whole network, for training.
///
/// Unlike inference, training keeps every layer's output (the backward pass needs them) and
/// each layer's per-example state (dropout's mask). All of it lives in a workspace whose size
/// the type fixes; the trainer allocates one per lane (a thread's run of a batch's chunks)
/// before training starts.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <boost/hana/for_each.hpp>
#include <boost/hana/range.hpp>

#include "../kernels/arch.hpp"
#include "../layers/activation.hpp"
#include "../layers/softmax.hpp"
#include "../network.hpp"
#include "../parallel/execution.hpp"
#include "loss.hpp"

namespace tenet::detail {

/// Floats a layer keeps per example between forward_train and backward (dropout's mask) plus
/// the scratch its backward pass needs (conv2d's transposed weights); the backward pass gets
/// a pointer to both, the state first.
template <class B>
constexpr std::size_t state_count_of() {
  std::size_t n = 0;
  if constexpr (requires { B::state_count; }) n += B::state_count;
  if constexpr (requires { B::scratch_count; }) n += B::scratch_count;
  return n;
}

/// A bound layer whose weight gradients training computes for several examples at once
/// (dense: backward_input per example, weight_gradients per group; see backprop).
template <class Bound>
inline constexpr bool defers_weight_gradients =
    requires { &Bound::template weight_gradients<simd::default_arch>; &Bound::template backward_input<simd::default_arch>; };

/// A bound layer that prepares something from its weights once for a group of examples
/// (conv2d: its transposed weights, in its scratch), then runs backward_prepared.
template <class Bound>
inline constexpr bool prepares_backward =
    requires { &Bound::template prepare_backward<simd::default_arch>; &Bound::template backward_prepared<simd::default_arch>; };

/// How many examples' operands a workspace keeps for the deferred weight gradients.
inline constexpr std::size_t deferred_examples = 8;

/// A bound layer whose output is its input in training too (flatten, expect): it gets no
/// output of its own and its backward pass is skipped.
template <class Bound>
inline constexpr bool identity_in_training = requires { requires Bound::identity_in_training; };

/// Which layers of `Net` training runs fused, and which it skips, decided from the types.
template <class Net>
struct training_plan {
  static constexpr std::size_t depth = Net::depth;
  template <std::size_t I>
  using layer = typename Net::template bound_layer<I>;

  template <std::size_t I>
  static constexpr bool is_relu() {
    if constexpr (I < depth) return std::is_same_v<typename layer<I>::layer_type, relu>;
    else return false;
  }

  /// Layer I writes max(output, 0) itself (conv2d::forward_relu), so the ReLU after it costs
  /// no pass of its own forward; both share one output (the ReLU's backward needs only that,
  /// and conv2d's backward reads no output).
  template <std::size_t I>
  static constexpr bool absorbs_relu_forward() {
    if constexpr (is_relu<I + 1>()) return requires { &layer<I>::template forward_relu<simd::default_arch>; };
    else return false;
  }

  /// Layer I (a max_pool with disjoint windows) computes the gradient at the input of the
  /// ReLU before it in its own backward pass (max_pool::backward_through_relu). The ReLU must
  /// not be the first layer: that one computes no input gradient.
  template <std::size_t I>
  static constexpr bool absorbs_relu_backward() {
    if constexpr (I >= 2 && I < depth && is_relu<I - 1>())
      return requires { &layer<I>::template backward_through_relu<simd::default_arch>; };
    else return false;
  }

  /// The first layer has no output of the network's to alias, so it keeps its own even when
  /// it is an identity.
  template <std::size_t I>
  static constexpr bool is_identity() {
    return I > 0 && identity_in_training<layer<I>>;
  }

  template <std::size_t... I>
  static constexpr std::array<bool, depth + 1> forward_skipped_table(std::index_sequence<I...>) {
    return {(is_identity<I>() || (I > 0 && absorbs_relu_forward<I == 0 ? 0 : I - 1>()))..., false};
  }
  /// forward_skipped[I]: layer I's forward pass is done by the layer before it, or is the
  /// identity.
  static constexpr auto forward_skipped = forward_skipped_table(std::make_index_sequence<depth>{});

  template <std::size_t... I>
  static constexpr std::array<bool, depth + 1> backward_skipped_table(std::index_sequence<I...>) {
    return {(is_identity<I>() || absorbs_relu_backward<I + 1>())..., false};
  }
  /// backward_skipped[I]: layer I's backward pass is done by the layer after it, or passes
  /// the gradient through unchanged.
  static constexpr auto backward_skipped = backward_skipped_table(std::make_index_sequence<depth>{});

  template <std::size_t... I>
  static constexpr std::array<std::size_t, depth + 1> output_owner_table(std::index_sequence<I...>) {
    std::array<std::size_t, depth + 1> owner = {I..., depth};
    constexpr bool absorbs[] = {absorbs_relu_forward<I>()..., false};
    constexpr bool identity[] = {is_identity<I>()..., false};
    for (std::size_t i = 0; i < depth; ++i)
      if (absorbs[i]) owner[i] = i + 1;
    for (std::size_t i = 0; i < depth; ++i)
      if (identity[i]) owner[i] = owner[i - 1];
    return owner;
  }
  /// output_owner[I]: the layer whose output slot holds layer I's output.
  static constexpr auto output_owner = output_owner_table(std::make_index_sequence<depth>{});
};

/// Where each layer's output and state sit in a training workspace.
template <class Net>
struct training_layout {
  static constexpr std::size_t depth = Net::depth;
  using plan = training_plan<Net>;

  template <std::size_t... I>
  static constexpr auto offsets(std::index_sequence<I...>) {
    constexpr std::size_t outputs[] = {round_to_line(Net::template layer_output_shape<I>::size)..., 0};
    constexpr std::size_t states[] = {round_to_line(state_count_of<typename Net::template bound_layer<I>>())..., 0};
    constexpr bool defers[] = {defers_weight_gradients<typename Net::template bound_layer<I>>..., false};
    constexpr std::size_t inputs[] = {Net::template bound_layer<I>::input_shape::size..., 0};
    constexpr std::size_t outputs_of[] = {Net::template layer_output_shape<I>::size..., 0};
    struct result {
      std::array<std::size_t, depth + 1> output{};
      std::array<std::size_t, depth + 1> state{};
      std::array<std::size_t, depth + 1> deferred_in{};    // deferred_examples inputs of the layer
      std::array<std::size_t, depth + 1> deferred_grad{};  // and their output gradients
      std::size_t total = 0;
    } r{};
    std::size_t at = 0;
    for (std::size_t i = 0; i < depth; ++i)
      if (plan::output_owner[i] == i) {
        r.output[i] = at;
        at += outputs[i];
      }
    for (std::size_t i = 0; i < depth; ++i) r.output[i] = r.output[plan::output_owner[i]];
    for (std::size_t i = 0; i < depth; ++i) {
      r.state[i] = at;
      at += states[i];
    }
    for (std::size_t i = 0; i < depth; ++i)
      if (defers[i]) {
        r.deferred_in[i] = at;
        at += round_to_line(deferred_examples * inputs[i]);
        r.deferred_grad[i] = at;
        at += round_to_line(deferred_examples * outputs_of[i]);
      }
    r.output[depth] = r.state[depth] = r.deferred_in[depth] = r.deferred_grad[depth] = at;
    r.total = at;
    return r;
  }
  static constexpr auto table = offsets(std::make_index_sequence<depth>{});
  static constexpr std::size_t gradient_buffer = round_to_line(Net::max_activation);
  /// Floats of one workspace: the outputs, all states, two gradient buffers.
  static constexpr std::size_t workspace_floats = table.total + 2 * gradient_buffer;
};

/// Summed loss and hits of a batch.
struct batch_result {
  double loss;
  std::size_t hits;
};

/// Per-example outcome of a training or evaluation pass.
struct example_outcome {
  double loss;  // double: the gradient checker differentiates it numerically
  bool correct;
};

/// One example through `Net` with loss `Loss` (already resolved against the output type).
template <class Net, class Loss, class Arch = simd::default_arch>
struct backprop {
  using layout = training_layout<Net>;
  static constexpr std::size_t depth = Net::depth;
  static constexpr std::size_t outputs = Net::output_shape::size;
  using target_type = typename Loss::target_type;

  /// The loss is fused with a final softmax when it can be: the gradient w.r.t. the logits is
  /// then p - y, exact and cheap, and the softmax layer's own backward is skipped.
  static constexpr bool fused = [] {
    if constexpr (depth >= 2 && FusesWithSoftmax<Loss>)
      return std::is_same_v<typename Net::template layer_type<depth - 1>, softmax>;
    else
      return false;
  }();

  using plan = training_plan<Net>;
  static constexpr std::size_t backward_top = fused ? depth - 1 : depth;  // layers [0, top) get a backward call

  static const float* output_of(const float* workspace, std::size_t i) { return workspace + layout::table.output[i]; }

  /// Backward passes that run before layer I's (those of the layers above it, up to top).
  static constexpr std::size_t backward_runs_above(std::size_t layer) {
    std::size_t n = 0;
    for (std::size_t i = layer + 1; i < backward_top; ++i)
      if (!plan::backward_skipped[i]) ++n;
    return n;
  }

  /// Forward through every layer, keeping each output in the workspace. With `training`,
  /// layers that behave differently while training (dropout) do so, drawing their noise
  /// from `noise_seed`.
  static void forward(const float* params, const float* x, float* workspace, bool training, std::uint64_t noise_seed) {
    boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<depth>), [&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      using B = typename Net::template bound_layer<I>;
      if constexpr (plan::forward_skipped[I]) return;
      const float* src = I == 0 ? x : workspace + layout::table.output[I == 0 ? 0 : I - 1];
      float* dst = workspace + layout::table.output[I];
      const float* w = params + Net::weight_offset(I);
      const float* b = params + Net::bias_offset(I);
      if constexpr (plan::template absorbs_relu_forward<I>()) {
        B::template forward_relu<Arch>(w, b, src, dst, parallel::policy::serial);
        return;
      }
      if constexpr (requires { B::state_count; }) {
        if (training) {
          B::template forward_train<Arch>(w, b, src, dst, workspace + layout::table.state[I], mix(noise_seed, I));
          return;
        }
      }
      B::template forward<Arch>(w, b, src, dst, parallel::policy::serial);
    });
  }

  /// Loss and hit for the example whose forward pass is in `workspace`.
  static example_outcome score(const float* workspace, const target_type& target) {
    const float* p = output_of(workspace, depth - 1);
    double loss;
    if constexpr (fused) loss = Loss::loss_from_logits(output_of(workspace, depth - 2), outputs, target);
    else loss = Loss::loss(p, outputs, target);
    return {loss, Loss::correct(p, outputs, target)};
  }

  /// Backward pass after `forward`: accumulates every parameter's gradient into `grad`
  /// (laid out like the network's parameter storage).
  static void backward(const float* params, const float* x, const target_type& target, float* workspace, float* grad) {
    prepare_backward(params, workspace);
    backward_in_run(params, x, target, workspace, grad, 0, true);
  }

  /// The backward pass of the example at `position` (0, 1, ...) of a run of examples through
  /// this workspace, `last` for the run's last one (the trainer's run is a chunk): with the
  /// dense weight gradients deferred into slot position % deferred_examples and added when
  /// the slots are full or the run ends. The same bits as `backward` on each example. The
  /// workspace must hold prepare_backward of these `params`.
  static void backward_in_run(const float* params, const float* x, const target_type& target, float* workspace, float* grad,
                              std::size_t position, bool last) {
    const std::size_t slot = position % deferred_examples;
    backward_deferring(params, x, target, workspace, grad, slot);
    if (slot + 1 == deferred_examples || last) add_deferred_weight_gradients(workspace, grad, slot + 1);
  }

  /// What the layers prepare from the weights `params` before backward_deferring (conv2d's
  /// transposed weights): once for the examples that follow in this workspace, until the
  /// weights change.
  static void prepare_backward(const float* params, float* workspace) {
    boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<1>, boost::hana::size_c<backward_top>), [&](auto i) {
      constexpr std::size_t I = decltype(i)::value;  // not the first layer: it computes no input gradient
      using B = typename Net::template bound_layer<I>;
      if constexpr (!plan::backward_skipped[I] && !plan::template absorbs_relu_backward<I>() && prepares_backward<B>)
        B::template prepare_backward<Arch>(params + Net::weight_offset(I), workspace + layout::table.state[I]);
    });
  }

  /// Adds the weight gradients `backward_deferring` left for the examples in slots [0, count)
  /// to `grad`, example by example in slot order: the bits of calling `backward` on each.
  static void add_deferred_weight_gradients(const float* workspace, float* grad, std::size_t count) {
    boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<backward_top>), [&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      using B = typename Net::template bound_layer<I>;
      if constexpr (!plan::backward_skipped[I] && defers_weight_gradients<B>)
        B::template weight_gradients<Arch>(workspace + layout::table.deferred_in[I], workspace + layout::table.deferred_grad[I],
                                           count, grad + Net::weight_offset(I));
    });
  }

  /// `backward`, except that the layers that defer their weight gradients (dense) only keep
  /// this example's input and output gradient, in slot `slot` (< deferred_examples) of the
  /// workspace, for add_deferred_weight_gradients: a dense layer's weight gradients are then
  /// read and written once per group of examples instead of once per example. The workspace
  /// must hold prepare_backward of these `params`.
  static void backward_deferring(const float* params, const float* x, const target_type& target, float* workspace, float* grad,
                                 std::size_t slot) {
    // Layers may use their state region as scratch during backward (see state_count_of).
    float* buffers[2] = {workspace + layout::table.total, workspace + layout::table.total + layout::gradient_buffer};
    constexpr std::size_t top = backward_top;
    if constexpr (fused) Loss::gradient_of_logits(output_of(workspace, depth - 1), outputs, target, buffers[0]);
    else Loss::gradient(output_of(workspace, depth - 1), outputs, target, buffers[0]);
    boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<top>), [&](auto step) {
      constexpr std::size_t I = top - 1 - decltype(step)::value;  // from the top down
      using B = typename Net::template bound_layer<I>;
      if constexpr (plan::backward_skipped[I]) return;
      // The two gradient buffers alternate with the backward passes that run, not with the
      // layer index.
      constexpr std::size_t k = backward_runs_above(I);
      const float* grad_out = buffers[k % 2];
      float* grad_in = I == 0 ? nullptr : buffers[(k + 1) % 2];
      const float* in = I == 0 ? x : workspace + layout::table.output[I == 0 ? 0 : I - 1];
      const float* out = workspace + layout::table.output[I];
      if constexpr (plan::template absorbs_relu_backward<I>()) {
        B::template backward_through_relu<Arch>(in, out, grad_out, grad_in);
      } else if constexpr (defers_weight_gradients<B>) {
        constexpr std::size_t inputs = B::input_shape::size, units = B::output_shape::size;
        std::copy_n(in, inputs, workspace + layout::table.deferred_in[I] + slot * inputs);
        std::copy_n(grad_out, units, workspace + layout::table.deferred_grad[I] + slot * units);
        B::template backward_input<Arch>(params + Net::weight_offset(I), grad_out, grad_in, grad + Net::bias_offset(I));
      } else if constexpr (I > 0 && prepares_backward<B>) {
        B::template backward_prepared<Arch>(params + Net::weight_offset(I), in, out, grad_out, grad_in, grad + Net::weight_offset(I),
                                            grad + Net::bias_offset(I), workspace + layout::table.state[I]);
      } else {
        B::template backward<Arch>(params + Net::weight_offset(I), in, out, grad_out, grad_in, grad + Net::weight_offset(I),
                                   grad + Net::bias_offset(I), workspace + layout::table.state[I]);
      }
    });
  }

  /// splitmix-style mixing of a seed with a small integer: independent noise per layer.
  static constexpr std::uint64_t mix(std::uint64_t seed, std::uint64_t salt) {
    std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (salt + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

}  // namespace tenet::detail
