// Per-layer benchmarks at the lecture's sizes, forward and backward, one thread.
//
// Every kernel runs twice, from the same source: with the layer's compile-time dims
// (`static_*_dims`, what the network instantiates: "specialized") and with the same extents as
// run-time values (`conv2d_dims{...}` etc.: "generic"). The ratio of the two is what
// specializing for the exact sizes buys. The backward pass is timed the way the network calls
// it: it zeroes the input gradient first, and a network's first layer skips the input gradient
// (`grad_in == nullptr`), so its backward computes the weight gradient only.
//
// Names: <kind>/<case>/<fwd|bwd>/<specialized|generic>; the label says which layer it is.
// FLOPs: forward 2 * outputs * window * channels (padding included, as tenet and frameworks
// count); backward 2x that with the input gradient, 1x without (bias gradient not counted).
// max_pool and relu do no multiply-adds: they report bytes moved (read + written) instead.

#include <cstddef>
#include <cstring>
#include <string>

#include <tenet/tenet.hpp>
#include <tenet/train/backprop.hpp>

#include "common.hpp"

namespace {

using arch = tenet::simd::default_arch;

// ---------------------------------------------------------------------------------------------
// Dims: the layer's own static dims, and the same numbers at run time
// ---------------------------------------------------------------------------------------------

template <class S>
tenet::kernels::conv2d_dims runtime_dims_conv() {
  return {S::in_height,     S::in_width,     S::channels,   S::filters,   S::kernel_height, S::kernel_width,
          S::stride_height, S::stride_width, S::out_height, S::out_width, S::pad_top,       S::pad_left};
}
template <class S>
tenet::kernels::pool_dims runtime_dims_pool() {
  return {S::in_height,     S::in_width,     S::channels,   S::window_height, S::window_width,
          S::stride_height, S::stride_width, S::out_height, S::out_width};
}
template <class S>
tenet::kernels::dense_dims runtime_dims_dense() {
  return {S::inputs, S::units};
}

/// The run-time dims object the generic variant uses: its values go through an empty asm
/// statement, so the compiler cannot fold them back into constants.
template <class D>
D opaque(D d) {
  benchmark::DoNotOptimize(d);
  return d;
}

enum class variant { specialized, generic };

std::string shape_text(std::size_t h, std::size_t w, std::size_t c) {
  return std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c);
}

void register_one(const std::string& name, const std::string& label, void (*fn)(benchmark::State&, const std::string&)) {
  auto* b = benchmark::RegisterBenchmark(name.c_str(), [fn, label](benchmark::State& s) { fn(s, label); });
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
  bench::with_statistics(b);
}

// ---------------------------------------------------------------------------------------------
// conv2d
// ---------------------------------------------------------------------------------------------

/// `Layer` bound to input H x W x C; `First`: the network's first layer (no input gradient).
template <class Layer, std::size_t H, std::size_t W, std::size_t C, bool First>
struct conv_case {
  using B = typename Layer::template at<tenet::shape<H, W, C>>;
  using S = typename B::dims;
  static constexpr bool first = First;

  bench::buffer in = bench::random_buffer(B::input_shape::size, 1);
  bench::buffer weights = bench::random_buffer(B::weight_count, 2, -0.1f, 0.1f);
  bench::buffer bias = bench::random_buffer(B::bias_count, 3, -0.1f, 0.1f);
  bench::buffer out{B::output_shape::size};
  bench::buffer grad_out = bench::random_buffer(B::output_shape::size, 4, -1.0f, 1.0f);
  bench::buffer grad_in{B::input_shape::size};
  bench::buffer grad_weights{B::weight_count};
  bench::buffer grad_bias{B::bias_count};
  bench::buffer scratch{tenet::kernels::conv2d_backward_scratch<arch>(S{})};

  template <variant V>
  static void forward(benchmark::State& state, const std::string& label) {
    conv_case c;
    auto run = [&](const auto& d) {
      for (auto _ : state) {
        tenet::kernels::conv2d_forward<arch>(d, c.in.data(), c.weights.data(), c.bias.data(), c.out.data(), 0, S::out_height);
        benchmark::ClobberMemory();
      }
    };
    if constexpr (V == variant::specialized) run(S{});
    else run(opaque(runtime_dims_conv<S>()));
    state.SetLabel(label);
    bench::set_counters(state, static_cast<double>(B::flops), 0, 1);
  }

  template <variant V>
  static void backward(benchmark::State& state, const std::string& label) {
    conv_case c;
    float* grad_in = first ? nullptr : c.grad_in.data();
    auto run = [&](const auto& d) {
      for (auto _ : state) {
        if (grad_in != nullptr) std::memset(grad_in, 0, B::input_shape::size * sizeof(float));
        tenet::kernels::conv2d_backward<arch>(d, c.in.data(), c.weights.data(), c.grad_out.data(), grad_in, c.grad_weights.data(),
                                              c.grad_bias.data(), c.scratch.data());
        benchmark::ClobberMemory();
      }
    };
    if constexpr (V == variant::specialized) run(S{});
    else run(opaque(runtime_dims_conv<S>()));
    state.SetLabel(label);
    bench::set_counters(state, static_cast<double>(B::flops) * (first ? 1.0 : 2.0), 0, 1);
  }

  static void add(const std::string& id, const std::string& what) {
    const std::string label = what + " on " + shape_text(H, W, C) + (first ? " (first layer)" : "");
    register_one("conv2d/" + id + "/fwd/specialized", label, &forward<variant::specialized>);
    register_one("conv2d/" + id + "/fwd/generic", label, &forward<variant::generic>);
    register_one("conv2d/" + id + "/bwd/specialized", label, &backward<variant::specialized>);
    register_one("conv2d/" + id + "/bwd/generic", label, &backward<variant::generic>);
  }
};

// ---------------------------------------------------------------------------------------------
// max_pool
// ---------------------------------------------------------------------------------------------

template <std::size_t P, std::size_t H, std::size_t W, std::size_t C>
struct pool_case {
  using B = typename tenet::max_pool<P>::template at<tenet::shape<H, W, C>>;
  using S = typename B::dims;
  static constexpr std::size_t in_size = B::input_shape::size, out_size = B::output_shape::size;

  bench::buffer in = bench::random_buffer(in_size, 5, -1.0f, 1.0f);
  bench::buffer out{out_size};
  bench::buffer grad_out = bench::random_buffer(out_size, 6, -1.0f, 1.0f);
  bench::buffer grad_in{in_size};

  template <variant V>
  static void forward(benchmark::State& state, const std::string& label) {
    pool_case c;
    auto run = [&](const auto& d) {
      for (auto _ : state) {
        tenet::kernels::max_pool_forward<arch>(d, c.in.data(), c.out.data(), 0, S::out_height);
        benchmark::ClobberMemory();
      }
    };
    if constexpr (V == variant::specialized) run(S{});
    else run(opaque(runtime_dims_pool<S>()));
    state.SetLabel(label);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (in_size + out_size) * sizeof(float)));
    bench::set_counters(state, 0, 0, 1);
  }

  template <variant V>
  static void backward(benchmark::State& state, const std::string& label) {
    pool_case c;
    tenet::kernels::max_pool_forward<arch>(S{}, c.in.data(), c.out.data(), 0, S::out_height);
    auto run = [&](const auto& d) {
      for (auto _ : state) {
        std::memset(c.grad_in.data(), 0, in_size * sizeof(float));
        tenet::kernels::max_pool_backward<arch>(d, c.in.data(), c.out.data(), c.grad_out.data(), c.grad_in.data());
        benchmark::ClobberMemory();
      }
    };
    if constexpr (V == variant::specialized) run(S{});
    else run(opaque(runtime_dims_pool<S>()));
    state.SetLabel(label);
    // reads in, out, grad_out; writes grad_in (zeroing counted once)
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (2 * in_size + 2 * out_size) * sizeof(float)));
    bench::set_counters(state, 0, 0, 1);
  }

  static void add(const std::string& id) {
    const std::string label = "max_pool " + std::to_string(P) + "x" + std::to_string(P) + " on " + shape_text(H, W, C);
    register_one("max_pool/" + id + "/fwd/specialized", label, &forward<variant::specialized>);
    register_one("max_pool/" + id + "/fwd/generic", label, &forward<variant::generic>);
    register_one("max_pool/" + id + "/bwd/specialized", label, &backward<variant::specialized>);
    register_one("max_pool/" + id + "/bwd/generic", label, &backward<variant::generic>);
  }
};

// ---------------------------------------------------------------------------------------------
// dense
// ---------------------------------------------------------------------------------------------

template <std::size_t N, std::size_t U>
struct dense_case {
  using B = typename tenet::dense<U>::template at<tenet::shape<N>>;
  using S = typename B::dims;

  bench::buffer in = bench::random_buffer(N, 7);
  bench::buffer weights = bench::random_buffer(B::weight_count, 8, -0.1f, 0.1f);
  bench::buffer bias = bench::random_buffer(U, 9, -0.1f, 0.1f);
  bench::buffer out{U};
  bench::buffer grad_out = bench::random_buffer(U, 10, -1.0f, 1.0f);
  bench::buffer grad_in{N};
  bench::buffer grad_weights{B::weight_count};
  bench::buffer grad_bias{U};

  template <variant V>
  static void forward(benchmark::State& state, const std::string& label) {
    dense_case c;
    auto run = [&](const auto& d) {
      for (auto _ : state) {
        tenet::kernels::dense_forward<arch>(d, c.in.data(), c.weights.data(), c.bias.data(), c.out.data(), 0, U);
        benchmark::ClobberMemory();
      }
    };
    if constexpr (V == variant::specialized) run(S{});
    else run(opaque(runtime_dims_dense<S>()));
    state.SetLabel(label);
    bench::set_counters(state, static_cast<double>(B::flops), 0, 1);
  }

  template <variant V>
  static void backward(benchmark::State& state, const std::string& label) {
    dense_case c;
    auto run = [&](const auto& d) {
      for (auto _ : state) {
        tenet::kernels::dense_backward<arch>(d, c.in.data(), c.weights.data(), c.grad_out.data(), c.grad_in.data(), c.grad_weights.data(),
                                             c.grad_bias.data());
        benchmark::ClobberMemory();
      }
    };
    if constexpr (V == variant::specialized) run(S{});
    else run(opaque(runtime_dims_dense<S>()));
    state.SetLabel(label);
    bench::set_counters(state, 2.0 * static_cast<double>(B::flops), 0, 1);
  }

  /// The backward pass as training runs it for a layer that defers its weight gradients
  /// (B::defer_weight_gradients): the input and bias gradients of 8 examples one by one, then
  /// their weight gradients at once; the time is for the 8 examples.
  template <variant V>
  static void backward_training(benchmark::State& state, const std::string& label) {
    constexpr std::size_t group = tenet::plan::deferred_examples;
    dense_case c;
    bench::buffer inputs = bench::random_buffer(group * N, 13), grads = bench::random_buffer(group * U, 14, -1.0f, 1.0f);
    auto run = [&](const auto& d) {
      for (auto _ : state) {
        for (std::size_t e = 0; e < group; ++e)
          tenet::kernels::dense_backward_input<arch>(d, c.weights.data(), grads.data() + e * U, c.grad_in.data(), c.grad_bias.data());
        tenet::kernels::dense_weight_gradients<arch>(d, inputs.data(), grads.data(), group, c.grad_weights.data());
        benchmark::ClobberMemory();
      }
    };
    if constexpr (V == variant::specialized) run(S{});
    else run(opaque(runtime_dims_dense<S>()));
    state.SetLabel(label);
    bench::set_counters(state, 2.0 * static_cast<double>(B::flops) * group, 0, 1);
  }

  static void add(const std::string& id) {
    const std::string label = "dense " + std::to_string(N) + " -> " + std::to_string(U);
    register_one("dense/" + id + "/fwd/specialized", label, &forward<variant::specialized>);
    register_one("dense/" + id + "/fwd/generic", label, &forward<variant::generic>);
    register_one("dense/" + id + "/bwd/specialized", label, &backward<variant::specialized>);
    register_one("dense/" + id + "/bwd/generic", label, &backward<variant::generic>);
    if constexpr (B::defer_weight_gradients) {
      const std::string training = label + ", as in training: 8 examples, weight gradients once";
      register_one("dense/" + id + "_training/bwd/specialized", training, &backward_training<variant::specialized>);
      register_one("dense/" + id + "_training/bwd/generic", training, &backward_training<variant::generic>);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// relu (no dims: one kernel over n values; the network calls it with n a constant)
// ---------------------------------------------------------------------------------------------

template <std::size_t H, std::size_t W, std::size_t C>
struct relu_case {
  static constexpr std::size_t n = H * W * C;
  bench::buffer in = bench::random_buffer(n, 11, -1.0f, 1.0f);
  bench::buffer out{n};
  bench::buffer grad_out = bench::random_buffer(n, 12, -1.0f, 1.0f);
  bench::buffer grad_in{n};

  static void forward(benchmark::State& state, const std::string& label) {
    relu_case c;
    for (auto _ : state) {
      tenet::kernels::relu_forward<arch>(c.in.data(), c.out.data(), n);
      benchmark::ClobberMemory();
    }
    state.SetLabel(label);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 2 * n * sizeof(float)));
    bench::set_counters(state, 0, 0, 1);
  }
  static void backward(benchmark::State& state, const std::string& label) {
    relu_case c;
    tenet::kernels::relu_forward<arch>(c.in.data(), c.out.data(), n);
    for (auto _ : state) {
      tenet::kernels::relu_backward<arch>(c.out.data(), c.grad_out.data(), c.grad_in.data(), n);
      benchmark::ClobberMemory();
    }
    state.SetLabel(label);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 3 * n * sizeof(float)));
    bench::set_counters(state, 0, 0, 1);
  }
  static void add(const std::string& id) {
    const std::string label = "relu on " + shape_text(H, W, C);
    register_one("relu/" + id + "/fwd/specialized", label, &forward);
    register_one("relu/" + id + "/bwd/specialized", label, &backward);
  }
};

// ---------------------------------------------------------------------------------------------
// The lecture's layers
// ---------------------------------------------------------------------------------------------

using tenet::kernel;
using tenet::same;

[[maybe_unused]] const bool registered = [] {
  // seed CNN
  conv_case<tenet::conv2d<16, kernel<2, 2>, same>, 28, 28, 1, true>::add("seed_c1", "seed: 16@2x2 same");
  // LeNet
  conv_case<tenet::conv2d<6, kernel<5, 5>, same>, 28, 28, 1, true>::add("lenet_c1", "lenet: 6@5x5 same");
  conv_case<tenet::conv2d<16, kernel<5, 5>>, 14, 14, 6, false>::add("lenet_c2", "lenet: 16@5x5 valid");
  // deep CNN
  conv_case<tenet::conv2d<32, kernel<2, 2>, same>, 28, 28, 1, true>::add("deep_c1", "deep: 32@2x2 same");
  conv_case<tenet::conv2d<32, kernel<2, 2>, same>, 28, 28, 32, false>::add("deep_c2", "deep: 32@2x2 same");
  conv_case<tenet::conv2d<64, kernel<2, 2>, same>, 14, 14, 32, false>::add("deep_c3", "deep: 64@2x2 same");
  conv_case<tenet::conv2d<64, kernel<2, 2>, same>, 14, 14, 64, false>::add("deep_c4", "deep: 64@2x2 same");

  pool_case<2, 28, 28, 16>::add("28x28x16");
  pool_case<2, 28, 28, 32>::add("28x28x32");

  dense_case<3136, 10>::add("3136x10");
  dense_case<400, 120>::add("400x120");
  dense_case<3136, 128>::add("3136x128");

  relu_case<28, 28, 16>::add("28x28x16");
  relu_case<28, 28, 32>::add("28x28x32");
  relu_case<14, 14, 64>::add("14x14x64");
  return true;
}();

}  // namespace
