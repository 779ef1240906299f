// The lecture's three networks end to end (tenet): inference of one image (one thread),
// inference of a batch of 64 (1 and 2 threads), and one training step (SGD, cross-entropy;
// batches of 32 and 64; 1 and 2 threads). Threads are limited with tbb::global_control, the
// only scheduler tenet uses.
//
// Names: tenet/<net>/<task>/threads:<n>, task = infer_b1 | infer_b64 | train_b32 | train_b64
// (the peers use the same names with their own prefix). Counters: see common.hpp; the
// network's size and memory figures (param_count, parameter_bytes, activation_bytes,
// scratch_bytes) are added as plain counters. Inputs are uniform in [0, 1], labels uniform,
// from fixed seeds.
//
// ISA: the networks run the best instruction set the CPU has (run-time dispatch, docs/isa.md;
// TENET_ISA=avx2 pins it, as run-all.sh's second run does). Which one ran is in the JSON
// context as tenet_isa, for report.py's tiers.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include <tbb/global_control.h>

#include <tenet/tenet.hpp>
#include <tenet/train/trainer.hpp>

#include "common.hpp"
#include "lecture_nets.hpp"

namespace {

template <class Net>
using input_t = tenet::tensor<float, typename Net::input_shape>;
template <class Net>
using output_t = tenet::tensor<float, typename Net::output_shape>;

template <class Net>
std::vector<input_t<Net>> random_inputs(std::size_t n, std::uint32_t seed) {
  std::vector<input_t<Net>> xs(n);
  for (std::size_t i = 0; i < n; ++i) bench::fill_uniform(xs[i].data(), xs[i].size(), seed + static_cast<std::uint32_t>(i));
  return xs;
}

template <class Net>
void memory_counters(benchmark::State& state) {
  state.counters["param_count"] = static_cast<double>(Net::param_count);
  state.counters["parameter_bytes"] = static_cast<double>(Net::parameter_bytes);
  state.counters["activation_bytes"] = static_cast<double>(Net::activation_bytes);
  state.counters["scratch_bytes"] = static_cast<double>(Net::scratch_bytes);
}

template <class Net>
void infer_b1(benchmark::State& state) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
  Net net;
  const auto xs = random_inputs<Net>(1, 100);
  for (auto _ : state) {
    auto y = net.predict(xs[0]);
    benchmark::DoNotOptimize(y);
  }
  bench::set_counters(state, static_cast<double>(Net::flops), 1, 1);
  memory_counters<Net>(state);
}

template <class Net>
void infer_batch(benchmark::State& state, int threads, std::size_t batch) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  Net net;
  const auto xs = random_inputs<Net>(batch, 200);
  std::vector<output_t<Net>> ys(batch);
  for (auto _ : state) {
    net.predict(std::span<const input_t<Net>>(xs), std::span<output_t<Net>>(ys));
    benchmark::ClobberMemory();
  }
  bench::set_counters(state, static_cast<double>(Net::flops * batch), static_cast<double>(batch), threads);
  memory_counters<Net>(state);
}

template <class Net>
void train_step(benchmark::State& state, int threads, std::size_t batch) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  Net net;
  tenet::trainer<Net, tenet::cross_entropy, tenet::sgd> trainer(net, tenet::sgd{.learning_rate = 0.01f});
  const auto xs = random_inputs<Net>(batch, 300);
  const auto ys = bench::random_labels<std::uint32_t>(batch, Net::output_shape::size, 400);
  try {
    const float first = trainer.train_on_batch(xs, ys).loss;  // the first call of a batch size allocates
    float last = first;
    for (auto _ : state) last = trainer.train_on_batch(xs, ys).loss;
    // The same batch again and again: a falling loss shows the step really trains.
    state.SetLabel("loss " + std::to_string(first) + " -> " + std::to_string(last));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  bench::set_counters(state, 3.0 * static_cast<double>(Net::flops * batch), static_cast<double>(batch), threads);
  memory_counters<Net>(state);
}

template <class Net>
void add(const std::string& name) {
  auto finish = [](benchmark::internal::Benchmark* b) {
    b->Unit(benchmark::kMicrosecond)->UseRealTime();
    bench::with_statistics(b);
  };
  finish(benchmark::RegisterBenchmark(("tenet/" + name + "/infer_b1/threads:1").c_str(), &infer_b1<Net>));
  for (int threads : {1, 2}) {
    const std::string t = "/threads:" + std::to_string(threads);
    finish(benchmark::RegisterBenchmark(("tenet/" + name + "/infer_b64" + t).c_str(),
                                        [threads](benchmark::State& s) { infer_batch<Net>(s, threads, 64); }));
    for (std::size_t batch : {32, 64})
      finish(benchmark::RegisterBenchmark(("tenet/" + name + "/train_b" + std::to_string(batch) + t).c_str(),
                                          [threads, batch](benchmark::State& s) { train_step<Net>(s, threads, batch); }));
  }
}

[[maybe_unused]] const bool registered = [] {
  add<bench::nets::seed_cnn>("seed");
  add<bench::nets::lenet>("lenet");
  add<bench::nets::deep_cnn>("deep");
  return true;
}();

}  // namespace

// Google Benchmark's main, with the ISA in the context. Asked here, not while the program
// starts: the per-ISA tables register themselves during static initialization, and the choice,
// made once, must see them all. A TENET_ISA this CPU or program cannot run stops the program
// here, with tenet's message, before any benchmark.
int main(int argc, char** argv) {
  try {
    benchmark::AddCustomContext("tenet_isa", std::string(bench::nets::deep_cnn::isa_name()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_networks: %s\n", e.what());
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
