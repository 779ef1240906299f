#pragma once
/// Fashion-MNIST (Zalando, MIT licence): where Debian's `dataset-fashion-mnist` package puts
/// it, its class names, and a one-line loader.

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "../shape.hpp"
#include "dataset.hpp"
#include "idx.hpp"

namespace tenet::data::fashion_mnist {

/// Where Debian's dataset-fashion-mnist installs the four gzipped IDX files.
inline constexpr std::string_view default_directory = "/usr/share/datasets/fashion-mnist";

/// Label i names class i (for confusion matrices and captions).
inline constexpr std::array<std::string_view, 10> class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

/// One example: a 28x28 grayscale image.
using image_shape = shape<28, 28, 1>;
using dataset_type = dataset<image_shape, 10>;

/// Which file pair to read: 60,000 training or 10,000 test examples.
enum class split { train, test };

/// Loads `train-*` or `t10k-*` from `directory` (throws data_error naming a missing file;
/// install the package with `apt-get install dataset-fashion-mnist`).
inline dataset_type load(split which, const std::filesystem::path& directory = std::filesystem::path(default_directory),
                         const idx_options& options = {}) {
  const char* prefix = which == split::train ? "train" : "t10k";
  return load_idx<image_shape, 10>(directory / (std::string(prefix) + "-images-idx3-ubyte.gz"),
                                   directory / (std::string(prefix) + "-labels-idx1-ubyte.gz"), options);
}

}  // namespace tenet::data::fashion_mnist
