#pragma once
/// `canvas`: a small RGB raster with rectangles, lines and bitmap text, saved as PNG. The
/// drawing behind plot.hpp; enough for figures, not a graphics library.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"
#include "font.hpp"
#include "png.hpp"

namespace tenet::pictures {

/// An 8-bit RGB colour.
struct rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  friend constexpr bool operator==(rgb, rgb) = default;
};

/// Colours used by the plots; pick your own freely.
namespace colours {
inline constexpr rgb white{255, 255, 255};
inline constexpr rgb black{0, 0, 0};
inline constexpr rgb dark_gray{64, 64, 64};
inline constexpr rgb gray{128, 128, 128};
inline constexpr rgb light_gray{220, 220, 220};
inline constexpr rgb red{200, 30, 30};
inline constexpr rgb green{30, 140, 40};
/// Matplotlib's "tab10" cycle: distinct, and readable by most colour-blind viewers.
inline constexpr rgb palette[] = {{31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
                                  {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
}  // namespace colours

/// Linear blend: `t` = 0 gives `a`, 1 gives `b`.
constexpr rgb mix(rgb a, rgb b, float t) noexcept {
  t = t < 0.0f ? 0.0f : (t > 1.0f ? 1.0f : t);
  auto channel = [t](std::uint8_t x, std::uint8_t y) {
    return static_cast<std::uint8_t>(static_cast<float>(x) + (static_cast<float>(y) - static_cast<float>(x)) * t + 0.5f);
  };
  return {channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b)};
}

/// Where a text's anchor x lies: at its left edge, its centre or its right edge.
enum class align { left, center, right };

/// An RGB picture in memory. Coordinates are pixels, (0, 0) top-left, x to the right, y
/// down; drawing outside the canvas is clipped, never an error.
class canvas {
 public:
  /// Largest side accepted: a figure bigger than this is a bug, not a figure.
  static constexpr int max_side = 16384;

  canvas(int width, int height, rgb background = colours::white) : width_(width), height_(height) {
    if (width <= 0 || height <= 0 || width > max_side || height > max_side)
      throw drawing_error("tenet::pictures::canvas: each side must be between 1 and " + std::to_string(max_side) + " pixels, got " +
                          std::to_string(width) + "x" + std::to_string(height));
    pixels_.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
    fill_rect(0, 0, width, height, background);
  }

  int width() const noexcept { return width_; }
  int height() const noexcept { return height_; }
  /// The pixels, 3 bytes (R, G, B) each, row after row.
  std::span<const std::uint8_t> pixels() const noexcept { return pixels_; }

  rgb at(int x, int y) const {
    if (!inside(x, y))
      throw drawing_error("tenet::pictures::canvas::at: (" + std::to_string(x) + ", " + std::to_string(y) + ") is outside the canvas");
    const std::size_t i = index(x, y);
    return {pixels_[i], pixels_[i + 1], pixels_[i + 2]};
  }

  void set(int x, int y, rgb c) noexcept {
    if (!inside(x, y)) return;
    const std::size_t i = index(x, y);
    pixels_[i] = c.r;
    pixels_[i + 1] = c.g;
    pixels_[i + 2] = c.b;
  }

  /// Fills the `w` x `h` rectangle whose top-left corner is (x, y).
  void fill_rect(int x, int y, int w, int h, rgb c) noexcept {
    const int x0 = std::max(x, 0), y0 = std::max(y, 0);
    const int x1 = std::min(x + w, width_), y1 = std::min(y + h, height_);
    for (int yy = y0; yy < y1; ++yy)
      for (int xx = x0; xx < x1; ++xx) set(xx, yy, c);
  }

  /// The outline of a rectangle, `thickness` pixels wide, drawn inside it.
  void rect(int x, int y, int w, int h, rgb c, int thickness = 1) noexcept {
    fill_rect(x, y, w, thickness, c);
    fill_rect(x, y + h - thickness, w, thickness, c);
    fill_rect(x, y, thickness, h, c);
    fill_rect(x + w - thickness, y, thickness, h, c);
  }

  /// A straight line from (x0, y0) to (x1, y1), both ends included (Bresenham), `thickness`
  /// pixels wide. With `dash` > 0 it is drawn dashed: `dash` pixels on, `dash` off.
  void line(int x0, int y0, int x1, int y1, rgb c, int thickness = 1, int dash = 0) noexcept {
    const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
    const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    const int before = (thickness - 1) / 2;
    int err = dx + dy, step = 0;
    for (;;) {
      if (dash <= 0 || (step / dash) % 2 == 0) fill_rect(x0 - before, y0 - before, thickness, thickness, c);
      ++step;
      if (x0 == x1 && y0 == y1) break;
      const int e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  /// Width in pixels of `text` drawn at `scale` (no trailing gap).
  static int text_width(std::string_view text, int scale = 1) noexcept {
    return text.empty() ? 0 : (static_cast<int>(text.size()) * font::advance - 1) * scale;
  }
  /// Height in pixels of a line of text drawn at `scale`, descenders included.
  static constexpr int text_height(int scale = 1) noexcept { return (font::glyph_height + font::descent) * scale; }

  /// Draws one line of text; `y` is the top of the capitals (descenders reach
  /// `text_height(scale)` below it), `x` the anchor given by `how`.
  /// Each font pixel becomes a `scale` x `scale` square.
  void text(int x, int y, std::string_view text, rgb c, int scale = 1, align how = align::left) noexcept {
    x = anchor(x, text_width(text, scale), how);
    for (char ch : text) {
      for (int gy = 0; gy < font::glyph_height + font::descent; ++gy)
        for (int gx = 0; gx < font::glyph_width; ++gx)
          if (font::pixel(ch, gx, gy)) fill_rect(x + gx * scale, y + gy * scale, scale, scale, c);
      x += font::advance * scale;
    }
  }

  /// Draws text turned a quarter turn anticlockwise (reading bottom to top), as on a y-axis
  /// label. `x` is the left edge of the glyphs (their top before turning); `y` is the anchor
  /// along the text: its bottom end for `align::left`, its middle for `center`, its top end
  /// for `right`.
  void text_vertical(int x, int y, std::string_view text, rgb c, int scale = 1, align how = align::left) noexcept {
    const int length = text_width(text, scale);
    int bottom = how == align::left ? y : (how == align::center ? y + length / 2 : y + length);
    for (char ch : text) {
      for (int gy = 0; gy < font::glyph_height + font::descent; ++gy)
        for (int gx = 0; gx < font::glyph_width; ++gx)
          if (font::pixel(ch, gx, gy)) fill_rect(x + gy * scale, bottom - (gx + 1) * scale, scale, scale, c);
      bottom -= font::advance * scale;
    }
  }

  /// Writes the canvas as an RGB PNG file (throws `write_error` naming the file on failure).
  void save_png(const std::filesystem::path& path) const {
    write_png_rgb(path, static_cast<std::size_t>(width_), static_cast<std::size_t>(height_), pixels_);
  }

 private:
  bool inside(int x, int y) const noexcept { return x >= 0 && y >= 0 && x < width_ && y < height_; }
  std::size_t index(int x, int y) const noexcept {
    return (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)) * 3;
  }
  static int anchor(int x, int width, align how) noexcept {
    return how == align::left ? x : (how == align::center ? x - width / 2 : x - width);
  }

  int width_;
  int height_;
  std::vector<std::uint8_t> pixels_;
};

}  // namespace tenet::pictures
