#pragma once
/// `flatten`: an image (H, W, C) becomes a vector (H*W*C), in memory order.

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "../diagnostics.hpp"
#include "../layer_args.hpp"
#include "../parallel/execution.hpp"
#include "../shape.hpp"

namespace tenet {

/// Reshapes any shape to rank 1 without moving values (channels last, as Keras flattens).
struct flatten {
  template <class In>
  static constexpr verdict check() {
    return verdict::ok;
  }

  static std::string describe() { return "flatten"; }
  static constexpr std::string_view fingerprint_name = "flatten";

  template <class In>
  struct at {
    using input_shape = In;
    using output_shape = shape<In::size>;
    static constexpr std::size_t weight_count = 0, bias_count = 0;
    static constexpr std::size_t flops = 0;
    /// Same values, same order: the next layer reads the input directly, in inference and
    /// in training (whose backward pass then skips this layer).
    static constexpr bool identity_in_inference = true;
    static constexpr bool identity_in_training = true;

    template <class Arch>
    static void forward(const forward_args& a) {
      std::memcpy(a.out, a.in, In::size * sizeof(float));
    }

    /// The gradient passes through unchanged.
    template <class Arch>
    static void backward(const backward_args& a) {
      if (a.grad_in != nullptr) std::memcpy(a.grad_in, a.grad_out, In::size * sizeof(float));
    }
  };
};

}  // namespace tenet
