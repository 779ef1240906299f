#pragma once
/// IDX files, the format of MNIST, EMNIST and Fashion-MNIST: `load_idx` reads an image file
/// and a label file (plain or gzip-compressed) into a typed `dataset`, and
/// `write_idx_images` / `write_idx_labels` write them.
///
/// An IDX file is a big-endian header followed by raw values: the magic number `0x00000803`
/// (unsigned bytes, 3 dimensions) then count, rows and columns for images; `0x00000801`
/// (unsigned bytes, 1 dimension) then count for labels. Everything read from a file is
/// checked before it is trusted: magic, header length, dimensions against the dataset type,
/// the counts of both files against each other and against the bytes actually present, and
/// every label against the class count. Memory grows only with data actually read, so a
/// corrupt header cannot make the loader allocate gigabytes.
///
/// Example: tests/unit/data.tests.cpp; docs/data.md.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "../shape.hpp"
#include "../tensor.hpp"
#include "dataset.hpp"
#include "detail/byte_io.hpp"
#include "error.hpp"

namespace tenet::data {

/// How to interpret the files `load_idx` reads. The defaults suit MNIST and Fashion-MNIST;
/// EMNIST needs `transposed` and, for letters, `label_offset = 1`.
struct idx_options {
  /// Subtracted from every label. EMNIST letters are labelled 1..26 (a = 1): with
  /// `label_offset = 1` they become 0..25. A label below the offset is an error.
  std::uint32_t label_offset = 0;
  /// EMNIST stores each image transposed (column by column); `true` swaps rows and columns
  /// back while loading, so the letters stand upright. The file then holds W x H images for a
  /// dataset of shape (H, W, 1).
  bool transposed = false;
  /// The class ids to keep, as stored in the file (before `label_offset`), in the order that
  /// defines the new labels: `{1, 2, ..., 10}` keeps EMNIST's letters a..j and labels them
  /// 0..9. Examples of other classes are skipped. Empty (the default): keep every class.
  /// When given, it must list exactly `Classes` distinct ids.
  std::vector<std::uint32_t> classes{};
  /// Keep at most this many examples (the first ones, after `classes` has filtered). The
  /// rest of the image file is then not read at all, which makes small experiments fast.
  std::size_t limit = std::numeric_limits<std::size_t>::max();
};

/// Magic number of an IDX file of unsigned bytes with 3 dimensions (count, rows, columns).
inline constexpr std::uint32_t idx_images_magic = 0x00000803;
/// Magic number of an IDX file of unsigned bytes with 1 dimension (count).
inline constexpr std::uint32_t idx_labels_magic = 0x00000801;

namespace detail {

/// No IDX file tenet reads or writes is anywhere near this; a header claiming more is corrupt.
inline constexpr std::uint64_t idx_max_bytes = std::uint64_t{1} << 48;

inline std::string hex32(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", static_cast<unsigned>(value));
  return text;
}

inline std::uint32_t big_endian_u32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

inline void put_big_endian_u32(unsigned char* p, std::uint32_t value) {
  p[0] = static_cast<unsigned char>(value >> 24);
  p[1] = static_cast<unsigned char>(value >> 16);
  p[2] = static_cast<unsigned char>(value >> 8);
  p[3] = static_cast<unsigned char>(value);
}

inline const char* idx_kind(std::uint32_t magic) {
  return magic == idx_images_magic ? "an IDX image file (unsigned bytes, 3 dimensions: count, rows, columns)"
                                   : "an IDX label file (unsigned bytes, 1 dimension: count)";
}

/// "... the file holds" or "... the decompressed data holds": what `found` counted.
inline const char* holder(const byte_reader& in) { return in.gzip() ? "the decompressed data holds" : "the file holds"; }

/// `a * b`, or a data_error when the product overflows or exceeds any plausible file.
inline std::uint64_t checked_product(const std::string& path, std::uint64_t a, std::uint64_t b, const char* what) {
  std::uint64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product) || product > idx_max_bytes)
    throw data_error(path, std::string("the header is corrupt: its ") + what + " (" + std::to_string(a) + " x " + std::to_string(b) +
                               ") is larger than any IDX file can be");
  return product;
}

inline std::string wrong_magic_hint(std::uint32_t expected, std::uint32_t found) {
  if (expected == idx_images_magic && found == idx_labels_magic)
    return "; this is an IDX label file: are the image and label paths swapped?";
  if (expected == idx_labels_magic && found == idx_images_magic)
    return "; this is an IDX image file: are the image and label paths swapped?";
  if ((found >> 16) != 0) return "; an IDX file starts with two zero bytes, so this is not an IDX file";
  if (((found >> 8) & 0xff) != 0x08) {
    const unsigned char type = static_cast<unsigned char>(found >> 8);
    return "; the values are not unsigned bytes (type code " + hex_bytes(&type, 1) +
           ", unsigned bytes are 0x08), and tenet reads unsigned-byte IDX files only";
  }
  return "; the file has " + std::to_string(found & 0xff) + " dimension(s), " + std::to_string(expected & 0xff) + " expected";
}

/// Reads and checks the header of an IDX file whose magic number must be `magic`; returns
/// its dimensions (count first).
inline std::vector<std::uint32_t> read_idx_header(byte_reader& in, std::uint32_t magic) {
  const std::size_t rank = magic & 0xff;
  const std::size_t header_bytes = 4 + 4 * rank;
  std::array<unsigned char, 4 + 4 * 255> header{};
  auto truncated = [&](std::size_t found) {
    if (found == 0)
      return data_error(in.path(), std::string("the file is empty, but ") + idx_kind(magic) + " starts with a header of " +
                                       std::to_string(header_bytes) + " bytes");
    return data_error(in.path(), std::string("the header is truncated: ") + idx_kind(magic) + " starts with a header of " +
                                     std::to_string(header_bytes) + " bytes, but " + holder(in) + " only " + std::to_string(found) +
                                     " byte(s)");
  };
  std::size_t got = in.read(header.data(), 4);
  if (got < 4) throw truncated(got);
  const std::uint32_t found = big_endian_u32(header.data());
  if (found != magic)
    throw data_error(in.path(), std::string("not ") + idx_kind(magic) + ": its magic number is " + hex32(found) + ", expected " +
                                    hex32(magic) + wrong_magic_hint(magic, found));
  got += in.read(header.data() + 4, header_bytes - 4);
  if (got < header_bytes) throw truncated(got);
  std::vector<std::uint32_t> dims(rank);
  for (std::size_t d = 0; d < rank; ++d) dims[d] = big_endian_u32(header.data() + 4 + 4 * d);
  return dims;
}

inline data_error truncated_data(const byte_reader& in, std::uint64_t count, const std::string& items, std::uint64_t needed,
                                 std::size_t header_bytes, std::uint64_t found) {
  return data_error(in.path(), "the data is truncated: " + std::to_string(count) + " " + items + " need " + std::to_string(needed) +
                                   " bytes after the " + std::to_string(header_bytes) + "-byte header, but " + holder(in) + " only " +
                                   std::to_string(found) + " (the file was cut short: download or copy it again)");
}

/// For plain files the size is known up front: refuse a truncated file before allocating
/// anything for it. (Gzip files are checked while they are read.)
inline void check_plain_size(const byte_reader& in, std::uint64_t count, const std::string& items, std::uint64_t needed,
                             std::size_t header_bytes) {
  if (const auto size = in.plain_size()) {
    const std::uint64_t found = *size > header_bytes ? *size - header_bytes : 0;
    if (found < needed) throw truncated_data(in, count, items, needed, header_bytes, found);
  }
}

/// Label value (as stored) -> new label, or one of the two markers below.
inline constexpr std::int32_t label_skipped = -1;  // a class not listed in idx_options::classes
inline constexpr std::int32_t label_invalid = -2;  // an error

template <std::size_t Classes>
std::array<std::int32_t, 256> label_map(const idx_options& options, const std::string& labels_path) {
  std::array<std::int32_t, 256> map{};
  if (options.classes.empty()) {
    map.fill(label_invalid);
    for (std::uint64_t v = options.label_offset; v < std::uint64_t{options.label_offset} + Classes && v < 256; ++v)
      map[v] = static_cast<std::int32_t>(v - options.label_offset);
    return map;
  }
  const std::string where = "tenet::data::load_idx(" + labels_path + "): idx_options::classes ";
  if (options.classes.size() != Classes)
    throw data_error(where + "lists " + std::to_string(options.classes.size()) + " class id(s), but the dataset type has " +
                     std::to_string(Classes) + " classes: list exactly " + std::to_string(Classes) +
                     " (or change the dataset's class count)");
  map.fill(label_skipped);
  for (std::size_t j = 0; j < options.classes.size(); ++j) {
    const std::uint32_t id = options.classes[j];
    if (id > 255) throw data_error(where + "contains " + std::to_string(id) + ", but IDX labels are bytes (0..255): no label can match it");
    if (id < options.label_offset)
      throw data_error(where + "contains " + std::to_string(id) + ", which is below label_offset " + std::to_string(options.label_offset) +
                       ": no valid label can match it (list the ids as stored in the file)");
    if (map[id] != label_skipped) throw data_error(where + "lists " + std::to_string(id) + " twice: each class id may appear once");
    map[id] = static_cast<std::int32_t>(j);
  }
  for (std::uint32_t v = 0; v < options.label_offset && v < 256; ++v) map[v] = label_invalid;
  return map;
}

template <std::size_t Classes>
data_error bad_label(const std::string& path, std::size_t index, unsigned value, const idx_options& options) {
  const std::string where = "label " + std::to_string(value) + " at index " + std::to_string(index);
  const std::uint64_t first = options.label_offset, last = std::uint64_t{options.label_offset} + Classes - 1;
  const std::string range = "labels " + std::to_string(first) + ".." + std::to_string(last);
  if (value < options.label_offset)
    return data_error(path, where + " is below label_offset " + std::to_string(options.label_offset) + " (" + range + " expected)");
  if (options.label_offset == 0)
    return data_error(path, where + " is out of range: the dataset has " + std::to_string(Classes) + " classes, so " + range +
                                " are allowed (wrong label file, or the dataset needs more classes?)");
  return data_error(path, where + " is out of range: the dataset has " + std::to_string(Classes) + " classes and label_offset " +
                              std::to_string(options.label_offset) + ", so " + range + " are allowed");
}

}  // namespace detail

/// Reads an IDX image file and its IDX label file into a `dataset<Shape, Classes>`.
///
/// Requires: `Shape` is `shape<H, W, 1>`; the image file holds H x W images (W x H when
/// `options.transposed`); both files hold the same number of examples; every label, less
/// `options.label_offset`, is below `Classes` (or is listed in `options.classes`).
/// Ensures: pixels are scaled to [0, 1] (value / 255); examples keep the files' order.
/// Either file may be gzip-compressed (detected by content, whatever its name).
///
/// Throws `data_error`, whose message names the file and says what is wrong with it.
template <class Shape, std::size_t Classes>
dataset<Shape, Classes> load_idx(const std::filesystem::path& images_path, const std::filesystem::path& labels_path,
                                 const idx_options& options = {}) {
  static_assert(tenet::Shape<Shape> && Shape::rank == 3,
                "tenet::data::load_idx<Shape, Classes>: IDX images load into a rank-3 shape<H, W, 1>, e.g. shape<28, 28, 1>");
  static_assert(Shape::rank != 3 || Shape::dims[Shape::rank - 1] == 1,
                "tenet::data::load_idx<Shape, Classes>: IDX image files are grayscale: the shape must have one channel, "
                "e.g. shape<28, 28, 1>");
  using detail::byte_reader;
  constexpr std::size_t height = Shape::dims[0], width = Shape::dims[1], pixels = height * width;

  const auto map = detail::label_map<Classes>(options, labels_path.string());

  // Both headers first, so that mismatched files are refused before any data is read.
  byte_reader images_in(images_path);
  const auto image_dims = detail::read_idx_header(images_in, idx_images_magic);
  const std::uint32_t image_count = image_dims[0], rows = image_dims[1], columns = image_dims[2];
  const std::size_t want_rows = options.transposed ? width : height, want_columns = options.transposed ? height : width;
  if (rows != want_rows || columns != want_columns)
    throw data_error(images_in.path(),
                     "the images are " + std::to_string(rows) + "x" + std::to_string(columns) +
                         " (rows x columns), but the dataset's shape " + to_string<Shape>() + " needs " + std::to_string(want_rows) + "x" +
                         std::to_string(want_columns) +
                         (options.transposed ? " (idx_options::transposed is set, so rows and columns are swapped)" : "") +
                         ": load it into shape<" + std::to_string(options.transposed ? columns : rows) + ", " +
                         std::to_string(options.transposed ? rows : columns) + ", 1>, or pick the right file");

  byte_reader labels_in(labels_path);
  const std::uint32_t label_count = detail::read_idx_header(labels_in, idx_labels_magic)[0];
  if (label_count != image_count)
    throw data_error("tenet::data: " + images_in.path() + " holds " + std::to_string(image_count) + " images but " + labels_in.path() +
                     " holds " + std::to_string(label_count) +
                     " labels: the two files must describe the same examples (a train file paired with a test file?)");

  const std::uint64_t image_bytes = detail::checked_product(images_in.path(), image_count, pixels, "image count times image size");
  const std::string image_items = "images of " + std::to_string(rows) + "x" + std::to_string(columns) + " pixels";
  detail::check_plain_size(labels_in, label_count, "labels", label_count, 8);
  detail::check_plain_size(images_in, image_count, image_items, image_bytes, 16);

  // Labels: read in chunks, so memory follows the bytes really present (a gzip file's size is
  // unknown until it has been decompressed).
  std::vector<unsigned char> raw_labels;
  while (raw_labels.size() < label_count) {
    const std::size_t have = raw_labels.size();
    const std::size_t step = std::min<std::size_t>(label_count - have, std::size_t{1} << 20);
    raw_labels.resize(have + step);
    const std::size_t got = labels_in.read(raw_labels.data() + have, step);
    if (got < step) throw detail::truncated_data(labels_in, label_count, "labels", label_count, 8, have + got);
  }
  labels_in.finish();

  dataset<Shape, Classes> result;
  std::vector<std::int32_t> mapped(label_count);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < label_count; ++i) {
    mapped[i] = map[raw_labels[i]];
    if (mapped[i] == detail::label_invalid) throw detail::bad_label<Classes>(labels_in.path(), i, raw_labels[i], options);
    if (mapped[i] >= 0 && kept < options.limit) ++kept;
  }
  // `kept` is bounded by the labels actually read, so this reservation is safe.
  result.images.reserve(kept);
  result.labels.reserve(kept);

  std::vector<unsigned char> image(pixels);
  bool stopped_early = false;
  for (std::size_t i = 0; i < image_count; ++i) {
    if (result.labels.size() == kept) {  // `limit` reached: the rest is not needed
      stopped_early = true;
      break;
    }
    const std::size_t got = images_in.read(image.data(), pixels);
    if (got < pixels) throw detail::truncated_data(images_in, image_count, image_items, image_bytes, 16, i * pixels + got);
    if (mapped[i] < 0) continue;
    auto& out = result.images.emplace_back();
    if (options.transposed) {
      // The file holds the image column by column: file (r, c) is pixel (c, r).
      for (std::size_t h = 0; h < height; ++h)
        for (std::size_t w = 0; w < width; ++w) out[h * width + w] = static_cast<float>(image[w * height + h]) / 255.0f;
    } else {
      for (std::size_t p = 0; p < pixels; ++p) out[p] = static_cast<float>(image[p]) / 255.0f;
    }
    result.labels.push_back(static_cast<std::uint32_t>(mapped[i]));
  }
  if (!stopped_early) images_in.finish();
  return result;
}

/// Writes `count` images of `rows` x `columns` unsigned bytes (row-major, image after image)
/// as an IDX image file; gzip-compressed when `path` ends in ".gz".
inline void write_idx_images(const std::filesystem::path& path, std::span<const std::uint8_t> pixels, std::uint32_t count,
                             std::uint32_t rows, std::uint32_t columns) {
  const std::uint64_t expected = std::uint64_t{count} * rows * columns;
  if (pixels.size() != expected)
    throw data_error(path.string(), "write_idx_images: " + std::to_string(count) + " images of " + std::to_string(rows) + "x" +
                                        std::to_string(columns) + " need " + std::to_string(expected) + " pixel values, but " +
                                        std::to_string(pixels.size()) + " were given");
  unsigned char header[16];
  detail::put_big_endian_u32(header, idx_images_magic);
  detail::put_big_endian_u32(header + 4, count);
  detail::put_big_endian_u32(header + 8, rows);
  detail::put_big_endian_u32(header + 12, columns);
  detail::byte_writer out(path);
  out.write(header, sizeof header);
  out.write(pixels.data(), pixels.size());
  out.close();
}

/// Writes float images (values in [0, 1], clamped, rounded to 0..255) as an IDX image file.
template <class S>
void write_idx_images(const std::filesystem::path& path, const std::vector<tensor<float, S>>& images) {
  static_assert(S::rank == 3 && S::dims[S::rank - 1] == 1,
                "tenet::data::write_idx_images: IDX image files are grayscale: the images must have shape<H, W, 1>");
  if (images.size() > std::numeric_limits<std::uint32_t>::max())
    throw data_error(path.string(), "write_idx_images: an IDX file holds at most 4294967295 images");
  std::vector<std::uint8_t> bytes;
  bytes.reserve(images.size() * S::size);
  for (const auto& image : images)
    for (float v : image)
      bytes.push_back(static_cast<std::uint8_t>(std::lround(std::isnan(v) ? 0.0f : std::clamp(v, 0.0f, 1.0f) * 255.0f)));
  write_idx_images(path, bytes, static_cast<std::uint32_t>(images.size()), S::dims[0], S::dims[1]);
}

/// Writes labels (each 0..255) as an IDX label file; gzip-compressed when `path` ends in ".gz".
inline void write_idx_labels(const std::filesystem::path& path, std::span<const std::uint32_t> labels) {
  if (labels.size() > std::numeric_limits<std::uint32_t>::max())
    throw data_error(path.string(), "write_idx_labels: an IDX file holds at most 4294967295 labels");
  std::vector<unsigned char> bytes(8 + labels.size());
  detail::put_big_endian_u32(bytes.data(), idx_labels_magic);
  detail::put_big_endian_u32(bytes.data() + 4, static_cast<std::uint32_t>(labels.size()));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] > 255)
      throw data_error(path.string(), "write_idx_labels: label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                                          " does not fit an unsigned-byte IDX file (0..255)");
    bytes[8 + i] = static_cast<unsigned char>(labels[i]);
  }
  detail::byte_writer out(path);
  out.write(bytes.data(), bytes.size());
  out.close();
}

/// Writes a whole dataset as an IDX image file and an IDX label file.
template <class S, std::size_t Classes>
void write_idx(const std::filesystem::path& images_path, const std::filesystem::path& labels_path, const dataset<S, Classes>& data) {
  if (data.images.size() != data.labels.size())
    throw data_error("tenet::data::write_idx: the dataset has " + std::to_string(data.images.size()) + " images but " +
                     std::to_string(data.labels.size()) + " labels");
  write_idx_images(images_path, data.images);
  write_idx_labels(labels_path, data.labels);
}

}  // namespace tenet::data
