#pragma once
/// `dropout<Rate>`: while training, zeroes a fraction `Rate` of the values; at inference,
/// passes them through unchanged.

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "../detail/random.hpp"
#include "../diagnostics.hpp"
#include "../layer_args.hpp"
#include "../parallel/execution.hpp"
#include "../shape.hpp"

namespace tenet {

namespace detail {

/// Shared by both spellings of dropout; `Rate::value` is the dropped fraction.
template <class Rate>
struct dropout_layer {
  static constexpr float rate = Rate::value;

  template <class In>
  static constexpr verdict check() {
    if constexpr (!(rate >= 0.0f && rate < 1.0f)) return verdict::rate_out_of_range;
    else return verdict::ok;
  }

  /// The rate only matters while training, so a weight file does not record it: a network
  /// retrained with another rate still loads the other's weights.
  static constexpr std::string_view fingerprint_name = "dropout";

  static std::string describe() { return "dropout " + std::to_string(static_cast<int>(rate * 1000.0f + 0.5f) / 10) + "%"; }

  template <class In>
  struct at {
    using input_shape = In;
    using output_shape = In;
    static constexpr std::size_t weight_count = 0, bias_count = 0;
    static constexpr std::size_t flops = 0;
    /// Inference keeps every value (training scales instead): the next layer reads the input.
    static constexpr bool identity_in_inference = true;

    /// Inference: the identity (training scales the kept values by 1 / (1 - rate) instead,
    /// so nothing needs rescaling here).
    template <class Arch>
    static void forward(const forward_args& a) {
      std::memcpy(a.out, a.in, In::size * sizeof(float));
    }

    /// Per-example state kept for the backward pass: the mask, 0 or 1 / (1 - rate) per value.
    static constexpr std::size_t state_count = In::size;

    /// Training: keeps each value with probability 1 - rate and scales it by 1 / (1 - rate)
    /// ("inverted dropout"), so the expected output equals the input. The mask comes from
    /// `noise_seed` alone, which the trainer derives from the run's seed and the example's
    /// position: the same seed drops the same values whatever the thread count.
    template <class Arch>
    static void forward_train(const forward_args& a, float* state, std::uint64_t noise_seed) {
      const float* in = a.in;
      float* out = a.out;
      detail::random_generator rng(noise_seed);
      const float scale = 1.0f / (1.0f - rate);
      // Without a branch: kept or dropped at random is a branch mispredicted every few values
      // (~4 % of the deep CNN's training step), and g++ turns a float select back into one.
      // uniform() >= rate, with uniform() = (next() >> 40) * 2^-24 exactly, is the integer
      // test (next() >> 40) >= ceil(rate * 2^24): the same mask, from the same numbers.
      const auto threshold = static_cast<std::uint64_t>(std::ceil(static_cast<double>(rate) * 0x1.0p24));
      const std::uint32_t scale_bits = std::bit_cast<std::uint32_t>(scale);
      for (std::size_t i = 0; i < In::size; ++i) {
        const std::uint32_t keep = 0u - static_cast<std::uint32_t>((rng.next() >> 40) >= threshold);
        state[i] = std::bit_cast<float>(scale_bits & keep);
        out[i] = in[i] * state[i];
      }
    }

    template <class Arch>
    static void backward(const backward_args& a) {
      if (a.grad_in == nullptr) return;
      for (std::size_t i = 0; i < In::size; ++i) a.grad_in[i] = a.grad_out[i] * a.state[i];
    }
  };
};

template <std::size_t Num, std::size_t Den>
struct ratio_rate {
  static constexpr float value = Den == 0 ? -1.0f : static_cast<float>(Num) / static_cast<float>(Den);
};

}  // namespace detail

/// Dropout with the rate as a fraction Num / Den: `dropout_ratio<1, 2>` drops half. Works on
/// every compiler, including clang 14, which cannot take a float template argument.
template <std::size_t Num, std::size_t Den>
struct dropout_ratio : detail::dropout_layer<detail::ratio_rate<Num, Den>> {};

#if defined(__cpp_nontype_template_args) && __cpp_nontype_template_args >= 201911L
#define TENET_HAS_FLOAT_TEMPLATE_ARGS 1
namespace detail {
template <float Rate>
struct float_rate {
  static constexpr float value = Rate;
};
}  // namespace detail

/// Dropout written as Keras writes it: `dropout<0.5f>` drops half of the values while
/// training. Needs float template arguments (g++ 11+, clang 18+); use `dropout_ratio`
/// otherwise.
template <float Rate>
struct dropout : detail::dropout_layer<detail::float_rate<Rate>> {};
#else
#define TENET_HAS_FLOAT_TEMPLATE_ARGS 0
#endif

}  // namespace tenet
