#pragma once
// What the lecture's three training examples share: the command line, loading the data set,
// training with a progress bar, and the pictures and files written at the end. Each example
// declares its network type and its optimizer, then calls `run_lecture_example`.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tbb/global_control.h>
#include <unistd.h>

#include <tenet/data/fashion_mnist.hpp>
#include <tenet/data/idx.hpp>
#include <tenet/io/plot.hpp>
#include <tenet/io/weights.hpp>
#include <tenet/tenet.hpp>
#include <tenet/train/trainer.hpp>

namespace lecture {

namespace fs = std::filesystem;

/// The command line every example accepts.
struct options {
  fs::path data;
  std::size_t epochs = 0;
  std::size_t threads = 0;  // 0: all cores
  std::uint64_t seed = 1;
  fs::path out;
  std::size_t limit = 0;       // 0: the whole training set
  std::size_t test_limit = 0;  // 0: the whole test set
  std::size_t batch = 32;
};

/// Thrown for a bad command line; main prints it with the usage text and exits with 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::size_t parse_count(std::string_view flag, const char* text, std::size_t minimum) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (text[0] == '\0' || text[0] == '-' || *end != '\0' || errno == ERANGE || value < minimum)
    throw usage_error(std::string(flag) + " needs a whole number of at least " + std::to_string(minimum) + ", not '" + text + "'");
  return static_cast<std::size_t>(value);
}

/// Parses argv; `defaults` gives the example's own data directory, epochs and output directory.
inline options parse(int argc, char** argv, options defaults) {
  options o = std::move(defaults);
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") throw usage_error("");
    if (i + 1 >= argc) throw usage_error("'" + std::string(flag) + "' needs a value");
    const char* value = argv[++i];
    if (flag == "--data") o.data = value;
    else if (flag == "--epochs") o.epochs = parse_count(flag, value, 1);
    else if (flag == "--threads") o.threads = parse_count(flag, value, 1);
    else if (flag == "--seed") o.seed = parse_count(flag, value, 0);
    else if (flag == "--out") o.out = value;
    else if (flag == "--limit") o.limit = parse_count(flag, value, 1);
    else if (flag == "--test-limit") o.test_limit = parse_count(flag, value, 1);
    else if (flag == "--batch") o.batch = parse_count(flag, value, 1);
    else throw usage_error("unknown option '" + std::string(flag) + "'");
  }
  if (!fs::is_directory(o.data))
    throw usage_error("the data directory '" + o.data.string() + "' does not exist" +
                      (o.data.string().find("digits") != std::string::npos
                           ? " (make it with: scripts/fetch-digits.sh build/data)"
                           : (o.data.string().find("fashion") != std::string::npos
                                  ? " (install it with: apt-get install dataset-fashion-mnist)"
                                  : "")));
  return o;
}

inline void print_usage(const char* program, const options& defaults) {
  std::fprintf(stderr,
               "usage: %s [--data DIR] [--epochs N] [--threads N] [--seed N] [--out DIR] [--limit N] [--test-limit N] [--batch N]\n"
               "  --data DIR    IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,\n"
               "                t10k-labels-idx1-ubyte (each may end in .gz)   [default: %s]\n"
               "  --epochs N    passes over the training set                   [default: %zu]\n"
               "  --threads N   worker threads                                 [default: all cores]\n"
               "  --seed N      seeds the initial weights, shuffling and dropout [default: %llu]\n"
               "  --out DIR     where pictures, the history and the weights go [default: %s]\n"
               "  --limit N     train on the first N training images only      [default: all]\n"
               "  --test-limit N  test on the first N test images only         [default: all]\n"
               "  --batch N     mini-batch size                                [default: %zu]\n",
               program, defaults.data.c_str(), defaults.epochs, static_cast<unsigned long long>(defaults.seed),
               defaults.out.c_str(), defaults.batch);
}

/// Makes sure, before any data is loaded or any training starts, that the output directory
/// exists (it is created if needed) and that a file can be created in it, so a bad --out costs
/// nothing and leaves whatever is already there untouched. Throws std::runtime_error naming
/// the directory (main_for: exit code 1).
inline void check_output_directory(const fs::path& out) {
  const std::string where = "the output directory '" + out.string() + "' (--out)";
  const char* nothing_done = "; nothing was trained or written";
  std::error_code ec;
  const auto status = fs::status(out, ec);
  if (fs::exists(status) && !fs::is_directory(status))
    throw std::runtime_error(where + " exists but is not a directory" + nothing_done);
  fs::create_directories(out, ec);
  if (ec) throw std::runtime_error("cannot create " + where + ": " + ec.message() + nothing_done);
  const fs::path probe = out / (".tenet-write-test-" + std::to_string(::getpid()));
  errno = 0;
  std::FILE* f = std::fopen(probe.c_str(), "wbx");
  if (f == nullptr) {
    const int error = errno;
    throw std::runtime_error("cannot write in " + where + ": " + std::strerror(error) + nothing_done);
  }
  std::fclose(f);
  fs::remove(probe, ec);
}

/// Writes `path` through `write(temporary)`, then renames the temporary over `path`: when
/// writing fails (a full disk...), the file a previous run left there is kept as it was.
template <class Write>
void write_replacing(const fs::path& path, Write&& write) {
  fs::path temporary = path;
  temporary += ".tmp-" + std::to_string(::getpid());
  try {
    write(temporary);
    fs::rename(temporary, path);
  } catch (...) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw;
  }
}

/// canvas.save_png(path), replacing an existing file only once the new one is complete.
template <class Canvas>
void save_png(const Canvas& canvas, const fs::path& path) {
  write_replacing(path, [&](const fs::path& temporary) { canvas.save_png(temporary); });
}

/// The IDX file `stem` in `dir`, plain or gzipped.
inline fs::path idx_file(const fs::path& dir, const std::string& stem) {
  for (const char* suffix : {"", ".gz"}) {
    const fs::path candidate = dir / (stem + suffix);
    if (fs::exists(candidate)) return candidate;
  }
  throw tenet::data::data_error("tenet::data: " + (dir / stem).string() + "[.gz]: no such file (the data directory must hold " +
                                stem + " or " + stem + ".gz)");
}

/// Class names: Fashion-MNIST's when the data comes from its directory, digits otherwise.
inline std::vector<std::string> class_names(const fs::path& data) {
  std::vector<std::string> names;
  if (data.string().find("fashion") != std::string::npos)
    for (auto name : tenet::data::fashion_mnist::class_names) names.emplace_back(name);
  else
    for (int d = 0; d < 10; ++d) names.push_back(std::to_string(d));
  return names;
}

using dataset = tenet::data::dataset<tenet::shape<28, 28, 1>, 10>;

/// Everything an example reports after training.
struct outcome {
  tenet::history history;
  tenet::evaluation test;
  std::vector<std::size_t> confusion;  // 10 x 10, row = true class
  std::vector<tenet::io::grid_image> misclassified;
};

/// Trains `net` on the data set and writes the pictures every example shares: training
/// curves, confusion matrix, misclassified test images; and the weights file.
template <class Net, class Optimizer>
outcome train_and_report(const char* name, Net& net, const options& o, Optimizer optimizer,
                         tenet::learning_rate_schedule schedule = {}) {
  std::optional<tbb::global_control> thread_limit;
  if (o.threads != 0) thread_limit.emplace(tbb::global_control::max_allowed_parallelism, o.threads);
  tenet::data::check_dataset<Net, dataset>();

  const auto load_start = std::chrono::steady_clock::now();
  tenet::data::idx_options train_options;
  if (o.limit != 0) train_options.limit = o.limit;
  const dataset train = tenet::data::load_idx<tenet::shape<28, 28, 1>, 10>(
      idx_file(o.data, "train-images-idx3-ubyte"), idx_file(o.data, "train-labels-idx1-ubyte"), train_options);
  tenet::data::idx_options test_options;
  if (o.test_limit != 0) test_options.limit = o.test_limit;
  const dataset test = tenet::data::load_idx<tenet::shape<28, 28, 1>, 10>(
      idx_file(o.data, "t10k-images-idx3-ubyte"), idx_file(o.data, "t10k-labels-idx1-ubyte"), test_options);
  std::printf("%s: %zu training and %zu test images from %s (loaded in %.1f s)\n\n", name, train.size(), test.size(),
              o.data.c_str(), std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count());

  Net::summary();
  std::printf("\n");
  net.initialize(o.seed);

  // As in the lecture, the test set doubles as validation data, so the curves show both.
  tenet::trainer<Net, tenet::cross_entropy, Optimizer> trainer(net, optimizer);
  outcome result;
  result.history = trainer.fit(train.images, train.labels, test.images, test.labels,
                               {.epochs = o.epochs, .batch_size = o.batch, .seed = o.seed, .schedule = std::move(schedule)});
  result.test = trainer.evaluate(test.images, test.labels);

  // Confusion matrix and misclassified examples.
  const auto predictions = net.predict(test.images);
  const auto names = class_names(o.data);
  result.confusion.assign(100, 0);
  for (std::size_t i = 0; i < test.size(); ++i) {
    const auto& p = predictions[i];
    const auto predicted = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
    ++result.confusion[test.labels[i] * 10 + predicted];
    if (predicted != test.labels[i] && result.misclassified.size() < 40)
      result.misclassified.push_back(tenet::io::make_grid_image(
          test.images[i], "true: " + names[test.labels[i]] + "\npred: " + names[predicted], 0));
  }
  for (auto& image : result.misclassified) image.caption_colour = tenet::io::colours::red;

  fs::create_directories(o.out);  // checked by main_for before training; may have been removed since
  std::vector<float> loss, val_loss, accuracy, val_accuracy;
  for (const auto& e : result.history.epochs) {
    loss.push_back(e.loss);
    val_loss.push_back(e.val_loss);
    accuracy.push_back(e.accuracy);
    val_accuracy.push_back(e.val_accuracy);
  }
  const std::string prefix = (o.out / name).string();
  // Every file is replaced only once its new version is complete (save_weights does so itself).
  save_png(tenet::io::draw_training_curves(loss, val_loss, accuracy, val_accuracy, std::string(name) + ": training curves"),
           prefix + "_curves.png");
  save_png(tenet::io::draw_confusion_matrix(result.confusion, names, {.title = std::string(name) + ": test set"}),
           prefix + "_confusion.png");
  if (!result.misclassified.empty())
    save_png(tenet::io::draw_image_grid(result.misclassified,
                                        {.title = std::string(name) + ": misclassified test images", .columns = 8, .scale = 3}),
             prefix + "_misclassified.png");
  write_replacing(prefix + "_history.csv", [&](const fs::path& temporary) { result.history.write_csv(temporary.string()); });
  tenet::save_weights(net, prefix + ".weights");
  return result;
}

/// The most-confused pairs of classes (both directions added), most errors first.
inline void print_most_confused(const std::vector<std::size_t>& confusion, const std::vector<std::string>& names, std::size_t top) {
  std::vector<std::pair<std::size_t, std::pair<std::size_t, std::size_t>>> pairs;
  for (std::size_t a = 0; a < 10; ++a)
    for (std::size_t b = a + 1; b < 10; ++b) pairs.push_back({confusion[a * 10 + b] + confusion[b * 10 + a], {a, b}});
  std::sort(pairs.begin(), pairs.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  std::printf("Most confused pairs of classes (test errors in either direction):\n");
  for (std::size_t i = 0; i < std::min(top, pairs.size()); ++i) {
    const auto [a, b] = pairs[i].second;
    std::printf("  %-12s <-> %-12s %4zu  (%zu as %s, %zu as %s)\n", names[a].c_str(), names[b].c_str(), pairs[i].first,
                confusion[a * 10 + b], names[b].c_str(), confusion[b * 10 + a], names[a].c_str());
  }
}

/// The end of every example: where the files are, and the accuracy line scripts look for.
inline void print_footer(const char* name, const options& o, const outcome& r, const std::vector<std::string>& extra_files) {
  double seconds = 0;
  for (const auto& e : r.history.epochs) seconds += e.seconds;
  std::printf("\ntrained %zu epochs in %.1f s (%.0f training images/s on average)\n", r.history.epochs.size(), seconds,
              r.history.epochs.empty() ? 0.0 : [&] {
                double sum = 0;
                for (const auto& e : r.history.epochs) sum += e.images_per_second;
                return sum / static_cast<double>(r.history.epochs.size());
              }());
  std::printf("test loss %.4f\n", static_cast<double>(r.test.loss));
  const std::string prefix = (o.out / name).string();
  std::printf("pictures and files in %s/:\n", o.out.c_str());
  for (const char* suffix : {"_curves.png", "_confusion.png", "_misclassified.png", "_history.csv", ".weights"})
    std::printf("  %s%s\n", prefix.c_str(), suffix);
  for (const auto& f : extra_files) std::printf("  %s\n", f.c_str());
  std::printf("test_accuracy=%.4f\n", static_cast<double>(r.test.accuracy));
}

/// main() for an example: parses the command line, checks the output directory, runs
/// `body(options)`, turns errors into messages and exit codes (2: bad command line, 1:
/// anything else, an unwritable output directory included).
template <class Body>
int main_for(int argc, char** argv, const options& defaults, Body&& body) {
  try {
    const options o = parse(argc, argv, defaults);
    check_output_directory(o.out);
    body(o);
    return 0;
  } catch (const usage_error& e) {
    if (e.what()[0] != '\0') std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    print_usage(argv[0], defaults);
    return 2;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 1;
  }
}

}  // namespace lecture
