#pragma once
/// The one place tenet talks to TBB.
///
/// Kernels are single-threaded functions over index ranges; layers and networks decide how to
/// split work and call these helpers. Keeping TBB here means a reader finds every parallel
/// construct in one file, and a port to another scheduler touches one file.

#include <cstddef>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

// TENET_PARALLEL_SERIAL=1 runs every parallel loop below on the calling thread, without TBB.
// It is the default under ThreadSanitizer: Debian's libtbb.so is not instrumented, so TSan
// cannot see the synchronization inside TBB (its scheduler, and the pools that hand task
// objects from one thread to another) and reports it as races, which would bury reports about
// tenet's own code. Under TSan the tests therefore check what users' own threads share
// (networks, trainers, scratch buffers); the TBB paths are checked, bit for bit, by the other
// builds.
#ifndef TENET_PARALLEL_SERIAL
#if defined(__SANITIZE_THREAD__)
#define TENET_PARALLEL_SERIAL 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TENET_PARALLEL_SERIAL 1
#endif
#endif
#endif
#ifndef TENET_PARALLEL_SERIAL
#define TENET_PARALLEL_SERIAL 0
#endif

namespace tenet::parallel {

/// Whether a layer may split its own work across threads. Inside a batch that is already
/// spread over the cores, splitting again only adds overhead, so batch loops pass `serial`.
enum class policy { serial, split };

/// Work below this many floating-point operations is not worth a task (TBB's own overhead is
/// a few microseconds; at tens of GFLOP/s this is roughly 20 microseconds of work).
inline constexpr std::size_t min_flops_per_task = 1u << 20;

/// Calls `body(begin, end)` on sub-ranges of [0, count), in parallel when there are at least
/// two chunks of `grain` items. The sub-ranges are disjoint and cover [0, count) exactly.
template <class Body>
void for_ranges(std::size_t count, std::size_t grain, Body&& body) {
  if (grain == 0) grain = 1;
  if (count <= grain || TENET_PARALLEL_SERIAL) {
    if (count != 0) body(std::size_t{0}, count);
    return;
  }
  // Isolated: while this thread waits for the sub-ranges it must not pick up an unrelated
  // outer task (e.g. another predict() from the caller's own parallel_for), which would reuse
  // this thread's thread_local scratch buffer in the middle of a forward pass.
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, grain),
                      [&body](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); });
  });
}

/// Grain (items per task) so that each task does at least `min_flops_per_task`.
constexpr std::size_t grain_for(std::size_t flops_per_item) {
  if (flops_per_item == 0) return 1u << 30;
  const std::size_t grain = min_flops_per_task / flops_per_item;
  return grain == 0 ? 1 : grain;
}

/// Splits `count` items of `flops_per_item` each when the policy allows it and the work is
/// big enough; otherwise runs them in one call on this thread.
template <class Body>
void for_ranges(policy p, std::size_t count, std::size_t flops_per_item, Body&& body) {
  if (p == policy::serial || count * flops_per_item < 2 * min_flops_per_task) {
    if (count != 0) body(std::size_t{0}, count);
    return;
  }
  for_ranges(count, grain_for(flops_per_item), std::forward<Body>(body));
}

/// How many threads a loop started on this thread may use: the task arena's concurrency
/// (1 when TENET_PARALLEL_SERIAL).
inline std::size_t concurrency() {
  if constexpr (TENET_PARALLEL_SERIAL) return 1;
  else return static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
}

/// Calls `body(lane, i)` for every i in [0, count): the indices are cut into at most
/// `max_lanes` contiguous runs ("lanes", no more than there are threads), each run done in
/// order by one task. A lane's scratch (`lane` indexes it) is then reused by one thread for
/// all its indices and stays in that core's cache, where a task per index would hand each
/// index's scratch to whichever thread takes it. What is computed for an index must not
/// depend on its lane or on how many threads there are: that is what makes training
/// bit-identical across thread counts.
template <class Body>
void for_each_index_in_lanes(std::size_t count, std::size_t max_lanes, Body&& body) {
  std::size_t lanes = count < max_lanes ? count : max_lanes;
  if (const std::size_t threads = concurrency(); threads < lanes) lanes = threads;
  if (lanes <= 1) {
    for (std::size_t i = 0; i < count; ++i) body(std::size_t{0}, i);
    return;
  }
  tbb::parallel_for(
      std::size_t{0}, lanes,
      [&](std::size_t lane) {
        for (std::size_t i = lane * count / lanes; i < (lane + 1) * count / lanes; ++i) body(lane, i);
      },
      tbb::static_partitioner{});
}

}  // namespace tenet::parallel
