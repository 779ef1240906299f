#pragma once
/// Loss functions: the number training minimizes, its gradient, and what counts as a hit.
///
/// A loss works on one example: the network's output `p` (n floats) and a target, which is a
/// class index (`std::uint32_t`) for `cross_entropy` and a tensor for the others.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace tenet {

namespace detail {
inline std::size_t argmax(const float* p, std::size_t n) noexcept {
  std::size_t best = 0;
  for (std::size_t i = 1; i < n; ++i)
    if (p[i] > p[best]) best = i;
  return best;
}
}  // namespace detail

/// Cross-entropy on integer class labels (Keras's sparse categorical cross-entropy):
/// -log p[label]. After a final `softmax` layer the trainer fuses the two and computes the
/// loss from the logits (log-sum-exp), which stays exact where p[label] underflows.
struct cross_entropy {
  using target_type = std::uint32_t;
  /// Probabilities are clipped here, as Keras clips them, when the network does not end in
  /// softmax (so the fused, exact path is not available).
  static constexpr float epsilon = 1e-7f;

  static float loss(const float* p, std::size_t n, target_type label) noexcept {
    (void)n;
    return -std::log(std::clamp(p[label], epsilon, 1.0f));
  }
  /// d loss / d p
  static void gradient(const float* p, std::size_t n, target_type label, float* g) noexcept {
    std::fill_n(g, n, 0.0f);
    g[label] = -1.0f / std::clamp(p[label], epsilon, 1.0f);
  }
  /// Fused with softmax: loss from the logits z, and d loss / d z = p - onehot(label).
  static float loss_from_logits(const float* z, std::size_t n, target_type label) noexcept {
    float largest = z[0];
    for (std::size_t i = 1; i < n; ++i) largest = std::max(largest, z[i]);
    float sum = 0.0f;
    for (std::size_t i = 0; i < n; ++i) sum += std::exp(z[i] - largest);
    return std::log(sum) + largest - z[label];
  }
  static void gradient_of_logits(const float* p, std::size_t n, target_type label, float* g) noexcept {
    for (std::size_t i = 0; i < n; ++i) g[i] = p[i];
    g[label] -= 1.0f;
  }
  static bool correct(const float* p, std::size_t n, target_type label) noexcept { return detail::argmax(p, n) == label; }
  /// The largest valid label for an output of n values.
  static bool valid_target(std::size_t n, target_type label) noexcept { return label < n; }
};

/// Cross-entropy against a probability vector (one-hot or soft labels): -sum t log p.
template <class Target>
struct categorical_cross_entropy_of {
  using target_type = Target;
  static constexpr float epsilon = 1e-7f;

  static float loss(const float* p, std::size_t n, const target_type& t) noexcept {
    float sum = 0.0f;
    for (std::size_t i = 0; i < n; ++i)
      if (t[i] != 0.0f) sum -= t[i] * std::log(std::clamp(p[i], epsilon, 1.0f));
    return sum;
  }
  static void gradient(const float* p, std::size_t n, const target_type& t, float* g) noexcept {
    for (std::size_t i = 0; i < n; ++i) g[i] = -t[i] / std::clamp(p[i], epsilon, 1.0f);
  }
  static float loss_from_logits(const float* z, std::size_t n, const target_type& t) noexcept {
    float largest = z[0];
    for (std::size_t i = 1; i < n; ++i) largest = std::max(largest, z[i]);
    float sum = 0.0f;
    for (std::size_t i = 0; i < n; ++i) sum += std::exp(z[i] - largest);
    const float log_sum = std::log(sum) + largest;
    float loss = 0.0f, mass = 0.0f;
    for (std::size_t i = 0; i < n; ++i) {
      loss -= t[i] * (z[i] - log_sum);
      mass += t[i];
    }
    (void)mass;
    return loss;
  }
  /// d loss / d z = p * sum(t) - t (= p - t for a probability vector).
  static void gradient_of_logits(const float* p, std::size_t n, const target_type& t, float* g) noexcept {
    float mass = 0.0f;
    for (std::size_t i = 0; i < n; ++i) mass += t[i];
    for (std::size_t i = 0; i < n; ++i) g[i] = p[i] * mass - t[i];
  }
  static bool correct(const float* p, std::size_t n, const target_type& t) noexcept {
    return detail::argmax(p, n) == detail::argmax(t.data(), n);
  }
  static bool valid_target(std::size_t, const target_type&) noexcept { return true; }
};

/// Mean squared error against a target tensor: mean over outputs of (p - t)^2. An output of
/// one value counts as correct when p and t fall on the same side of 0.5 (binary tasks such
/// as XOR); a longer output when their largest entries coincide.
template <class Target>
struct mean_squared_error_of {
  using target_type = Target;

  static float loss(const float* p, std::size_t n, const target_type& t) noexcept {
    float sum = 0.0f;
    for (std::size_t i = 0; i < n; ++i) sum += (p[i] - t[i]) * (p[i] - t[i]);
    return sum / static_cast<float>(n);
  }
  static void gradient(const float* p, std::size_t n, const target_type& t, float* g) noexcept {
    const float scale = 2.0f / static_cast<float>(n);
    for (std::size_t i = 0; i < n; ++i) g[i] = scale * (p[i] - t[i]);
  }
  static bool correct(const float* p, std::size_t n, const target_type& t) noexcept {
    if (n == 1) return (p[0] > 0.5f) == (t[0] > 0.5f);
    return detail::argmax(p, n) == detail::argmax(t.data(), n);
  }
  static bool valid_target(std::size_t, const target_type&) noexcept { return true; }
};

/// Marker types users name; the trainer resolves them against the network's output shape.
struct categorical_cross_entropy {};
struct mean_squared_error {};

namespace detail {
/// The concrete loss for a network output tensor type `Out`.
template <class Loss, class Out>
struct resolve_loss {
  using type = Loss;
};
template <class Out>
struct resolve_loss<categorical_cross_entropy, Out> {
  using type = categorical_cross_entropy_of<Out>;
};
template <class Out>
struct resolve_loss<mean_squared_error, Out> {
  using type = mean_squared_error_of<Out>;
};

/// Whether the loss can be fused with a final softmax.
template <class L>
concept FusesWithSoftmax = requires(const float* z, float* g, const typename L::target_type& t) {
  L::loss_from_logits(z, std::size_t{}, t);
  L::gradient_of_logits(z, std::size_t{}, t, g);
};
}  // namespace detail

}  // namespace tenet
