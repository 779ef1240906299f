// Concurrency: one const network predicting from many threads at once (std::thread and TBB
// tasks, single and batch predict, TBB nested inside TBB), and two networks training at the
// same time. Every result must be bit-identical to the same call made alone.
//
// Two networks: a small one, whose forward pass keeps its scratch on the stack, and one whose
// activations exceed 256 KiB, whose forward pass uses a thread_local scratch buffer (see
// network_base::forward) and whose second convolution is large enough to split its rows over
// TBB tasks when called through single-example predict.
//
// The ThreadSanitizer build runs these tests (CMakePresets.json `tsan`, scripts/run-tests),
// with TBB limited to one thread per calling thread: see `tsan_tbb_limit` below.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <tenet/tenet.hpp>
#include <tenet/train/trainer.hpp>
#include "quadrants.hpp"

namespace {

using namespace tenet;

using small_net = network<input<12, 12, 1>, conv2d<4, kernel<3, 3>, same>, relu, max_pool<2>, flatten, dense<5>, softmax>;
static_assert(small_net::scratch_bytes <= 256 * 1024, "small_net must keep its scratch on the stack");

/// 48x48x16 activations (147 KiB each, 288 KiB of scratch): the thread_local path. Its second
/// convolution (10.6 MFLOP) is split over TBB tasks by single-example predict.
using large_net = network<input<48, 48, 1>, conv2d<16, kernel<3, 3>, same>, relu, conv2d<16, kernel<3, 3>, same>, relu, max_pool<4>,
                          flatten, dense<10>, softmax>;
static_assert(large_net::scratch_bytes > 256 * 1024, "large_net must use the thread_local scratch buffer");
static_assert(48 * 48 * 16 * 9 * 16 * 2 >= 2 * parallel::min_flops_per_task, "large_net's second conv2d must split");

#if defined(__SANITIZE_THREAD__)
#define TENET_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TENET_TEST_TSAN 1
#endif
#endif
#ifndef TENET_TEST_TSAN
#define TENET_TEST_TSAN 0
#endif

/// Under ThreadSanitizer, TBB runs each parallel loop on the thread that calls it (one thread
/// per arena). libtbb.so is not instrumented, so TSan cannot see the synchronization of TBB's
/// scheduler and reports every hand-over of data between TBB threads as a race: about 700
/// false reports for this file, in TBB's partitioner and in tenet's kernels alike, which no
/// suppression list could separate from real ones. Limited this way, the threads are the
/// std::threads these tests start, synchronized by what TSan intercepts (thread start and
/// join, std::atomic), and TSan checks what the tests are about: shared state between users'
/// threads predicting with one network or training side by side. The other builds run the
/// same tests with all of TBB's threads, checking the results bit for bit. (The smallest
/// max_allowed_parallelism in force wins, so the tests' own limits of 8 or 16 do not undo it.)
struct tsan_tbb_limit {
  std::optional<tbb::global_control> limit;
  tsan_tbb_limit() {
    if (TENET_TEST_TSAN) limit.emplace(tbb::global_control::max_allowed_parallelism, 1);
  }
};

template <class Net>
using input_t = tensor<float, typename Net::input_shape>;
template <class Net>
using output_t = tensor<float, typename Net::output_shape>;

template <class Net>
std::vector<input_t<Net>> random_inputs(std::size_t count, std::uint64_t seed) {
  tenet::detail::random_generator rng(seed);
  std::vector<input_t<Net>> xs(count);
  for (auto& x : xs)
    for (float& v : x) v = rng.uniform();
  return xs;
}

template <class S>
bool same_bits(const tensor<float, S>& a, const tensor<float, S>& b) {
  return std::memcmp(a.data(), b.data(), S::size * sizeof(float)) == 0;
}

/// Indices of the outputs that differ from the reference in any bit.
template <class S>
std::vector<std::size_t> mismatches(const std::vector<tensor<float, S>>& got, const std::vector<tensor<float, S>>& want) {
  std::vector<std::size_t> bad;
  for (std::size_t i = 0; i < want.size(); ++i)
    if (!same_bits(got[i], want[i])) bad.push_back(i);
  return bad;
}

/// The reference: every example through single predict, one after the other, on this thread.
template <class Net>
std::vector<output_t<Net>> serial_predictions(const Net& net, const std::vector<input_t<Net>>& xs) {
  std::vector<output_t<Net>> ys;
  for (const auto& x : xs) ys.push_back(net.predict(x));
  return ys;
}

/// More TBB threads than cores (2 in CI) make stealing, and so any sharing bug, far likelier.
/// (One under TSan, see tsan_tbb_limit: asking for more would only print TBB warnings.)
constexpr int tbb_threads = TENET_TEST_TSAN ? 1 : 8;
constexpr int many_tbb_threads = TENET_TEST_TSAN ? 1 : 16;

template <class Net>
void check_predict_concurrency(std::size_t count) {
  Net net_storage;
  net_storage.initialize(11);
  const Net& net = net_storage;
  const auto xs = random_inputs<Net>(count, 5);
  const auto reference = serial_predictions(net, xs);

  SECTION("batch predict gives the serial results") { CHECK(mismatches(net.predict(xs), reference).empty()); }

  SECTION("many std::threads at once, single and batch predict") {
    constexpr std::size_t threads = 6;
    std::vector<std::vector<output_t<Net>>> singles(threads), batches(threads);
    std::atomic<bool> go{false};
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        while (!go.load()) std::this_thread::yield();
        // Each thread walks the examples from a different start, so different examples overlap.
        singles[t].resize(count);
        for (std::size_t k = 0; k < count; ++k) {
          const std::size_t i = (k + t * 3) % count;
          singles[t][i] = net.predict(xs[i]);
        }
        batches[t] = net.predict(xs);
      });
    go = true;
    for (auto& th : pool) th.join();
    for (std::size_t t = 0; t < threads; ++t) {
      INFO("thread " << t);
      CHECK(mismatches(singles[t], reference).empty());
      CHECK(mismatches(batches[t], reference).empty());
    }
  }

  SECTION("TBB tasks: parallel_for whose tasks each run a batch predict (TBB nested in TBB)") {
    tbb::global_control allow(tbb::global_control::max_allowed_parallelism, tbb_threads);
    tbb::task_arena arena(tbb_threads);
    constexpr std::size_t rounds = 6;
    std::vector<std::vector<output_t<Net>>> batches(rounds);
    // Batch predict runs each example's forward pass without further splitting
    // (parallel::policy::serial), so a waiting thread never re-enters a forward pass.
    arena.execute([&] { tbb::parallel_for(std::size_t{0}, rounds, [&](std::size_t round) { batches[round] = net.predict(xs); }); });
    for (std::size_t round = 0; round < rounds; ++round) {
      INFO("batch predict in task " << round);
      CHECK(mismatches(batches[round], reference).empty());
    }
  }
}

/// Single-example predict from the tasks of a tbb::parallel_for (one example per task); returns
/// how many of `rounds` x xs.size() predictions differ from `reference`.
template <class Net>
std::size_t single_predict_in_tasks(const Net& net, const std::vector<input_t<Net>>& xs, const std::vector<output_t<Net>>& reference,
                                    int threads, int rounds) {
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  std::size_t wrong = 0;
  for (int round = 0; round < rounds; ++round) {
    std::vector<output_t<Net>> got(xs.size());
    arena.execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<std::size_t>(0, xs.size(), 1),
          [&](const tbb::blocked_range<std::size_t>& r) {
            for (std::size_t i = r.begin(); i != r.end(); ++i) got[i] = net.predict(xs[i]);
          },
          tbb::simple_partitioner{});
    });
    wrong += mismatches(got, reference).size();
  }
  return wrong;
}

// --- training -----------------------------------------------------------------------------

using tenet::test::make_quadrants;
using quadrants = tenet::test::quadrant_data;

using cnn_a = network<input<12, 12, 1>, conv2d<6, kernel<3, 3>, same>, relu, max_pool<2>, dropout_ratio<1, 4>, flatten, dense<4>, softmax>;
using mlp_b = network<input<12, 12, 1>, flatten, dense<16>, tenet::tanh, dense<4>, softmax>;

template <class Net, class Opt>
std::vector<float> train(const quadrants& data, std::uint64_t seed, Opt optimizer) {
  Net net;
  net.initialize(seed);
  trainer<Net, cross_entropy, Opt> t(net, optimizer);
  t.fit(data.images, data.labels, data.images, data.labels,
        {.epochs = 2, .batch_size = 16, .seed = seed, .progress = progress_style::none, .out = nullptr});
  const auto p = net.parameter_storage();
  return {p.begin(), p.end()};
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("concurrency: predict on one const small network from many threads is bit-identical to serial calls", "[concurrency]") {
  const tsan_tbb_limit tsan_limit;
  check_predict_concurrency<small_net>(24);
}

TEST_CASE("concurrency: predict on one const network with a thread_local scratch buffer from many threads", "[concurrency]") {
  const tsan_tbb_limit tsan_limit;
  check_predict_concurrency<large_net>(12);
}

TEST_CASE("concurrency: single predict of the small network from the tasks of a TBB parallel_for", "[concurrency]") {
  const tsan_tbb_limit tsan_limit;
  small_net net_storage;
  net_storage.initialize(11);
  const small_net& net = net_storage;
  const auto xs = random_inputs<small_net>(32, 5);
  const auto reference = serial_predictions(net, xs);
  CHECK(single_predict_in_tasks(net, xs, reference, tbb_threads, 4) == 0);
}

// Regression test for a bug found by this test: a TBB task that calls single-example predict
// on large_net waits, inside forward(), for the row tasks of its second convolution while its
// thread_local scratch buffer holds the layer's input. A waiting TBB thread could run another
// iteration of the outer loop, whose forward() overwrote the same buffer (128 of 4,800
// predictions wrong with 8 TBB threads). parallel::for_ranges now isolates its parallel_for
// (tbb::this_task_arena::isolate), so a waiting thread only runs its own sub-ranges.
TEST_CASE("concurrency: single predict of a thread_local-scratch network from the tasks of a TBB parallel_for", "[concurrency][nested]") {
  const tsan_tbb_limit tsan_limit;
  large_net net_storage;
  net_storage.initialize(11);
  const large_net& net = net_storage;
  const auto xs = random_inputs<large_net>(24, 5);
  const auto reference = serial_predictions(net, xs);
  const std::size_t wrong = single_predict_in_tasks(net, xs, reference, many_tbb_threads, 10);
  INFO(wrong << " of " << 10 * xs.size() << " predictions differ from the serial ones");
  CHECK(wrong == 0);
}

TEST_CASE("concurrency: two networks training at the same time each get the weights they get alone", "[concurrency][training]") {
  const tsan_tbb_limit tsan_limit;
  const auto data = make_quadrants(96, 21);
  // Alone, one after the other.
  const auto a_alone = train<cnn_a>(data, 1, adam{.learning_rate = 3e-3f});
  const auto b_alone = train<mlp_b>(data, 2, sgd{.learning_rate = 0.1f, .momentum = 0.9f});
  const auto a2_alone = train<cnn_a>(data, 3, adam{.learning_rate = 3e-3f});

  // At the same time: two different types, and a second network of the first type.
  std::vector<float> a_together, b_together, a2_together;
  std::atomic<bool> go{false};
  std::thread ta([&] {
    while (!go.load()) std::this_thread::yield();
    a_together = train<cnn_a>(data, 1, adam{.learning_rate = 3e-3f});
  });
  std::thread tb([&] {
    while (!go.load()) std::this_thread::yield();
    b_together = train<mlp_b>(data, 2, sgd{.learning_rate = 0.1f, .momentum = 0.9f});
  });
  std::thread ta2([&] {
    while (!go.load()) std::this_thread::yield();
    a2_together = train<cnn_a>(data, 3, adam{.learning_rate = 3e-3f});
  });
  go = true;
  ta.join();
  tb.join();
  ta2.join();

  CHECK(!same_bits(a_alone, a2_alone));  // the seeds matter, so the comparison below means something
  CHECK(same_bits(a_together, a_alone));
  CHECK(same_bits(b_together, b_alone));
  CHECK(same_bits(a2_together, a2_alone));
}
