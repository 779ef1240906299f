#pragma once
/// The training plan of a network: which forward passes a neighbour runs, which backward
/// passes a neighbour does, where every layer's output, state and scratch live in a workspace,
/// all from the layers' declarations (plan/fusion.hpp). The backward pass (train/backprop.hpp)
/// walks it.

#include <array>
#include <cstddef>
#include <utility>

#include "../detail/aligned.hpp"
#include "fusion.hpp"
#include "ping_pong.hpp"

namespace tenet::plan {

/// Floats a layer keeps per example between forward_train and backward (dropout's mask).
template <class B>
constexpr std::size_t state_count_of() {
  if constexpr (requires { B::state_count; }) return B::state_count;
  else return 0;
}

/// Floats of scratch the layer's backward pass may write (conv2d's prepared weights).
template <class B, class Arch>
constexpr std::size_t scratch_count_of() {
  if constexpr (requires { B::template scratch_count<Arch>; }) return B::template scratch_count<Arch>;
  else return 0;
}

/// A layer whose weight gradients training adds for several examples at once (dense:
/// backward_input per example, weight_gradients per group of deferred_examples).
template <class B, class Arch>
inline constexpr bool defers_weight_gradients = requires {
  &B::template weight_gradients<Arch>;
  &B::template backward_input<Arch>;
};

/// A layer that derives something from its weights alone once for a group of examples
/// (conv2d: what its input gradient reads), before backward passes that are then `prepared`.
template <class B, class Arch>
inline constexpr bool prepares_backward = requires {
  &B::template prepare_backward<Arch>;
};

/// Examples whose operands a workspace keeps for the deferred weight gradients: enough to
/// read each weight gradient once per group, few enough to stay in cache.
inline constexpr std::size_t deferred_examples = 8;

/// Which passes of `Net`'s layers training runs fused or skips, for `Arch`.
template <class Net, class Arch>
struct training {
  static constexpr std::size_t depth = Net::depth;
  template <std::size_t I>
  using layer = typename Net::template bound_layer<I>;

  /// Layer I runs layer I + 1 in its own forward pass (both then share one output: a layer
  /// absorbs in training only what leaves it nothing its backward pass reads).
  template <std::size_t I>
  static constexpr bool absorbs_next_forward() {
    if constexpr (I + 1 < depth) return absorbs_forward<layer<I>, pass::training, Arch, layer<I + 1>>;
    else return false;
  }

  /// Layer I does the backward pass of layer I - 1 in its own. Not when I - 1 is the first
  /// layer: that one computes no input gradient.
  template <std::size_t I>
  static constexpr bool absorbs_previous_backward() {
    if constexpr (I >= 2 && I < depth) return absorbs_backward_of<layer<I>, Arch, layer<I - 1>>;
    else return false;
  }

  /// The first layer has no output of the network's to alias, so it keeps its own even when
  /// it is an identity.
  template <std::size_t I>
  static constexpr bool is_identity() {
    return I > 0 && identity_in_training<layer<I>>;
  }

 private:
  template <std::size_t... I>
  static constexpr std::array<bool, depth + 1> forward_skipped_table(std::index_sequence<I...>) {
    return {(is_identity<I>() || (I > 0 && absorbs_next_forward < I == 0 ? 0 : I - 1 > ()))..., false};
  }
  template <std::size_t... I>
  static constexpr std::array<bool, depth + 1> backward_skipped_table(std::index_sequence<I...>) {
    return {(is_identity<I>() || absorbs_previous_backward<I + 1>())..., false};
  }
  template <std::size_t... I>
  static constexpr std::array<std::size_t, depth + 1> output_owner_table(std::index_sequence<I...>) {
    std::array<std::size_t, depth + 1> owner = {I..., depth};
    constexpr bool absorbs[] = {absorbs_next_forward<I>()..., false};
    constexpr bool identity[] = {is_identity<I>()..., false};
    for (std::size_t i = 0; i < depth; ++i)
      if (absorbs[i]) owner[i] = i + 1;
    for (std::size_t i = 0; i < depth; ++i)
      if (identity[i]) owner[i] = owner[i - 1];
    return owner;
  }

 public:
  /// forward_skipped[I]: layer I's forward pass is run by the layer before it, or is the identity.
  static constexpr auto forward_skipped = forward_skipped_table(std::make_index_sequence<depth>{});
  /// backward_skipped[I]: layer I's backward pass is done by the layer after it, or passes
  /// the gradient through unchanged.
  static constexpr auto backward_skipped = backward_skipped_table(std::make_index_sequence<depth>{});
  /// output_owner[I]: the layer whose output slot holds layer I's output.
  static constexpr auto output_owner = output_owner_table(std::make_index_sequence<depth>{});

  /// The last layer is a softmax (after at least one other): a loss that can take its
  /// gradient from the logits (FusesWithSoftmax) skips the softmax's backward pass.
  static constexpr bool ends_in_softmax = [] {
    if constexpr (depth >= 2) return role_of<layer<depth - 1>> == fusion_role::softmax;
    else return false;
  }();

  /// Backward passes that run before layer I's, the layers in (I, top) where top is the
  /// first layer without one: the gradient buffers alternate with them (plan/ping_pong.hpp).
  static constexpr std::size_t backward_runs_above(std::size_t i, std::size_t top) { return running_between(backward_skipped, i + 1, top); }
};

/// Where each layer's output, state and scratch sit in a training workspace for `Arch`.
template <class Net, class Arch>
struct training_layout {
  static constexpr std::size_t depth = Net::depth;
  using plan = training<Net, Arch>;

  struct table_type {
    std::array<std::size_t, depth + 1> output{};
    std::array<std::size_t, depth + 1> state{};  // the layer's state, then its scratch
    std::array<std::size_t, depth + 1> scratch{};
    std::array<std::size_t, depth + 1> deferred_in{};  // deferred_examples inputs of the layer
    std::array<std::size_t, depth + 1> deferred_grad{};  // and their output gradients
    std::size_t total = 0;
  };

 private:
  template <std::size_t... I>
  static constexpr table_type offsets(std::index_sequence<I...>) {
    constexpr std::size_t outputs[] = {detail::round_to_line(Net::template layer_output_shape<I>::size)..., 0};
    constexpr std::size_t states[] = {state_count_of<typename Net::template bound_layer<I>>()..., 0};
    constexpr std::size_t scratches[] = {scratch_count_of<typename Net::template bound_layer<I>, Arch>()..., 0};
    constexpr bool defers[] = {defers_weight_gradients<typename Net::template bound_layer<I>, Arch>..., false};
    constexpr std::size_t inputs[] = {Net::template bound_layer<I>::input_shape::size..., 0};
    constexpr std::size_t outputs_of[] = {Net::template layer_output_shape<I>::size..., 0};
    table_type r{};
    std::size_t at = 0;
    for (std::size_t i = 0; i < depth; ++i)
      if (plan::output_owner[i] == i) {
        r.output[i] = at;
        at += outputs[i];
      }
    for (std::size_t i = 0; i < depth; ++i) r.output[i] = r.output[plan::output_owner[i]];
    for (std::size_t i = 0; i < depth; ++i) {
      r.state[i] = at;
      r.scratch[i] = at + states[i];
      at += detail::round_to_line(states[i] + scratches[i]);
    }
    for (std::size_t i = 0; i < depth; ++i)
      if (defers[i]) {
        r.deferred_in[i] = at;
        at += detail::round_to_line(deferred_examples * inputs[i]);
        r.deferred_grad[i] = at;
        at += detail::round_to_line(deferred_examples * outputs_of[i]);
      }
    r.output[depth] = r.state[depth] = r.scratch[depth] = r.deferred_in[depth] = r.deferred_grad[depth] = at;
    r.total = at;
    return r;
  }

 public:
  static constexpr table_type table = offsets(std::make_index_sequence<depth>{});
  /// Floats of one of the two gradient buffers: the largest activation.
  static constexpr std::size_t gradient_buffer = detail::round_to_line(Net::max_activation);
  /// Floats of one workspace: the outputs, all states and scratch, two gradient buffers.
  static constexpr std::size_t workspace_floats = table.total + 2 * gradient_buffer;
};

}  // namespace tenet::plan
