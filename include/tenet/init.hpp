#pragma once
/// Weight initializers: how `network::initialize` and `layer_view::initialize` draw weights.

#include <cmath>
#include <cstddef>
#include <span>

#include "detail/random.hpp"

namespace tenet {

/// The distributions Keras offers for convolution and dense kernels (biases start at zero).
enum class initializer {
  glorot_uniform,  ///< U(-l, l), l = sqrt(6 / (fan_in + fan_out)): Keras's default
  he_uniform,  ///< U(-l, l), l = sqrt(6 / fan_in): for relu networks
  he_normal,  ///< N(0, sqrt(2 / fan_in)) truncated at two standard deviations, as Keras
};

namespace detail {

/// Fills `weights` from `init` for a layer with the given fans, drawing from `rng`.
inline void fill_weights(initializer init, std::size_t fan_in, std::size_t fan_out, std::span<float> weights, random_generator& rng) {
  const float in = static_cast<float>(fan_in), out = static_cast<float>(fan_out);
  switch (init) {
    case initializer::glorot_uniform: {
      const float limit = std::sqrt(6.0f / (in + out));
      for (float& w : weights) w = rng.uniform(-limit, limit);
      break;
    }
    case initializer::he_uniform: {
      const float limit = std::sqrt(6.0f / in);
      for (float& w : weights) w = rng.uniform(-limit, limit);
      break;
    }
    case initializer::he_normal: {
      // Keras scales the truncated normal so that its standard deviation is sqrt(2 / fan_in):
      // a normal truncated at 2 sigma has 0.87962566 of the untruncated deviation.
      const float sigma = std::sqrt(2.0f / in) / 0.87962566103423978f;
      for (float& w : weights) {
        float z;
        do {  // Box-Muller, redrawn outside [-2, 2]
          const float u1 = 1.0f - rng.uniform(), u2 = rng.uniform();
          z = std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853071795865f * u2);
        } while (z < -2.0f || z > 2.0f);
        w = sigma * z;
      }
      break;
    }
  }
}

}  // namespace detail
}  // namespace tenet
