#pragma once
/// Optimizers: how a gradient turns into a parameter update. Defaults are Keras's.
///
/// An optimizer is a plain struct of settings (`adam{.learning_rate = 3e-4f}`) with a nested
/// `state` class that the trainer owns: `reset` allocates it once, `step` updates a flat
/// parameter array from the averaged gradient, the current learning rate and a decay mask
/// (1 for weights, 0 for biases and padding), so that weight decay touches weights only.
///
/// Every multiply-add of an update is written as an explicit FMA (xsimd::fma, fms, fnma) or
/// cannot be fused (its product feeds a multiply or a division): g++ fuses `a * b + c` on its
/// own (-ffp-contract=fast), differently in differently inlined copies of the same code, and
/// `step` and `step_range` must give the same bits.

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
    void reset(const sgd& s, std::size_t n) {
      size_ = n;
      velocity_.assign(s.momentum != 0.0f ? n : 0, 0.0f);
    }

    void step(const sgd& s, float* w, const float* g, const float* decay_mask, std::size_t n, float lr) {
      begin_step(s, lr);
      if (s.momentum == 0.0f)
        detail::update_in_blocks<Arch>(n, {g, decay_mask}, {w},
                                       [&](const float* const* in, float* const* p, std::size_t i) { update<false>(s, lr, in, p, i); });
      else
        detail::update_in_blocks<Arch>(n, {g, decay_mask}, {w, velocity_.data()},
                                       [&](const float* const* in, float* const* p, std::size_t i) { update<true>(s, lr, in, p, i); });
    }
    /// A step in pieces (the trainer's, beside its gradient sum): begin_step once, then
    /// step_range on disjoint ranges [begin, end) of whole registers covering the parameters,
    /// from any threads at once. The same bits as step.
    void begin_step(const sgd& s, float /*lr*/) {
      // Momentum switched on after reset (the settings may change between fits): from rest.
      if (s.momentum != 0.0f && velocity_.size() < size_) velocity_.assign(size_, 0.0f);
    }
    void step_range(const sgd& s, float* w, const float* g, const float* decay_mask, std::size_t begin, std::size_t end, float lr) {
      if (s.momentum == 0.0f)
        detail::update_registers<Arch>(begin, end, {g, decay_mask}, {w},
                                       [&](const float* const* in, float* const* p, std::size_t i) { update<false>(s, lr, in, p, i); });
      else
        detail::update_registers<Arch>(begin, end, {g, decay_mask}, {w, velocity_.data()},
                                       [&](const float* const* in, float* const* p, std::size_t i) { update<true>(s, lr, in, p, i); });
    }

    /// Every member that changes between steps, for checkpoints (train/checkpoint.hpp).
    template <class Visitor>
    void visit_state(Visitor&& visit) {
      visit(size_);
      visit(velocity_);
    }

   private:
    using Arch = simd::default_arch;
    using V = simd::vfloat<Arch>;
    /// Register i of the update: in = {g, decay_mask}, p = {w} or, with momentum, {w, velocity}.
    template <bool Momentum>
    static void update(const sgd& s, float lr, const float* const* in, float* const* p, std::size_t i) {
      const V rate(lr), decay(lr * s.weight_decay);
      const V wv = simd::load<Arch>(p[0] + i);
      const V gv = simd::load<Arch>(in[0] + i);
      V moved;  // w + update
      if constexpr (Momentum) {
        const V momentum(s.momentum);
        const V step = rate * gv;
        const V velocity = xsimd::fms(momentum, simd::load<Arch>(p[1] + i), step);
        simd::store<Arch>(p[1] + i, velocity);
        moved = wv + (s.nesterov ? xsimd::fms(momentum, velocity, step) : velocity);
      } else {
        moved = xsimd::fnma(rate, gv, wv);
      }
      simd::store<Arch>(p[0] + i, xsimd::fnma(decay * simd::load<Arch>(in[1] + i), wv, moved));
    }
    std::size_t size_ = 0;
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
      begin_step(s, lr);
      detail::update_in_blocks<Arch>(n, {g, decay_mask}, {w, mean_square_.data()},
                                     [&](const float* const* in, float* const* p, std::size_t i) { update(s, lr, in, p, i); });
    }
    /// A step in pieces: see sgd::state.
    void begin_step(const rmsprop&, float /*lr*/) {}
    void step_range(const rmsprop& s, float* w, const float* g, const float* decay_mask, std::size_t begin, std::size_t end, float lr) {
      detail::update_registers<Arch>(begin, end, {g, decay_mask}, {w, mean_square_.data()},
                                     [&](const float* const* in, float* const* p, std::size_t i) { update(s, lr, in, p, i); });
    }

    /// Every member that changes between steps, for checkpoints (train/checkpoint.hpp).
    template <class Visitor>
    void visit_state(Visitor&& visit) {
      visit(mean_square_);
    }

   private:
    using Arch = simd::default_arch;
    using V = simd::vfloat<Arch>;
    /// Register i of the update: in = {g, decay_mask}, p = {w, mean square}.
    static void update(const rmsprop& s, float lr, const float* const* in, float* const* p, std::size_t i) {
      const V rate(lr), decay(lr * s.weight_decay), rho(s.rho), one_minus_rho(1.0f - s.rho), epsilon(s.epsilon);
      const V wv = simd::load<Arch>(p[0] + i);
      const V gv = simd::load<Arch>(in[0] + i);
      const V mean_square = xsimd::fma(rho, simd::load<Arch>(p[1] + i), one_minus_rho * gv * gv);
      simd::store<Arch>(p[1] + i, mean_square);
      const V step = rate * gv / (xsimd::sqrt(mean_square) + epsilon);
      simd::store<Arch>(p[0] + i, wv - xsimd::fma(decay * simd::load<Arch>(in[1] + i), wv, step));
    }
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
      begin_step(s, lr);
      detail::update_in_blocks<Arch>(n, {g, decay_mask}, {w, m_.data(), v_.data()},
                                     [&](const float* const* in, float* const* p, std::size_t i) { update(s, lr, in, p, i); });
    }
    /// A step in pieces: see sgd::state. begin_step counts the step (bias correction).
    void begin_step(const adam& s, float lr) {
      ++steps_;
      const float correction1 = 1.0f - std::pow(s.beta1, static_cast<float>(steps_));
      const float correction2 = 1.0f - std::pow(s.beta2, static_cast<float>(steps_));
      step_size_ = lr * std::sqrt(correction2) / correction1;
    }
    void step_range(const adam& s, float* w, const float* g, const float* decay_mask, std::size_t begin, std::size_t end, float lr) {
      detail::update_registers<Arch>(begin, end, {g, decay_mask}, {w, m_.data(), v_.data()},
                                     [&](const float* const* in, float* const* p, std::size_t i) { update(s, lr, in, p, i); });
    }

    /// Every member that changes between steps, for checkpoints (train/checkpoint.hpp).
    template <class Visitor>
    void visit_state(Visitor&& visit) {
      visit(m_);
      visit(v_);
      visit(steps_);
      visit(step_size_);
    }

   private:
    using Arch = simd::default_arch;
    using V = simd::vfloat<Arch>;
    /// Register i of the update: in = {g, decay_mask}, p = {w, m, v}.
    void update(const adam& s, float lr, const float* const* in, float* const* p, std::size_t i) const {
      const V beta1(s.beta1), one_minus_beta1(1.0f - s.beta1), beta2(s.beta2), one_minus_beta2(1.0f - s.beta2);
      const V step(step_size_), epsilon(s.epsilon), decay(lr * s.weight_decay);
      const V wv = simd::load<Arch>(p[0] + i);
      const V gv = simd::load<Arch>(in[0] + i);
      const V m = xsimd::fma(beta1, simd::load<Arch>(p[1] + i), one_minus_beta1 * gv);
      const V v = xsimd::fma(beta2, simd::load<Arch>(p[2] + i), one_minus_beta2 * gv * gv);
      simd::store<Arch>(p[1] + i, m);
      simd::store<Arch>(p[2] + i, v);
      // As Keras: epsilon is added after the bias correction is folded into the step size.
      const V adapted = step * m / (xsimd::sqrt(v) + epsilon);
      simd::store<Arch>(p[0] + i, wv - xsimd::fma(decay * simd::load<Arch>(in[1] + i), wv, adapted));
    }
    std::vector<float> m_, v_;
    std::size_t steps_ = 0;
    float step_size_ = 0.0f;  // lr sqrt(1 - beta2^t) / (1 - beta1^t) of the current step
  };
};

/// An optimizer: has a base learning rate, `reset(n)` and `step(w, g, decay_mask, n, lr)`.
template <class O>
concept Optimizer = requires(const O o, typename O::state s, float* w, const float* g, std::size_t n, float lr) {
  { o.learning_rate } -> std::convertible_to<float>;
  s.reset(o, n);
  s.step(o, w, g, g, n, lr);
};

/// An optimizer whose step can also be taken in pieces: `begin_step(lr)` once, then
/// `step_range(w, g, decay_mask, begin, end, lr)` on disjoint ranges of whole registers, from
/// any threads, with the bits of `step` (the trainer takes it in its gradient-sum pass).
template <class O>
concept OptimizerInPieces = Optimizer<O> && requires(const O o, typename O::state s, float* w, const float* g, std::size_t n, float lr) {
  s.begin_step(o, lr);
  s.step_range(o, w, g, g, n, n, lr);
};

}  // namespace tenet
