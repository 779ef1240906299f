#pragma once
/// Two buffers serving a run of steps, each step reading what the one before it wrote: the
/// rule inference's forward pass and training's backward pass share.

#include <array>
#include <cstddef>

namespace tenet::plan {

/// Step k (counting the steps that run, not the layer index) writes buffer k % 2, and step
/// k + 1 reads it. Counting by running steps keeps the rule right when layers are skipped
/// (absorbed by a neighbour, or identities).
constexpr std::size_t buffer_written_by(std::size_t step) { return step % 2; }
constexpr std::size_t buffer_read_by(std::size_t step) { return (step + 1) % 2; }

/// How many of the layers in [begin, end) run, given which are skipped.
template <std::size_t N>
constexpr std::size_t running_between(const std::array<bool, N>& skipped, std::size_t begin, std::size_t end) {
  std::size_t n = 0;
  for (std::size_t i = begin; i < end; ++i)
    if (!skipped[i]) ++n;
  return n;
}

}  // namespace tenet::plan
