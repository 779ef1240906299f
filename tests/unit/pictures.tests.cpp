// tenet::pictures: PNG writing (read back with libpng's simplified API), the canvas and its font,
// and the three figures of plot.hpp.
//
// Set TENET_PNG_TEST_OUT=<dir> to keep the figures this test draws, to look at them.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include <png.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <tenet/pictures.hpp>
#include <tenet/pictures/canvas.hpp>
#include <tenet/pictures/error.hpp>
#include <tenet/pictures/font.hpp>
#include <tenet/pictures/plot.hpp>
#include <tenet/pictures/png.hpp>
#include <tenet/shape.hpp>
#include <tenet/tensor.hpp>
#include "temp_dir.hpp"

namespace fs = std::filesystem;
namespace pic = tenet::pictures;

namespace {

using tenet::test::temp_dir;

struct decoded {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> pixels;
};

/// Reads a PNG back with libpng's simplified API, converted to `format`.
decoded read_png(const fs::path& path, std::uint32_t format) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  REQUIRE(png_image_begin_read_from_file(&image, path.c_str()) != 0);
  image.format = format;
  decoded result{image.width, image.height, std::vector<std::uint8_t>(PNG_IMAGE_SIZE(image))};
  REQUIRE(png_image_finish_read(&image, nullptr, result.pixels.data(), 0, nullptr) != 0);
  return result;
}

/// Where to save a figure: TENET_PNG_TEST_OUT if set, else the temp dir.
fs::path figure_path(const temp_dir& dir, const std::string& name) {
  if (const char* out = std::getenv("TENET_PNG_TEST_OUT")) {
    fs::create_directories(out);
    return fs::path(out) / name;
  }
  return dir / name;
}

/// The fraction of pixels in a rectangle that are not white.
double ink(const pic::canvas& c, int x0, int y0, int x1, int y1) {
  int count = 0, total = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x, ++total) count += c.at(x, y) != pic::colours::white;
  return total == 0 ? 0.0 : static_cast<double>(count) / total;
}

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

}  // namespace

TEST_CASE("write_png_gray writes a grayscale PNG that reads back pixel for pixel", "[png]") {
  temp_dir dir("tenet-png-tests");
  std::vector<std::uint8_t> pixels(5 * 3);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 17);
  pic::write_png_gray(dir / "gray.png", 5, 3, pixels);
  const auto back = read_png(dir / "gray.png", PNG_FORMAT_GRAY);
  CHECK(back.width == 5);
  CHECK(back.height == 3);
  CHECK(back.pixels == pixels);
}

TEST_CASE("write_png_rgb writes an RGB PNG that reads back pixel for pixel", "[png]") {
  temp_dir dir("tenet-png-tests");
  std::vector<std::uint8_t> pixels(4 * 2 * 3);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(255 - i * 9);
  pic::write_png_rgb(dir / "rgb.png", 4, 2, pixels);
  const auto back = read_png(dir / "rgb.png", PNG_FORMAT_RGB);
  CHECK(back.width == 4);
  CHECK(back.height == 2);
  CHECK(back.pixels == pixels);
}

TEST_CASE("write_png enlarges an image tensor and clamps its values to [0, 1]", "[png]") {
  temp_dir dir("tenet-png-tests");
  tenet::tensor<float, tenet::shape<2, 3, 1>> image;
  const float values[] = {0.0f, 0.5f, 1.0f, -3.0f, 7.0f, 0.25f};
  std::copy(std::begin(values), std::end(values), image.begin());
  pic::write_png(dir / "tensor.png", image, 2);
  const auto back = read_png(dir / "tensor.png", PNG_FORMAT_GRAY);
  REQUIRE(back.width == 6);
  REQUIRE(back.height == 4);
  const std::uint8_t expected[] = {0, 128, 255, 0, 255, 64};
  for (std::uint32_t y = 0; y < 4; ++y)
    for (std::uint32_t x = 0; x < 6; ++x) CHECK(back.pixels[y * 6 + x] == expected[(y / 2) * 3 + x / 2]);
}

TEST_CASE("PNG writers report failures with the file name", "[png]") {
  temp_dir dir("tenet-png-tests");
  const std::vector<std::uint8_t> pixels(6, 0);
  SECTION("a directory that does not exist") {
    const fs::path path = dir / "no-such-dir" / "out.png";
    REQUIRE_THROWS_MATCHES(
        pic::write_png_gray(path, 3, 2, pixels), pic::write_error,
        message_contains({"tenet::pictures: " + path.string() + ": cannot create the file: No such file or directory", "does not exist"}));
    try {
      pic::write_png_gray(path, 3, 2, pixels);
      FAIL("no exception");
    } catch (const tenet::error& e) {  // the one base of tenet's exceptions
      const auto* write = dynamic_cast<const pic::write_error*>(&e);
      REQUIRE(write != nullptr);
      CHECK(write->path() == path);
      CHECK(write->problem().rfind("cannot create the file: No such file or directory", 0) == 0);
    }
  }
  SECTION("a path that is a directory") {
    const fs::path path = dir / "a-directory";
    fs::create_directories(path);
    REQUIRE_THROWS_MATCHES(pic::write_png_gray(path, 3, 2, pixels), pic::write_error,
                           message_contains({path.string(), "cannot create the file: Is a directory"}));
  }
  SECTION("the wrong number of pixels") {
    REQUIRE_THROWS_MATCHES(pic::write_png_rgb(dir / "x.png", 3, 2, pixels), pic::write_error,
                           message_contains({"x.png", "a 3x2 RGB picture needs 18 bytes, but 6 were given"}));
    CHECK_FALSE(fs::exists(dir / "x.png"));
  }
  SECTION("an empty picture") {
    REQUIRE_THROWS_MATCHES(pic::write_png_gray(dir / "x.png", 0, 2, {}), pic::write_error,
                           message_contains({"x.png", "cannot write a 0x2 picture: each side must be between 1 and 1048576 pixels"}));
  }
  SECTION("a tensor enlarged zero times") {
    const tenet::tensor<float, tenet::shape<2, 2, 1>> image{};
    REQUIRE_THROWS_MATCHES(pic::write_png(dir / "x.png", image, 0), pic::write_error,
                           message_contains({"tenet::pictures: " + (dir / "x.png").string() + ": write_png: scale must be at least 1"}));
  }
}

TEST_CASE("The font has a distinct glyph for every printable ASCII character", "[png]") {
  std::vector<pic::font::glyph_rows> seen;
  for (int c = 33; c < 127; ++c) {
    const auto& g = pic::font::glyph(static_cast<char>(c));
    INFO("character '" << static_cast<char>(c) << "'");
    CHECK(std::any_of(g.begin(), g.end(), [](std::uint8_t row) { return row != 0; }));
    CHECK(std::all_of(g.begin(), g.end(), [](std::uint8_t row) { return row < 32; }));  // 5 columns
    CHECK(std::find(seen.begin(), seen.end(), g) == seen.end());
    seen.push_back(g);
  }
  CHECK(pic::font::glyph('\x01') == pic::font::glyph('?'));
}

TEST_CASE("The canvas clips drawing at its edges and writes its text in the font", "[png]") {
  pic::canvas c(40, 20);
  c.fill_rect(-10, -10, 15, 15, pic::colours::black);  // partly outside: clipped
  CHECK(c.at(0, 0) == pic::colours::black);
  CHECK(c.at(4, 4) == pic::colours::black);
  CHECK(c.at(5, 5) == pic::colours::white);
  c.line(0, 19, 39, 19, pic::colours::red);
  CHECK(c.at(20, 19) == pic::colours::red);
  c.text(10, 2, "T", pic::colours::black, 2);
  CHECK(c.at(10, 2) == pic::colours::black);  // the top bar of the T
  CHECK(c.at(14, 12) == pic::colours::black);  // its stem, column 2 of 5, doubled
  CHECK(c.at(10, 12) == pic::colours::white);
  CHECK(pic::canvas::text_width("abc", 2) == (3 * 6 - 1) * 2);
  REQUIRE_THROWS_MATCHES(c.at(40, 0), pic::drawing_error, message_contains({"tenet::pictures::canvas::at: (40, 0) is outside the canvas"}));
  REQUIRE_THROWS_MATCHES(pic::canvas(0, 10), pic::drawing_error,
                         message_contains({"tenet::pictures::canvas: each side must be between 1 and 16384 pixels, got 0x10"}));
}

TEST_CASE("draw_image_grid lays out captioned, enlarged images and saves them", "[png][plot]") {
  temp_dir dir("tenet-png-tests");
  std::vector<pic::grid_image> images;
  for (int n = 0; n < 10; ++n) {
    tenet::tensor<float, tenet::shape<28, 28, 1>> image;
    for (std::size_t y = 0; y < 28; ++y)
      for (std::size_t x = 0; x < 28; ++x) image(y, x, 0) = std::abs(static_cast<float>(x) - 14.0f) < 2.0f + n ? 1.0f : 0.0f;
    images.push_back(pic::make_grid_image(image, "true: " + std::to_string(n) + "\npred: " + std::to_string(9 - n)));
    images.back().caption_colour = pic::colours::red;
  }
  pic::image_grid_options options;
  options.title = "misclassified test images";
  options.columns = 5;
  options.scale = 3;
  const pic::canvas c = pic::draw_image_grid(images, options);
  CHECK(c.width() >= 5 * 84);
  CHECK(c.height() >= 2 * 84);
  const fs::path path = figure_path(dir, "image_grid.png");
  c.save_png(path);
  const auto back = read_png(path, PNG_FORMAT_RGB);
  CHECK(back.width == static_cast<std::uint32_t>(c.width()));
  CHECK(back.height == static_cast<std::uint32_t>(c.height()));
  CHECK(std::equal(back.pixels.begin(), back.pixels.end(), c.pixels().begin()));

  SECTION("learned kernels in the diverging colour map: negative blue, positive red") {
    const std::vector<float> weights = {-1.0f, 0.5f, 0.0f, 1.0f};  // one 2x2 kernel, 1 channel, 1 filter
    const auto kernels = pic::conv_kernel_images(weights, 2, 2, 1, 1);
    pic::image_grid_options k;
    k.title = "1 learned 2x2 kernel";
    k.scale = 20;
    k.map = pic::colour_map::diverging;
    const pic::canvas kc = pic::draw_image_grid(kernels, k);
    kc.save_png(figure_path(dir, "kernels.png"));
    // Find the kernel's top-left pixel (-1: pure blue) and its bottom-right one (+1: pure red).
    bool blue = false, red = false;
    for (int y = 0; y < kc.height(); ++y)
      for (int x = 0; x < kc.width(); ++x) {
        const pic::rgb p = kc.at(x, y);
        blue |= p.b > 150 && p.r < 60;
        red |= p.r > 150 && p.b < 60;
      }
    CHECK(blue);
    CHECK(red);
  }
  SECTION("bad input is refused with the reason") {
    std::vector<pic::grid_image> bad = {{3, 3, std::vector<float>(8), "broken", pic::colours::black}};
    REQUIRE_THROWS_MATCHES(pic::draw_image_grid(bad), pic::drawing_error,
                           message_contains({"tenet::pictures::draw_image_grid: image \"broken\" has 8 values for 3x3 pixels"}));
    REQUIRE_THROWS_MATCHES(pic::draw_image_grid(std::vector<pic::grid_image>{}), pic::drawing_error,
                           message_contains({"tenet::pictures::draw_image_grid: no images to draw"}));
  }
}

TEST_CASE("draw_confusion_matrix draws a heat map with names and counts", "[png][plot]") {
  temp_dir dir("tenet-png-tests");
  const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"};
  std::vector<std::size_t> counts(25, 3);
  for (std::size_t i = 0; i < 5; ++i) counts[i * 5 + i] = 900 + i;
  const pic::canvas c = pic::draw_confusion_matrix(counts, names, {.title = "Fashion-MNIST (5 classes)"});
  const fs::path path = figure_path(dir, "confusion.png");
  c.save_png(path);
  const auto back = read_png(path, PNG_FORMAT_RGB);
  CHECK(back.width == static_cast<std::uint32_t>(c.width()));
  CHECK(back.height == static_cast<std::uint32_t>(c.height()));
  // The diagonal is dark, the rest light: the darkest blue appears, and so does the lightest.
  bool dark = false, light = false;
  for (int y = 0; y < c.height(); ++y)
    for (int x = 0; x < c.width(); ++x) {
      const pic::rgb p = c.at(x, y);
      dark |= p.b > 80 && p.r < 40 && p.g < 80;
      light |= p.r > 200 && p.r < 240 && p.b > 240;
    }
  CHECK(dark);
  CHECK(light);
  REQUIRE_THROWS_MATCHES(pic::draw_confusion_matrix(std::vector<std::size_t>(24), names), pic::drawing_error,
                         message_contains({"tenet::pictures::draw_confusion_matrix: "
                                           "5 class names need 25 counts (n x n, row = true class), but 24 were given"}));
}

TEST_CASE("draw_line_chart and draw_training_curves draw panels with ticks and legends", "[png][plot]") {
  temp_dir dir("tenet-png-tests");
  std::vector<float> loss, val_loss, accuracy, val_accuracy;
  for (int e = 0; e < 15; ++e) {
    loss.push_back(1.2f * std::exp(-e / 4.0f) + 0.2f);
    val_loss.push_back(1.1f * std::exp(-e / 5.0f) + 0.3f);
    accuracy.push_back(0.95f - 0.4f * std::exp(-e / 3.0f));
    val_accuracy.push_back(0.9f - 0.35f * std::exp(-e / 3.5f));
  }
  const pic::canvas c = pic::draw_training_curves(loss, val_loss, accuracy, val_accuracy, "seed CNN");
  const fs::path path = figure_path(dir, "training_curves.png");
  c.save_png(path);
  const auto back = read_png(path, PNG_FORMAT_RGB);
  CHECK(back.width == static_cast<std::uint32_t>(c.width()));
  CHECK(back.height == static_cast<std::uint32_t>(c.height()));
  CHECK(c.width() > 2 * 380);  // two panels side by side
  CHECK(ink(c, 0, 0, c.width(), 30) > 0.0);  // the title

  // Each series' colour appears: tab10 blue and orange.
  bool blue = false, orange = false;
  for (int y = 0; y < c.height(); ++y)
    for (int x = 0; x < c.width(); ++x) {
      blue |= c.at(x, y) == pic::colours::palette[0];
      orange |= c.at(x, y) == pic::colours::palette[1];
    }
  CHECK(blue);
  CHECK(orange);

  SECTION("a single panel with a gap (NaN) and a dashed series") {
    pic::chart_panel panel;
    panel.title = "learning rate";
    panel.lines.push_back({"lr", {0.1f, 0.05f, NAN, 0.01f}, pic::colours::green, true});
    const pic::chart_panel panels[] = {panel};
    const pic::canvas one = pic::draw_line_chart(panels);
    one.save_png(figure_path(dir, "one_panel.png"));
    CHECK(one.width() < c.width());
  }
  SECTION("nothing to draw is refused") {
    REQUIRE_THROWS_MATCHES(pic::draw_training_curves({}, {}, {}, {}), pic::drawing_error,
                           message_contains({"tenet::pictures::draw_training_curves: every series is empty"}));
  }
}

TEST_CASE("Every figure refuses what it cannot draw with a drawing_error naming itself and the reason", "[png][plot]") {
  const auto refuses = [](auto&& draw, const std::string& message) {
    INFO(message);
    REQUIRE_THROWS_MATCHES(draw(), pic::drawing_error, message_contains({message}));
  };
  refuses([] { pic::canvas(16385, 1); }, "tenet::pictures::canvas: each side must be between 1 and 16384 pixels, got 16385x1");
  const tenet::tensor<float, tenet::shape<2, 2, 1>> image{};
  refuses([&] { pic::make_grid_image(image, "x", 1); }, "tenet::pictures::make_grid_image: channel 1 of an image with 1 channel(s)");
  const std::vector<float> weights(7);
  refuses([&] { pic::conv_kernel_images(weights, 2, 2, 1, 2); },
          "tenet::pictures::conv_kernel_images: 7 weights do not form 2 kernels of 2x2x1 (or channel 0 does not exist)");
  const std::vector<pic::grid_image> images = {pic::make_grid_image(image)};
  pic::image_grid_options no_columns;
  no_columns.columns = 0;
  refuses([&] { pic::draw_image_grid(images, no_columns); },
          "tenet::pictures::draw_image_grid: columns, scale and text_scale must be at least 1");
  const std::vector<std::string> names = {"a", "b"};
  pic::confusion_options no_text;
  no_text.text_scale = 0;
  refuses([&] { pic::draw_confusion_matrix(std::vector<std::size_t>(4), names, no_text); },
          "tenet::pictures::draw_confusion_matrix: text_scale must be at least 1");
  refuses([] { pic::draw_line_chart({}); }, "tenet::pictures::draw_line_chart: no panels to draw");
  pic::chart_panel panel;
  panel.title = "loss";
  panel.lines.push_back({"loss", {1.0f, 0.5f}});
  const pic::chart_panel panels[] = {panel};
  pic::chart_options narrow;
  narrow.plot_width = 40;
  refuses([&] { pic::draw_line_chart(panels, narrow); },
          "tenet::pictures::draw_line_chart: text_scale must be at least 1 and the plot at least 50x50 pixels");
  panel.y_min = 2.0f;
  const pic::chart_panel empty_range[] = {panel};
  refuses(
      [&] { pic::draw_line_chart(empty_range); },
      "tenet::pictures::draw_line_chart: panel \"loss\": the y range 2.000000 .. 1.000000 is empty (y_min must be below y_max and below "
      "the data's largest value)");
}
