#pragma once
/// `relu`, `tanh` and `sigmoid`: functions applied to every value; the shape is unchanged.

#include <cstddef>
#include <string>

#include "../diagnostics.hpp"
#include "../kernels/elementwise.hpp"
#include "../parallel/execution.hpp"
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

  template <class In>
  struct at {
    using input_shape = In;
    using output_shape = In;
    static constexpr std::size_t weight_count = 0, bias_count = 0;
    static constexpr std::size_t flops = 0;

    template <class Arch>
    static void forward(const float*, const float*, const float* in, float* out, parallel::policy) {
      Fn::template apply<Arch>(in, out, In::size);
    }

    template <class Arch>
    static void backward(const float*, const float*, const float* out, const float* grad_out, float* grad_in, float*,
                         float*, const float*) {
      if (grad_in != nullptr) Fn::template derive<Arch>(out, grad_out, grad_in, In::size);
    }
  };
};

struct relu_fn {
  static constexpr const char* name = "relu";
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
