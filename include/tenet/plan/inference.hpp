#pragma once
/// The inference plan of a network: which layers run, which neighbours each one absorbs, and
/// which buffer every step reads and writes, all computed from the layers' declarations
/// (plan/fusion.hpp) at compile time. `network::predict` walks `steps`; tests pin it.

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include "fusion.hpp"
#include "ping_pong.hpp"

namespace tenet::plan {

/// Where a step reads or writes: the caller's input or output, or one of two scratch buffers.
enum class buffer { input, output, ping, pong };

/// One step of a forward pass: `layer` runs, doing the `absorbed` layers after it too.
struct step {
  std::size_t layer;
  std::size_t absorbed;
  buffer reads;
  buffer writes;
  friend constexpr bool operator==(const step&, const step&) = default;
};

/// The forward pass of layers [0, End) of `Net` for instruction set `Arch`.
template <class Net, class Arch, std::size_t End = Net::depth>
struct inference {
  static constexpr std::size_t depth = Net::depth;
  template <std::size_t I>
  using layer = typename Net::template bound_layer<I>;

 private:
  template <std::size_t I, std::size_t K>
  static constexpr bool absorbs_next() {
    if constexpr (I + K >= End) return false;
    else return []<std::size_t... J>(std::index_sequence<J...>) {
        return absorbs_forward<layer<I>, pass::inference, Arch, layer<I + 1 + J>...>;
      }
    (std::make_index_sequence<K>{});
  }

  /// The most layers after layer I that it takes into its own pass (0: none).
  template <std::size_t I, std::size_t K = max_absorbed>
  static constexpr std::size_t absorbed_after() {
    if constexpr (K == 0) return 0;
    else if constexpr (absorbs_next<I, K>()) return K;
    else return absorbed_after<I, K - 1>();
  }

  template <std::size_t... I>
  static constexpr std::array<std::size_t, depth + 1> absorbed_table(std::index_sequence<I...>) {
    return {absorbed_after<I>()..., 0};
  }

  template <std::size_t... I>
  static constexpr std::array<bool, depth + 1> skipped_table(std::index_sequence<I...>) {
    std::array<bool, depth + 1> skipped = {(I < End && identity_in_inference<layer<I>>)..., false};
    constexpr auto absorbed = absorbed_table(std::index_sequence<I...>{});
    for (std::size_t i = 0; i < End; ++i)
      if (!skipped[i])
        for (std::size_t k = 1; k <= absorbed[i]; ++k) skipped[i + k] = true;
    for (std::size_t i = End; i < depth; ++i) skipped[i] = true;
    return skipped;
  }

 public:
  /// absorbed[I]: how many layers after layer I it runs itself.
  static constexpr auto absorbed = absorbed_table(std::make_index_sequence<depth>{});
  /// skipped[I]: layer I does not run (a neighbour runs it, it is an identity, or it is past
  /// End); the next layer that runs reads what the last one wrote.
  static constexpr auto skipped = skipped_table(std::make_index_sequence<depth>{});
  /// Steps that run.
  static constexpr std::size_t step_count = running_between(skipped, 0, depth);

  /// The steps in order. The first reads the input, the last writes the output; between them
  /// the two scratch buffers alternate (plan/ping_pong.hpp).
  static constexpr std::array<step, step_count> steps = [] {
    std::array<step, step_count> s{};
    std::size_t k = 0;
    for (std::size_t i = 0; i < depth; ++i) {
      if (skipped[i]) continue;
      const buffer reads = k == 0 ? buffer::input : (buffer_read_by(k) == 0 ? buffer::ping : buffer::pong);
      const buffer writes = k + 1 == step_count ? buffer::output : (buffer_written_by(k) == 0 ? buffer::ping : buffer::pong);
      s[k++] = {i, absorbed[i], reads, writes};
    }
    return s;
  }();
};

/// Blocks of examples in batch predict: from the first layer that runs several examples at
/// once (`forward_batch`, dense) to the end, the layers run on blocks of `block` examples,
/// the ones before it one example at a time. Every row keeps single predict's bits.
template <class Net, class Arch>
struct batch_tail {
  static constexpr std::size_t depth = Net::depth;
  template <std::size_t I>
  using layer = typename Net::template bound_layer<I>;
  template <class B>
  static constexpr bool batches = requires {
    &B::template forward_batch<Arch>;
  };

  /// Examples per block at most: larger blocks measured no faster (bench/findings.md).
  static constexpr std::size_t max_block = 8;
  /// The block's three buffers (its input rows and two ping-pong ones) live on the stack.
  static constexpr std::size_t stack_budget_bytes = 32 * 1024 * sizeof(float);

 private:
  template <std::size_t... I>
  static constexpr std::size_t first_batched(std::index_sequence<I...>) {
    std::size_t first = depth;
    ((first = first == depth && batches<layer<I>> ? I : first), ...);
    return first;
  }
  static constexpr std::size_t candidate = first_batched(std::make_index_sequence<depth>{});

 public:
  /// Floats per example of the tail's input, and the most of any tail layer's output.
  static constexpr std::size_t in_width = [] {
    if constexpr (candidate < depth) return layer<candidate>::input_shape::size;
    else return std::size_t{0};
  }();
  static constexpr std::size_t out_width = [] {
    std::size_t width = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((width = I >= candidate ? std::max(width, layer<I>::output_shape::size) : width), ...);
    }
    (std::make_index_sequence<depth>{});
    return width;
  }();
  /// Examples per block.
  static constexpr std::size_t block = [] {
    constexpr std::size_t width = in_width + 2 * out_width;
    if constexpr (width == 0) return std::size_t{0};  // no tail (clang warns of x / 0 even where unevaluated)
    else return std::min<std::size_t>(max_block, stack_budget_bytes / sizeof(float) / width);
  }();
  /// Where the blocks start (depth: nowhere, a block of one example would gain nothing).
  static constexpr std::size_t begin = block >= 2 ? candidate : depth;
};

}  // namespace tenet::plan
