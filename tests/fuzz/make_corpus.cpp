// Writes the seed corpora of the fuzz targets: small valid files, plain and gzip, plus one
// file for each kind of bad input the readers must refuse (docs/errors-runtime.md).
//
//   make_corpus <dir>      writes <dir>/fuzz_idx_images/, <dir>/fuzz_idx_labels/, <dir>/fuzz_weights/
//
// The committed corpus in tests/fuzz/corpus/ is this program's output (regenerate it with
// `cmake --build build/clang --target tenet_fuzz_make_corpus && build/clang/tests/fuzz/make_corpus
// tests/fuzz/corpus`); the ctest test fuzz.corpus_up_to_date checks that they agree. The output
// is deterministic (gzip headers carry no time stamp). Every file is a few KB at most.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <zlib.h>

#include <tenet/io/weights.hpp>

#include "fuzz_common.hpp"

namespace {

namespace fs = std::filesystem;
using bytes = std::vector<unsigned char>;

void write(const fs::path& path, const bytes& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

bytes read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// gzip in memory, deterministic (no name, no time stamp in the header).
bytes gzip(const bytes& in) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflateInit2");
  bytes out(deflateBound(&z, static_cast<uLong>(in.size())) + 32);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

bytes cut(bytes b, std::size_t n) {
  b.resize(n);
  return b;
}

bytes with_u32_be(bytes b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<unsigned char>(v >> (24 - 8 * i));
  return b;
}

/// Images whose pixels look like something (a bright square on a gradient), not noise.
bytes images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
  bytes out;
  tenet_fuzz::put_be32(out, 0x00000803);
  tenet_fuzz::put_be32(out, count);
  tenet_fuzz::put_be32(out, rows);
  tenet_fuzz::put_be32(out, cols);
  for (std::uint32_t i = 0; i < count; ++i)
    for (std::uint32_t r = 0; r < rows; ++r)
      for (std::uint32_t c = 0; c < cols; ++c) {
        const bool square = r >= rows / 4 + i && r < rows / 2 + i && c >= cols / 4 && c < cols / 2;
        out.push_back(static_cast<unsigned char>(square ? 255 : (r * 7 + c * 3) % 64));
      }
  return out;
}

bytes labels(std::initializer_list<unsigned> values) {
  bytes out;
  tenet_fuzz::put_be32(out, 0x00000801);
  tenet_fuzz::put_be32(out, static_cast<std::uint32_t>(values.size()));
  for (unsigned v : values) out.push_back(static_cast<unsigned char>(v));
  return out;
}

void fix_crc(bytes& b) {
  const auto crc = static_cast<std::uint32_t>(::crc32(0L, b.data(), static_cast<uInt>(b.size() - 4)));
  for (int i = 0; i < 4; ++i) b[b.size() - 4 + static_cast<std::size_t>(i)] = static_cast<unsigned char>(crc >> (8 * i));
}

void idx_images_corpus(const fs::path& dir) {
  const bytes mnist = images(3, 28, 28), small = images(3, 4, 3);
  write(dir / "valid_3x28x28", mnist);
  write(dir / "valid_3x28x28.gz", gzip(mnist));
  write(dir / "valid_3x4x3", small);
  write(dir / "valid_3x4x3.gz", gzip(small));
  write(dir / "valid_0_images", images(0, 28, 28));
  write(dir / "empty", {});
  write(dir / "bad_magic_label_file", labels({0, 1, 2}));
  write(dir / "bad_magic_text", bytes{'h', 'e', 'l', 'l', 'o', ' ', 'I', 'D', 'X', '\n'});
  write(dir / "bad_type_code", with_u32_be(small, 0, 0x00000d03));
  write(dir / "bad_rank", with_u32_be(small, 0, 0x00000804));
  write(dir / "truncated_header", cut(small, 10));
  write(dir / "truncated_data", cut(small, 16 + 30));
  write(dir / "truncated_data.gz", gzip(cut(mnist, 16 + 1000)));
  write(dir / "dims_27x28", images(3, 27, 28));
  write(dir / "huge_count", with_u32_be(small, 4, 0xffffffffu));
  write(dir / "huge_dims", with_u32_be(with_u32_be(small, 8, 0x10000), 12, 0x10000));
  bytes gz = gzip(small);
  write(dir / "gzip_cut_short.gz", cut(gz, gz.size() - 12));
  bytes bad_crc = gz;
  bad_crc[bad_crc.size() - 8] ^= 0x55;
  write(dir / "gzip_bad_crc.gz", bad_crc);
  bytes bad_block = gz;
  bad_block[10] = 0xff;
  write(dir / "gzip_bad_block.gz", bad_block);
  bytes trailing = small;
  trailing.insert(trailing.end(), {1, 2, 3});
  write(dir / "trailing_bytes", trailing);
}

void idx_labels_corpus(const fs::path& dir) {
  const bytes good = labels({0, 1, 2});
  write(dir / "valid_3", good);
  write(dir / "valid_3.gz", gzip(good));
  write(dir / "valid_10_classes", labels({9, 0, 5, 7, 1}));
  write(dir / "valid_offset_1", labels({1, 2, 3}));
  write(dir / "empty", {});
  write(dir / "bad_magic_image_file", images(1, 4, 3));
  write(dir / "bad_magic_text", bytes{'l', 'a', 'b', 'e', 'l', 's', '\n'});
  write(dir / "truncated_header", cut(good, 6));
  write(dir / "truncated_data", cut(good, 10));
  write(dir / "label_out_of_range", labels({0, 1, 200}));
  write(dir / "label_below_offset", labels({0, 0, 1}));
  write(dir / "huge_count", with_u32_be(good, 4, 0xffffffffu));
  write(dir / "huge_count.gz", gzip(with_u32_be(good, 4, 0xffffffffu)));
  bytes gz = gzip(good);
  write(dir / "gzip_cut_short.gz", cut(gz, gz.size() - 6));
  bytes bad_crc = gz;
  bad_crc[bad_crc.size() - 8] ^= 0x55;
  write(dir / "gzip_bad_crc.gz", bad_crc);
}

void weights_corpus(const fs::path& dir) {
  using tenet_fuzz::small_cnn;
  using tenet_fuzz::small_mlp;
  small_cnn cnn;
  cnn.initialize(1);
  small_mlp mlp;
  mlp.initialize(2);
  tenet::save_weights(cnn, dir / "valid_small_cnn");
  tenet::save_weights(mlp, dir / "valid_small_mlp");
  // A third network, which neither fuzzed network is.
  tenet::save_weights(tenet::network<tenet::input<3>, tenet::dense<2>>{}, dir / "other_network");

  const bytes b = read(dir / "valid_small_cnn");
  write(dir / "empty", {});
  write(dir / "truncated_half", cut(b, b.size() / 2));
  write(dir / "truncated_in_magic", cut(b, 5));
  write(dir / "truncated_in_header", cut(b, 30));
  bytes flipped = b;
  flipped[b.size() / 2] ^= 0x10;
  write(dir / "corrupt_checksum", flipped);
  bytes version = b;
  version[8] = 2;
  fix_crc(version);
  write(dir / "unknown_version", version);
  bytes flags = b;
  flags[12] = 1;
  fix_crc(flags);
  write(dir / "unknown_flags", flags);
  bytes appended = b;
  appended.insert(appended.end(), {1, 2, 3});
  write(dir / "appended_bytes", appended);
  bytes record = b;
  const std::size_t record0 = 40 + (std::size_t{record[36]} | std::size_t{record[37]} << 8);
  record[record0] = static_cast<unsigned char>(record[record0] - 1);
  record[record0 + 8] = static_cast<unsigned char>(record[record0 + 8] + 1);
  fix_crc(record);
  write(dir / "bad_record_counts", record);
  write(dir / "text_file", bytes{'h', 'e', 'l', 'l', 'o', '\n'});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
    return 2;
  }
  try {
    const fs::path root = argv[1];
    for (const char* target : {"fuzz_idx_images", "fuzz_idx_labels", "fuzz_weights"}) {
      fs::remove_all(root / target);
      fs::create_directories(root / target);
    }
    idx_images_corpus(root / "fuzz_idx_images");
    idx_labels_corpus(root / "fuzz_idx_labels");
    weights_corpus(root / "fuzz_weights");
    std::printf("make_corpus: wrote %s/{fuzz_idx_images,fuzz_idx_labels,fuzz_weights}\n", root.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 1;
  }
}
