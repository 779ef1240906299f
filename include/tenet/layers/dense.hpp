#pragma once
/// `dense<Units>`: a fully connected layer, y = x W + b.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../diagnostics.hpp"
#include "../kernels/dense.hpp"
#include "../layer_args.hpp"
#include "../parallel/execution.hpp"
#include "../shape.hpp"

namespace tenet {

/// Every output unit is a weighted sum of every input plus a bias. Input (N), output (Units);
/// weights (N, Units) in Keras order, then `Units` biases. Needs a flat input: put `flatten`
/// after convolutions.
template <std::size_t Units>
struct dense {
  template <class In>
  static constexpr verdict check() {
    if constexpr (Units == 0) return verdict::zero_size;
    else if constexpr (In::rank != 1) return verdict::needs_flat_input;
    else return verdict::ok;
  }

  static std::string describe() { return "dense " + std::to_string(Units); }

  /// What a weight file's fingerprint records of this layer (io/fingerprint.hpp).
  static constexpr std::string_view fingerprint_name = "dense";
  static constexpr std::array<std::uint64_t, 1> fingerprint_numbers = {Units};

  template <class In>
  struct at {
    static constexpr std::size_t N = In::dims[0];
    using input_shape = In;
    using output_shape = shape<Units>;
    using weight_shape = shape<N, Units>;
    using bias_shape = shape<Units>;
    static constexpr std::size_t weight_count = N * Units;
    static constexpr std::size_t bias_count = Units;
    static constexpr std::size_t fan_in = N, fan_out = Units;
    static constexpr std::size_t flops = 2 * N * Units;
    using dims = kernels::static_dense_dims<N, Units>;

    template <class Arch>
    static void forward(const forward_args& a) {
      kernels::dense_forward<Arch>(dims{}, a.in, a.weights, a.biases, a.out, 0, Units);
    }

    /// `count` examples at once (x [count][N], y [count][Units]), the same bits as forward on
    /// each; batch predict uses it when it pays (kernels::dense_batch_pays).
    template <class Arch>
      requires kernels::dense_batch_pays<Arch, dims>
    static void forward_batch(const forward_args& a, std::size_t count) {
// Batch predict's block buffers (network.hpp, forward_block) are written row by row by the
// layers before this one; g++ 12 loses track of those writes once everything is inlined and
// warns that `in` may be uninitialized, depending on the network. Every row read was written:
// batch predict is tested against single predict bit for bit, which garbage rows would fail.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
      kernels::dense_forward_batch<Arch>(dims{}, a.in, a.weights, a.biases, a.out, count);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    }

    template <class Arch>
    static void backward(const backward_args& a) {
      kernels::dense_backward<Arch>(dims{}, a.in, a.weights, a.grad_out, a.grad_in, a.grad_weights, a.grad_biases);
    }

    /// backward split in two for training (train/backprop.hpp): per example the input and
    /// bias gradients; the weight gradients of several examples at once, from their inputs
    /// [count][N] and output gradients [count][Units], with the bits of one backward each.
    /// Only for weight gradients that stay in L2 (a 256 KiB L2 holds 64 Ki floats): larger
    /// ones gain nothing from being read once per group (docs/decisions/0001-deferred-dense-gradients.md).
    static constexpr std::size_t max_deferred_weights = 64 * 1024;
    static constexpr bool defer_weight_gradients = weight_count <= max_deferred_weights;
    template <class Arch>
    requires defer_weight_gradients static void backward_input(const backward_args& a) {
      kernels::dense_backward_input<Arch>(dims{}, a.weights, a.grad_out, a.grad_in, a.grad_biases);
    }
    template <class Arch>
    requires defer_weight_gradients static void weight_gradients(const float* in, const float* grad_out, std::size_t count,
                                                                 float* grad_weights) {
      kernels::dense_weight_gradients<Arch>(dims{}, in, grad_out, count, grad_weights);
    }
  };
};

}  // namespace tenet
