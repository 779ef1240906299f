#pragma once
/// `expect<shape<...>>`: a checkpoint you place between layers to state the shape you
/// believe flows there. It computes nothing; if the shape differs, compilation stops.

#include <cstddef>
#include <cstring>
#include <string>
#include <type_traits>

#include "../diagnostics.hpp"
#include "../layer_args.hpp"
#include "../parallel/execution.hpp"
#include "../shape.hpp"

namespace tenet {

/// Compile-time assertion that the incoming shape is `Expected`.
template <class Expected>
struct expect {
  template <class In>
  static constexpr verdict check() {
    if constexpr (std::is_same_v<In, Expected>) return verdict::ok;
    else return verdict::unexpected_shape;
  }

  static std::string describe() { return "expect " + to_string<Expected>(); }
  /// A checkpoint computes nothing and holds nothing: weight files leave it out.
  static constexpr bool recorded_in_files = false;

  template <class In>
  struct at {
    using input_shape = In;
    using output_shape = In;
    static constexpr std::size_t weight_count = 0, bias_count = 0;
    static constexpr std::size_t flops = 0;
    /// A check at compile time only: the next layer reads the input directly, in inference
    /// and in training.
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
