// The fit loop: learning, optimizers, schedules, reproducibility across thread counts,
// NaN handling, early stopping, history, bad input, and no allocation per batch.

#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <tenet/io/weights.hpp>
#include <tenet/tenet.hpp>
#include <tenet/train/trainer.hpp>
#include "quadrants.hpp"

#include <filesystem>

// Counts every operator new in this test binary while `counting` is set: the fit loop must
// allocate nothing once its set-up is done. Not under ThreadSanitizer: clang links its runtime
// statically, with its own operator new (a duplicate definition); the build preset `tsan` runs
// the [concurrency] tests only.
#if defined(__SANITIZE_THREAD__)
#define TENET_TEST_COUNTS_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TENET_TEST_COUNTS_ALLOCATIONS 0
#endif
#endif
#ifndef TENET_TEST_COUNTS_ALLOCATIONS
#define TENET_TEST_COUNTS_ALLOCATIONS 1
#endif
namespace {
std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};
}  // namespace
#if TENET_TEST_COUNTS_ALLOCATIONS
// Every non-aligned form is replaced, so that whatever allocates with one of them frees with
// its replaced partner: AddressSanitizer defines all forms itself, and a nothrow new left to it
// (Catch2 uses one) would be freed by the delete below (alloc-dealloc-mismatch). The aligned
// forms stay the implementation's, in matching pairs.
void* operator new(std::size_t size) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return ::operator new(size, tag); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // malloc'ed by our operator new above
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif  // TENET_TEST_COUNTS_ALLOCATIONS

namespace {

using namespace tenet;

using tenet::test::make_quadrants;
using image_t = tenet::test::quadrant_image;

using quadrant_net =
    network<input<12, 12, 1>, conv2d<8, kernel<3, 3>, same>, relu, max_pool<2>, dropout_ratio<1, 4>, flatten, dense<4>, softmax>;

template <class T>
std::span<const T> first(const std::vector<T>& v, std::size_t n) {
  return std::span<const T>(v).subspan(0, n);
}
template <class T>
std::span<const T> rest(const std::vector<T>& v, std::size_t n) {
  return std::span<const T>(v).subspan(n);
}

}  // namespace

TEST_CASE("XOR is learned exactly in a fixed number of steps", "[training]") {
  using net_t = network<input<2>, dense<8>, tenet::tanh, dense<1>, sigmoid>;
  net_t net;
  net.initialize(1);
  std::vector<tensor<float, shape<2>>> x(4);
  std::vector<tensor<float, shape<1>>> y(4);
  for (std::size_t i = 0; i < 4; ++i) {
    x[i][0] = static_cast<float>(i & 1);
    x[i][1] = static_cast<float>((i >> 1) & 1);
    y[i][0] = static_cast<float>((i & 1) ^ ((i >> 1) & 1));
  }
  trainer<net_t, mean_squared_error, adam> t(net, adam{.learning_rate = 0.05f});
  const history h = t.fit(x, y, {.epochs = 300, .batch_size = 4, .progress = progress_style::none});
  REQUIRE(h.epochs.size() == 300);
  CHECK(h.epochs.back().accuracy == 1.0f);
  CHECK(h.epochs.back().loss < 0.01f);
  for (std::size_t i = 0; i < 4; ++i) CHECK(std::abs(net.predict(x[i])[0] - y[i][0]) < 0.2f);
}

TEST_CASE("a small CNN learns a synthetic image task far above chance", "[training]") {
  const auto data = make_quadrants(2000, 5);
  quadrant_net net;
  net.initialize(7);
  trainer<quadrant_net> t(net);
  const history h = t.fit(first(data.images, 1600), first(data.labels, 1600), rest(data.images, 1600), rest(data.labels, 1600),
                          {.epochs = 3, .batch_size = 32, .seed = 3, .progress = progress_style::none});
  REQUIRE(h.epochs.size() == 3);
  REQUIRE(h.has_validation());
  CHECK(h.epochs.back().val_accuracy > 0.95f);
  CHECK(h.epochs.back().loss < h.epochs.front().loss);
  const evaluation e = t.evaluate(rest(data.images, 1600), rest(data.labels, 1600));
  CHECK(e.accuracy == h.epochs.back().val_accuracy);
  CHECK(e.loss == h.epochs.back().val_loss);

  // evaluate's accuracy is the fraction of argmax hits of predict.
  std::size_t hits = 0;
  for (std::size_t i = 1600; i < 2000; ++i) {
    const auto p = net.predict(data.images[i]);
    hits += static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin()) == data.labels[i] ? 1 : 0;
  }
  CHECK(static_cast<float>(hits) / 400.0f == e.accuracy);
}

TEMPLATE_TEST_CASE("the loss decreases with every optimizer", "[training][optimizers]", sgd, rmsprop, adam) {
  const auto data = make_quadrants(640, 11);
  quadrant_net net;
  net.initialize(2);
  TestType optimizer{};
  if constexpr (std::is_same_v<TestType, sgd>) {
    optimizer.learning_rate = 0.05f;
    const int variant = GENERATE(0, 1, 2);  // plain, momentum, Nesterov
    optimizer.momentum = variant == 0 ? 0.0f : 0.9f;
    optimizer.nesterov = variant == 2;
    optimizer.learning_rate = variant == 0 ? 0.1f : 0.02f;
  }
  trainer<quadrant_net, cross_entropy, TestType> t(net, optimizer);
  const history h = t.fit(data.images, data.labels, {.epochs = 4, .batch_size = 32, .seed = 1, .progress = progress_style::none});
  INFO("first epoch loss " << h.epochs.front().loss << ", last " << h.epochs.back().loss);
  CHECK(h.epochs.back().loss < 0.8f * h.epochs.front().loss);
  CHECK(h.epochs.back().accuracy > 0.5f);
}

TEST_CASE("weight decay shrinks weights but leaves biases alone", "[training][optimizers]") {
  using net_t = network<input<3>, dense<2>>;
  net_t net;
  net.layer<0>().set_weights({1, 1, 1, 1, 1, 1});
  net.layer<0>().set_biases({1, 1});
  std::vector<tensor<float, shape<3>>> x(1);  // zero input, zero target: no gradient on weights
  std::vector<tensor<float, shape<2>>> y(1);
  y[0][0] = y[0][1] = 1.0f;  // the bias already fits: zero gradient everywhere
  trainer<net_t, mean_squared_error, sgd> t(net, sgd{.learning_rate = 0.1f, .weight_decay = 0.5f});
  t.fit(x, y, {.epochs = 1, .batch_size = 1, .progress = progress_style::none});
  for (float w : net.layer<0>().weights()) CHECK(w == Approx(0.95f));
  for (float b : net.layer<0>().biases()) CHECK(b == 1.0f);
}

TEST_CASE("the same seed gives bit-identical weights on 1, 2, 3, 4 and 8 threads", "[training][determinism]") {
  const auto data = make_quadrants(300, 21);
  auto train_with = [&](int threads, std::uint64_t seed) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    quadrant_net net;
    net.initialize(5);
    trainer<quadrant_net, cross_entropy, sgd> t(net, sgd{.learning_rate = 0.05f, .momentum = 0.9f});
    t.fit(data.images, data.labels, {.epochs = 2, .batch_size = 64, .seed = seed, .progress = progress_style::none});
    const auto p = net.parameter_storage();
    return std::vector<float>(p.begin(), p.end());
  };
  const auto one = train_with(1, 42);
  CHECK(train_with(2, 42) == one);
  CHECK(train_with(4, 42) == one);
  CHECK(train_with(2, 43) != one);
  // Arenas of 3 and 8 threads, more than this machine may have: with 3 lanes a lane's run
  // holds some of the chunk tree's subtrees and splits others (summed after the chunks),
  // with 8 every sum is done after the chunks. 300 examples: batches of 8 and of 6 chunks.
  for (int threads : {3, 8}) {
    INFO(threads << " threads");
    tbb::task_arena arena(threads);
    CHECK(arena.execute([&] { return train_with(threads, 42); }) == one);
  }
}

TEST_CASE("learning-rate schedules set the rate per epoch", "[training][schedule]") {
  const auto data = make_quadrants(64, 3);
  quadrant_net net;
  trainer<quadrant_net, cross_entropy, sgd> t(net, sgd{.learning_rate = 0.5f});
  SECTION("piecewise, as the lecture lowers it by hand") {
    const history h = t.fit(data.images, data.labels,
                            {.epochs = 7,
                             .schedule = learning_rate_schedule::piecewise({{0, 0.1f}, {3, 0.03f}, {6, 0.01f}}),
                             .progress = progress_style::none});
    const float expected[] = {0.1f, 0.1f, 0.1f, 0.03f, 0.03f, 0.03f, 0.01f};
    for (std::size_t e = 0; e < 7; ++e) CHECK(h.epochs[e].learning_rate == expected[e]);
  }
  SECTION("constant: the optimizer's own rate") {
    const history h = t.fit(data.images, data.labels, {.epochs = 2, .progress = progress_style::none});
    CHECK(h.epochs[1].learning_rate == 0.5f);
  }
  SECTION("a callback") {
    const history h =
        t.fit(data.images, data.labels,
              {.epochs = 3,
               .schedule = learning_rate_schedule::callback([](std::size_t e, float base) { return base / static_cast<float>(e + 1); }),
               .progress = progress_style::none});
    CHECK(h.epochs[2].learning_rate == Approx(0.5f / 3));
  }
  SECTION("boundaries must increase") {
    CHECK_THROWS_AS(learning_rate_schedule::piecewise({{3, 0.1f}, {3, 0.01f}}), std::invalid_argument);
  }
}

TEST_CASE("a NaN loss stops training with the epoch and batch, keeping the last good weights", "[training][nan]") {
  const auto data = make_quadrants(256, 4);
  quadrant_net net;
  net.initialize(3);
  trainer<quadrant_net> t(net);
  std::vector<float> before_update_3;
  fit_options options{.epochs = 2, .batch_size = 32, .progress = progress_style::none};
  options.on_batch = [&](const batch_report& r) {
    if (r.epoch == 1 && r.batch == 2) {
      const auto p = net.parameter_storage();
      before_update_3.assign(p.begin(), p.end());  // after update 2 = what update 3 starts from
    }
    if (r.epoch == 1 && r.batch == 3) net.layer<5>().weights()[0] = NAN;  // corrupt after update 3
  };
  try {
    t.fit(data.images, data.labels, options);
    FAIL("fit should have thrown");
  } catch (const training_error& e) {
    const std::string message = e.what();
    CHECK_THAT(message, Catch::Matchers::Contains("NaN") && Catch::Matchers::Contains("epoch 1, batch 4 of 8") &&
                            Catch::Matchers::Contains("last weights that gave a finite loss"));
    CHECK(e.partial.epochs.empty());
  }
  const auto p = net.parameter_storage();
  CHECK(std::vector<float>(p.begin(), p.end()) == before_update_3);
}

TEST_CASE("early stopping stops when the monitored loss stops improving", "[training][callbacks]") {
  const auto data = make_quadrants(64, 8);
  quadrant_net net;
  trainer<quadrant_net, cross_entropy, sgd> t(net, sgd{.learning_rate = 0.0f});  // nothing changes: no improvement
  std::size_t improvements = 0;
  fit_options options{.epochs = 10, .early_stopping = {.patience = 2}, .progress = progress_style::none};
  options.on_improvement = [&](const epoch_record&) { ++improvements; };
  const history h = t.fit(data.images, data.labels, data.images, data.labels, options);
  CHECK(h.epochs.size() == 3);  // the first epoch sets the best; two more without improvement
  CHECK(improvements == 1);

  SECTION("on_epoch returning false stops too") {
    fit_options stop_at_two{.epochs = 10, .progress = progress_style::none};
    stop_at_two.on_epoch = [](const epoch_record& r) { return r.epoch < 2; };
    CHECK(t.fit(data.images, data.labels, stop_at_two).epochs.size() == 2);
  }
}

TEST_CASE("early stopping restores the best weights", "[training][callbacks]") {
  const auto data = make_quadrants(256, 9);
  quadrant_net net;
  net.initialize(1);
  // A rate so large that training diverges after the first epoch, without reaching NaN.
  trainer<quadrant_net, cross_entropy, sgd> t(net, sgd{.learning_rate = 0.05f});
  std::vector<float> best;
  fit_options options{.epochs = 4, .early_stopping = {.patience = 10, .restore_best_weights = true}, .progress = progress_style::none};
  float best_loss = INFINITY;
  options.on_improvement = [&](const epoch_record& r) {
    best_loss = r.val_loss;
    const auto p = net.parameter_storage();
    best.assign(p.begin(), p.end());
  };
  const history h = t.fit(first(data.images, 200), first(data.labels, 200), rest(data.images, 200), rest(data.labels, 200), options);
  float min_val = INFINITY;
  for (const auto& e : h.epochs) min_val = std::min(min_val, e.val_loss);
  CHECK(best_loss == min_val);
  const auto p = net.parameter_storage();
  CHECK(std::vector<float>(p.begin(), p.end()) == best);
}

TEST_CASE("fit prints one line per epoch off a terminal and returns a history that writes CSV", "[training][history]") {
  const auto data = make_quadrants(96, 12);
  quadrant_net net;
  trainer<quadrant_net> t(net);
  std::ostringstream out;
  const history h = t.fit(first(data.images, 64), first(data.labels, 64), rest(data.images, 64), rest(data.labels, 64),
                          {.epochs = 2, .progress = progress_style::lines, .out = &out});
  const std::string text = out.str();
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);
  CHECK_THAT(text,
             Catch::Matchers::StartsWith("Epoch 1/2: loss ") && Catch::Matchers::Contains("val_acc") && Catch::Matchers::Contains("img/s"));

  SECTION("the live bar redraws with carriage returns") {
    std::ostringstream bar;
    t.fit(data.images, data.labels, {.epochs = 1, .batch_size = 8, .progress = progress_style::bar, .out = &bar});
    CHECK_THAT(bar.str(),
               Catch::Matchers::Contains("\rEpoch 1/1 [") && Catch::Matchers::Contains("12/12") && Catch::Matchers::Contains("ETA"));
  }

  const std::string path = "tenet_history_test.csv";
  h.write_csv(path);
  std::ifstream in(path);
  std::string header, row;
  std::getline(in, header);
  CHECK(header == "epoch,loss,accuracy,val_loss,val_accuracy,seconds,learning_rate,images_per_second");
  std::size_t rows = 0;
  while (std::getline(in, row)) {
    ++rows;
    CHECK(row.rfind(std::to_string(rows) + ",", 0) == 0);
  }
  CHECK(rows == 2);
  std::remove(path.c_str());
  CHECK_THROWS_WITH(h.write_csv("/nonexistent-dir/h.csv"), Catch::Matchers::Contains("/nonexistent-dir/h.csv"));
}

TEST_CASE("bad training data is refused with the example named", "[training][errors]") {
  auto data = make_quadrants(40, 13);
  quadrant_net net;
  const auto before = std::vector<float>(net.parameter_storage().begin(), net.parameter_storage().end());
  trainer<quadrant_net> t(net);
  const fit_options quiet{.progress = progress_style::none};

  SECTION("a NaN pixel") {
    data.images[17](3, 4, 0) = NAN;
    CHECK_THROWS_WITH(t.fit(data.images, data.labels, quiet),
                      Catch::Matchers::Contains("example 17 has a NaN or infinite value at index 40"));
  }
  SECTION("a label out of range") {
    data.labels[5] = 4;
    CHECK_THROWS_WITH(t.fit(data.images, data.labels, quiet),
                      Catch::Matchers::Contains("label 4 of example 5 is out of range: the network has 4 classes"));
  }
  SECTION("unequal lengths") {
    CHECK_THROWS_WITH(t.fit(data.images, first(data.labels, 39), quiet), Catch::Matchers::Contains("40 inputs but 39 targets"));
  }
  SECTION("bad validation data") {
    data.labels[2] = 9;
    CHECK_THROWS_WITH(t.fit(data.images, data.labels, data.images, data.labels, quiet), Catch::Matchers::Contains("training data"));
  }
  SECTION("a zero batch size") {
    CHECK_THROWS_AS(t.fit(data.images, data.labels, {.batch_size = 0, .progress = progress_style::none}), std::invalid_argument);
  }
  // Nothing was trained.
  CHECK(std::vector<float>(net.parameter_storage().begin(), net.parameter_storage().end()) == before);
}

TEST_CASE("the batch loop allocates nothing once training has started", "[training][memory]") {
  if (!TENET_TEST_COUNTS_ALLOCATIONS) {
    WARN("not counted in a ThreadSanitizer build (see the top of this file)");
    return;
  }
  const auto data = make_quadrants(320, 14);
  quadrant_net net;
  trainer<quadrant_net> t(net);
  std::size_t at_last = 0;
  // The live bar is drawn too, into a stream that discards (an ostringstream would allocate
  // as it grows, which is the test's business, not fit's).
  struct discard : std::streambuf {
    int overflow(int c) override { return c; }
    std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
  } discard_buffer;
  std::ostream sink(&discard_buffer);
  fit_options options{.epochs = 2, .batch_size = 32, .progress = progress_style::bar, .out = &sink};
  options.on_batch = [&](const batch_report& r) {
    if (r.epoch == 1 && r.batch == 2) {
      allocations = 0;
      counting = true;
    }
    if (r.epoch == 1 && r.batch == r.batches) {
      counting = false;
      at_last = allocations.load();
    }
  };
  t.fit(data.images, data.labels, options);
  counting = false;
  CHECK(at_last == 0);
}

TEST_CASE("train_on_batch takes one step and reports the batch's loss and accuracy", "[training]") {
  const auto data = make_quadrants(64, 15);
  quadrant_net a, b;
  a.initialize(6);
  b.initialize(6);
  trainer<quadrant_net, cross_entropy, sgd> ta(a, sgd{.learning_rate = 0.05f}), tb(b, sgd{.learning_rate = 0.05f});
  // One fit epoch of one unshuffled batch is the same step as train_on_batch.
  const evaluation step = ta.train_on_batch(data.images, data.labels);
  const history h = tb.fit(data.images, data.labels, {.batch_size = 64, .shuffle = false, .progress = progress_style::none});
  CHECK(step.loss == Approx(h.epochs[0].loss));
  CHECK(step.accuracy == h.epochs[0].accuracy);
  const auto pa = a.parameter_storage(), pb = b.parameter_storage();
  CHECK(std::vector<float>(pa.begin(), pa.end()) == std::vector<float>(pb.begin(), pb.end()));

  SECTION("a NaN loss leaves the weights as they were") {
    a.layer<5>().weights()[3] = INFINITY;
    const auto poisoned = std::vector<float>(pa.begin(), pa.end());
    CHECK_THROWS_AS(ta.train_on_batch(data.images, data.labels), training_error);
    CHECK(std::vector<float>(pa.begin(), pa.end()) == poisoned);
  }

  SECTION("after a NaN loss the next step is the step of a trainer that never saw it") {
    // The failed batch's gradients (infinite, NaN) must not leak into the next one: the
    // trainer keeps its per-chunk gradients zeroed between batches.
    quadrant_net c = a;
    const float kept = a.layer<5>().weights()[3];
    a.layer<5>().weights()[3] = INFINITY;
    CHECK_THROWS_AS(ta.train_on_batch(data.images, data.labels), training_error);
    a.layer<5>().weights()[3] = kept;
    trainer<quadrant_net, cross_entropy, sgd> tc(c, sgd{.learning_rate = 0.05f});
    const fit_options one_batch{.batch_size = 64, .shuffle = false, .progress = progress_style::none};
    ta.fit(data.images, data.labels, one_batch);
    tc.fit(data.images, data.labels, one_batch);
    const auto pc = c.parameter_storage();
    CHECK(std::vector<float>(pa.begin(), pa.end()) == std::vector<float>(pc.begin(), pc.end()));
  }
}

TEST_CASE("the trainer's steps are the averaged per-example gradients of backprop, step after step", "[training]") {
  // Two convolutions (the second, of 4 channels, prepares transposed weights once per batch
  // and thread), dense layers whose weight gradients are deferred, no dropout: each of three
  // batches of 40 (5 chunks: a tree with an odd chunk) against a plain SGD step from one
  // backprop::backward per example, summed in example order. Only the summation order
  // differs (chunks, then the chunk tree), hence a tolerance.
  using net_t = network<input<12, 12, 1>, conv2d<4, kernel<3, 3>, same>, relu, conv2d<6, kernel<3, 3>, same>, relu, max_pool<2>, flatten,
                        dense<12>, relu, dense<4>, softmax>;
  using loss_t = tenet::detail::resolve_loss<cross_entropy, tensor<float, net_t::output_shape>>::type;
  using pass = tenet::detail::backprop<net_t, loss_t>;
  const auto data = make_quadrants(120, 31);
  net_t trained, reference;
  trained.initialize(8);
  reference.initialize(8);
  trainer<net_t, cross_entropy, sgd> t(trained, sgd{.learning_rate = 0.2f});
  tenet::detail::aligned_floats ws(pass::layout::workspace_floats), grad(net_t::storage_size);
  const auto initial = std::vector<float>(trained.parameter_storage().begin(), trained.parameter_storage().end());
  for (std::size_t batch = 0; batch < 3; ++batch) {
    INFO("batch " << batch);
    const auto x = std::span<const image_t>(data.images).subspan(batch * 40, 40);
    const auto y = std::span<const std::uint32_t>(data.labels).subspan(batch * 40, 40);
    t.train_on_batch(x, y);
    float* w = reference.parameter_storage().data();
    std::fill_n(grad.data(), net_t::storage_size, 0.0f);
    for (std::size_t e = 0; e < x.size(); ++e) {
      pass::forward(w, x[e].data(), ws.data(), true, 0);
      pass::backward(w, x[e].data(), y[e], ws.data(), grad.data());
    }
    for (std::size_t k = 0; k < net_t::storage_size; ++k) w[k] -= 0.2f * (grad.data()[k] / 40.0f);
    const auto got = trained.parameter_storage(), want = reference.parameter_storage();
    std::size_t off = 0, moved = 0;
    for (std::size_t k = 0; k < net_t::storage_size; ++k) {
      if (std::abs(got[k] - want[k]) > 1e-6f + 1e-5f * std::abs(want[k])) ++off;
      if (got[k] != initial[k]) ++moved;
    }
    CHECK(off == 0);
    CHECK(moved > net_t::param_count / 2);  // the steps are not empty
  }
}

TEST_CASE("the best-weights checkpoint is written whenever the monitored loss improves", "[training][callbacks]") {
  const auto data = make_quadrants(200, 16);
  quadrant_net net;
  net.initialize(2);
  trainer<quadrant_net> t(net);
  const std::filesystem::path file = std::filesystem::temp_directory_path() / "tenet_checkpoint_test.weights";
  std::filesystem::remove(file);
  std::vector<float> best;
  fit_options options{.epochs = 3, .progress = progress_style::none, .checkpoint = file};
  options.on_improvement = [&](const epoch_record&) {
    const auto p = net.parameter_storage();
    best.assign(p.begin(), p.end());
  };
  t.fit(first(data.images, 150), first(data.labels, 150), rest(data.images, 150), rest(data.labels, 150), options);
  REQUIRE(std::filesystem::exists(file));
  quadrant_net restored;
  load_weights(restored, file);
  const auto p = restored.parameter_storage();
  CHECK(std::vector<float>(p.begin(), p.end()) == best);
  std::filesystem::remove(file);
}

TEST_CASE("He and Glorot initializers draw from their ranges, per network or per layer", "[training][init]") {
  using net_t = network<input<8, 8, 4>, conv2d<32, kernel<3, 3>, same>, relu, flatten, dense<50>>;
  net_t net;
  // conv: fan_in 3*3*4 = 36, fan_out 3*3*32 = 288; dense: fan_in 8*8*32 = 2048, fan_out 50
  auto range = [](auto weights) {
    float lo = 0, hi = 0;
    double sum_sq = 0;
    for (float w : weights) lo = std::min(lo, w), hi = std::max(hi, w), sum_sq += double(w) * w;
    return std::tuple{lo, hi, std::sqrt(sum_sq / double(weights.size()))};
  };
  SECTION("he_uniform on the whole network") {
    net.initialize(3, initializer::he_uniform);
    const auto [lo, hi, rms] = range(net.layer<0>().weights());
    const float limit = std::sqrt(6.0f / 36.0f);
    CHECK(lo >= -limit);
    CHECK(hi <= limit);
    CHECK(hi > 0.95f * limit);  // the whole range is used
    CHECK(rms == Approx(limit / std::sqrt(3.0f)).epsilon(0.05));  // a uniform's deviation
  }
  SECTION("he_normal: deviation sqrt(2 / fan_in), nothing beyond two deviations") {
    net.initialize(4, initializer::he_normal);
    const auto [lo, hi, rms] = range(net.layer<3>().weights());
    const float sigma = std::sqrt(2.0f / 2048.0f) / 0.8796257f;
    CHECK(lo >= -2 * sigma);
    CHECK(hi <= 2 * sigma);
    CHECK(rms == Approx(std::sqrt(2.0f / 2048.0f)).epsilon(0.03));
  }
  SECTION("one layer re-initialized on its own") {
    net.initialize(5);  // Glorot everywhere
    const auto dense_before = std::vector<float>(net.layer<3>().weights().begin(), net.layer<3>().weights().end());
    for (float& b : net.layer<0>().biases()) b = 1.0f;
    net.layer<0>().initialize(initializer::he_uniform, 9);
    const auto [lo, hi, rms] = range(net.layer<0>().weights());
    CHECK(hi > std::sqrt(6.0f / (36.0f + 288.0f)));  // beyond Glorot's limit: really He
    for (float b : net.layer<0>().biases()) CHECK(b == 0.0f);
    CHECK(std::vector<float>(net.layer<3>().weights().begin(), net.layer<3>().weights().end()) == dense_before);
    (void)lo;
    (void)rms;
  }
}
