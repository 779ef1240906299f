// Weights files: tenet/io/weights.hpp and tenet/io/fingerprint.hpp (format: docs/weights-format.md).

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <unistd.h>
#include <zlib.h>
#include <catch2/catch.hpp>

#include <tenet/io/fingerprint.hpp>
#include <tenet/io/weights.hpp>
#include <tenet/tenet.hpp>
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

// --- networks --------------------------------------------------------------------------------

using seed_cnn = tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>, tenet::relu,
                                tenet::max_pool<2>, tenet::flatten, tenet::dense<10>, tenet::softmax>;
/// The same network with every default option written out: a different C++ type.
using seed_cnn_spelled_out =
    tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<2, 2>, tenet::stride<1>, tenet::same>, tenet::relu,
                   tenet::max_pool<2, tenet::stride<2>>, tenet::flatten, tenet::dense<10>, tenet::softmax>;
using wider_cnn = tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<8, tenet::kernel<2, 2>, tenet::same>, tenet::relu,
                                 tenet::max_pool<2>, tenet::flatten, tenet::dense<10>, tenet::softmax>;

/// Two networks with the same layers and parameter count, in a different order.
using dense_relu_dense = tenet::network<tenet::input<16>, tenet::dense<8>, tenet::relu, tenet::dense<8>>;
using relu_dense_dense = tenet::network<tenet::input<16>, tenet::relu, tenet::dense<8>, tenet::dense<8>>;
static_assert(dense_relu_dense::param_count == relu_dense_dense::param_count);

using dense_relu_dense_checked =
    tenet::network<tenet::input<16>, tenet::dense<8>, tenet::expect<tenet::shape<8>>, tenet::relu, tenet::dense<8>>;
using dense_tanh_dense = tenet::network<tenet::input<16>, tenet::dense<8>, tenet::tanh, tenet::dense<8>>;
using dense_sigmoid_dense = tenet::network<tenet::input<16>, tenet::dense<8>, tenet::sigmoid, tenet::dense<8>>;
using dropout_half = tenet::network<tenet::input<16>, tenet::dense<8>, tenet::dropout_ratio<1, 2>, tenet::dense<8>>;
using dropout_quarter = tenet::network<tenet::input<16>, tenet::dense<8>, tenet::dropout_ratio<1, 4>, tenet::dense<8>>;

/// More than a MiB of parameters: larger than any file dense_relu_dense would read whole.
using big_dense = tenet::network<tenet::input<512>, tenet::dense<600>>;

// A user layer (y = 2x) in three variants: a numeric token, a text token, no token.
template <class Token>
struct doubling {
  template <class In>
  static constexpr tenet::verdict check() {
    return tenet::verdict::ok;
  }
  static std::string describe() { return "doubling"; }
  template <class In>
  struct at {
    using input_shape = In;
    using output_shape = In;
    static constexpr std::size_t weight_count = 0, bias_count = 0, flops = In::size;
    template <class Arch>
    static void forward(const float*, const float*, const float* in, float* out, tenet::parallel::policy) {
      for (std::size_t i = 0; i < In::size; ++i) out[i] = 2.0f * in[i];
    }
  };
};
struct token_one {};
struct token_two {};
struct token_text {};
struct token_none {};
template <class T>
struct with_token : doubling<T> {};
template <>
struct with_token<token_one> : doubling<token_one> {
  static constexpr int fingerprint_token = 1;
};
template <>
struct with_token<token_two> : doubling<token_two> {
  static constexpr int fingerprint_token = 2;
};
template <>
struct with_token<token_text> : doubling<token_text> {
  static constexpr std::string_view fingerprint_token = "doubling/1";
};
template <class T>
using user_net = tenet::network<tenet::input<4>, with_token<T>, tenet::dense<2>>;

// --- helpers -----------------------------------------------------------------------------------

struct scratch_dir : tenet::test::temp_dir {
  scratch_dir() : temp_dir("tenet-weights-tests") {}
};

using bytes = std::vector<unsigned char>;

bytes read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const fs::path& p, const bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

std::uint32_t le32(const bytes& b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 | static_cast<std::uint32_t>(b[at + 2]) << 16 |
         static_cast<std::uint32_t>(b[at + 3]) << 24;
}
std::uint64_t le64(const bytes& b, std::size_t at) {
  return static_cast<std::uint64_t>(le32(b, at)) | static_cast<std::uint64_t>(le32(b, at + 4)) << 32;
}

/// Recomputes the trailing CRC-32 after an edit, so that a later check is the one that fails.
void fix_checksum(bytes& b) {
  const auto crc = static_cast<std::uint32_t>(::crc32(0L, b.data(), static_cast<uInt>(b.size() - 4)));
  for (int i = 0; i < 4; ++i) b[b.size() - 4 + i] = static_cast<unsigned char>(crc >> (8 * i));
}

/// Every parameter of `net` as raw bits, layer by layer.
template <class Net>
std::vector<std::uint32_t> parameter_bits(const Net& net) {
  std::vector<std::uint32_t> bits;
  net.for_each_layer([&](auto view) {
    for (float w : view.weights()) bits.push_back(std::bit_cast<std::uint32_t>(w));
    for (float b : view.biases()) bits.push_back(std::bit_cast<std::uint32_t>(b));
  });
  return bits;
}

/// A network with non-zero biases too (initialize() leaves them at zero).
template <class Net>
Net trained_looking(std::uint64_t seed) {
  Net net;
  net.initialize(seed);
  std::mt19937 engine(static_cast<std::uint32_t>(seed));
  std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
  net.for_each_layer([&](auto view) {
    for (float& b : view.biases()) b = dist(engine);
  });
  return net;
}

/// The message of the weights_error that loading `path` into `net` throws ("" if none).
template <class Net>
std::string load_error(Net& net, const fs::path& path) {
  try {
    tenet::load_weights(net, path);
  } catch (const tenet::weights_error& e) {
    CHECK(e.path() == path);
    return e.what();
  }
  FAIL_CHECK("load_weights(" << path << ") did not throw");
  return "";
}

template <class Net>
std::string save_error(const Net& net, const fs::path& path) {
  try {
    tenet::save_weights(net, path);
  } catch (const tenet::weights_error& e) {
    CHECK(e.path() == path);
    return e.what();
  }
  FAIL_CHECK("save_weights(" << path << ") did not throw");
  return "";
}

/// Sets the simulated-disk-full hook for one scope.
class fault_after {
 public:
  explicit fault_after(std::size_t bytes) {
    tenet::io::detail::write_fault_hook = [bytes](std::size_t written) { return written < bytes; };
  }
  ~fault_after() { tenet::io::detail::write_fault_hook = nullptr; }
  fault_after(const fault_after&) = delete;
  fault_after& operator=(const fault_after&) = delete;
};

}  // namespace

// --- fingerprints ------------------------------------------------------------------------------

TEST_CASE("a fingerprint is a compile-time constant of the network's type", "[weights][fingerprint]") {
  using same_again = tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>, tenet::relu,
                                    tenet::max_pool<2>, tenet::flatten, tenet::dense<10>, tenet::softmax>;
  STATIC_REQUIRE(std::integral_constant<std::uint64_t, tenet::fingerprint_v<seed_cnn>>::value != 0);
  STATIC_REQUIRE(tenet::fingerprint_v<seed_cnn> == tenet::fingerprint_v<same_again>);
  STATIC_REQUIRE(tenet::fingerprint_v<seed_cnn> == tenet::fingerprint_v<seed_cnn_spelled_out>);
  STATIC_REQUIRE(tenet::fingerprint_v<seed_cnn> != tenet::fingerprint_v<wider_cnn>);
}

TEST_CASE("a fingerprint tells layer kinds and their order apart", "[weights][fingerprint]") {
  STATIC_REQUIRE(tenet::fingerprint_v<dense_relu_dense> != tenet::fingerprint_v<relu_dense_dense>);
  STATIC_REQUIRE(tenet::fingerprint_v<dense_relu_dense> != tenet::fingerprint_v<dense_tanh_dense>);
  STATIC_REQUIRE(tenet::fingerprint_v<dense_tanh_dense> != tenet::fingerprint_v<dense_sigmoid_dense>);
  STATIC_REQUIRE(tenet::fingerprint_v<dense_relu_dense> != tenet::fingerprint_v<dropout_half>);
  // Same shapes everywhere; only the kind of layer 0 differs.
  using conv_then_flatten = tenet::network<tenet::input<4, 4, 1>, tenet::conv2d<1, tenet::kernel<1, 1>>, tenet::flatten, tenet::dense<2>>;
  using relu_then_flatten = tenet::network<tenet::input<4, 4, 1>, tenet::relu, tenet::flatten, tenet::dense<2>>;
  STATIC_REQUIRE(tenet::fingerprint_v<conv_then_flatten> != tenet::fingerprint_v<relu_then_flatten>);
}

TEST_CASE("a fingerprint ignores expect checkpoints and dropout rates", "[weights][fingerprint]") {
  STATIC_REQUIRE(tenet::fingerprint_v<dense_relu_dense_checked> == tenet::fingerprint_v<dense_relu_dense>);
  STATIC_REQUIRE(tenet::fingerprint_v<dropout_half> == tenet::fingerprint_v<dropout_quarter>);
}

TEST_CASE("a user layer enters the fingerprint through its fingerprint_token", "[weights][fingerprint]") {
  STATIC_REQUIRE(tenet::fingerprint_v<user_net<token_one>> == tenet::fingerprint_v<user_net<token_one>>);
  STATIC_REQUIRE(tenet::fingerprint_v<user_net<token_one>> != tenet::fingerprint_v<user_net<token_two>>);
  STATIC_REQUIRE(tenet::fingerprint_v<user_net<token_text>> != tenet::fingerprint_v<user_net<token_none>>);
  STATIC_REQUIRE(tenet::fingerprint_v<user_net<token_none>> !=
                 tenet::fingerprint_v<tenet::network<tenet::input<4>, tenet::relu, tenet::dense<2>>>);
}

TEST_CASE("describe_network names every layer and each new shape", "[weights][fingerprint]") {
  CHECK(tenet::describe_network<seed_cnn>() ==
        "input (28, 28, 1) | conv2d 16@2x2 same (28, 28, 16) | relu | max_pool 2x2 (14, 14, 16) | flatten (3136) | "
        "dense 10 (10) | softmax");
  CHECK(tenet::describe_network<dense_relu_dense_checked>() == tenet::describe_network<dense_relu_dense>());
}

// --- round trip --------------------------------------------------------------------------------

TEST_CASE("saved weights load back bit for bit and predict identically", "[weights]") {
  scratch_dir dir;
  const fs::path file = dir / "seed.tnw";
  const auto original = trained_looking<seed_cnn>(7);
  tenet::save_weights(original, file);

  seed_cnn loaded;  // seed 0: different weights until the load
  REQUIRE(parameter_bits(loaded) != parameter_bits(original));
  tenet::load_weights(loaded, file);
  CHECK(parameter_bits(loaded) == parameter_bits(original));

  tenet::tensor<float, tenet::shape<28, 28, 1>> x;
  std::mt19937 engine(11);
  std::uniform_real_distribution<float> dist(0.0f, 1.0f);
  for (float& v : x) v = dist(engine);
  const auto want = original.predict(x);
  const auto got = loaded.predict(x);
  CHECK(std::memcmp(want.data(), got.data(), sizeof(float) * want.size()) == 0);
  CHECK(dir.entries() == std::vector<std::string>{"seed.tnw"});
}

TEST_CASE("special float values survive a round trip bit for bit", "[weights]") {
  scratch_dir dir;
  const fs::path file = dir / "special.tnw";
  auto original = trained_looking<dense_relu_dense>(3);
  const auto w = original.layer<0>().weights();
  w[0] = -0.0f;
  w[1] = std::numeric_limits<float>::infinity();
  w[2] = -std::numeric_limits<float>::infinity();
  w[3] = std::numeric_limits<float>::denorm_min();
  w[4] = std::bit_cast<float>(std::uint32_t{0x7fc01234});  // a NaN with a payload
  w[5] = std::numeric_limits<float>::max();
  tenet::save_weights(original, file);

  dense_relu_dense loaded;
  tenet::load_weights(loaded, file);
  CHECK(parameter_bits(loaded) == parameter_bits(original));
}

TEST_CASE("a file loads into a network that differs only in what the fingerprint ignores", "[weights]") {
  scratch_dir dir;
  SECTION("an expect checkpoint") {
    const auto original = trained_looking<dense_relu_dense_checked>(5);
    tenet::save_weights(original, dir / "w.tnw");
    dense_relu_dense loaded;
    tenet::load_weights(loaded, dir / "w.tnw");
    CHECK(parameter_bits(loaded) == parameter_bits(original));
  }
  SECTION("a dropout rate") {
    const auto original = trained_looking<dropout_half>(5);
    tenet::save_weights(original, dir / "w.tnw");
    dropout_quarter loaded;
    tenet::load_weights(loaded, dir / "w.tnw");
    CHECK(parameter_bits(loaded) == parameter_bits(original));
  }
}

TEST_CASE("saving over an existing file replaces it", "[weights]") {
  scratch_dir dir;
  const fs::path file = dir / "w.tnw";
  tenet::save_weights(trained_looking<dense_relu_dense>(1), file);
  const auto second = trained_looking<dense_relu_dense>(2);
  tenet::save_weights(second, file);
  dense_relu_dense loaded;
  tenet::load_weights(loaded, file);
  CHECK(parameter_bits(loaded) == parameter_bits(second));
  CHECK(dir.entries() == std::vector<std::string>{"w.tnw"});
}

// --- the bytes -----------------------------------------------------------------------------------

TEST_CASE("a weights file is little-endian and laid out as documented", "[weights]") {
  scratch_dir dir;
  const fs::path file = dir / "w.tnw";
  auto net = trained_looking<dense_relu_dense>(9);
  net.layer<0>().weights()[0] = 1.0f;  // 0x3f800000
  net.layer<0>().biases()[0] = -2.5f;  // 0xc0200000
  net.layer<2>().biases()[7] = 0.1f;  // 0x3dcccccd, the last value in the file
  tenet::save_weights(net, file);
  const bytes b = read_bytes(file);

  const std::string description = tenet::describe_network<dense_relu_dense>();
  constexpr std::size_t params = dense_relu_dense::param_count;  // 16*8 + 8 + 8*8 + 8 = 208
  REQUIRE(params == 208);
  REQUIRE(b.size() == 40 + description.size() + 3 * 16 + 4 * params + 4);

  CHECK(std::string(b.begin(), b.begin() + 8) == "TENETWTS");
  CHECK(bytes(b.begin() + 8, b.begin() + 16) == bytes{1, 0, 0, 0, 0, 0, 0, 0});  // version 1, flags 0
  CHECK(le64(b, 16) == tenet::fingerprint_v<dense_relu_dense>);
  CHECK(b[16] == (tenet::fingerprint_v<dense_relu_dense> & 0xff));  // least significant byte first
  CHECK(bytes(b.begin() + 24, b.begin() + 32) == bytes{208, 0, 0, 0, 0, 0, 0, 0});
  CHECK(bytes(b.begin() + 32, b.begin() + 36) == bytes{3, 0, 0, 0});
  CHECK(le32(b, 36) == description.size());
  CHECK(std::string(b.begin() + 40, b.begin() + 40 + static_cast<std::ptrdiff_t>(description.size())) == description);

  const std::size_t record0 = 40 + description.size();
  CHECK(le64(b, record0) == 128);  // weights of dense<8> on 16 inputs
  CHECK(le64(b, record0 + 8) == 8);  // biases
  CHECK(bytes(b.begin() + static_cast<std::ptrdiff_t>(record0 + 16), b.begin() + static_cast<std::ptrdiff_t>(record0 + 20)) ==
        bytes{0x00, 0x00, 0x80, 0x3f});
  const std::size_t bias0 = record0 + 16 + 4 * 128;
  CHECK(bytes(b.begin() + static_cast<std::ptrdiff_t>(bias0), b.begin() + static_cast<std::ptrdiff_t>(bias0 + 4)) ==
        bytes{0x00, 0x00, 0x20, 0xc0});
  const std::size_t record1 = bias0 + 4 * 8;  // relu: no parameters
  CHECK(le64(b, record1) == 0);
  CHECK(le64(b, record1 + 8) == 0);
  CHECK(bytes(b.end() - 8, b.end() - 4) == bytes{0xcd, 0xcc, 0xcc, 0x3d});
  CHECK(le32(b, b.size() - 4) == static_cast<std::uint32_t>(::crc32(0L, b.data(), static_cast<uInt>(b.size() - 4))));
}

// --- refusing bad files --------------------------------------------------------------------------

TEST_CASE("a file saved from another network is refused, naming both", "[weights]") {
  scratch_dir dir;
  const fs::path file = dir / "other.tnw";

  SECTION("different layer sizes") {
    tenet::save_weights(wider_cnn{}, file);
    seed_cnn net;
    const std::string message = load_error(net, file);
    CHECK_THAT(message, Contains("saved from a different network") && Contains(file.string()) &&
                            Contains("file has " + tenet::describe_network<wider_cnn>()) &&
                            Contains("this network is " + tenet::describe_network<seed_cnn>()));
  }
  SECTION("the same parameter count in a different layer order") {
    tenet::save_weights(relu_dense_dense{}, file);
    dense_relu_dense net;
    CHECK_THAT(load_error(net, file), Contains("saved from a different network") && Contains(file.string()) &&
                                          Contains(tenet::describe_network<relu_dense_dense>()));
  }
  SECTION("a file far larger than this network's") {
    tenet::save_weights(big_dense{}, file);
    REQUIRE(fs::file_size(file) > (std::uintmax_t{1} << 20) + 65536);  // past what dense_relu_dense reads whole
    dense_relu_dense net;
    CHECK_THAT(load_error(net, file),
               Contains("saved from a different network") && Contains(file.string()) && Contains(tenet::describe_network<big_dense>()));
  }
}

TEST_CASE("a truncated file is refused as truncated", "[weights]") {
  scratch_dir dir;
  const fs::path file = dir / "w.tnw";
  tenet::save_weights(trained_looking<dense_relu_dense>(4), file);
  const bytes whole = read_bytes(file);
  const std::size_t header = 40 + tenet::describe_network<dense_relu_dense>().size();

  const std::size_t cuts[] = {
      0,
      5,  // inside the magic
      10,
      20,
      39,  // inside the fixed header
      header - 3,  // inside the description
      header + 9,  // inside a record's counts
      header + 100,
      whole.size() / 2,  // inside the data
      whole.size() - 5,  // just before the checksum
      whole.size() - 3,
      whole.size() - 1,  // inside the checksum
  };
  for (const std::size_t cut : cuts) {
    INFO("cut at " << cut << " of " << whole.size() << " bytes");
    write_bytes(file, bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut)));
    dense_relu_dense net;
    CHECK_THAT(load_error(net, file),
               Contains("truncated: expected " + std::to_string(whole.size()) + " bytes, found " + std::to_string(cut)) &&
                   Contains(file.string()));
  }
}

TEST_CASE("a damaged file is refused", "[weights]") {
  scratch_dir dir;
  const fs::path file = dir / "w.tnw";
  tenet::save_weights(trained_looking<dense_relu_dense>(4), file);
  bytes b = read_bytes(file);
  dense_relu_dense net;

  SECTION("a flipped byte in the data fails the checksum") {
    b[b.size() / 2] ^= 0x10;
    write_bytes(file, b);
    CHECK_THAT(load_error(net, file), Contains("corrupt: checksum mismatch") && Contains(file.string()));
  }
  SECTION("a flipped byte in the fingerprint fails the checksum, not the fingerprint check") {
    b[20] ^= 0x01;
    write_bytes(file, b);
    CHECK_THAT(load_error(net, file), Contains("corrupt: checksum mismatch"));
  }
  SECTION("bytes appended after the checksum") {
    b.insert(b.end(), {1, 2, 3});
    write_bytes(file, b);
    CHECK_THAT(load_error(net, file), Contains("corrupt: 3 unexpected bytes after the checksum"));
  }
  SECTION("a wrong magic") {
    b[0] = 'X';
    write_bytes(file, b);
    CHECK_THAT(load_error(net, file), Contains("not a tenet weights file") && Contains(file.string()));
  }
  SECTION("a text file") {
    write_bytes(file, bytes{'h', 'e', 'l', 'l', 'o', '\n'});
    CHECK_THAT(load_error(net, file), Contains("not a tenet weights file"));
  }
  SECTION("an unknown version, with a valid checksum") {
    b[8] = 2;
    fix_checksum(b);
    write_bytes(file, b);
    CHECK_THAT(load_error(net, file), Contains("version 2 is not supported; this build reads version 1") && Contains(file.string()));
  }
  SECTION("unknown header flags, with a valid checksum") {
    b[12] = 1;
    fix_checksum(b);
    write_bytes(file, b);
    CHECK_THAT(load_error(net, file), Contains("header flags 0x00000001 are not supported"));
  }
  SECTION("a header that declares another size, with a valid checksum") {
    b[36] = static_cast<unsigned char>(b[36] + 1);  // description one byte longer than it is
    fix_checksum(b);
    write_bytes(file, b);
    CHECK_THAT(load_error(net, file), Contains("corrupt: its header describes a file of"));
  }
  SECTION("a file of this network's fingerprint but other layer counts, with a valid checksum") {
    const std::size_t record0 = 40 + le32(b, 36);
    b[record0] = static_cast<unsigned char>(b[record0] - 1);  // 127 weights...
    b[record0 + 8] = static_cast<unsigned char>(b[record0 + 8] + 1);  // ...and 9 biases
    fix_checksum(b);
    write_bytes(file, b);
    CHECK_THAT(load_error(net, file),
               Contains("corrupt: the record of layer 0 (dense 8) holds 127 weights and 9 biases, but the layer has 128 and 8"));
  }
  SECTION("a file far larger than this network's, of the same fingerprint") {
    b.resize(b.size() + (std::size_t{1} << 21), 0);
    write_bytes(file, b);
    CHECK_THAT(load_error(net, file), Contains("too large: expected") && Contains(file.string()));
  }
}

TEST_CASE("files that cannot be read are refused, naming them", "[weights]") {
  scratch_dir dir;
  dense_relu_dense net;
  CHECK_THAT(load_error(net, dir / "missing.tnw"),
             Contains((dir / "missing.tnw").string()) && Contains("cannot open: No such file or directory"));
  CHECK_THAT(load_error(net, dir.path()), Contains("is a directory"));
}

TEST_CASE("a failed load leaves the network's weights untouched", "[weights]") {
  scratch_dir dir;
  const fs::path file = dir / "w.tnw";
  tenet::save_weights(trained_looking<seed_cnn>(1), file);
  bytes b = read_bytes(file);

  auto net = trained_looking<seed_cnn>(2);
  const auto before = parameter_bits(net);

  SECTION("a checksum error found after most values were parsed") {
    b[b.size() - 10] ^= 0xff;
    write_bytes(file, b);
  }
  SECTION("a truncated file") { write_bytes(file, bytes(b.begin(), b.end() - 100)); }
  SECTION("a file of another network") { tenet::save_weights(wider_cnn{}, file); }
  SECTION("an unknown version") {
    b[8] = 9;
    fix_checksum(b);
    write_bytes(file, b);
  }
  SECTION("a bad record found after the first layer's values") {
    const std::size_t record_last = b.size() - 4 - 16;  // softmax: the last record, no values
    b[record_last] = 1;
    fix_checksum(b);
    write_bytes(file, b);
  }
  CHECK_FALSE(load_error(net, file).empty());
  CHECK(parameter_bits(net) == before);
}

// --- saving failures -----------------------------------------------------------------------------

TEST_CASE("saving into a directory that does not exist throws, naming the path", "[weights]") {
  scratch_dir dir;
  const fs::path file = dir / "no-such-directory" / "w.tnw";
  CHECK_THAT(save_error(dense_relu_dense{}, file),
             Contains("tenet::save_weights: \"" + file.string() + "\"") && Contains("No such file or directory"));
  CHECK(dir.entries().empty());
}

TEST_CASE("a save that runs out of disk space keeps the previous file and leaves no temporary", "[weights]") {
  scratch_dir dir;
  const fs::path file = dir / "w.tnw";

  SECTION("over an existing file") {
    tenet::save_weights(trained_looking<seed_cnn>(1), file);
    const bytes previous = read_bytes(file);
    REQUIRE(previous.size() > 3 * tenet::io::detail::write_chunk_bytes);
    {
      fault_after full(2 * tenet::io::detail::write_chunk_bytes);
      CHECK_THAT(save_error(trained_looking<seed_cnn>(2), file),
                 Contains(file.string()) && Contains("No space left on device") && Contains("unchanged"));
    }
    CHECK(read_bytes(file) == previous);
    CHECK(dir.entries() == std::vector<std::string>{"w.tnw"});
  }
  SECTION("where there was no file") {
    {
      fault_after full(0);
      CHECK_THAT(save_error(trained_looking<seed_cnn>(2), file), Contains("No space left on device"));
    }
    CHECK(dir.entries().empty());
  }
  SECTION("and the next save, with space again, succeeds") {
    {
      fault_after full(tenet::io::detail::write_chunk_bytes);
      CHECK_FALSE(save_error(trained_looking<seed_cnn>(2), file).empty());
    }
    const auto net = trained_looking<seed_cnn>(3);
    tenet::save_weights(net, file);
    seed_cnn loaded;
    tenet::load_weights(loaded, file);
    CHECK(parameter_bits(loaded) == parameter_bits(net));
    CHECK(dir.entries() == std::vector<std::string>{"w.tnw"});
  }
}
