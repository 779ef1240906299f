// Peer: the lecture's three networks in oneDNN (Debian's libdnnl-dev, v2.6), the same tasks
// and names as networks.cpp with the prefix onednn/.
//
// How the networks are built (what a framework on top of oneDNN does):
// - every convolution and inner product lets oneDNN choose its layouts
//   (memory::format_tag::any); weights are reordered into them once, before timing;
// - the input is the user's NHWC batch; reorders into a primitive's layout are timed;
// - ReLU is a post-op of the convolution / inner product before it; max pooling, the final
//   softmax (inference) are primitives; dropout is identity at inference;
// - a training step is forward_training, the softmax + cross-entropy gradient on the logits
//   (plain C++, (p - onehot) / N), then backward: eltwise backward from the ReLU's output
//   (eltwise_relu_use_dst_for_bwd), pooling backward with the forward's workspace,
//   convolution / inner product backward data and backward weights, reorders wherever a
//   backward primitive wants another layout (timed), and an SGD update w -= lr * dw
//   (plain C++, vectorized by the compiler). Dropout in training is a binary_mul by a
//   mask drawn once before timing (drawing a fresh mask per step is not timed: a small
//   advantage to oneDNN on the deep CNN).
//
// Threads: this build of oneDNN uses OpenMP (DNNL_CPU_RUNTIME OMP, libgomp), which has no
// oneDNN API for the thread count: each benchmark calls omp_set_num_threads(n) before it
// creates its primitives (oneDNN fixes its work split when a primitive is created).
// Instruction set: oneDNN picks the best the CPU has (AVX-512 where present); set
// DNNL_MAX_CPU_ISA=AVX2 to hold it to tenet's (run-all.sh runs both).

#include <omp.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "common.hpp"
#include "lecture_nets.hpp"

namespace {

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
using dims = memory::dims;

// ---------------------------------------------------------------------------------------------
// Network description
// ---------------------------------------------------------------------------------------------

struct layer {
  enum kind_t { conv, pool, dense, dropout } kind;
  int size = 0;  // filters (conv), units (dense), window (pool)
  int kernel = 0;
  bool same = false;
  bool relu = false;
  float rate = 0.0f;  // dropout
};

layer conv(int filters, int k, bool same) { return {layer::conv, filters, k, same, true, 0.0f}; }
layer pool(int p) { return {layer::pool, p, 0, false, false, 0.0f}; }
layer dense(int units, bool relu) { return {layer::dense, units, 0, false, relu, 0.0f}; }
layer dropout(float rate) { return {layer::dropout, 0, 0, false, false, rate}; }

const std::vector<layer> seed_layers = {conv(16, 2, true), pool(2), dense(10, false)};
const std::vector<layer> lenet_layers = {conv(6, 5, true), pool(2),         conv(16, 5, false), pool(2),
                                         dense(120, true), dense(84, true), dense(10, false)};
const std::vector<layer> deep_layers = {conv(32, 2, true), conv(32, 2, true), pool(2),       dropout(0.25f),
                                        conv(64, 2, true), conv(64, 2, true), pool(2),       dropout(0.25f),
                                        dense(128, true),  dense(128, true),  dropout(0.5f), dense(10, false)};

// ---------------------------------------------------------------------------------------------
// The network as a list of primitives
// ---------------------------------------------------------------------------------------------

class onednn_net {
 public:
  onednn_net(const std::vector<layer>& layers, int batch, bool training)
      : eng_(engine::kind::cpu, 0), strm_(eng_), batch_(batch), training_(training) {
    build_forward(layers);
    if (training_) build_backward();
  }

  /// Copies `batch` NHWC images into the input.
  void set_input(const float* nhwc) {
    float* dst = static_cast<float*>(input_.get_data_handle());
    std::copy_n(nhwc, static_cast<std::size_t>(batch_) * 28 * 28, dst);
  }
  void set_labels(std::vector<int> labels) { labels_ = std::move(labels); }

  void infer() {
    run(fwd_);
    strm_.wait();
  }

  /// One SGD step; returns the batch's mean loss (before the step).
  float train_step(float lr) {
    run(fwd_);
    strm_.wait();
    const float loss = loss_gradient();
    run(bwd_);
    strm_.wait();
    for (const auto& p : params_) {
      float* w = static_cast<float*>(p.w.get_data_handle());
      const float* g = static_cast<const float*>(p.dw.get_data_handle());
      const std::size_t n = p.w.get_desc().get_size() / sizeof(float);
      for (std::size_t i = 0; i < n; ++i) w[i] -= lr * g[i];
    }
    return loss;
  }

 private:
  struct step {
    primitive p;
    std::unordered_map<int, memory> args;
  };
  /// What the backward pass needs of a forward layer.
  struct record {
    layer spec;
    bool first = false;
    memory src, weights, bias, dst, workspace, mask;
    dims strides, pad_l, pad_r, kernel;
    convolution_forward::primitive_desc conv_pd;
    inner_product_forward::primitive_desc ip_pd;
    pooling_forward::primitive_desc pool_pd;
  };
  struct param {
    memory w, dw;
  };

  void run(std::vector<step>& steps) {
    for (auto& s : steps) s.p.execute(strm_, s.args);
  }

  /// `m` in layout `want`: itself, or a new memory filled by a reorder appended to `steps`.
  memory as(const memory& m, const memory::desc& want, std::vector<step>& steps) {
    if (m.get_desc() == want) return m;
    memory out(want, eng_);
    steps.push_back({reorder(m, out), {{DNNL_ARG_FROM, m}, {DNNL_ARG_TO, out}}});
    return out;
  }

  /// Glorot-uniform weights in the plain layout `user_tag`, reordered once into `want`.
  memory make_weights(const dims& d, tag user_tag, const memory::desc& want, int fan_in, int fan_out) {
    memory user({d, dt::f32, user_tag}, eng_);
    float* p = static_cast<float*>(user.get_data_handle());
    const float limit = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
    bench::fill_uniform(p, user.get_desc().get_size() / sizeof(float), seed_++, -limit, limit);
    memory out(want, eng_);
    reorder(user, out).execute(strm_, user, out);
    strm_.wait();
    return out;
  }

  memory zeros(const memory::desc& d) {
    memory m(d, eng_);
    float* p = static_cast<float*>(m.get_data_handle());
    std::fill_n(p, d.get_size() / sizeof(float), 0.0f);
    return m;
  }

  static primitive_attr relu_attr(bool relu) {
    primitive_attr attr;
    if (relu) {
      post_ops po;
      po.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
      attr.set_post_ops(po);
    }
    return attr;
  }

  void build_forward(const std::vector<layer>& layers) {
    const prop_kind prop = training_ ? prop_kind::forward_training : prop_kind::forward_inference;
    const int n = batch_;
    input_ = memory({{n, 1, 28, 28}, dt::f32, tag::nhwc}, eng_);
    memory cur = input_;
    dims shape = {n, 1, 28, 28};
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const layer& l = layers[i];
      const bool last = i + 1 == layers.size();
      record r;
      r.spec = l;
      r.first = i == 0;
      if (l.kind == layer::conv) {
        const auto c = shape[1], h = shape[2], w = shape[3];
        const auto k = static_cast<memory::dim>(l.kernel);
        const memory::dim pad_before = l.same ? (k - 1) / 2 : 0, pad_after = l.same ? (k - 1) - pad_before : 0;
        const memory::dim oh = h + pad_before + pad_after - k + 1, ow = w + pad_before + pad_after - k + 1;
        r.strides = {1, 1};
        r.pad_l = {pad_before, pad_before};
        r.pad_r = {pad_after, pad_after};  // TensorFlow's 'same': the odd pixel after
        const dims wd = {l.size, c, k, k};
        convolution_forward::desc d(prop, algorithm::convolution_direct, {{n, c, h, w}, dt::f32, tag::any}, {wd, dt::f32, tag::any},
                                    {{l.size}, dt::f32, tag::x}, {{n, l.size, oh, ow}, dt::f32, tag::any}, r.strides, r.pad_l, r.pad_r);
        r.conv_pd = convolution_forward::primitive_desc(d, relu_attr(l.relu), eng_);
        r.src = as(cur, r.conv_pd.src_desc(), fwd_);
        r.weights = make_weights(wd, tag::oihw, r.conv_pd.weights_desc(), static_cast<int>(c * k * k), static_cast<int>(l.size * k * k));
        r.bias = zeros(r.conv_pd.bias_desc());
        r.dst = memory(r.conv_pd.dst_desc(), eng_);
        fwd_.push_back({convolution_forward(r.conv_pd),
                        {{DNNL_ARG_SRC, r.src}, {DNNL_ARG_WEIGHTS, r.weights}, {DNNL_ARG_BIAS, r.bias}, {DNNL_ARG_DST, r.dst}}});
        shape = {n, l.size, oh, ow};
      } else if (l.kind == layer::pool) {
        const memory::dim p = l.size;
        r.strides = {p, p};
        r.kernel = {p, p};
        r.pad_l = {0, 0};
        r.pad_r = {0, 0};
        const dims out = {n, shape[1], shape[2] / p, shape[3] / p};
        pooling_forward::desc d(prop, algorithm::pooling_max, cur.get_desc(), {out, dt::f32, tag::any}, r.strides, r.kernel, r.pad_l,
                                r.pad_r);
        r.pool_pd = pooling_forward::primitive_desc(d, eng_);
        r.src = as(cur, r.pool_pd.src_desc(), fwd_);
        r.dst = memory(r.pool_pd.dst_desc(), eng_);
        std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, r.src}, {DNNL_ARG_DST, r.dst}};
        if (training_) {
          r.workspace = memory(r.pool_pd.workspace_desc(), eng_);
          args[DNNL_ARG_WORKSPACE] = r.workspace;
        }
        fwd_.push_back({pooling_forward(r.pool_pd), args});
        shape = out;
      } else if (l.kind == layer::dense) {
        dims wd = shape;
        wd[0] = l.size;  // {units, C, H, W} after an image, {units, K} after a dense layer
        int fan_in = 1;
        for (std::size_t a = 1; a < shape.size(); ++a) fan_in *= static_cast<int>(shape[a]);
        const memory::desc dst_md = last ? memory::desc({n, l.size}, dt::f32, tag::nc)  // read by the loss
                                         : memory::desc({n, l.size}, dt::f32, tag::any);
        inner_product_forward::desc d(prop, {shape, dt::f32, tag::any}, {wd, dt::f32, tag::any}, {{l.size}, dt::f32, tag::x}, dst_md);
        r.ip_pd = inner_product_forward::primitive_desc(d, relu_attr(l.relu), eng_);
        r.src = as(cur, r.ip_pd.src_desc(), fwd_);
        r.weights = make_weights(wd, wd.size() == 4 ? tag::oihw : tag::oi, r.ip_pd.weights_desc(), fan_in, l.size);
        r.bias = zeros(r.ip_pd.bias_desc());
        r.dst = memory(r.ip_pd.dst_desc(), eng_);
        fwd_.push_back({inner_product_forward(r.ip_pd),
                        {{DNNL_ARG_SRC, r.src}, {DNNL_ARG_WEIGHTS, r.weights}, {DNNL_ARG_BIAS, r.bias}, {DNNL_ARG_DST, r.dst}}});
        shape = {n, l.size};
      } else {  // dropout
        if (!training_) continue;  // identity at inference
        r.src = cur;
        r.mask = memory(cur.get_desc(), eng_);
        float* m = static_cast<float*>(r.mask.get_data_handle());
        std::mt19937 rng(seed_++);
        std::bernoulli_distribution keep(1.0 - l.rate);
        for (std::size_t j = 0; j < cur.get_desc().get_size() / sizeof(float); ++j) m[j] = keep(rng) ? 1.0f / (1.0f - l.rate) : 0.0f;
        binary::desc d(algorithm::binary_mul, cur.get_desc(), cur.get_desc(), cur.get_desc());
        binary::primitive_desc pd(d, eng_);
        r.dst = memory(cur.get_desc(), eng_);
        fwd_.push_back({binary(pd), {{DNNL_ARG_SRC_0, r.src}, {DNNL_ARG_SRC_1, r.mask}, {DNNL_ARG_DST, r.dst}}});
      }
      cur = r.dst;
      records_.push_back(std::move(r));
    }
    logits_ = cur;
    if (!training_) {
      softmax_forward::desc d(prop_kind::forward_inference, logits_.get_desc(), 1);
      softmax_forward::primitive_desc pd(d, eng_);
      probs_ = memory(pd.dst_desc(), eng_);
      fwd_.push_back({softmax_forward(pd), {{DNNL_ARG_SRC, logits_}, {DNNL_ARG_DST, probs_}}});
    } else {
      diff_logits_ = zeros(logits_.get_desc());
    }
  }

  /// The gradient of the ReLU's input from the gradient of its output (`diff`, any layout).
  memory relu_backward(const record& r, const memory& diff) {
    const memory::desc md = r.dst.get_desc();
    eltwise_forward::primitive_desc hint(
        eltwise_forward::desc(prop_kind::forward_training, algorithm::eltwise_relu_use_dst_for_bwd, md, 0.0f, 0.0f), eng_);
    eltwise_backward::primitive_desc pd(eltwise_backward::desc(algorithm::eltwise_relu_use_dst_for_bwd, md, md, 0.0f, 0.0f), eng_, hint);
    memory diff_dst = as(diff, pd.diff_dst_desc(), bwd_);
    memory diff_src(pd.diff_src_desc(), eng_);
    bwd_.push_back({eltwise_backward(pd), {{DNNL_ARG_DST, r.dst}, {DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_DIFF_SRC, diff_src}}});
    return diff_src;
  }

  /// dw in the layout of w (reordered when the backward primitive chose another one).
  void add_param(const memory& w, const memory& dw) { params_.push_back({w, as(dw, w.get_desc(), bwd_)}); }

  void build_backward() {
    memory diff = diff_logits_;  // gradient of the current record's output
    for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
      const record& r = *it;
      const memory::desc any_dst(r.dst.get_desc().dims(), dt::f32, tag::any);
      if (r.spec.kind == layer::conv) {
        if (r.spec.relu) diff = relu_backward(r, diff);
        const memory::desc wd(r.weights.get_desc().dims(), dt::f32, tag::any);
        convolution_backward_weights::primitive_desc wpd(
            convolution_backward_weights::desc(algorithm::convolution_direct, r.conv_pd.src_desc(), wd, r.conv_pd.bias_desc(), any_dst,
                                               r.strides, r.pad_l, r.pad_r),
            eng_, r.conv_pd);
        memory dw(wpd.diff_weights_desc(), eng_), db(wpd.diff_bias_desc(), eng_);
        bwd_.push_back({convolution_backward_weights(wpd),
                        {{DNNL_ARG_SRC, as(r.src, wpd.src_desc(), bwd_)},
                         {DNNL_ARG_DIFF_DST, as(diff, wpd.diff_dst_desc(), bwd_)},
                         {DNNL_ARG_DIFF_WEIGHTS, dw},
                         {DNNL_ARG_DIFF_BIAS, db}}});
        add_param(r.weights, dw);
        add_param(r.bias, db);
        if (!r.first) {
          convolution_backward_data::primitive_desc dpd(convolution_backward_data::desc(algorithm::convolution_direct, r.conv_pd.src_desc(),
                                                                                        wd, any_dst, r.strides, r.pad_l, r.pad_r),
                                                        eng_, r.conv_pd);
          memory diff_src(dpd.diff_src_desc(), eng_);
          bwd_.push_back({convolution_backward_data(dpd),
                          {{DNNL_ARG_DIFF_DST, as(diff, dpd.diff_dst_desc(), bwd_)},
                           {DNNL_ARG_WEIGHTS, as(r.weights, dpd.weights_desc(), bwd_)},
                           {DNNL_ARG_DIFF_SRC, diff_src}}});
          diff = diff_src;
        }
      } else if (r.spec.kind == layer::dense) {
        if (r.spec.relu) diff = relu_backward(r, diff);
        const memory::desc wd(r.weights.get_desc().dims(), dt::f32, tag::any);
        inner_product_backward_weights::primitive_desc wpd(
            inner_product_backward_weights::desc(r.ip_pd.src_desc(), wd, r.ip_pd.bias_desc(), any_dst), eng_, r.ip_pd);
        memory dw(wpd.diff_weights_desc(), eng_), db(wpd.diff_bias_desc(), eng_);
        bwd_.push_back({inner_product_backward_weights(wpd),
                        {{DNNL_ARG_SRC, as(r.src, wpd.src_desc(), bwd_)},
                         {DNNL_ARG_DIFF_DST, as(diff, wpd.diff_dst_desc(), bwd_)},
                         {DNNL_ARG_DIFF_WEIGHTS, dw},
                         {DNNL_ARG_DIFF_BIAS, db}}});
        add_param(r.weights, dw);
        add_param(r.bias, db);
        if (!r.first) {
          inner_product_backward_data::primitive_desc dpd(inner_product_backward_data::desc(r.ip_pd.src_desc(), wd, any_dst), eng_,
                                                          r.ip_pd);
          memory diff_src(dpd.diff_src_desc(), eng_);
          bwd_.push_back({inner_product_backward_data(dpd),
                          {{DNNL_ARG_DIFF_DST, as(diff, dpd.diff_dst_desc(), bwd_)},
                           {DNNL_ARG_WEIGHTS, as(r.weights, dpd.weights_desc(), bwd_)},
                           {DNNL_ARG_DIFF_SRC, diff_src}}});
          diff = diff_src;
        }
      } else if (r.spec.kind == layer::pool) {
        pooling_backward::primitive_desc pd(pooling_backward::desc(algorithm::pooling_max, r.pool_pd.src_desc(), r.pool_pd.dst_desc(),
                                                                   r.strides, r.kernel, r.pad_l, r.pad_r),
                                            eng_, r.pool_pd);
        memory diff_src(pd.diff_src_desc(), eng_);
        bwd_.push_back(
            {pooling_backward(pd),
             {{DNNL_ARG_DIFF_DST, as(diff, pd.diff_dst_desc(), bwd_)}, {DNNL_ARG_DIFF_SRC, diff_src}, {DNNL_ARG_WORKSPACE, r.workspace}}});
        diff = diff_src;
      } else {  // dropout: diff_src = diff_dst * mask
        const memory::desc md = r.mask.get_desc();
        binary::primitive_desc pd(binary::desc(algorithm::binary_mul, md, md, md), eng_);
        memory diff_src(md, eng_);
        bwd_.push_back({binary(pd), {{DNNL_ARG_SRC_0, as(diff, md, bwd_)}, {DNNL_ARG_SRC_1, r.mask}, {DNNL_ARG_DST, diff_src}}});
        diff = diff_src;
      }
    }
  }

  /// Softmax + cross-entropy on the logits (N x classes, plain): diff = (p - onehot) / N.
  /// Returns the mean loss.
  float loss_gradient() {
    const auto classes = static_cast<std::size_t>(logits_.get_desc().dims()[1]);
    const float* z = static_cast<const float*>(logits_.get_data_handle());
    float* g = static_cast<float*>(diff_logits_.get_data_handle());
    const float scale = 1.0f / static_cast<float>(batch_);
    float loss = 0.0f;
    for (std::size_t i = 0; i < static_cast<std::size_t>(batch_); ++i) {
      const float* zi = z + i * classes;
      float* gi = g + i * classes;
      float largest = zi[0];
      for (std::size_t c = 1; c < classes; ++c) largest = std::max(largest, zi[c]);
      float sum = 0.0f;
      for (std::size_t c = 0; c < classes; ++c) sum += (gi[c] = std::exp(zi[c] - largest));
      for (std::size_t c = 0; c < classes; ++c) gi[c] = gi[c] / sum * scale;
      const auto label = static_cast<std::size_t>(labels_[i]);
      gi[label] -= scale;
      loss += std::log(sum) + largest - zi[label];
    }
    return loss * scale;
  }

  engine eng_;
  stream strm_;
  int batch_;
  bool training_;
  std::uint32_t seed_ = 1;
  memory input_, logits_, probs_, diff_logits_;
  std::vector<int> labels_;
  std::vector<record> records_;
  std::vector<step> fwd_, bwd_;
  std::vector<param> params_;
};

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

std::vector<float> random_images(int batch, std::uint32_t seed) {
  std::vector<float> x(static_cast<std::size_t>(batch) * 28 * 28);
  bench::fill_uniform(x.data(), x.size(), seed);
  return x;
}

void infer(benchmark::State& state, const std::vector<layer>* layers, double flops, int threads, int batch) {
  omp_set_num_threads(threads);
  try {
    onednn_net net(*layers, batch, false);
    net.set_input(random_images(batch, 200).data());
    net.infer();
    for (auto _ : state) net.infer();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  bench::set_counters(state, flops * batch, batch, threads);
}

void train(benchmark::State& state, const std::vector<layer>* layers, double flops, int threads, int batch) {
  omp_set_num_threads(threads);
  try {
    onednn_net net(*layers, batch, true);
    net.set_input(random_images(batch, 300).data());
    net.set_labels(bench::random_labels<int>(static_cast<std::size_t>(batch), 10, 400));
    const float first = net.train_step(0.01f);
    float last = first;
    for (auto _ : state) last = net.train_step(0.01f);
    state.SetLabel("loss " + std::to_string(first) + " -> " + std::to_string(last));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  bench::set_counters(state, 3.0 * flops * batch, batch, threads);
}

void add(const std::string& name, const std::vector<layer>* layers, double flops) {
  auto finish = [](benchmark::internal::Benchmark* b) {
    b->Unit(benchmark::kMicrosecond)->UseRealTime();
    bench::with_statistics(b);
  };
  const std::string prefix = "onednn/" + name;
  finish(
      benchmark::RegisterBenchmark((prefix + "/infer_b1/threads:1").c_str(), [=](benchmark::State& s) { infer(s, layers, flops, 1, 1); }));
  for (int threads : {1, 2}) {
    const std::string t = "/threads:" + std::to_string(threads);
    finish(benchmark::RegisterBenchmark((prefix + "/infer_b64" + t).c_str(),
                                        [=](benchmark::State& s) { infer(s, layers, flops, threads, 64); }));
    for (int batch : {32, 64})
      finish(benchmark::RegisterBenchmark((prefix + "/train_b" + std::to_string(batch) + t).c_str(),
                                          [=](benchmark::State& s) { train(s, layers, flops, threads, batch); }));
  }
}

[[maybe_unused]] const bool registered = [] {
  add("seed", &seed_layers, bench::nets::seed_flops);
  add("lenet", &lenet_layers, bench::nets::lenet_flops);
  add("deep", &deep_layers, bench::nets::deep_flops);
  return true;
}();

}  // namespace
