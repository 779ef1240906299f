#pragma once
/// How the optimizers' element-wise updates run: vectorized and spread over threads. For a
/// 448k-parameter network one Adam step is about a million square roots and divisions, which
/// a scalar loop on one thread does in over a millisecond.
///
/// Determinism: elements are processed in whole registers by the same vector code, and the
/// last n % lanes elements by that code too, on a zero-padded copy. Which code handles an
/// element therefore depends on n only, never on how the range was split across threads, so
/// an update is bit-identical on any number of threads.

#include <algorithm>
#include <cstddef>

#include "../kernels/arch.hpp"
#include "../parallel/execution.hpp"

namespace tenet::detail {

/// Calls `block(in, out, i)` for every register-sized block [i, i + lanes) of [begin, end),
/// on this thread (begin and end multiples of the lanes): `in` are the read-only arrays of an
/// update, `out` the arrays it reads and writes.
template <class Arch, std::size_t NI, std::size_t NO, class Block>
void update_registers(std::size_t begin, std::size_t end, const float* const (&in)[NI], float* const (&out)[NO], Block&& block) {
  // Local copies of the pointers: the compiler then knows the stores cannot change them.
  const float* in_at[NI];
  float* out_at[NO];
  for (std::size_t a = 0; a < NI; ++a) in_at[a] = in[a];
  for (std::size_t a = 0; a < NO; ++a) out_at[a] = out[a];
  for (std::size_t i = begin; i < end; i += simd::lanes<Arch>) block(in_at, out_at, i);
}

/// Calls `block(in, out, i)` for every register-sized block [i, i + lanes) of [0, n), in
/// parallel (all arrays of n floats). The last partial block runs on zero-padded local copies
/// (with i = 0), whose updated values are copied back.
template <class Arch, std::size_t NI, std::size_t NO, class Block>
void update_in_blocks(std::size_t n, const float* const (&in)[NI], float* const (&out)[NO], Block block) {
  constexpr std::size_t L = simd::lanes<Arch>;
  const std::size_t blocks = n / L;
  // 2048 blocks (16k floats, 64 KiB per array) per task: enough to amortize a task.
  parallel::for_ranges(blocks, 2048,
                       [&](std::size_t begin, std::size_t end) { update_registers<Arch>(begin * L, end * L, in, out, block); });
  const std::size_t done = blocks * L, rest = n - done;
  if (rest == 0) return;
  alignas(64) float in_copy[NI][L] = {};
  alignas(64) float out_copy[NO][L] = {};
  const float* in_at[NI];
  float* out_at[NO];
  for (std::size_t a = 0; a < NI; ++a) {
    std::copy(in[a] + done, in[a] + n, in_copy[a]);
    in_at[a] = in_copy[a];
  }
  for (std::size_t a = 0; a < NO; ++a) {
    std::copy(out[a] + done, out[a] + n, out_copy[a]);
    out_at[a] = out_copy[a];
  }
  block(in_at, out_at, std::size_t{0});
  for (std::size_t a = 0; a < NO; ++a) std::copy(out_copy[a], out_copy[a] + rest, out[a] + done);
}

}  // namespace tenet::detail
