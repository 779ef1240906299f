#pragma once
/// `dense<Units>`: a fully connected layer, y = x W + b.

#include <cstddef>
#include <string>

#include "../diagnostics.hpp"
#include "../kernels/dense.hpp"
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
    static void forward(const float* weights, const float* biases, const float* in, float* out,
                        parallel::policy) {
      kernels::dense_forward<Arch>(dims{}, in, weights, biases, out, 0, Units);
    }

    /// `count` examples at once (x [count][N], y [count][Units]), the same bits as forward on
    /// each; batch predict uses it when it pays (kernels::dense_batch_pays).
    template <class Arch>
      requires kernels::dense_batch_pays<Arch, dims>
    static void forward_batch(const float* weights, const float* biases, const float* in, float* out,
                              std::size_t count) {
// Batch predict's block buffers (network.hpp, forward_block) are written row by row by the
// layers before this one; g++ 12 loses track of those writes once everything is inlined and
// warns that `in` may be uninitialized, depending on the network. Every row read was written:
// batch predict is tested against single predict bit for bit, which garbage rows would fail.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
      kernels::dense_forward_batch<Arch>(dims{}, in, weights, biases, out, count);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    }

    template <class Arch>
    static void backward(const float* weights, const float* in, const float* /*out*/, const float* grad_out,
                         float* grad_in, float* grad_weights, float* grad_biases, const float* /*state*/) {
      kernels::dense_backward<Arch>(dims{}, in, weights, grad_out, grad_in, grad_weights, grad_biases);
    }
  };
};

}  // namespace tenet
