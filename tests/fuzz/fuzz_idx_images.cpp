// libFuzzer target: tenet::data::load_idx on an arbitrary IMAGE file (plain or gzip).
//
// The fuzz input is written to a file and loaded as the image file of two dataset types,
// shape<28, 28, 1> with 10 classes and shape<4, 3, 1> with 3 classes, once under a plain name
// and once under a name ending in .gz (which must be gzip), and once gzip-compressed by the
// harness (a valid stream of the input: the code after decompression then sees every mutation,
// not only the rare mutated streams that still decompress). The label file is a valid one whose
// count matches the count the input's header claims (decompressed first when the input is
// gzip), so the loader gets past the label checks and into the image data.
//
// Any tenet::data::data_error is a correct answer. A crash, a sanitizer report, any other
// exception (it escapes and aborts), a hang or an allocation past libFuzzer's limits is a bug.
//
// Build: cmake --preset clang -DTENET_BUILD_FUZZERS=ON; see docs/fuzzing.md.

#include <cstddef>
#include <cstdint>

#include <tenet/data/idx.hpp>

#include "fuzz_common.hpp"

namespace fuzz_idx_images {

template <class Shape, std::size_t Classes>
void load(const tenet_fuzz::fs::path& images, const tenet_fuzz::fs::path& labels, const tenet::data::idx_options& options) {
  try {
    const auto data = tenet::data::load_idx<Shape, Classes>(images, labels, options);
    // A successful load must be self-consistent.
    if (data.images.size() != data.labels.size()) __builtin_trap();
    for (const auto label : data.labels)
      if (label >= Classes) __builtin_trap();
    for (const auto& image : data.images)
      for (const float v : image)
        if (!(v >= 0.0f && v <= 1.0f)) __builtin_trap();
  } catch (const tenet::data::data_error&) {
    // the expected way to refuse a bad file
  }
}

}  // namespace fuzz_idx_images

// The unit tests compile this file too, under another name (tests/unit/fuzz_corpus.tests.cpp).
#ifndef TENET_FUZZ_ENTRY
#define TENET_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int TENET_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  using namespace tenet_fuzz;
  using namespace fuzz_idx_images;
  const std::uint32_t count = claimed_count(data, size).value_or(3);
  const fs::path labels = write_scratch("labels", idx_labels(count));
  const fs::path plain = write_scratch("images", data, size);
  const fs::path gz = write_scratch("images.gz", data, size);
  const fs::path compressed = write_scratch("compressed", gzip(data, size));
  for (const auto& images : {plain, gz, compressed}) {
    load<tenet::shape<28, 28, 1>, 10>(images, labels, {});
    load<tenet::shape<4, 3, 1>, 3>(images, labels, {});
    load<tenet::shape<3, 4, 1>, 3>(images, labels, {.transposed = true, .limit = 2});
  }
  return 0;
}
