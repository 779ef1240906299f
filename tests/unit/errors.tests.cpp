// Runtime errors of docs/errors-runtime.md that no other test file checks: each test is named
// after its catalogue entry. (Most entries are tested where their feature is: data.tests.cpp,
// weights.tests.cpp, training.tests.cpp; the examples' command line by ctest, see
// examples/CMakeLists.txt.)

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include <tenet/data/idx.hpp>
#include <tenet/io/weights.hpp>
#include <tenet/tenet.hpp>
#include <tenet/train/trainer.hpp>
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using bytes = std::vector<unsigned char>;

struct scratch_dir : tenet::test::temp_dir {
  scratch_dir() : temp_dir("tenet-errors-tests") {}
};

void write_file(const fs::path& path, const bytes& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
  REQUIRE(out.good());
}

bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void put_u32(bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<unsigned char>(v >> shift));
}

bytes idx_header(std::uint32_t magic, std::initializer_list<std::uint32_t> dims) {
  bytes out;
  put_u32(out, magic);
  for (auto d : dims) put_u32(out, d);
  return out;
}

/// The message of the exception of type E that `f` throws ("" and a failed check if none).
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL_CHECK("no exception of the expected type was thrown");
  return "";
}

/// For one scope, file-system permission checks as an unprivileged user: as root, the
/// effective user id becomes `nobody` (65534) and is restored at the end; otherwise nothing
/// changes. (root may write into a read-only directory.)
class without_root {
 public:
  without_root() {
    if (::geteuid() == 0) {
      REQUIRE(::setegid(65534) == 0);
      REQUIRE(::seteuid(65534) == 0);
      switched_ = true;
    }
  }
  ~without_root() {
    if (switched_) {
      [[maybe_unused]] const int u = ::seteuid(0);
      [[maybe_unused]] const int g = ::setegid(0);
    }
  }
  without_root(const without_root&) = delete;
  without_root& operator=(const without_root&) = delete;

 private:
  bool switched_ = false;
};

using mlp = tenet::network<tenet::input<16>, tenet::dense<8>, tenet::relu, tenet::dense<4>, tenet::softmax>;

// A small image task: the brightest quadrant of a 8x8 image.
using image_t = tenet::tensor<float, tenet::shape<8, 8, 1>>;
using cnn = tenet::network<tenet::input<8, 8, 1>, tenet::conv2d<4, tenet::kernel<3, 3>, tenet::same>, tenet::relu, tenet::max_pool<2>,
                           tenet::flatten, tenet::dense<4>, tenet::softmax>;
struct quadrant_data {
  std::vector<image_t> x;
  std::vector<std::uint32_t> y;
};
quadrant_data make_data(std::size_t n) {
  quadrant_data d;
  tenet::detail::random_generator rng(3);
  for (std::size_t i = 0; i < n; ++i) {
    image_t im;
    const auto label = static_cast<std::uint32_t>(i % 4);
    for (std::size_t r = 0; r < 8; ++r)
      for (std::size_t c = 0; c < 8; ++c) im(r, c, 0) = rng.uniform() * 0.3f + ((r / 4) * 2 + c / 4 == label ? 0.7f : 0.0f);
    d.x.push_back(im);
    d.y.push_back(label);
  }
  return d;
}
const tenet::fit_options quiet{.progress = tenet::progress_style::none, .out = nullptr};

}  // namespace

// --- IDX files ------------------------------------------------------------------------------

TEST_CASE("errors: an IDX file with another number of dimensions", "[errors][data]") {
  scratch_dir dir;
  write_file(dir / "images", idx_header(0x00000804, {1, 4, 3, 1}));
  write_file(dir / "labels", idx_header(0x00000801, {1}));
  CHECK_THAT(
      (message_of<tenet::data::data_error>([&] { tenet::data::load_idx<tenet::shape<4, 3, 1>, 3>(dir / "images", dir / "labels"); })),
      Contains((dir / "images").string()) && Contains("its magic number is 0x00000804, expected 0x00000803") &&
          Contains("the file has 4 dimension(s), 3 expected"));
}

TEST_CASE("errors: an IDX header whose count times image size exceeds any file", "[errors][data]") {
  scratch_dir dir;
  write_file(dir / "images", idx_header(0x00000803, {0xffffffffu, 512, 512}));
  write_file(dir / "labels", idx_header(0x00000801, {0xffffffffu}));
  CHECK_THAT(
      (message_of<tenet::data::data_error>([&] { tenet::data::load_idx<tenet::shape<512, 512, 1>, 10>(dir / "images", dir / "labels"); })),
      Contains((dir / "images").string()) &&
          Contains("the header is corrupt: its image count times image size (4294967295 x 262144) is larger than any IDX file can be"));
}

TEST_CASE("errors: idx_options::classes naming an id no byte can hold", "[errors][data]") {
  scratch_dir dir;
  bytes images = idx_header(0x00000803, {1, 4, 3});
  images.resize(images.size() + 12, 0);
  write_file(dir / "images", images);
  bytes labels = idx_header(0x00000801, {1});
  labels.push_back(1);
  write_file(dir / "labels", labels);
  CHECK_THAT((message_of<tenet::data::data_error>([&] {
               tenet::data::load_idx<tenet::shape<4, 3, 1>, 2>(dir / "images", dir / "labels", {.classes = {2, 300}});
             })),
             Contains("idx_options::classes contains 300, but IDX labels are bytes (0..255): no label can match it"));
}

// --- weight files ---------------------------------------------------------------------------

TEST_CASE("errors: loading weights from something that is not a regular file", "[errors][weights]") {
  mlp net;
  CHECK_THAT(message_of<tenet::weights_error>([&] { tenet::load_weights(net, "/dev/null"); }),
             Contains("tenet::load_weights: \"/dev/null\": is not a regular file"));
}

TEST_CASE("errors: saving weights where a directory is leaves the directory and no temporary", "[errors][weights]") {
  scratch_dir dir;
  fs::create_directories(dir / "w.tnw" / "inside");
  const std::string message = message_of<tenet::weights_error>([&] { tenet::save_weights(mlp{}, dir / "w.tnw"); });
  CHECK_THAT(message, Contains("tenet::save_weights: \"" + (dir / "w.tnw").string() + "\"") && Contains("(which is unchanged)") &&
                          Contains("Is a directory"));
  CHECK(fs::is_directory(dir / "w.tnw" / "inside"));
  std::vector<fs::path> entries(fs::directory_iterator(dir.path()), fs::directory_iterator{});
  CHECK(entries.size() == 1);  // no temporary left behind
}

TEST_CASE("errors: saving weights into a read-only directory keeps the previous file", "[errors][weights]") {
  scratch_dir dir;
  const fs::path file = dir / "w.tnw";
  mlp old_net;
  old_net.initialize(1);
  tenet::save_weights(old_net, file);
  const bytes previous = read_file(file);
  fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  mlp new_net;
  new_net.initialize(2);
  std::string message;
  {
    without_root guard;
    message = message_of<tenet::weights_error>([&] { tenet::save_weights(new_net, file); });
  }
  CHECK_THAT(message,
             Contains("tenet::save_weights: \"" + file.string() + "\": cannot create the temporary file") && Contains("Permission denied"));
  CHECK(read_file(file) == previous);
  mlp loaded;
  tenet::load_weights(loaded, file);  // still the old, complete file
  CHECK(std::equal(loaded.parameter_storage().begin(), loaded.parameter_storage().end(), old_net.parameter_storage().begin()));
}

// --- training ------------------------------------------------------------------------------

TEST_CASE("errors: an infinite value in the validation data", "[errors][training]") {
  auto data = make_data(16);
  cnn net;
  tenet::trainer<cnn> t(net);
  auto val = data.x;
  val[2](1, 3, 0) = INFINITY;
  CHECK_THAT(message_of<std::invalid_argument>([&] { t.fit(data.x, data.y, val, data.y, quiet); }),
             Contains("tenet::fit: validation data: example 2 has a NaN or infinite value at index 11"));
}

TEST_CASE("errors: no training examples", "[errors][training]") {
  cnn net;
  tenet::trainer<cnn> t(net);
  CHECK_THAT(message_of<std::invalid_argument>([&] { t.fit(std::span<const image_t>(), std::span<const std::uint32_t>(), quiet); }),
             Contains("tenet::fit: training data: no examples"));
}

TEST_CASE("errors: a batch size of zero", "[errors][training]") {
  auto data = make_data(16);
  cnn net;
  tenet::trainer<cnn> t(net);
  CHECK_THAT(message_of<std::invalid_argument>(
                 [&] { t.fit(data.x, data.y, {.batch_size = 0, .progress = tenet::progress_style::none, .out = nullptr}); }),
             Contains("tenet::fit: batch_size must be at least 1"));
}

TEST_CASE("errors: a NaN loss in train_on_batch", "[errors][training]") {
  auto data = make_data(16);
  cnn net;
  net.layer<4>().weights()[0] = NAN;
  tenet::trainer<cnn> t(net);
  CHECK_THAT(message_of<tenet::training_error>([&] { t.train_on_batch(data.x, data.y); }),
             Contains("tenet::trainer::train_on_batch: the loss became NaN; the weights were left as they were"));
}

TEST_CASE("errors: a checkpoint that cannot be saved stops fit with the weights error", "[errors][training]") {
  scratch_dir dir;
  auto data = make_data(16);
  cnn net;
  tenet::trainer<cnn> t(net);
  tenet::fit_options options = quiet;
  options.checkpoint = dir / "no-such-directory" / "best.weights";
  CHECK_THAT(message_of<tenet::weights_error>([&] { t.fit(data.x, data.y, options); }),
             Contains("tenet::save_weights: \"" + options.checkpoint.string() + "\": cannot create the temporary file") &&
                 Contains("No such file or directory"));
}

// --- inference -----------------------------------------------------------------------------

TEST_CASE("errors: batch predict into a span of another length", "[errors][network]") {
  cnn net;
  const auto data = make_data(4);
  std::vector<tenet::tensor<float, tenet::shape<4>>> ys(3);
  CHECK_THAT(message_of<std::invalid_argument>(
                 [&] { net.predict(std::span<const image_t>(data.x), std::span<tenet::tensor<float, tenet::shape<4>>>(ys)); }),
             Contains("tenet::network::predict: 4 inputs but room for 3 outputs"));
}
