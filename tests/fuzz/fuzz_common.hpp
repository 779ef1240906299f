#pragma once
// Shared by the libFuzzer targets in tests/fuzz/ and by make_corpus.cpp: the networks the
// weights fuzzer loads into, a per-process scratch directory, and the IDX header helpers the
// IDX fuzzers use to write a matching companion file.
//
// tenet's readers take paths, not memory (load_idx and load_weights open files), so every
// fuzz input is written to a file in a per-process directory under $TMPDIR (default /tmp)
// first; the directory is removed at exit.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>
#include <zlib.h>

#include <tenet/tenet.hpp>

namespace tenet_fuzz {

namespace fs = std::filesystem;

// --- the networks of fuzz_weights ----------------------------------------------------------

/// Small on purpose: a weights file of it is a few hundred bytes, so libFuzzer mutates every
/// part of it (header, description, records, values, checksum).
using small_cnn = tenet::network<tenet::input<4, 4, 1>, tenet::conv2d<2, tenet::kernel<2, 2>, tenet::same>, tenet::relu, tenet::max_pool<2>,
                                 tenet::flatten, tenet::dense<3>, tenet::softmax>;
/// A second, different network: a file of one loaded into the other is "another network".
using small_mlp = tenet::network<tenet::input<5>, tenet::dense<4>, tenet::tanh, tenet::dense<2>>;

// --- scratch files -------------------------------------------------------------------------

/// $TMPDIR/tenet-fuzz-<pid>/, created on first use, removed at exit (by the destructor of
/// the function-local static, which runs at exit() like any static's).
inline const fs::path& scratch_dir() {
  struct directory {
    fs::path path;
    directory() {
      std::error_code ec;
      fs::path base = fs::temp_directory_path(ec);
      if (ec) base = "/tmp";
      path = base / ("tenet-fuzz-" + std::to_string(::getpid()));
      fs::create_directories(path);
    }
    ~directory() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  };
  static const directory dir;
  return dir.path;
}

/// Writes `n` bytes to scratch_dir()/name (replacing it) and returns the path. Aborts if the
/// file cannot be written: that is a broken fuzzing set-up, not a finding.
inline fs::path write_scratch(const std::string& name, const void* data, std::size_t n) {
  const fs::path path = scratch_dir() / name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || (n != 0 && std::fwrite(data, 1, n, f) != n) || std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}
inline fs::path write_scratch(const std::string& name, const std::vector<unsigned char>& bytes) {
  return write_scratch(name, bytes.data(), bytes.size());
}

// --- IDX helpers ---------------------------------------------------------------------------

inline void put_be32(std::vector<unsigned char>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<unsigned char>(v >> shift));
}
inline std::uint32_t be32(const unsigned char* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}

/// The first `n` bytes of the data load_idx would see: the input itself, or, when it starts
/// with gzip's magic 1f 8b, as much of its decompressed content as zlib can produce (fewer
/// bytes when the stream is short or corrupt).
inline std::vector<unsigned char> peek(const std::uint8_t* data, std::size_t size, std::size_t n) {
  if (size < 2 || data[0] != 0x1f || data[1] != 0x8b) return std::vector<unsigned char>(data, data + std::min(size, n));
  std::vector<unsigned char> out(n);
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return {};
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(n);
  while (z.avail_out > 0) {
    const int r = inflate(&z, Z_NO_FLUSH);
    if (r != Z_OK) break;  // Z_STREAM_END, or an error: keep what came out
  }
  out.resize(n - z.avail_out);
  inflateEnd(&z);
  return out;
}

/// `size` bytes gzip-compressed in memory (fastest level, no name or time stamp): a valid .gz
/// of any input, so the code after decompression sees every mutation, not only the rare
/// mutated streams that still decompress.
inline std::vector<unsigned char> gzip(const std::uint8_t* data, std::size_t size) {
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::vector<unsigned char> out(deflateBound(&z, static_cast<uLong>(size)) + 64);
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(size);
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

/// The count an IDX header claims (bytes 4..7 of the data), if the data has that many bytes.
inline std::optional<std::uint32_t> claimed_count(const std::uint8_t* data, std::size_t size) {
  const auto head = peek(data, size, 8);
  if (head.size() < 8) return std::nullopt;
  return be32(head.data() + 4);
}

/// Companion files are complete up to this many examples; above it the companion's header
/// claims the same count but the data is cut short (a truncated-file error, as load_idx would
/// give for a real file that big).
inline constexpr std::uint32_t companion_cap = 1024;

/// A valid IDX label file of `count` labels (i % 3, valid for 3 classes and more).
inline std::vector<unsigned char> idx_labels(std::uint32_t count) {
  std::vector<unsigned char> out;
  put_be32(out, 0x00000801);
  put_be32(out, count);
  for (std::uint32_t i = 0; i < std::min(count, companion_cap); ++i) out.push_back(static_cast<unsigned char>(i % 3));
  return out;
}

/// A valid IDX image file of `count` images of rows x cols.
inline std::vector<unsigned char> idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
  std::vector<unsigned char> out;
  put_be32(out, 0x00000803);
  put_be32(out, count);
  put_be32(out, rows);
  put_be32(out, cols);
  const std::size_t pixels = std::size_t{std::min(count, companion_cap)} * rows * cols;
  for (std::size_t p = 0; p < pixels; ++p) out.push_back(static_cast<unsigned char>(p * 37 % 256));
  return out;
}

}  // namespace tenet_fuzz
