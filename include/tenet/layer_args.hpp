#pragma once
/// What a layer's passes receive: one struct per pass instead of positional pointers, so a
/// layer names what it reads and the planner fills in every field the same way for every
/// layer (see docs/layer_contract.md).

#include <cstddef>

#include "parallel/execution.hpp"

namespace tenet {

/// One example through one layer, forward.
struct forward_args {
  const float* weights;  // the layer's weights, in its documented layout (null without weights)
  const float* biases;  // its biases (null without)
  const float* in;  // input_shape::size floats
  float* out;  // output_shape::size floats, never overlapping `in`
  parallel::policy policy = parallel::policy::serial;  // whether the layer may split its work across threads
};

/// One example through one layer, backward (training).
struct backward_args {
  const float* weights;  // the layer's weights (null without)
  const float* in;  // the input forward saw
  const float* out;  // the output forward wrote (see absorbs: a layer that ran fused holds the fused output)
  const float* grad_out;  // the loss's gradient at the output
  float* grad_in;  // written: the gradient at the input; null for the first layer (nobody reads it)
  float* grad_weights;  // accumulated (+=)
  float* grad_biases;  // accumulated (+=)
  const float* state;  // the state_count floats forward_train wrote for this example (null without)
  float* scratch;  // scratch_count<Arch> floats the layer may write; prepare_backward's result when `prepared`
  bool prepared = false;  // prepare_backward wrote `scratch` from these weights
};

}  // namespace tenet
