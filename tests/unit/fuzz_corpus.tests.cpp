// The fuzzers' seed corpora and crash regressions, replayed through the fuzz targets' own
// code in every build (g++, clang, ASan), not only in the clang fuzzing build: each file
// must be loaded or refused with the reader's own exception type (data_error for IDX files,
// weights_error for weight files). See docs/fuzzing.md.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

// The three targets, each under its own entry-point name (they define LLVMFuzzerTestOneInput
// otherwise).
#define TENET_FUZZ_ENTRY tenet_fuzz_idx_images_one
#include "../fuzz/fuzz_idx_images.cpp"
#undef TENET_FUZZ_ENTRY
#define TENET_FUZZ_ENTRY tenet_fuzz_idx_labels_one
#include "../fuzz/fuzz_idx_labels.cpp"
#undef TENET_FUZZ_ENTRY
#define TENET_FUZZ_ENTRY tenet_fuzz_weights_one
#include "../fuzz/fuzz_weights.cpp"
#undef TENET_FUZZ_ENTRY

namespace {

namespace fs = std::filesystem;
using entry_point = int (*)(const std::uint8_t*, std::size_t);

/// Every regular file in tests/fuzz/{corpus,regressions}/<target>/, sorted.
std::vector<fs::path> inputs_of(const std::string& target) {
  std::vector<fs::path> files;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(TENET_FUZZ_DIR) / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void replay(const std::string& target, entry_point entry, std::size_t at_least) {
  const auto files = inputs_of(target);
  REQUIRE(files.size() >= at_least);  // the corpus is there (TENET_FUZZ_DIR is right)
  for (const auto& file : files) {
    INFO(file.string());
    std::ifstream in(file, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Only the reader's own exception type is caught inside `entry`: anything else escapes.
    CHECK_NOTHROW(entry(bytes.data(), bytes.size()));
  }
}

}  // namespace

TEST_CASE("the IDX image fuzzer's corpus and regressions load or throw data_error", "[fuzz][data]") {
  replay("fuzz_idx_images", tenet_fuzz_idx_images_one, 10);
}

TEST_CASE("the IDX label fuzzer's corpus and regressions load or throw data_error", "[fuzz][data]") {
  replay("fuzz_idx_labels", tenet_fuzz_idx_labels_one, 10);
}

TEST_CASE("the weights fuzzer's corpus and regressions load or throw weights_error", "[fuzz][weights]") {
  replay("fuzz_weights", tenet_fuzz_weights_one, 10);
}
