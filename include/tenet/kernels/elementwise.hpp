#pragma once
/// Activation functions applied value by value, and softmax.
///
/// Every function reads `in` and writes `out`, which must not overlap.

#include <cmath>
#include <cstddef>

#include "../config.hpp"
#include "arch.hpp"

namespace tenet::kernels {

namespace detail {

/// Applies `vector_op` to whole registers and `scalar_op` to the tail.
template <class Arch, class VectorOp, class ScalarOp>
TENET_ALWAYS_INLINE void map(const float* TENET_RESTRICT in, float* TENET_RESTRICT out, std::size_t n, VectorOp vector_op,
                             ScalarOp scalar_op) {
  constexpr std::size_t L = simd::lanes<Arch>;
  const std::size_t vector_end = n - n % L;
  for (std::size_t i = 0; i < vector_end; i += L) simd::store<Arch>(out + i, vector_op(simd::load<Arch>(in + i)));
  for (std::size_t i = vector_end; i < n; ++i) out[i] = scalar_op(in[i]);
}

}  // namespace detail

/// out = max(in, 0)
template <class Arch>
void relu_forward(const float* TENET_RESTRICT in, float* TENET_RESTRICT out, std::size_t n) {
  detail::map<Arch>(
      in, out, n, [](auto v) { return simd::relu<Arch>(v); }, [](float v) { return v > 0.0f ? v : 0.0f; });
}

/// out = tanh(in)
template <class Arch>
void tanh_forward(const float* TENET_RESTRICT in, float* TENET_RESTRICT out, std::size_t n) {
  detail::map<Arch>(
      in, out, n, [](auto v) { return xsimd::tanh(v); }, [](float v) { return std::tanh(v); });
}

/// out = 1 / (1 + exp(-in))
template <class Arch>
void sigmoid_forward(const float* TENET_RESTRICT in, float* TENET_RESTRICT out, std::size_t n) {
  const simd::vfloat<Arch> one(1.0f);
  detail::map<Arch>(
      in, out, n, [&](auto v) { return one / (one + xsimd::exp(-v)); }, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
}

/// out = exp(in - max) / sum(exp(in - max)): subtracting the maximum keeps exp from
/// overflowing and does not change the result.
template <class Arch>
void softmax_forward(const float* TENET_RESTRICT in, float* TENET_RESTRICT out, std::size_t n) {
  float largest = in[0];
  for (std::size_t i = 1; i < n; ++i) largest = in[i] > largest ? in[i] : largest;
  float sum = 0.0f;
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = std::exp(in[i] - largest);
    sum += out[i];
  }
  const float scale = 1.0f / sum;
  for (std::size_t i = 0; i < n; ++i) out[i] *= scale;
}

/// Backward passes: `grad_in` from the layer's output `out` and the gradient `grad_out`.
/// (All three activations have derivatives expressible through their output.)

/// grad_in = grad_out where out > 0, else 0
template <class Arch>
void relu_backward(const float* TENET_RESTRICT out, const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) grad_in[i] = out[i] > 0.0f ? grad_out[i] : 0.0f;
}

/// grad_in = grad_out * (1 - out^2)
template <class Arch>
void tanh_backward(const float* TENET_RESTRICT out, const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) grad_in[i] = grad_out[i] * (1.0f - out[i] * out[i]);
}

/// grad_in = grad_out * out * (1 - out)
template <class Arch>
void sigmoid_backward(const float* TENET_RESTRICT out, const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) grad_in[i] = grad_out[i] * out[i] * (1.0f - out[i]);
}

/// grad_in_i = out_i * (grad_out_i - sum_j grad_out_j out_j): the softmax Jacobian applied
/// to grad_out. (Training with cross-entropy skips this: the fused gradient is p - y.)
template <class Arch>
void softmax_backward(const float* TENET_RESTRICT out, const float* TENET_RESTRICT grad_out, float* TENET_RESTRICT grad_in, std::size_t n) {
  float dot = 0.0f;
  for (std::size_t i = 0; i < n; ++i) dot += grad_out[i] * out[i];
  for (std::size_t i = 0; i < n; ++i) grad_in[i] = out[i] * (grad_out[i] - dot);
}

}  // namespace tenet::kernels
