#pragma once
/// Forward and backward passes of one example through a whole network, for training.
///
/// Unlike inference, training keeps every layer's output (the backward pass needs them) and
/// each layer's per-example state (dropout's mask). All of it lives in a workspace whose size
/// the type fixes; the trainer allocates one per chunk of a batch before training starts.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <boost/hana/for_each.hpp>
#include <boost/hana/range.hpp>

#include "../kernels/arch.hpp"
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

/// Where each layer's output and state sit in a training workspace.
template <class Net>
struct training_layout {
  static constexpr std::size_t depth = Net::depth;

  template <std::size_t... I>
  static constexpr auto offsets(std::index_sequence<I...>) {
    constexpr std::size_t outputs[] = {round_to_line(Net::template layer_output_shape<I>::size)..., 0};
    constexpr std::size_t states[] = {round_to_line(state_count_of<typename Net::template bound_layer<I>>())..., 0};
    struct result {
      std::array<std::size_t, depth + 1> output{};
      std::array<std::size_t, depth + 1> state{};
      std::size_t total = 0;
    } r{};
    std::size_t at = 0;
    for (std::size_t i = 0; i < depth; ++i) {
      r.output[i] = at;
      at += outputs[i];
    }
    for (std::size_t i = 0; i < depth; ++i) {
      r.state[i] = at;
      at += states[i];
    }
    r.output[depth] = r.state[depth] = at;
    r.total = at;
    return r;
  }
  static constexpr auto table = offsets(std::make_index_sequence<depth>{});
  static constexpr std::size_t gradient_buffer = round_to_line(Net::max_activation);
  /// Floats of one workspace: all outputs, all states, two gradient buffers.
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

  static const float* output_of(const float* workspace, std::size_t i) { return workspace + layout::table.output[i]; }

  /// Forward through every layer, keeping each output in the workspace. With `training`,
  /// layers that behave differently while training (dropout) do so, drawing their noise
  /// from `noise_seed`.
  static void forward(const float* params, const float* x, float* workspace, bool training, std::uint64_t noise_seed) {
    boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<depth>), [&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      using B = typename Net::template bound_layer<I>;
      const float* src = I == 0 ? x : workspace + layout::table.output[I == 0 ? 0 : I - 1];
      float* dst = workspace + layout::table.output[I];
      const float* w = params + Net::weight_offset(I);
      const float* b = params + Net::bias_offset(I);
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
    // Layers may use their state region as scratch during backward (see state_count_of).
    float* buffers[2] = {workspace + layout::table.total, workspace + layout::table.total + layout::gradient_buffer};
    constexpr std::size_t top = fused ? depth - 1 : depth;  // layers [0, top) get a backward call
    if constexpr (fused) Loss::gradient_of_logits(output_of(workspace, depth - 1), outputs, target, buffers[0]);
    else Loss::gradient(output_of(workspace, depth - 1), outputs, target, buffers[0]);
    boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<top>), [&](auto step) {
      constexpr std::size_t I = top - 1 - decltype(step)::value;  // from the top down
      using B = typename Net::template bound_layer<I>;
      constexpr std::size_t k = decltype(step)::value;
      const float* grad_out = buffers[k % 2];
      float* grad_in = I == 0 ? nullptr : buffers[(k + 1) % 2];
      const float* in = I == 0 ? x : workspace + layout::table.output[I == 0 ? 0 : I - 1];
      B::template backward<Arch>(params + Net::weight_offset(I), in, workspace + layout::table.output[I], grad_out, grad_in,
                                 grad + Net::weight_offset(I), grad + Net::bias_offset(I),
                                 workspace + layout::table.state[I]);
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
