// Peer: the lecture's three networks in XNNPACK (Debian's libxnnpack-dev, the 2022-02-16
// snapshot), inference only (XNNPACK has no training), the same tasks and names as
// networks.cpp with the prefix xnnpack/: infer_b1/threads:1, infer_b64/threads:1 and :2.
//
// How the networks are built (what TensorFlow Lite's XNNPACK delegate does with them):
// - the operator API: one operator per layer, created once (XNNPACK packs the weights then),
//   set up once for the batch size and the buffers, and run with xnn_run_operator;
// - NHWC throughout, as tenet; convolutions with explicit padding (TensorFlow's 'same': for
//   an even kernel the extra row and column after the data, as tenet pads), ReLU fused into
//   the convolution or fully connected operator before it (output_min = 0), max pooling,
//   fully connected (the NHWC flatten is tenet's order), softmax on the logits; dropout is
//   identity at inference;
// - the weights are those of tenet's network of the same type (default-constructed: Glorot
//   from seed 0, as bench_networks runs it), converted from Keras's layouts (conv2d
//   (KH, KW, C, F), dense (inputs, units); include/tenet/layer_view.hpp) to XNNPACK's (a
//   convolution's filters (F, KH, KW, C); a fully connected operator's (inputs, units) with
//   XNN_FLAG_TRANSPOSE_WEIGHTS).
//
// Before any timing the program checks XNNPACK's outputs against tenet's predict on the same
// weights (with random biases, so they are checked too) for a few inputs, on 1 and 2 threads,
// and exits with status 1, naming the network and the largest difference, when they differ by
// more than a float tolerance. `--check` runs only that check.
//
// Threads: a pthreadpool of 1 or 2 threads per benchmark (with 1 XNNPACK runs on the caller's
// thread). Instruction set: XNNPACK chooses its micro-kernels from the CPU (cpuinfo) when it
// is initialized, AVX-512 where present; this snapshot has no switch to hold it lower.

#include <pthreadpool.h>
#include <xnnpack.h>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common.hpp"
#include "lecture_nets.hpp"

namespace {

// ---------------------------------------------------------------------------------------------
// Network description (the same lists as peer_onednn.cpp)
// ---------------------------------------------------------------------------------------------

struct layer {
  enum kind_t { conv, pool, dense, dropout } kind;
  int size = 0;  // filters (conv), units (dense), window (pool)
  int kernel = 0;
  bool same = false;
  bool relu = false;
};

layer conv(int filters, int k, bool same) { return {layer::conv, filters, k, same, true}; }
layer pool(int p) { return {layer::pool, p, 0, false, false}; }
layer dense(int units, bool relu) { return {layer::dense, units, 0, false, relu}; }
layer dropout() { return {layer::dropout, 0, 0, false, false}; }

const std::vector<layer> seed_layers = {conv(16, 2, true), pool(2), dense(10, false)};
const std::vector<layer> lenet_layers = {conv(6, 5, true), pool(2),         conv(16, 5, false), pool(2),
                                         dense(120, true), dense(84, true), dense(10, false)};
const std::vector<layer> deep_layers = {conv(32, 2, true), conv(32, 2, true), pool(2),   dropout(),
                                        conv(64, 2, true), conv(64, 2, true), pool(2),   dropout(),
                                        dense(128, true),  dense(128, true),  dropout(), dense(10, false)};

/// One trainable layer's parameters as tenet holds them (Keras's layouts).
struct params {
  std::vector<float> weights, biases;
};

/// The parameters of every conv2d and dense layer of a tenet network, in order.
template <class Net>
std::vector<params> params_of(const Net& net) {
  std::vector<params> out;
  net.for_each_layer([&](auto view) {
    if constexpr (decltype(view)::weight_count != 0) {
      const auto w = view.weights();
      const auto b = view.biases();
      out.push_back({std::vector<float>(w.begin(), w.end()), std::vector<float>(b.begin(), b.end())});
    }
  });
  return out;
}

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("peer_xnnpack: " + what); }

void require(xnn_status s, const char* call) {
  if (s != xnn_status_success) fail(std::string(call) + " failed (xnn_status " + std::to_string(static_cast<int>(s)) + ")");
}

struct pool_deleter {
  void operator()(pthreadpool* p) const noexcept { pthreadpool_destroy(p); }
};
using threadpool = std::unique_ptr<pthreadpool, pool_deleter>;

threadpool make_pool(int threads) {
  threadpool p(pthreadpool_create(static_cast<std::size_t>(threads)));
  if (!p) fail("pthreadpool_create(" + std::to_string(threads) + ") failed");
  return p;
}

// ---------------------------------------------------------------------------------------------
// The network as a list of operators
// ---------------------------------------------------------------------------------------------

class xnnpack_net {
 public:
  /// `layers` with the parameters `ps` (one entry per conv / dense layer, tenet's layouts),
  /// set up for `batch` images on `pool`.
  xnnpack_net(const std::vector<layer>& layers, const std::vector<params>& ps, int batch, pthreadpool_t pool) : batch_(batch), pool_(pool) {
    const auto n = static_cast<std::size_t>(batch);
    std::size_t h = 28, w = 28, c = 1;
    float* cur = buffer(n * h * w * c);
    input_ = cur;
    std::size_t next_param = 0;
    for (const layer& l : layers) {
      const float out_min = l.relu ? 0.0f : -INFINITY;
      xnn_operator_t op = nullptr;
      if (l.kind == layer::conv) {
        const auto k = static_cast<std::size_t>(l.kernel), f = static_cast<std::size_t>(l.size);
        const std::size_t before = l.same ? (k - 1) / 2 : 0, after = l.same ? (k - 1) - before : 0;
        const params& p = take(ps, next_param, k * k * c * f, f);
        // (KH, KW, C, F) -> (F, KH, KW, C)
        std::vector<float> filters(p.weights.size());
        for (std::size_t kh = 0; kh < k; ++kh)
          for (std::size_t kw = 0; kw < k; ++kw)
            for (std::size_t ci = 0; ci < c; ++ci)
              for (std::size_t fi = 0; fi < f; ++fi)
                filters[((fi * k + kh) * k + kw) * c + ci] = p.weights[((kh * k + kw) * c + ci) * f + fi];
        const auto pb = static_cast<std::uint32_t>(before), pa = static_cast<std::uint32_t>(after);
        require(xnn_create_convolution2d_nhwc_f32(pb, pa, pa, pb, static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k), 1, 1, 1, 1,
                                                  1, c, f, c, f, filters.data(), p.biases.data(), out_min, INFINITY, 0, &op),
                "xnn_create_convolution2d_nhwc_f32");
        ops_.push_back(op);
        const std::size_t oh = h + before + after - k + 1, ow = w + before + after - k + 1;
        float* out = buffer(n * oh * ow * f);
        require(xnn_setup_convolution2d_nhwc_f32(op, n, h, w, cur, out, pool_), "xnn_setup_convolution2d_nhwc_f32");
        cur = out;
        h = oh, w = ow, c = f;
      } else if (l.kind == layer::pool) {
        const auto p = static_cast<std::uint32_t>(l.size);
        require(xnn_create_max_pooling2d_nhwc_f32(0, 0, 0, 0, p, p, p, p, 1, 1, c, c, c, -INFINITY, INFINITY, 0, &op),
                "xnn_create_max_pooling2d_nhwc_f32");
        ops_.push_back(op);
        const std::size_t oh = h / p, ow = w / p;
        float* out = buffer(n * oh * ow * c);
        require(xnn_setup_max_pooling2d_nhwc_f32(op, n, h, w, cur, out, pool_), "xnn_setup_max_pooling2d_nhwc_f32");
        cur = out;
        h = oh, w = ow;
      } else if (l.kind == layer::dense) {
        const std::size_t in = h * w * c, units = static_cast<std::size_t>(l.size);
        const params& p = take(ps, next_param, in * units, units);
        // tenet's (inputs, units) is XNNPACK's transposed layout
        require(xnn_create_fully_connected_nc_f32(in, units, in, units, p.weights.data(), p.biases.data(), out_min, INFINITY,
                                                  XNN_FLAG_TRANSPOSE_WEIGHTS, &op),
                "xnn_create_fully_connected_nc_f32");
        ops_.push_back(op);
        float* out = buffer(n * units);
        require(xnn_setup_fully_connected_nc_f32(op, n, cur, out, pool_), "xnn_setup_fully_connected_nc_f32");
        cur = out;
        h = 1, w = 1, c = units;
      }  // dropout: identity at inference
    }
    if (next_param != ps.size())
      fail("the network has " + std::to_string(ps.size()) + " trainable layers, the list " + std::to_string(next_param));
    xnn_operator_t op = nullptr;
    require(xnn_create_softmax_nc_f32(c, c, c, 0, &op), "xnn_create_softmax_nc_f32");
    ops_.push_back(op);
    classes_ = c;
    output_ = buffer(n * c);
    require(xnn_setup_softmax_nc_f32(op, n, cur, output_, pool_), "xnn_setup_softmax_nc_f32");
  }
  xnnpack_net(const xnnpack_net&) = delete;
  xnnpack_net& operator=(const xnnpack_net&) = delete;
  ~xnnpack_net() {
    for (xnn_operator_t op : ops_) xnn_delete_operator(op);
  }

  /// Copies `batch` NHWC images into the input.
  void set_input(const float* nhwc) { std::copy_n(nhwc, static_cast<std::size_t>(batch_) * 28 * 28, input_); }

  void infer() {
    for (xnn_operator_t op : ops_) require(xnn_run_operator(op, pool_), "xnn_run_operator");
  }

  /// The class probabilities of image `i` of the batch.
  const float* output(std::size_t i) const { return output_ + i * classes_; }
  std::size_t classes() const { return classes_; }

 private:
  /// A buffer of `floats`, with the XNN_EXTRA_BYTES XNNPACK may read past the end.
  float* buffer(std::size_t floats) {
    buffers_.emplace_back(floats + XNN_EXTRA_BYTES / sizeof(float));
    return buffers_.back().data();
  }

  static const params& take(const std::vector<params>& ps, std::size_t& next, std::size_t weights, std::size_t biases) {
    if (next >= ps.size()) fail("the layer list has more trainable layers than the tenet network");
    const params& p = ps[next++];
    if (p.weights.size() != weights || p.biases.size() != biases)
      fail("trainable layer " + std::to_string(next - 1) + ": tenet has " + std::to_string(p.weights.size()) + " weights and " +
           std::to_string(p.biases.size()) + " biases, the layer list expects " + std::to_string(weights) + " and " +
           std::to_string(biases));
    return p;
  }

  int batch_;
  pthreadpool_t pool_;
  std::vector<bench::buffer> buffers_;
  std::vector<xnn_operator_t> ops_;
  float* input_ = nullptr;
  float* output_ = nullptr;
  std::size_t classes_ = 0;
};

std::vector<float> random_images(int batch, std::uint32_t seed) {
  std::vector<float> x(static_cast<std::size_t>(batch) * 28 * 28);
  bench::fill_uniform(x.data(), x.size(), seed);
  return x;
}

// ---------------------------------------------------------------------------------------------
// The check: XNNPACK's outputs against tenet's on the same weights
// ---------------------------------------------------------------------------------------------

/// Largest difference of two probabilities that still passes. Both libraries sum in their own
/// order (tenet also runs Winograd where it applies), so the outputs differ by rounding, a few
/// float ulps; a wrong layout (a filter's rows and columns swapped) or a single weight off by a
/// hundredth moves some probability by several times this.
constexpr float check_tolerance = 1e-5f;
constexpr int check_images = 4;

/// Compares the networks on `check_images` images (one batch) on 1 and 2 threads; returns
/// false, after saying why on stderr, when an output differs by more than check_tolerance.
template <class Net>
bool check(const char* title, const std::vector<layer>& layers) {
  using input_t = tenet::tensor<float, typename Net::input_shape>;
  Net net;
  net.initialize(7);
  std::uint32_t seed = 500;
  net.for_each_layer([&](auto view) {  // random biases, so that their layout is checked too
    if constexpr (decltype(view)::bias_count != 0) bench::fill_uniform(view.biases().data(), view.bias_count, seed++, -0.2f, 0.2f);
  });
  const std::vector<params> ps = params_of(net);
  const std::vector<float> images = random_images(check_images, 600);
  bool ok = true;
  for (int threads : {1, 2}) {
    threadpool pool = make_pool(threads);
    xnnpack_net x(layers, ps, check_images, pool.get());
    x.set_input(images.data());
    x.infer();
    float worst = 0.0f;
    std::size_t worst_at = 0, worst_image = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(check_images); ++i) {
      input_t in;
      std::copy_n(images.data() + i * in.size(), in.size(), in.data());
      const auto y = net.predict(in);
      if (y.size() != x.classes())
        fail(std::string(title) + ": tenet has " + std::to_string(y.size()) + " outputs, XNNPACK " + std::to_string(x.classes()));
      for (std::size_t k = 0; k < y.size(); ++k) {
        const float d = std::fabs(y.data()[k] - x.output(i)[k]);
        if (!(d <= worst)) {  // NaN counts as the worst
          worst = std::isnan(d) ? INFINITY : d;
          worst_at = k, worst_image = i;
        }
      }
    }
    const bool pass = worst <= check_tolerance;
    std::fprintf(stderr,
                 "peer_xnnpack: check %s, %d thread%s: max |XNNPACK - tenet| = %.3g over %d images x %zu outputs "
                 "(tolerance %.0e): %s\n",
                 title, threads, threads > 1 ? "s" : "", static_cast<double>(worst), check_images, x.classes(),
                 static_cast<double>(check_tolerance), pass ? "ok" : "FAILED");
    if (!pass) {
      std::fprintf(stderr,
                   "peer_xnnpack: CHECK FAILED: %s: image %zu, output %zu: XNNPACK's outputs are not tenet's on the "
                   "same weights; its numbers would not be of the same network\n",
                   title, worst_image, worst_at);
      ok = false;
    }
  }
  return ok;
}

bool check_all() {
  bool ok = check<bench::nets::seed_cnn>("seed CNN", seed_layers);
  ok = check<bench::nets::lenet>("LeNet-5", lenet_layers) && ok;
  ok = check<bench::nets::deep_cnn>("deep CNN", deep_layers) && ok;
  return ok;
}

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

template <class Net>
void infer(benchmark::State& state, const std::vector<layer>* layers, int threads, int batch) {
  try {
    const Net net;  // the weights bench_networks runs
    threadpool pool = make_pool(threads);
    xnnpack_net x(*layers, params_of(net), batch, pool.get());
    x.set_input(random_images(batch, 200).data());
    x.infer();
    for (auto _ : state) {
      x.infer();
      benchmark::DoNotOptimize(x.output(0));
      benchmark::ClobberMemory();
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  bench::set_counters(state, static_cast<double>(Net::flops) * batch, batch, threads);
}

template <class Net>
void add(const std::string& name, const std::vector<layer>* layers) {
  auto finish = [](benchmark::internal::Benchmark* b) {
    b->Unit(benchmark::kMicrosecond)->UseRealTime();
    bench::with_statistics(b);
  };
  const std::string prefix = "xnnpack/" + name;
  finish(benchmark::RegisterBenchmark((prefix + "/infer_b1/threads:1").c_str(), [=](benchmark::State& s) { infer<Net>(s, layers, 1, 1); }));
  for (int threads : {1, 2})
    finish(benchmark::RegisterBenchmark((prefix + "/infer_b64/threads:" + std::to_string(threads)).c_str(),
                                        [=](benchmark::State& s) { infer<Net>(s, layers, threads, 64); }));
}

}  // namespace

int main(int argc, char** argv) {
  bool check_only = false;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--check") == 0) check_only = true;
    else argv[kept++] = argv[i];
  }
  argc = kept;
  const xnn_status init = xnn_initialize(nullptr);
  if (init != xnn_status_success) {
    std::fprintf(stderr, "peer_xnnpack: xnn_initialize failed (xnn_status %d: %s)\n", static_cast<int>(init),
                 init == xnn_status_unsupported_hardware ? "this CPU is not supported" : "see xnnpack.h");
    return 1;
  }
  try {
    if (!check_all()) return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\npeer_xnnpack: CHECK FAILED\n", e.what());
    return 1;
  }
  if (check_only) return 0;
  add<bench::nets::seed_cnn>("seed", &seed_layers);
  add<bench::nets::lenet>("lenet", &lenet_layers);
  add<bench::nets::deep_cnn>("deep", &deep_layers);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  xnn_deinitialize();
  return 0;
}
