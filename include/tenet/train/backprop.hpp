#pragma once
/// Forward and backward passes of one example through a whole network, for training.
///
/// Unlike inference, training keeps every layer's output (the backward pass needs them) and
/// each layer's per-example state (dropout's mask). All of it lives in a workspace whose
/// layout the training plan fixes (plan/training.hpp); the trainer allocates one per worker
/// (a thread's run of a batch's chunks) before training starts.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <boost/hana/for_each.hpp>
#include <boost/hana/range.hpp>

#include "../detail/random.hpp"
#include "../kernels/arch.hpp"
#include "../layer_args.hpp"
#include "../network.hpp"
#include "../parallel/execution.hpp"
#include "../plan/ping_pong.hpp"
#include "../plan/training.hpp"
#include "../simd/isa.hpp"
#include "../tensor.hpp"
#include "loss.hpp"

namespace tenet::detail {

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

/// A training pass's entry points for one ISA (simd/dispatch.hpp): `which` names it. The
/// trainer runs a batch as chunks of examples, each through one worker's workspace.
template <class Net, class Loss>
struct training_kernels {
  using input_type = tensor<float, typename Net::input_shape>;
  using target_type = typename Loss::target_type;
  simd::isa which;
  /// Floats of one worker's workspace.
  std::size_t workspace_floats;
  /// backprop::run_chunk.
  void (*run_chunk)(const float* params, const input_type* x, const target_type* y, const std::size_t* order, std::size_t first,
                    std::size_t end, float* workspace, float* grad, std::uint64_t noise, bool prepare, example_outcome* outcomes);
  /// backprop::evaluate_range.
  void (*evaluate_range)(const float* params, const input_type* x, const target_type* y, std::size_t first, std::size_t end,
                         float* workspace, batch_result& sum);
};

/// One example through `Net` with loss `Loss` (already resolved against the output type),
/// following the training plan for `Arch` (plan/training.hpp): the network's own by default.
template <class Net, class Loss, class Arch = typename Net::arch>
struct backprop {
  using layout = plan::training_layout<Net, Arch>;
  using plan = plan::training<Net, Arch>;
  static constexpr std::size_t depth = Net::depth;
  static constexpr std::size_t outputs = Net::output_shape::size;
  using target_type = typename Loss::target_type;

  /// The loss takes its gradient from the logits of a final softmax: p - y, exact and cheap,
  /// and the softmax's own backward pass is skipped.
  static constexpr bool fused = FusesWithSoftmax<Loss> && plan::ends_in_softmax;

  static constexpr std::size_t backward_top = fused ? depth - 1 : depth;  // layers [0, top) get a backward call

  static const float* output_of(const float* workspace, std::size_t i) { return workspace + layout::table.output[i]; }

  template <std::size_t I>
  static forward_args forward_args_of(const float* params, const float* x, float* workspace) {
    const float* src = I == 0 ? x : workspace + layout::table.output[I == 0 ? 0 : I - 1];
    return {params + Net::weight_offset(I), params + Net::bias_offset(I), src, workspace + layout::table.output[I],
            parallel::policy::serial};
  }

  /// Forward through every layer, keeping each output in the workspace. With `training`,
  /// layers that behave differently while training (dropout) do so, drawing their noise
  /// from `noise_seed`.
  static void forward(const float* params, const float* x, float* workspace, bool training, std::uint64_t noise_seed) {
    boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<depth>), [&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      using B = typename Net::template bound_layer<I>;
      if constexpr (plan::forward_skipped[I]) return;
      const forward_args a = forward_args_of<I>(params, x, workspace);
      if constexpr (plan::template absorbs_next_forward<I>()) {
        B::template forward_absorbing<Arch, typename Net::template bound_layer<I + 1>>(a);
        return;
      }
      if constexpr (requires { B::state_count; }) {
        if (training) {
          B::template forward_train<Arch>(a, workspace + layout::table.state[I], mix_seed(noise_seed, I));
          return;
        }
      }
      B::template forward<Arch>(a);
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
    const std::size_t slot = position % tenet::plan::deferred_examples;
    backward_deferring(params, x, target, workspace, grad, slot);
    if (slot + 1 == tenet::plan::deferred_examples || last) add_deferred_weight_gradients(workspace, grad, slot + 1);
  }

  /// A layer prepares from the weights (plan::prepares_backward) when its backward pass runs
  /// and computes an input gradient: not the first layer's.
  template <std::size_t I>
  static constexpr bool runs_prepared = I > 0 && !plan::backward_skipped[I] && !plan::template absorbs_previous_backward<I>() &&
                                        tenet::plan::prepares_backward<typename Net::template bound_layer<I>, Arch>;

  /// What the layers prepare from the weights `params` before backward_deferring (conv2d's
  /// transposed weights): once for the examples that follow in this workspace, until the
  /// weights change.
  static void prepare_backward(const float* params, float* workspace) {
    boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<1>, boost::hana::size_c<backward_top>), [&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      using B = typename Net::template bound_layer<I>;
      if constexpr (runs_prepared<I>)
        B::template prepare_backward<Arch>(params + Net::weight_offset(I), workspace + layout::table.scratch[I]);
    });
  }

  /// Adds the weight gradients `backward_deferring` left for the examples in slots [0, count)
  /// to `grad`, example by example in slot order: the bits of calling `backward` on each.
  static void add_deferred_weight_gradients(const float* workspace, float* grad, std::size_t count) {
    boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<backward_top>), [&](auto i) {
      constexpr std::size_t I = decltype(i)::value;
      using B = typename Net::template bound_layer<I>;
      if constexpr (!plan::backward_skipped[I] && tenet::plan::defers_weight_gradients<B, Arch>)
        B::template weight_gradients<Arch>(workspace + layout::table.deferred_in[I], workspace + layout::table.deferred_grad[I], count,
                                           grad + Net::weight_offset(I));
    });
  }

  /// `backward`, except that the layers that defer their weight gradients (dense) only keep
  /// this example's input and output gradient, in slot `slot` (< deferred_examples) of the
  /// workspace, for add_deferred_weight_gradients: a dense layer's weight gradients are then
  /// read and written once per group of examples instead of once per example. The workspace
  /// must hold prepare_backward of these `params`.
  static void backward_deferring(const float* params, const float* x, const target_type& target, float* workspace, float* grad,
                                 std::size_t slot) {
    float* buffers[2] = {workspace + layout::table.total, workspace + layout::table.total + layout::gradient_buffer};
    constexpr std::size_t top = backward_top;
    // The loss's gradient is step 0 of the ping-pong; the backward passes are steps 1, 2, ...
    float* loss_gradient = buffers[tenet::plan::buffer_written_by(0)];
    if constexpr (fused) Loss::gradient_of_logits(output_of(workspace, depth - 1), outputs, target, loss_gradient);
    else Loss::gradient(output_of(workspace, depth - 1), outputs, target, loss_gradient);
    boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<top>), [&](auto step) {
      constexpr std::size_t I = top - 1 - decltype(step)::value;  // from the top down
      using B = typename Net::template bound_layer<I>;
      if constexpr (plan::backward_skipped[I]) return;
      constexpr std::size_t k = plan::backward_runs_above(I, top) + 1;
      backward_args a{};
      a.weights = params + Net::weight_offset(I);
      a.in = I == 0 ? x : workspace + layout::table.output[I == 0 ? 0 : I - 1];
      a.out = workspace + layout::table.output[I];
      a.grad_out = buffers[tenet::plan::buffer_read_by(k)];
      a.grad_in = I == 0 ? nullptr : buffers[tenet::plan::buffer_written_by(k)];
      a.grad_weights = grad + Net::weight_offset(I);
      a.grad_biases = grad + Net::bias_offset(I);
      a.state = workspace + layout::table.state[I];
      a.scratch = workspace + layout::table.scratch[I];
      a.prepared = runs_prepared<I>;
      if constexpr (plan::template absorbs_previous_backward<I>()) {
        B::template backward_absorbing<Arch, typename Net::template bound_layer<I - 1>>(a);
      } else if constexpr (tenet::plan::defers_weight_gradients<B, Arch>) {
        constexpr std::size_t inputs = B::input_shape::size, units = B::output_shape::size;
        std::copy_n(a.in, inputs, workspace + layout::table.deferred_in[I] + slot * inputs);
        std::copy_n(a.grad_out, units, workspace + layout::table.deferred_grad[I] + slot * units);
        B::template backward_input<Arch>(a);
      } else {
        B::template backward<Arch>(a);
      }
    });
  }

  using input_type = tensor<float, typename Net::input_shape>;

  /// Examples x[order[first..end)], one chunk of a batch, through one workspace: forward
  /// (training: dropout on, its noise from `noise` and the example's place j in the batch),
  /// outcomes[j], and the backward pass into `grad`. `prepare`: the workspace does not hold
  /// prepare_backward of these `params` yet (a worker's first chunk of the batch).
  static void run_chunk(const float* params, const input_type* x, const target_type* y, const std::size_t* order, std::size_t first,
                        std::size_t end, float* workspace, float* grad, std::uint64_t noise, bool prepare, example_outcome* outcomes) {
    if (prepare) prepare_backward(params, workspace);
    for (std::size_t j = first; j < end; ++j) {
      const std::size_t idx = order[j];
      forward(params, x[idx].data(), workspace, true, mix(noise, j));
      outcomes[j] = score(workspace, y[idx]);
      backward_in_run(params, x[idx].data(), y[idx], workspace, grad, j - first, j + 1 == end);
    }
  }

  /// Examples x[first..end) forward with dropout off: adds their loss and hits to `sum`.
  static void evaluate_range(const float* params, const input_type* x, const target_type* y, std::size_t first, std::size_t end,
                             float* workspace, batch_result& sum) {
    for (std::size_t i = first; i < end; ++i) {
      forward(params, x[i].data(), workspace, false, 0);
      const example_outcome o = score(workspace, y[i]);
      sum.loss += o.loss;
      sum.hits += o.correct ? 1 : 0;
    }
  }

  /// This pass's entry points (for the trainer, and for a per-ISA translation unit to register).
  static constexpr training_kernels<Net, Loss> kernels{simd::isa_of<Arch>(), layout::workspace_floats, &run_chunk, &evaluate_range};

  /// Independent noise per layer and example from one seed (detail::mix_seed).
  static constexpr std::uint64_t mix(std::uint64_t seed, std::uint64_t salt) { return mix_seed(seed, salt); }
};

}  // namespace tenet::detail
