#pragma once
/// Writing 8-bit grayscale and RGB PNG files through libpng (link `PNG::PNG`, i.e. -lpng).
///
/// Uses libpng's simplified API (`png_image_write_to_stdio`), which reports errors through
/// a message instead of longjmp, so no setjmp crosses C++ frames.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <png.h>

#include "../tensor.hpp"
#include "error.hpp"

namespace tenet::pictures {

namespace detail {

inline void write_png(const std::filesystem::path& path, std::size_t width, std::size_t height, std::span<const std::uint8_t> pixels,
                      std::size_t channels) {
  const std::string name = path.string();
  // PNG's own limit is 2^31 - 1 per side; anything near it is a bug in the caller.
  constexpr std::size_t max_side = std::size_t{1} << 20;
  if (width == 0 || height == 0 || width > max_side || height > max_side)
    throw write_error(path, "cannot write a " + std::to_string(width) + "x" + std::to_string(height) +
                                " picture: each side must be between 1 and " + std::to_string(max_side) + " pixels");
  if (pixels.size() != width * height * channels)
    throw write_error(path, "a " + std::to_string(width) + "x" + std::to_string(height) + (channels == 1 ? " grayscale" : " RGB") +
                                " picture needs " + std::to_string(width * height * channels) + " bytes, but " +
                                std::to_string(pixels.size()) + " were given");
  errno = 0;
  std::FILE* file = std::fopen(name.c_str(), "wb");
  if (file == nullptr) {
    const int error = errno;
    std::string hint;
    std::error_code ignored;
    if (path.has_parent_path() && !std::filesystem::is_directory(path.parent_path(), ignored))
      hint = " (the directory " + path.parent_path().string() + " does not exist)";
    throw write_error(path, std::string("cannot create the file: ") + (error != 0 ? std::strerror(error) : "unknown error") + hint);
  }
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  const int ok = png_image_write_to_stdio(&image, file, 0, pixels.data(), static_cast<png_int_32>(width * channels), nullptr);
  const std::string message = image.message;  // libpng's explanation when !ok
  png_image_free(&image);
  errno = 0;
  const bool closed = std::fclose(file) == 0;
  const int close_error = errno;
  if (!ok || !closed) {
    std::remove(name.c_str());  // no half-written picture left behind
    throw write_error(
        path, !ok ? "libpng could not write the picture: " + message
                  : std::string("cannot finish writing the file: ") + (close_error != 0 ? std::strerror(close_error) : "write error"));
  }
}

inline std::uint8_t to_byte(float v) noexcept {
  return static_cast<std::uint8_t>(std::lround(std::isnan(v) ? 0.0f : std::clamp(v, 0.0f, 1.0f) * 255.0f));
}

}  // namespace detail

/// Writes `width` x `height` 8-bit gray values, row after row, as a PNG file.
/// Throws `write_error` (naming the file) when it cannot be written or `pixels` has the wrong size.
inline void write_png_gray(const std::filesystem::path& path, std::size_t width, std::size_t height, std::span<const std::uint8_t> pixels) {
  detail::write_png(path, width, height, pixels, 1);
}

/// Writes `width` x `height` RGB pixels (3 bytes each, row after row) as a PNG file.
inline void write_png_rgb(const std::filesystem::path& path, std::size_t width, std::size_t height, std::span<const std::uint8_t> pixels) {
  detail::write_png(path, width, height, pixels, 3);
}

/// Writes an image tensor (`shape<H, W, 1>` grayscale or `shape<H, W, 3>` RGB, values in
/// [0, 1], clamped) as a PNG file, each pixel enlarged to `scale` x `scale`.
template <class S>
void write_png(const std::filesystem::path& path, const tensor<float, S>& image, std::size_t scale = 1) {
  static_assert(S::rank == 3 && (S::dims[2] == 1 || S::dims[2] == 3),
                "tenet::pictures::write_png: the tensor must be an image, shape<H, W, 1> (gray) or shape<H, W, 3> (RGB)");
  constexpr std::size_t height = S::dims[0], width = S::dims[1], channels = S::dims[2];
  if (scale == 0) throw write_error(path, "write_png: scale must be at least 1");
  std::vector<std::uint8_t> bytes(width * scale * height * scale * channels);
  for (std::size_t y = 0; y < height * scale; ++y)
    for (std::size_t x = 0; x < width * scale; ++x)
      for (std::size_t c = 0; c < channels; ++c)
        bytes[(y * width * scale + x) * channels + c] = detail::to_byte(image(y / scale, x / scale, c));
  detail::write_png(path, width * scale, height * scale, bytes, channels);
}

}  // namespace tenet::pictures
