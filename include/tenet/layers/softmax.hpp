#pragma once
/// `softmax`: turns a vector of scores into probabilities that sum to 1.

#include <cstddef>
#include <string>
#include <string_view>

#include "../diagnostics.hpp"
#include "../kernels/elementwise.hpp"
#include "../layer_args.hpp"
#include "../parallel/execution.hpp"
#include "../plan/fusion.hpp"
#include "../shape.hpp"

namespace tenet {

/// exp(x_i) / sum_j exp(x_j) over a flat vector (put `flatten` and a `dense` layer before it).
struct softmax {
  template <class In>
  static constexpr verdict check() {
    if constexpr (In::rank != 1) return verdict::needs_flat_input;
    else return verdict::ok;
  }

  static std::string describe() { return "softmax"; }
  static constexpr std::string_view fingerprint_name = "softmax";

  template <class In>
  struct at {
    using input_shape = In;
    using output_shape = In;
    static constexpr std::size_t weight_count = 0, bias_count = 0;
    static constexpr std::size_t flops = 0;

    /// A loss that takes its gradient from the logits skips this layer's backward pass.
    static constexpr fusion_role role = fusion_role::softmax;

    template <class Arch>
    static void forward(const forward_args& a) {
      kernels::softmax_forward<Arch>(a.in, a.out, In::size);
    }

    /// The softmax Jacobian applied to grad_out. (With cross-entropy the trainer fuses the
    /// two and never calls this: the combined gradient p - y is exact and cheaper.)
    template <class Arch>
    static void backward(const backward_args& a) {
      if (a.grad_in != nullptr) kernels::softmax_backward<Arch>(a.out, a.grad_out, a.grad_in, In::size);
    }
  };
};

}  // namespace tenet
