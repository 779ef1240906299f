#pragma once
/// `softmax`: turns a vector of scores into probabilities that sum to 1.

#include <cstddef>
#include <string>

#include "../diagnostics.hpp"
#include "../kernels/elementwise.hpp"
#include "../parallel/execution.hpp"
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

  template <class In>
  struct at {
    using input_shape = In;
    using output_shape = In;
    static constexpr std::size_t weight_count = 0, bias_count = 0;
    static constexpr std::size_t flops = 0;

    template <class Arch>
    static void forward(const float*, const float*, const float* in, float* out, parallel::policy) {
      kernels::softmax_forward<Arch>(in, out, In::size);
    }

    /// The softmax Jacobian applied to grad_out. (With cross-entropy the trainer fuses the
    /// two and never calls this: the combined gradient p - y is exact and cheaper.)
    template <class Arch>
    static void backward(const float*, const float*, const float* out, const float* grad_out, float* grad_in, float*,
                         float*, const float*) {
      if (grad_in != nullptr) kernels::softmax_backward<Arch>(out, grad_out, grad_in, In::size);
    }
  };
};

}  // namespace tenet
