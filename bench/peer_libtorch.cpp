// Peer: the lecture's three networks in LibTorch (Debian's libtorch-dev, 1.13), eager mode,
// the same tasks and names as networks.cpp with the prefix libtorch/.
//
// - torch::nn::Sequential, NCHW (PyTorch's default layout); the input batch is built once
//   as an NCHW tensor (for one channel NHWC and NCHW are the same bytes).
// - Conv2d with padding kSame: for the even 2x2 kernels PyTorch pads the extra row and
//   column after the data, as TensorFlow/Keras and tenet do (checked at start-up, see
//   check_same_padding), by copying the input into a zero-padded tensor first.
// - Inference: torch::InferenceMode, eval(), softmax on the logits.
// - Training step: train(), zero_grad, forward, cross_entropy on the logits (log-softmax +
//   NLL, tenet's fused softmax + cross-entropy), backward, torch::optim::SGD step (lr 0.01).
//   Dropout draws fresh masks every step.
//
// Built as C++17 without tenet (LibTorch 1.13's headers fail as C++20 under clang 14); the
// FLOP counts come from lecture_flops.hpp, which networks.cpp checks against the types.
//
// Threads: torch::set_num_threads(n) (this build's ATen parallel backend is OpenMP; printed
// at start-up with at::get_parallel_info()). BLAS: convolutions go to oneDNN (MKL-DNN) or to
// im2col + BLAS gemm depending on sizes; Linear is a BLAS gemm. Debian's libtorch links
// libblas.so.3, i.e. whichever BLAS update-alternatives selects (OpenBLAS with
// libopenblas0-openmp installed, else the slow reference BLAS); run-all.sh prints which.

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "common.hpp"
#include "lecture_flops.hpp"

namespace {

namespace nn = torch::nn;

nn::Conv2d conv(int in, int out, int k, bool same) {
  auto o = nn::Conv2dOptions(in, out, k);
  if (same) o.padding(torch::kSame);
  return nn::Conv2d(o);
}

nn::Sequential seed_cnn() {
  return nn::Sequential(conv(1, 16, 2, true), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(16 * 14 * 14, 10));
}

nn::Sequential lenet() {
  return nn::Sequential(conv(1, 6, 5, true), nn::ReLU(), nn::MaxPool2d(2), conv(6, 16, 5, false), nn::ReLU(), nn::MaxPool2d(2),
                        nn::Flatten(), nn::Linear(16 * 5 * 5, 120), nn::ReLU(), nn::Linear(120, 84), nn::ReLU(), nn::Linear(84, 10));
}

nn::Sequential deep_cnn() {
  return nn::Sequential(conv(1, 32, 2, true), nn::ReLU(), conv(32, 32, 2, true), nn::ReLU(), nn::MaxPool2d(2), nn::Dropout(0.25),
                        conv(32, 64, 2, true), nn::ReLU(), conv(64, 64, 2, true), nn::ReLU(), nn::MaxPool2d(2), nn::Dropout(0.25),
                        nn::Flatten(), nn::Linear(64 * 7 * 7, 128), nn::ReLU(), nn::Linear(128, 128), nn::ReLU(), nn::Dropout(0.5),
                        nn::Linear(128, 10));
}

using factory = nn::Sequential (*)();

torch::Tensor random_images(int batch, std::uint32_t seed) {
  auto x = torch::empty({batch, 1, 28, 28});
  bench::fill_uniform(x.data_ptr<float>(), static_cast<std::size_t>(x.numel()), seed);
  return x;
}

void infer(benchmark::State& state, factory make, double flops, int threads, int batch) {
  torch::set_num_threads(threads);
  torch::manual_seed(0);
  try {
    auto net = make();
    net->eval();
    const auto x = random_images(batch, 200);
    torch::InferenceMode guard;
    auto y = torch::softmax(net->forward(x), 1);  // warm-up
    for (auto _ : state) {
      y = torch::softmax(net->forward(x), 1);
      benchmark::DoNotOptimize(y.data_ptr<float>());
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  bench::set_counters(state, flops * batch, batch, threads);
}

void train(benchmark::State& state, factory make, double flops, int threads, int batch) {
  torch::set_num_threads(threads);
  torch::manual_seed(0);
  try {
    auto net = make();
    net->train();
    torch::optim::SGD optimizer(net->parameters(), torch::optim::SGDOptions(0.01));
    const auto x = random_images(batch, 300);
    const auto labels = bench::random_labels<std::int64_t>(static_cast<std::size_t>(batch), 10, 400);
    const auto y = torch::from_blob(const_cast<std::int64_t*>(labels.data()), {batch}, torch::kLong).clone();
    auto step = [&] {
      optimizer.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
      loss.backward();
      optimizer.step();
      return loss.item<float>();
    };
    const float first = step();  // warm-up
    float last = first;
    for (auto _ : state) last = step();
    state.SetLabel("loss " + std::to_string(first) + " -> " + std::to_string(last));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  bench::set_counters(state, 3.0 * flops * batch, batch, threads);
}

void add(const std::string& name, factory make, double flops) {
  auto finish = [](benchmark::internal::Benchmark* b) {
    b->Unit(benchmark::kMicrosecond)->UseRealTime();
    bench::with_statistics(b);
  };
  const std::string prefix = "libtorch/" + name;
  finish(benchmark::RegisterBenchmark((prefix + "/infer_b1/threads:1").c_str(), [=](benchmark::State& s) { infer(s, make, flops, 1, 1); }));
  for (int threads : {1, 2}) {
    const std::string t = "/threads:" + std::to_string(threads);
    finish(benchmark::RegisterBenchmark((prefix + "/infer_b64" + t).c_str(),
                                        [=](benchmark::State& s) { infer(s, make, flops, threads, 64); }));
    for (int batch : {32, 64})
      finish(benchmark::RegisterBenchmark((prefix + "/train_b" + std::to_string(batch) + t).c_str(),
                                          [=](benchmark::State& s) { train(s, make, flops, threads, batch); }));
  }
}

/// PyTorch's 'same' with a 2x2 kernel must pad after the data (TensorFlow's split): with only
/// the top-left tap set, the output equals the input.
void check_same_padding() {
  torch::NoGradGuard no_grad;
  auto c = conv(1, 1, 2, true);
  c->weight.zero_();
  c->weight.index_put_({0, 0, 0, 0}, 1.0f);
  c->bias.zero_();
  const auto x = torch::arange(1, 10, torch::kFloat).reshape({1, 1, 3, 3});
  if (!torch::equal(c->forward(x), x))
    std::fprintf(stderr, "peer_libtorch: WARNING: padding 'same' does not pad like TensorFlow (extra after the data)\n");
}

[[maybe_unused]] const bool registered = [] {
  add("seed", &seed_cnn, bench::nets::seed_flops);
  add("lenet", &lenet, bench::nets::lenet_flops);
  add("deep", &deep_cnn, bench::nets::deep_flops);
  return true;
}();

/// Printed once before the benchmarks (stderr, so the JSON on stdout stays clean).
[[maybe_unused]] const bool described = [] {
  check_same_padding();
  std::fprintf(stderr, "peer_libtorch: %s\n", at::get_parallel_info().c_str());
  return true;
}();

}  // namespace
