#pragma once
/// `relu`, `tanh` and `sigmoid`: functions applied to every value; the shape is unchanged.

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

namespace detail {

/// An activation: shape in = shape out, no parameters. `Fn` supplies the name and kernel.
template <class Fn>
struct elementwise_layer {
  template <class In>
  static constexpr verdict check() {
    return verdict::ok;
  }

  static std::string describe() { return Fn::name; }
  static constexpr std::string_view fingerprint_name = Fn::name;

  template <class In>
  struct at {
    using input_shape = In;
    using output_shape = In;
    static constexpr std::size_t weight_count = 0, bias_count = 0;
    static constexpr std::size_t flops = 0;

    static constexpr fusion_role role = Fn::role;

    template <class Arch>
    static void forward(const forward_args& a) {
      Fn::template apply<Arch>(a.in, a.out, In::size);
    }

    /// The derivative is computed from the output, so a layer that absorbs this one may keep
    /// only the output.
    template <class Arch>
    static void backward(const backward_args& a) {
      if (a.grad_in != nullptr) Fn::template derive<Arch>(a.out, a.grad_out, a.grad_in, In::size);
    }
  };
};

struct relu_fn {
  static constexpr const char* name = "relu";
  static constexpr fusion_role role = fusion_role::relu;
  template <class Arch>
  static void apply(const float* in, float* out, std::size_t n) {
    kernels::relu_forward<Arch>(in, out, n);
  }
  template <class Arch>
  static void derive(const float* out, const float* grad_out, float* grad_in, std::size_t n) {
    kernels::relu_backward<Arch>(out, grad_out, grad_in, n);
  }
};
struct tanh_fn {
  static constexpr const char* name = "tanh";
  static constexpr fusion_role role = fusion_role::none;
  template <class Arch>
  static void apply(const float* in, float* out, std::size_t n) {
    kernels::tanh_forward<Arch>(in, out, n);
  }
  template <class Arch>
  static void derive(const float* out, const float* grad_out, float* grad_in, std::size_t n) {
    kernels::tanh_backward<Arch>(out, grad_out, grad_in, n);
  }
};
struct sigmoid_fn {
  static constexpr const char* name = "sigmoid";
  static constexpr fusion_role role = fusion_role::none;
  template <class Arch>
  static void apply(const float* in, float* out, std::size_t n) {
    kernels::sigmoid_forward<Arch>(in, out, n);
  }
  template <class Arch>
  static void derive(const float* out, const float* grad_out, float* grad_in, std::size_t n) {
    kernels::sigmoid_backward<Arch>(out, grad_out, grad_in, n);
  }
};

}  // namespace detail

/// max(x, 0)
struct relu : detail::elementwise_layer<detail::relu_fn> {};
/// tanh(x)
struct tanh : detail::elementwise_layer<detail::tanh_fn> {};
/// 1 / (1 + exp(-x))
struct sigmoid : detail::elementwise_layer<detail::sigmoid_fn> {};

}  // namespace tenet
