#pragma once
/// The three figures of the lecture, drawn on a `canvas` and saved as PNG:
/// - `draw_image_grid`: small images enlarged, each with a caption (learned kernels,
///   misclassified test images captioned true / predicted);
/// - `draw_confusion_matrix`: a heat map of true versus predicted classes with counts;
/// - `draw_line_chart` / `draw_training_curves`: training curves such as loss and val_loss,
///   accuracy and val_accuracy, with ticks, legend and title.
///
/// Every function returns the canvas; call `save_png(path)` on it.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../tensor.hpp"
#include "canvas.hpp"

namespace tenet::pictures {

// ---------------------------------------------------------------------------------------------
// Image grids
// ---------------------------------------------------------------------------------------------

/// How values become colours in an image grid.
enum class colour_map {
  gray,  ///< low -> black, high -> white
  diverging,  ///< negative -> blue, 0 -> white, positive -> red (for kernels and weights)
};

/// One picture of a grid: `height` x `width` values, row after row, and its caption (which
/// may hold several lines separated by '\n').
struct grid_image {
  std::size_t width = 0;
  std::size_t height = 0;
  std::vector<float> values;
  std::string caption;
  rgb caption_colour = colours::black;
};

/// A grid image from channel `channel` of an image tensor, e.g. a `tensor<float, shape<28, 28, 1>>`.
template <class S>
grid_image make_grid_image(const tensor<float, S>& image, std::string caption = {}, std::size_t channel = 0) {
  static_assert(S::rank == 3, "tenet::pictures::make_grid_image: the tensor must be an image, shape<H, W, C>");
  constexpr std::size_t height = S::dims[0], width = S::dims[1];
  if (channel >= S::dims[2])
    throw drawing_error("tenet::pictures::make_grid_image: channel " + std::to_string(channel) + " of an image with " +
                        std::to_string(S::dims[2]) + " channel(s)");
  grid_image result{width, height, std::vector<float>(width * height), std::move(caption), colours::black};
  for (std::size_t y = 0; y < height; ++y)
    for (std::size_t x = 0; x < width; ++x) result.values[y * width + x] = image(y, x, channel);
  return result;
}

/// One grid image per filter of a conv2d layer, from its weights in Keras's layout
/// (KH, KW, C, Filters), showing input channel `channel`; captioned "0", "1", ...
/// Example: `conv_kernel_images(net.layer<0>().weights(), 2, 2, 1, 16)`.
inline std::vector<grid_image> conv_kernel_images(std::span<const float> weights, std::size_t kh, std::size_t kw, std::size_t channels,
                                                  std::size_t filters, std::size_t channel = 0) {
  if (weights.size() != kh * kw * channels * filters || channel >= channels)
    throw drawing_error("tenet::pictures::conv_kernel_images: " + std::to_string(weights.size()) + " weights do not form " +
                        std::to_string(filters) + " kernels of " + std::to_string(kh) + "x" + std::to_string(kw) + "x" +
                        std::to_string(channels) + " (or channel " + std::to_string(channel) + " does not exist)");
  std::vector<grid_image> kernels(filters);
  for (std::size_t f = 0; f < filters; ++f) {
    kernels[f] = {kw, kh, std::vector<float>(kh * kw), std::to_string(f), colours::black};
    for (std::size_t y = 0; y < kh; ++y)
      for (std::size_t x = 0; x < kw; ++x) kernels[f].values[y * kw + x] = weights[((y * kw + x) * channels + channel) * filters + f];
  }
  return kernels;
}

struct image_grid_options {
  std::string title;
  /// Images per row.
  std::size_t columns = 8;
  /// Each value becomes a `scale` x `scale` square (use ~4 for 28x28 images, ~24 for 2x2 kernels).
  std::size_t scale = 4;
  colour_map map = colour_map::gray;
  /// Stretch each image's own range to the full colour range (min..max for gray, -max|v|..
  /// max|v| for diverging). Otherwise all images share one scale and a colour bar shows it:
  /// `low`..`high` for gray, -m..m for diverging, where m is the largest |value| of all images.
  bool normalize_each = false;
  float low = 0.0f;
  float high = 1.0f;
  /// Text size multiplier (the font is 5x7 pixels).
  int text_scale = 1;
};

namespace detail {

inline constexpr rgb diverging_negative{33, 102, 172};  // ColorBrewer RdBu's ends
inline constexpr rgb diverging_positive{178, 24, 43};

/// `t` in [0, 1] for gray, [-1, 1] for diverging.
inline rgb map_colour(colour_map map, float t) {
  if (std::isnan(t)) return colours::light_gray;
  if (map == colour_map::gray) {
    const auto v = static_cast<std::uint8_t>(std::lround(std::clamp(t, 0.0f, 1.0f) * 255.0f));
    return {v, v, v};
  }
  return t < 0.0f ? mix(colours::white, diverging_negative, -t) : mix(colours::white, diverging_positive, t);
}

/// "0.25", "-1.5", "1200": a short label for `v`, with `decimals` digits after the point.
inline std::string number_label(double v, int decimals) {
  if (std::fabs(v) < 1e-12) v = 0.0;  // never "-0.00"
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", std::clamp(decimals, 0, 9), v);
  return text;
}

/// Decimals that show `v` (a colour-bar end) to about three significant digits.
inline int decimals_for(double v) {
  const double a = std::fabs(v);
  if (a == 0.0 || a >= 100.0) return 0;
  return std::clamp(2 - static_cast<int>(std::floor(std::log10(a))), 0, 6);
}

inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find('\n', start);
    lines.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return lines;
}

}  // namespace detail

/// Draws `images` in a grid, `options.columns` per row, each enlarged `options.scale` times
/// and framed, its caption centred underneath; a colour bar at the bottom shows the shared
/// value scale (unless `normalize_each`).
inline canvas draw_image_grid(std::span<const grid_image> images, const image_grid_options& options = {}) {
  if (images.empty()) throw drawing_error("tenet::pictures::draw_image_grid: no images to draw");
  if (options.columns == 0 || options.scale == 0 || options.text_scale < 1)
    throw drawing_error("tenet::pictures::draw_image_grid: columns, scale and text_scale must be at least 1");
  for (const auto& image : images)
    if (image.values.size() != image.width * image.height || image.width == 0)
      throw drawing_error("tenet::pictures::draw_image_grid: image \"" + image.caption + "\" has " + std::to_string(image.values.size()) +
                          " values for " + std::to_string(image.width) + "x" + std::to_string(image.height) + " pixels");
  const int ts = options.text_scale, scale = static_cast<int>(options.scale);
  const int margin = 12, gap = 14, line = font::line_height * ts;

  // The shared scale (also used for the colour bar).
  const bool diverging = options.map == colour_map::diverging;
  float shared_limit = 0.0f;
  for (const auto& image : images)
    for (float v : image.values)
      if (std::isfinite(v)) shared_limit = std::max(shared_limit, std::fabs(v));
  if (shared_limit == 0.0f) shared_limit = 1.0f;

  int image_w = 0, image_h = 0, caption_w = 0;
  std::size_t caption_lines = 0;
  for (const auto& image : images) {
    image_w = std::max(image_w, static_cast<int>(image.width) * scale);
    image_h = std::max(image_h, static_cast<int>(image.height) * scale);
    const auto lines = detail::split_lines(image.caption);
    if (!image.caption.empty()) caption_lines = std::max(caption_lines, lines.size());
    for (const auto& l : lines) caption_w = std::max(caption_w, canvas::text_width(l, ts));
  }
  const int cell_w = std::max(image_w + 2, caption_w) + gap;
  const int cell_h = image_h + 2 + (caption_lines > 0 ? 4 + static_cast<int>(caption_lines) * line : 0) + gap;
  const int columns = static_cast<int>(std::min(options.columns, images.size()));
  const int rows = static_cast<int>((images.size() + options.columns - 1) / options.columns);
  const int title_h = options.title.empty() ? 0 : font::line_height * 2 * ts + 6;
  const int bar_h = options.normalize_each ? 0 : 10 + 12 + 4 + line;
  const int width =
      std::max(2 * margin + columns * cell_w - gap, options.title.empty() ? 0 : 2 * margin + canvas::text_width(options.title, 2 * ts));
  const int bar_min_w = 220;
  canvas c(std::max(width, bar_h > 0 ? 2 * margin + bar_min_w : 0), margin + title_h + rows * cell_h - gap + bar_h + margin);

  if (!options.title.empty()) c.text(c.width() / 2, margin, options.title, colours::black, 2 * ts, align::center);
  const int grid_left = (c.width() - (columns * cell_w - gap)) / 2;
  for (std::size_t n = 0; n < images.size(); ++n) {
    const auto& image = images[n];
    const int cell_x = grid_left + static_cast<int>(n % options.columns) * cell_w;
    const int cell_y = margin + title_h + static_cast<int>(n / options.columns) * cell_h;
    const int w = static_cast<int>(image.width) * scale, h = static_cast<int>(image.height) * scale;
    const int x0 = cell_x + (cell_w - gap - w) / 2, y0 = cell_y + 1 + (image_h - h) / 2;

    float lo = options.low, hi = options.high, limit = shared_limit;
    if (options.normalize_each) {
      lo = std::numeric_limits<float>::infinity();
      hi = -lo;
      limit = 0.0f;
      for (float v : image.values)
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v), limit = std::max(limit, std::fabs(v));
      if (!(lo < hi)) lo = hi - 1.0f;  // a constant image is drawn white (gray) / as its sign (diverging)
      if (limit == 0.0f) limit = 1.0f;
    }
    for (std::size_t y = 0; y < image.height; ++y)
      for (std::size_t x = 0; x < image.width; ++x) {
        const float v = image.values[y * image.width + x];
        const float t = diverging ? v / limit : (hi > lo ? (v - lo) / (hi - lo) : 0.0f);
        c.fill_rect(x0 + static_cast<int>(x) * scale, y0 + static_cast<int>(y) * scale, scale, scale, detail::map_colour(options.map, t));
      }
    c.rect(x0 - 1, y0 - 1, w + 2, h + 2, colours::gray);
    int ty = cell_y + image_h + 2 + 4;
    for (const auto& l : detail::split_lines(image.caption)) {
      c.text(cell_x + (cell_w - gap) / 2, ty, l, image.caption_colour, ts, align::center);
      ty += line;
    }
  }

  if (bar_h > 0) {  // the colour bar: a gradient with its end (and middle) values
    const int bar_w = std::min(c.width() - 2 * margin, 320), bar_x = (c.width() - bar_w) / 2;
    const int bar_y = c.height() - margin - line - 4 - 12;
    for (int x = 0; x < bar_w; ++x) {
      const float f = static_cast<float>(x) / static_cast<float>(bar_w - 1);
      c.fill_rect(bar_x + x, bar_y, 1, 12, detail::map_colour(options.map, diverging ? 2.0f * f - 1.0f : f));
    }
    c.rect(bar_x - 1, bar_y - 1, bar_w + 2, 14, colours::gray);
    const float left = diverging ? -shared_limit : options.low, right = diverging ? shared_limit : options.high;
    const int digits = std::max(detail::decimals_for(left), detail::decimals_for(right));
    c.text(bar_x, bar_y + 16, detail::number_label(left, digits), colours::black, ts, align::left);
    c.text(bar_x + bar_w, bar_y + 16, detail::number_label(right, digits), colours::black, ts, align::right);
    if (diverging) c.text(bar_x + bar_w / 2, bar_y + 16, "0", colours::black, ts, align::center);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Confusion matrix
// ---------------------------------------------------------------------------------------------

struct confusion_options {
  std::string title = "Confusion matrix";
  std::string true_label = "true class";
  std::string predicted_label = "predicted class";
  /// Side of a cell in pixels; 0 picks one that fits the largest count.
  int cell = 0;
  int text_scale = 1;
};

/// Draws a confusion matrix: `counts` holds n x n numbers, row = true class, column =
/// predicted class (`counts[t * n + p]`), and `class_names` the n names. A cell's colour is
/// its share of its row (so the diagonal is each class's recall); its count is printed in it.
/// The title line adds the overall accuracy; the right column gives each class's recall.
inline canvas draw_confusion_matrix(std::span<const std::size_t> counts, std::span<const std::string> class_names,
                                    const confusion_options& options = {}) {
  const std::size_t n = class_names.size();
  if (n == 0 || counts.size() != n * n)
    throw drawing_error("tenet::pictures::draw_confusion_matrix: " + std::to_string(n) + " class names need " + std::to_string(n * n) +
                        " counts (n x n, row = true class), but " + std::to_string(counts.size()) + " were given");
  if (options.text_scale < 1) throw drawing_error("tenet::pictures::draw_confusion_matrix: text_scale must be at least 1");
  const int ts = options.text_scale, margin = 14, line = font::line_height * ts;
  const int ni = static_cast<int>(n);

  std::size_t total = 0, correct = 0, largest = 0;
  std::vector<std::size_t> row_total(n, 0);
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t p = 0; p < n; ++p) {
      row_total[t] += counts[t * n + p];
      largest = std::max(largest, counts[t * n + p]);
    }
  for (std::size_t t = 0; t < n; ++t) total += row_total[t], correct += counts[t * n + t];

  const int cell = options.cell > 0 ? options.cell : std::max(30 * ts, canvas::text_width(std::to_string(largest), ts) + 12);
  int name_w = 0;
  for (const auto& name : class_names) name_w = std::max(name_w, canvas::text_width(name, ts));
  // Column names go under the matrix, turned upright when they are wider than a cell.
  const bool vertical_names = name_w > cell - 4;
  const int col_names_h = vertical_names ? name_w : canvas::text_height(ts);
  const std::string recall_head = "recall";
  const int recall_w = std::max(canvas::text_width(recall_head, ts), canvas::text_width("100.0%", ts)) + 10;

  const int title_h = 2 * font::line_height * ts + line + 8;  // title (2x) + accuracy line
  const int left = margin + line + 6 + name_w + 8;  // y label, row names
  const int top = margin + title_h;
  const int matrix = ni * cell;
  const int width = std::max(left + matrix + 8 + recall_w + margin, 2 * margin + canvas::text_width(options.title, 2 * ts));
  const int height = top + matrix + 8 + col_names_h + 8 + line + margin;
  canvas c(width, height);

  c.text(left + matrix / 2, margin, options.title, colours::black, 2 * ts, align::center);
  const std::string accuracy = total == 0 ? std::string("no examples")
                                          : "accuracy " +
                                                detail::number_label(100.0 * static_cast<double>(correct) / static_cast<double>(total), 2) +
                                                "% (" + std::to_string(correct) + " of " + std::to_string(total) + ")";
  c.text(left + matrix / 2, margin + 2 * font::line_height * ts + 2, accuracy, colours::dark_gray, ts, align::center);

  constexpr rgb light{222, 235, 247}, mid{66, 146, 198}, dark{8, 48, 107};  // ColorBrewer "Blues"
  for (int t = 0; t < ni; ++t) {
    for (int p = 0; p < ni; ++p) {
      const std::size_t count = counts[static_cast<std::size_t>(t) * n + static_cast<std::size_t>(p)];
      const float share = row_total[static_cast<std::size_t>(t)] == 0
                              ? 0.0f
                              : static_cast<float>(count) / static_cast<float>(row_total[static_cast<std::size_t>(t)]);
      const rgb fill = count == 0 ? colours::white : (share < 0.5f ? mix(light, mid, share * 2.0f) : mix(mid, dark, share * 2.0f - 1.0f));
      const int x = left + p * cell, y = top + t * cell;
      c.fill_rect(x, y, cell, cell, fill);
      const rgb ink = count == 0 ? colours::light_gray : (share >= 0.35f ? colours::white : colours::black);
      c.text(x + cell / 2, y + (cell - font::glyph_height * ts) / 2, std::to_string(count), ink, ts, align::center);
    }
  }
  for (int i = 0; i <= ni; ++i) {  // cell borders
    c.fill_rect(left + i * cell, top, 1, matrix + 1, colours::light_gray);
    c.fill_rect(left, top + i * cell, matrix + 1, 1, colours::light_gray);
  }
  c.rect(left, top, matrix + 1, matrix + 1, colours::dark_gray);

  // Row names (true classes) on the left, column names (predicted classes) underneath.
  for (int t = 0; t < ni; ++t)
    c.text(left - 8, top + t * cell + (cell - font::glyph_height * ts) / 2, class_names[static_cast<std::size_t>(t)], colours::black, ts,
           align::right);
  for (int p = 0; p < ni; ++p) {
    const std::string& name = class_names[static_cast<std::size_t>(p)];
    if (vertical_names)  // reads bottom to top, its end touching the matrix
      c.text_vertical(left + p * cell + (cell - font::glyph_height * ts) / 2, top + matrix + 8, name, colours::black, ts, align::right);
    else c.text(left + p * cell + cell / 2, top + matrix + 8, name, colours::black, ts, align::center);
  }
  c.text(left + matrix / 2, top + matrix + 8 + col_names_h + 8, options.predicted_label, colours::black, ts, align::center);
  c.text_vertical(margin, top + matrix / 2, options.true_label, colours::black, ts, align::center);

  // Recall per true class.
  const int rx = left + matrix + 8;
  c.text(rx + recall_w / 2, top - line, recall_head, colours::dark_gray, ts, align::center);
  for (int t = 0; t < ni; ++t) {
    const auto tt = static_cast<std::size_t>(t);
    const std::string recall =
        row_total[tt] == 0
            ? "-"
            : detail::number_label(100.0 * static_cast<double>(counts[tt * n + tt]) / static_cast<double>(row_total[tt]), 1) + "%";
    c.text(rx + recall_w / 2, top + t * cell + (cell - font::glyph_height * ts) / 2, recall, colours::dark_gray, ts, align::center);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Line charts
// ---------------------------------------------------------------------------------------------

/// One curve: `values[i]` is drawn at x = `x_start + i` (NaN leaves a gap).
struct series {
  std::string name;
  std::vector<float> values;
  /// Default: the panel's next colour of `colours::palette`.
  std::optional<rgb> colour{};
  bool dashed = false;
};

/// One plot area with its own axes, e.g. loss and val_loss.
struct chart_panel {
  std::string title;
  std::string y_label;
  std::string x_label = "epoch";
  std::vector<series> lines;
  /// Fixed y range; by default it spans the data, rounded out to whole ticks.
  std::optional<float> y_min{};
  std::optional<float> y_max{};
};

struct chart_options {
  std::string title;
  /// Size of each panel's plot area, in pixels.
  int plot_width = 380;
  int plot_height = 260;
  /// x of the first value (epochs are counted from 1).
  float x_start = 1.0f;
  int text_scale = 1;
};

namespace detail {

struct ticks {
  double low, high, step;
  int decimals;
};

/// Round tick marks covering [low, high]: steps of 1, 2 or 5 times a power of ten, about
/// `target` of them; `integers` forbids steps below 1 (epochs).
inline ticks nice_ticks(double low, double high, int target, bool integers) {
  if (!(high > low)) {
    const double pad = std::fabs(low) > 0.0 ? std::fabs(low) * 0.1 : 0.5;
    low -= pad;
    high += pad;
  }
  const double raw = (high - low) / std::max(target, 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  double step = (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * magnitude;
  if (integers) step = std::max(step, 1.0);
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  return {std::floor(low / step + 1e-9) * step, std::ceil(high / step - 1e-9) * step, step, decimals};
}

}  // namespace detail

/// Draws the panels side by side, each with a frame, grid lines, tick labels, axis labels
/// and a legend underneath naming its series; `options.title` above them all.
inline canvas draw_line_chart(std::span<const chart_panel> panels, const chart_options& options = {}) {
  if (panels.empty()) throw drawing_error("tenet::pictures::draw_line_chart: no panels to draw");
  if (options.text_scale < 1 || options.plot_width < 50 || options.plot_height < 50)
    throw drawing_error("tenet::pictures::draw_line_chart: text_scale must be at least 1 and the plot at least 50x50 pixels");
  const int ts = options.text_scale, margin = 14, line = font::line_height * ts;
  const int pw = options.plot_width, ph = options.plot_height;

  struct layout {
    detail::ticks x, y;
    int label_w;  // widest y tick label
    int legend_rows;
  };
  std::vector<layout> layouts;
  for (const auto& panel : panels) {
    std::size_t points = 0;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& s : panel.lines) {
      points = std::max(points, s.values.size());
      for (float v : s.values)
        if (std::isfinite(v)) lo = std::min(lo, static_cast<double>(v)), hi = std::max(hi, static_cast<double>(v));
    }
    if (!(lo <= hi)) lo = 0.0, hi = 1.0;  // no data: an empty frame
    if (panel.y_min) lo = *panel.y_min;
    if (panel.y_max) hi = *panel.y_max;
    if ((panel.y_min || panel.y_max) && !(hi > lo))
      throw drawing_error("tenet::pictures::draw_line_chart: panel \"" + panel.title + "\": the y range " + std::to_string(lo) + " .. " +
                          std::to_string(hi) + " is empty (y_min must be below y_max and below the data's largest value)");
    layout l{};
    const double x0 = options.x_start, x1 = options.x_start + static_cast<double>(points > 0 ? points - 1 : 0);
    l.x = detail::nice_ticks(x0, x1, std::max(2, std::min(8, pw / 50)), true);
    l.x.low = std::min(l.x.low, x0);
    if (x1 > x0) l.x.low = x0, l.x.high = x1;  // the curves fill the width: the first and last epoch sit on the frame
    l.y = detail::nice_ticks(lo, hi, std::max(2, ph / 45), false);
    if (panel.y_min) l.y.low = *panel.y_min;
    if (panel.y_max) l.y.high = *panel.y_max;
    l.label_w = 0;
    for (double v = l.y.low; v <= l.y.high + l.y.step * 1e-6; v += l.y.step)
      l.label_w = std::max(l.label_w, canvas::text_width(detail::number_label(v, l.y.decimals), ts));
    // Legend entries flow left to right and wrap at the panel width.
    int x = 0;
    l.legend_rows = panel.lines.empty() ? 0 : 1;
    for (const auto& s : panel.lines) {
      const int entry = 26 + canvas::text_width(s.name, ts) + 18;
      if (x > 0 && x + entry > pw) ++l.legend_rows, x = 0;
      x += entry;
    }
    layouts.push_back(l);
  }

  const int title_h = options.title.empty() ? 0 : 2 * font::line_height * ts + 10;
  int panel_title_h = 0, legend_h = 0;
  for (std::size_t i = 0; i < panels.size(); ++i) {
    if (!panels[i].title.empty()) panel_title_h = line + 6;
    legend_h = std::max(legend_h, layouts[i].legend_rows * (line + 4));
  }
  std::vector<int> panel_left(panels.size());
  int x = margin;
  for (std::size_t i = 0; i < panels.size(); ++i) {
    const int axis_w = (panels[i].y_label.empty() ? 0 : line + 6) + layouts[i].label_w + 8;
    panel_left[i] = x + axis_w;
    x = panel_left[i] + pw + 2 * margin;
  }
  const int width = std::max(x - margin, 2 * margin + canvas::text_width(options.title, 2 * ts));
  const int top = margin + title_h + panel_title_h;
  const int height = top + ph + 6 + line + 4 + line + 8 + legend_h + margin;
  canvas c(width, height);
  if (!options.title.empty()) c.text(width / 2, margin, options.title, colours::black, 2 * ts, align::center);

  for (std::size_t i = 0; i < panels.size(); ++i) {
    const auto& panel = panels[i];
    const auto& l = layouts[i];
    const int left = panel_left[i];
    // A few pixels of air inside the frame, so markers on the first or last epoch, or on the
    // lowest or highest tick, are drawn whole instead of cut by the frame.
    constexpr int pad = 6;
    auto px = [&](double v) {
      return left + pad + static_cast<int>(std::lround((v - l.x.low) / (l.x.high - l.x.low) * (pw - 1 - 2 * pad)));
    };
    auto py = [&](double v) {
      return top + ph - 1 - pad - static_cast<int>(std::lround((v - l.y.low) / (l.y.high - l.y.low) * (ph - 1 - 2 * pad)));
    };

    if (!panel.title.empty()) c.text(left + pw / 2, top - panel_title_h, panel.title, colours::black, ts, align::center);
    // Grid and tick labels.
    for (double v = l.y.low; v <= l.y.high + l.y.step * 1e-6; v += l.y.step) {
      const int y = py(v);
      c.fill_rect(left, y, pw, 1, colours::light_gray);
      c.fill_rect(left - 4, y, 4, 1, colours::dark_gray);
      c.text(left - 7, y - font::glyph_height * ts / 2, detail::number_label(v, l.y.decimals), colours::black, ts, align::right);
    }
    const double first_tick = std::ceil(l.x.low / l.x.step - 1e-9) * l.x.step;
    for (double v = first_tick; v <= l.x.high + l.x.step * 1e-6; v += l.x.step) {
      const int xx = px(v);
      c.fill_rect(xx, top, 1, ph, colours::light_gray);
      c.fill_rect(xx, top + ph, 1, 4, colours::dark_gray);
      c.text(xx, top + ph + 6, detail::number_label(v, l.x.decimals), colours::black, ts, align::center);
    }
    c.rect(left - 1, top - 1, pw + 2, ph + 2, colours::dark_gray);
    c.text(left + pw / 2, top + ph + 6 + line + 4, panel.x_label, colours::black, ts, align::center);
    if (!panel.y_label.empty())
      c.text_vertical(left - 8 - l.label_w - 6 - line, top + ph / 2, panel.y_label, colours::black, ts, align::center);

    // The curves, clipped to the plot area by drawing only inside it.
    canvas area(pw, ph, colours::white);
    for (std::size_t s = 0; s < panel.lines.size(); ++s) {
      const auto& curve = panel.lines[s];
      const rgb ink = curve.colour.value_or(colours::palette[s % std::size(colours::palette)]);
      const bool markers = curve.values.size() <= 40;
      for (std::size_t k = 0; k < curve.values.size(); ++k) {
        const float v = curve.values[k];
        if (!std::isfinite(v)) continue;
        const int x1 = px(options.x_start + static_cast<double>(k)) - left, y1 = py(v) - top;
        if (k > 0 && std::isfinite(curve.values[k - 1])) {
          const int x0 = px(options.x_start + static_cast<double>(k - 1)) - left, y0 = py(curve.values[k - 1]) - top;
          area.line(x0, y0, x1, y1, ink, 2, curve.dashed ? 5 : 0);
        }
        if (markers) area.fill_rect(x1 - 2, y1 - 2, 5, 5, ink);
      }
    }
    for (int yy = 0; yy < ph; ++yy)  // copy the drawn curves over the grid
      for (int xx = 0; xx < pw; ++xx) {
        const rgb p = area.at(xx, yy);
        if (p != colours::white) c.set(left + xx, top + yy, p);
      }

    // Legend under the axis label.
    int lx = 0, ly = top + ph + 6 + line + 4 + line + 8;
    for (std::size_t s = 0; s < panel.lines.size(); ++s) {
      const auto& curve = panel.lines[s];
      const rgb ink = curve.colour.value_or(colours::palette[s % std::size(colours::palette)]);
      const int entry = 26 + canvas::text_width(curve.name, ts) + 18;
      if (lx > 0 && lx + entry > pw) lx = 0, ly += line + 4;
      const int mid = ly + font::glyph_height * ts / 2;
      c.line(left + lx, mid, left + lx + 20, mid, ink, 2, curve.dashed ? 5 : 0);
      c.fill_rect(left + lx + 8, mid - 2, 5, 5, ink);
      c.text(left + lx + 26, ly, curve.name, colours::black, ts);
      lx += entry;
    }
  }
  return c;
}

/// Keras-style training curves: a "loss" panel (loss, val_loss) and an "accuracy" panel
/// (accuracy, val_accuracy), one value per epoch. Empty vectors are left out.
inline canvas draw_training_curves(std::span<const float> loss, std::span<const float> val_loss, std::span<const float> accuracy,
                                   std::span<const float> val_accuracy, const std::string& title = "Training") {
  auto add = [](chart_panel& panel, const char* name, std::span<const float> values) {
    if (!values.empty()) panel.lines.push_back({name, std::vector<float>(values.begin(), values.end()), std::nullopt, false});
  };
  std::vector<chart_panel> panels;
  chart_panel loss_panel;
  loss_panel.title = loss_panel.y_label = "loss";
  add(loss_panel, "loss", loss);
  add(loss_panel, "val_loss", val_loss);
  if (!loss_panel.lines.empty()) panels.push_back(std::move(loss_panel));
  chart_panel accuracy_panel;
  accuracy_panel.title = accuracy_panel.y_label = "accuracy";
  add(accuracy_panel, "accuracy", accuracy);
  add(accuracy_panel, "val_accuracy", val_accuracy);
  if (!accuracy_panel.lines.empty()) panels.push_back(std::move(accuracy_panel));
  if (panels.empty()) throw drawing_error("tenet::pictures::draw_training_curves: every series is empty");
  chart_options options;
  options.title = title;
  return draw_line_chart(panels, options);
}

}  // namespace tenet::pictures
