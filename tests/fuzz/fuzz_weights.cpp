// libFuzzer target: tenet::load_weights on an arbitrary weights file.
//
// The fuzz input is written to a file and loaded into two small networks of different types
// (tenet_fuzz::small_cnn and small_mlp, fuzz_common.hpp). A file that loads must leave the
// network exactly as the file says (checked by saving it again: header fields and layer
// records must be the input's, byte for byte); a file that is refused must throw
// tenet::weights_error naming the file and leave the network's parameters untouched.
//
// Each input is loaded twice: as it is, and with its last 4 bytes replaced by the CRC-32 of
// the rest. Random mutations almost never keep the checksum valid, so without the second copy
// the checks after it (flags, fingerprint, declared size, layer records, the values) would
// only ever see the seeds.
//
// Any other exception (it escapes and aborts), a crash, a sanitizer report, a hang or an
// allocation past libFuzzer's limits is a bug.
//
// Build: cmake --preset clang -DTENET_BUILD_FUZZERS=ON; see docs/fuzzing.md.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <zlib.h>

#include <tenet/io/weights.hpp>

#include "fuzz_common.hpp"

namespace fuzz_weights {

template <class Net>
std::vector<float> parameters(const Net& net) {
  const auto p = net.parameter_storage();
  return {p.begin(), p.end()};
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

template <class Net>
void load(const tenet_fuzz::fs::path& file, const std::uint8_t* data, std::size_t size) {
  Net net;
  net.initialize(7);
  const auto before = parameters(net);
  try {
    tenet::load_weights(net, file);
  } catch (const tenet::weights_error& e) {
    if (e.path() != file) __builtin_trap();  // the error names the file
    if (!same_bits(parameters(net), before)) __builtin_trap();  // and nothing was changed
    return;
  }
  // Loaded: saving the network again must give back the input's header fields and layer
  // records byte for byte (every value exactly as stored). The description is not compared:
  // it is informational and not checked by load_weights (docs/weights-format.md), so a file
  // with another description of a valid checksum loads.
  const auto again = tenet_fuzz::scratch_dir() / "again.weights";
  tenet::save_weights(net, again);
  std::ifstream in(again, std::ios::binary);
  const std::vector<unsigned char> saved((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto le32 = [](const unsigned char* p) {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
  };
  if (size < 44 || saved.size() < 44) __builtin_trap();
  const std::size_t theirs = 40 + std::size_t{le32(data + 36)}, ours = 40 + std::size_t{le32(saved.data() + 36)};
  if (!std::equal(saved.begin(), saved.begin() + 36, data)) __builtin_trap();  // magic .. layer count
  if (size - theirs != saved.size() - ours) __builtin_trap();
  if (!std::equal(saved.begin() + static_cast<std::ptrdiff_t>(ours), saved.end() - 4, data + theirs)) __builtin_trap();
}

}  // namespace fuzz_weights

// The unit tests compile this file too, under another name (tests/unit/fuzz_corpus.tests.cpp).
#ifndef TENET_FUZZ_ENTRY
#define TENET_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int TENET_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  using namespace fuzz_weights;
  const auto file = tenet_fuzz::write_scratch("input.weights", data, size);
  load<tenet_fuzz::small_cnn>(file, data, size);
  load<tenet_fuzz::small_mlp>(file, data, size);
  if (size >= 4) {
    std::vector<std::uint8_t> fixed(data, data + size);
    const auto crc = static_cast<std::uint32_t>(::crc32(0L, fixed.data(), static_cast<uInt>(size - 4)));
    for (std::size_t i = 0; i < 4; ++i) fixed[size - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
    const auto fixed_file = tenet_fuzz::write_scratch("fixed.weights", fixed.data(), size);
    load<tenet_fuzz::small_cnn>(fixed_file, fixed.data(), size);
    load<tenet_fuzz::small_mlp>(fixed_file, fixed.data(), size);
  }
  return 0;
}
