// libFuzzer target: tenet::data::load_idx on an arbitrary LABEL file (plain or gzip).
//
// The fuzz input is written to a file and loaded as the label file of a dataset of 4x3 images,
// once under a plain name, once under a name ending in .gz (which must be gzip) and once
// gzip-compressed by the harness (so the code after decompression sees every mutation), with three
// sets of options: 10 classes; 3 classes with label_offset 1; and 3 classes picked with
// idx_options::classes plus a limit. The image file is a valid one whose count matches the
// count the input's header claims (decompressed first when the input is gzip), so the loader
// gets past the count check and into the labels.
//
// Any tenet::data::data_error is a correct answer. A crash, a sanitizer report, any other
// exception (it escapes and aborts), a hang or an allocation past libFuzzer's limits is a bug.
//
// Build: cmake --preset clang -DTENET_BUILD_FUZZERS=ON; see docs/fuzzing.md.

#include <cstddef>
#include <cstdint>

#include <tenet/data/idx.hpp>

#include "fuzz_common.hpp"

namespace fuzz_idx_labels {

using image4x3 = tenet::shape<4, 3, 1>;

template <std::size_t Classes>
void load(const tenet_fuzz::fs::path& images, const tenet_fuzz::fs::path& labels, const tenet::data::idx_options& options) {
  try {
    const auto data = tenet::data::load_idx<image4x3, Classes>(images, labels, options);
    if (data.images.size() != data.labels.size() || data.images.size() > options.limit) __builtin_trap();
    for (const auto label : data.labels)
      if (label >= Classes) __builtin_trap();
  } catch (const tenet::data::data_error&) {
    // the expected way to refuse a bad file
  }
}

}  // namespace fuzz_idx_labels

// The unit tests compile this file too, under another name (tests/unit/fuzz_corpus.tests.cpp).
#ifndef TENET_FUZZ_ENTRY
#define TENET_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int TENET_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  using namespace tenet_fuzz;
  using namespace fuzz_idx_labels;
  const std::uint32_t count = claimed_count(data, size).value_or(3);
  const fs::path images = write_scratch("images", idx_images(count, 4, 3));
  const fs::path plain = write_scratch("labels", data, size);
  const fs::path gz = write_scratch("labels.gz", data, size);
  const fs::path compressed = write_scratch("compressed", gzip(data, size));
  for (const auto& labels : {plain, gz, compressed}) {
    load<10>(images, labels, {});
    load<3>(images, labels, {.label_offset = 1});
    load<3>(images, labels, {.classes = {2, 0, 7}, .limit = 2});
  }
  return 0;
}
