#pragma once
/// Optimizers: how a gradient turns into a parameter update. Defaults are Keras's.
///
/// An optimizer is a plain struct of settings (`adam{.learning_rate = 3e-4f}`) with a nested
/// `state` class that the trainer owns: `reset` allocates it once, `step` updates a flat
/// parameter array from the averaged gradient, the current learning rate and a decay mask
/// (1 for weights, 0 for biases and padding), so that weight decay touches weights only.

#include <cmath>
#include <concepts>
#include <cstddef>
#include <vector>

#include "../kernels/arch.hpp"
#include "update.hpp"

namespace tenet {

/// Stochastic gradient descent, optionally with momentum (classical or Nesterov).
///   v = momentum * v - lr * g;  w += v               (classical)
///   w += momentum * v - lr * g  (after updating v)    (Nesterov)
struct sgd {
  float learning_rate = 0.01f;
  float momentum = 0.0f;
  bool nesterov = false;
  /// Decoupled weight decay: w -= lr * weight_decay * w (weights only).
  float weight_decay = 0.0f;

  /// What the optimizer remembers between steps (owned by the trainer).
  class state {
   public:
    void reset(const sgd& s, std::size_t n) { velocity_.assign(s.momentum != 0.0f ? n : 0, 0.0f); }

    void step(const sgd& s, float* w, const float* g, const float* decay_mask, std::size_t n, float lr) {
      using V = simd::vfloat<simd::default_arch>;
      const V rate(lr), decay(lr * s.weight_decay), momentum(s.momentum);
      if (s.momentum == 0.0f) {
        detail::update_in_blocks<simd::default_arch>(n, {g, decay_mask}, {w}, [&](const float* const* in, float* const* p, std::size_t i) {
          const V wv = simd::load<simd::default_arch>(p[0] + i);
          const V update = -(rate * simd::load<simd::default_arch>(in[0] + i));
          simd::store<simd::default_arch>(p[0] + i, wv + update - decay * simd::load<simd::default_arch>(in[1] + i) * wv);
        });
        return;
      }
      const bool nesterov = s.nesterov;
      detail::update_in_blocks<simd::default_arch>(
          n, {g, decay_mask}, {w, velocity_.data()}, [&](const float* const* in, float* const* p, std::size_t i) {
            const V wv = simd::load<simd::default_arch>(p[0] + i);
            const V step = rate * simd::load<simd::default_arch>(in[0] + i);
            const V velocity = momentum * simd::load<simd::default_arch>(p[1] + i) - step;
            simd::store<simd::default_arch>(p[1] + i, velocity);
            const V update = nesterov ? momentum * velocity - step : velocity;
            simd::store<simd::default_arch>(p[0] + i, wv + update - decay * simd::load<simd::default_arch>(in[1] + i) * wv);
          });
    }

   private:
    std::vector<float> velocity_;
  };
};

/// RMSprop: divides the gradient by a running root mean square of recent gradients.
struct rmsprop {
  float learning_rate = 0.001f;
  float rho = 0.9f;
  float epsilon = 1e-7f;
  float weight_decay = 0.0f;

  class state {
   public:
    void reset(const rmsprop&, std::size_t n) { mean_square_.assign(n, 0.0f); }

    void step(const rmsprop& s, float* w, const float* g, const float* decay_mask, std::size_t n, float lr) {
      using V = simd::vfloat<simd::default_arch>;
      const V rate(lr), decay(lr * s.weight_decay), rho(s.rho), one_minus_rho(1.0f - s.rho), epsilon(s.epsilon);
      detail::update_in_blocks<simd::default_arch>(
          n, {g, decay_mask}, {w, mean_square_.data()}, [&](const float* const* in, float* const* p, std::size_t i) {
            const V wv = simd::load<simd::default_arch>(p[0] + i);
            const V gv = simd::load<simd::default_arch>(in[0] + i);
            const V mean_square = rho * simd::load<simd::default_arch>(p[1] + i) + one_minus_rho * gv * gv;
            simd::store<simd::default_arch>(p[1] + i, mean_square);
            simd::store<simd::default_arch>(
                p[0] + i, wv - (rate * gv / (xsimd::sqrt(mean_square) + epsilon) + decay * simd::load<simd::default_arch>(in[1] + i) * wv));
          });
    }

   private:
    std::vector<float> mean_square_;
  };
};

/// Adam: per-parameter steps from bias-corrected running moments of the gradient.
struct adam {
  float learning_rate = 0.001f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-7f;
  /// Decoupled weight decay (AdamW) on weights only.
  float weight_decay = 0.0f;

  class state {
   public:
    void reset(const adam&, std::size_t n) {
      m_.assign(n, 0.0f);
      v_.assign(n, 0.0f);
      steps_ = 0;
    }

    void step(const adam& s, float* w, const float* g, const float* decay_mask, std::size_t n, float lr) {
      ++steps_;
      const float correction1 = 1.0f - std::pow(s.beta1, static_cast<float>(steps_));
      const float correction2 = 1.0f - std::pow(s.beta2, static_cast<float>(steps_));
      const float step_size = lr * std::sqrt(correction2) / correction1;
      using V = simd::vfloat<simd::default_arch>;
      const V beta1(s.beta1), one_minus_beta1(1.0f - s.beta1), beta2(s.beta2), one_minus_beta2(1.0f - s.beta2);
      const V step(step_size), epsilon(s.epsilon), decay(lr * s.weight_decay);
      detail::update_in_blocks<simd::default_arch>(
          n, {g, decay_mask}, {w, m_.data(), v_.data()}, [&](const float* const* in, float* const* p, std::size_t i) {
            const V wv = simd::load<simd::default_arch>(p[0] + i);
            const V gv = simd::load<simd::default_arch>(in[0] + i);
            const V m = beta1 * simd::load<simd::default_arch>(p[1] + i) + one_minus_beta1 * gv;
            const V v = beta2 * simd::load<simd::default_arch>(p[2] + i) + one_minus_beta2 * gv * gv;
            simd::store<simd::default_arch>(p[1] + i, m);
            simd::store<simd::default_arch>(p[2] + i, v);
            // As Keras: epsilon is added after the bias correction is folded into step_size.
            simd::store<simd::default_arch>(
                p[0] + i, wv - (step * m / (xsimd::sqrt(v) + epsilon) + decay * simd::load<simd::default_arch>(in[1] + i) * wv));
          });
    }

   private:
    std::vector<float> m_, v_;
    std::size_t steps_ = 0;
  };
};

/// An optimizer: has a base learning rate, `reset(n)` and `step(w, g, decay_mask, n, lr)`.
template <class O>
concept Optimizer = requires(const O o, typename O::state s, float* w, const float* g, std::size_t n, float lr) {
  { o.learning_rate } -> std::convertible_to<float>;
  s.reset(o, n);
  s.step(o, w, g, g, n, lr);
};

}  // namespace tenet
