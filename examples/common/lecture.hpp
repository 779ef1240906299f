#pragma once
// What the lecture's three training examples share: the command line, loading the data set,
// training with a progress bar, and the pictures and files written at the end. Each example
// declares its network type and its optimizer, then calls `run_lecture_example`.

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tbb/global_control.h>
#include <unistd.h>

#include <tenet/data/fashion_mnist.hpp>
#include <tenet/data/idx.hpp>
#include <tenet/io/weights.hpp>
#include <tenet/pictures/plot.hpp>
#include <tenet/tenet.hpp>
#include <tenet/train/trainer.hpp>

#include "interrupt.hpp"
#include "outputs.hpp"

namespace lecture {

namespace fs = std::filesystem;

/// The command line every example accepts.
struct options {
  fs::path data;
  std::size_t epochs = 0;
  std::size_t threads = 0;  // 0: all cores
  std::uint64_t seed = 1;
  fs::path out;
  std::size_t limit = 0;  // 0: the whole training set
  std::size_t test_limit = 0;  // 0: the whole test set
  std::size_t batch = 32;
  fs::path resume{};  // empty: start afresh
};

/// Thrown for a bad command line; main prints it with the usage text and exits with 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Thrown for --help: main prints the usage text on stdout and exits with 0.
struct help_requested {};

/// More worker threads than this is a typing mistake, not a machine (TBB would allocate for
/// every one of them).
inline constexpr std::size_t max_threads = 1024;

/// A whole number in decimal digits only: no sign, no spaces, nothing after it (std::from_chars,
/// which neither skips spaces nor, for an unsigned type, accepts a sign).
inline std::size_t parse_count(std::string_view flag, std::string_view text, std::size_t minimum,
                               std::size_t maximum = static_cast<std::size_t>(-1)) {
  unsigned long long value = 0;
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc{} || stop != end || value < minimum || value > maximum)
    throw usage_error(std::string(flag) + " needs a whole number of at least " + std::to_string(minimum) +
                      (maximum != static_cast<std::size_t>(-1) ? " and at most " + std::to_string(maximum) : std::string()) + ", not '" +
                      std::string(text) + "'");
  return static_cast<std::size_t>(value);
}

/// Parses argv; `defaults` gives the example's own data directory, epochs and output directory.
inline options parse(int argc, char** argv, options defaults) {
  options o = std::move(defaults);
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") throw help_requested{};
  std::set<std::string_view> given;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    const bool known = flag == "--data" || flag == "--epochs" || flag == "--threads" || flag == "--seed" || flag == "--out" ||
                       flag == "--limit" || flag == "--test-limit" || flag == "--batch" || flag == "--resume";
    if (!known) throw usage_error("unknown option '" + std::string(flag) + "'");
    if (!given.insert(flag).second) throw usage_error("'" + std::string(flag) + "' is given twice (give each option once)");
    if (i + 1 >= argc) throw usage_error("'" + std::string(flag) + "' needs a value");
    const char* value = argv[++i];
    if (flag == "--data") o.data = value;
    else if (flag == "--epochs") o.epochs = parse_count(flag, value, 1);
    else if (flag == "--threads") o.threads = parse_count(flag, value, 1, max_threads);
    else if (flag == "--seed") o.seed = parse_count(flag, value, 0);
    else if (flag == "--out") o.out = value;
    else if (flag == "--limit") o.limit = parse_count(flag, value, 1);
    else if (flag == "--test-limit") o.test_limit = parse_count(flag, value, 1);
    else if (flag == "--batch") o.batch = parse_count(flag, value, 1);
    else if (flag == "--resume") o.resume = value;
  }
  std::error_code ec;
  if (fs::exists(o.data, ec) && !fs::is_directory(o.data, ec))
    throw usage_error("the data directory '" + o.data.string() +
                      "' (--data) is a file, not a directory: give the directory "
                      "that holds the IDX files");
  if (!o.resume.empty() && !fs::is_regular_file(o.resume, ec))
    throw usage_error("the checkpoint '" + o.resume.string() + "' (--resume) " +
                      (fs::exists(o.resume, ec) ? "is not a regular file" : "does not exist"));
  if (!fs::is_directory(o.data))
    throw usage_error(
        "the data directory '" + o.data.string() + "' does not exist" +
        (o.data.string().find("digits") != std::string::npos
             ? " (make it with: scripts/fetch-digits.sh build/data)"
             : (o.data.string().find("fashion") != std::string::npos ? " (install it with: apt-get install dataset-fashion-mnist)" : "")));
  return o;
}

inline void print_usage(std::FILE* to, const char* program, const options& defaults) {
  std::fprintf(to,
               "usage: %s [--data DIR] [--epochs N] [--threads N] [--seed N] [--out DIR] [--limit N] [--test-limit N] [--batch N]\n"
               "       [--resume CHECKPOINT]\n"
               "  --data DIR    IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,\n"
               "                t10k-labels-idx1-ubyte (each may end in .gz)   [default: %s]\n"
               "  --epochs N    passes over the training set                   [default: %zu]\n"
               "  --threads N   worker threads (at most %zu)                  [default: all cores]\n"
               "  --seed N      seeds the initial weights, shuffling and dropout [default: %llu]\n"
               "  --out DIR     where pictures, the history and the weights go [default: %s]\n"
               "  --limit N     train on the first N training images only      [default: all]\n"
               "  --test-limit N  test on the first N test images only         [default: all]\n"
               "  --batch N     mini-batch size                                [default: %zu]\n"
               "  --resume CHECKPOINT  continue an interrupted run from its checkpoint (OUT/<example>.checkpoint,\n"
               "                written after every epoch and on Ctrl-C), with the options it had\n",
               program, defaults.data.c_str(), defaults.epochs, max_threads, static_cast<unsigned long long>(defaults.seed),
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
  if (fs::exists(status) && !fs::is_directory(status)) throw std::runtime_error(where + " exists but is not a directory" + nothing_done);
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

/// The IDX file `stem` in `dir`, plain or gzipped.
inline fs::path idx_file(const fs::path& dir, const std::string& stem) {
  for (const char* suffix : {"", ".gz"}) {
    const fs::path candidate = dir / (stem + suffix);
    if (fs::exists(candidate)) return candidate;
  }
  throw tenet::data::data_error("tenet::data: " + (dir / stem).string() + "[.gz]: no such file (the data directory must hold " + stem +
                                " or " + stem + ".gz)");
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
  std::vector<tenet::pictures::grid_image> misclassified;
  std::vector<std::string> write_failures;  // outputs that could not be written, reported by finish()
};

/// The files every example writes in --out, besides its own `extra` ones: the weights first.
inline std::vector<std::string> output_files(const char* name, const std::vector<std::string>& extra) {
  const std::string n = name;
  std::vector<std::string> files{n + ".weights",           n + "_curves.png",  n + "_confusion.png",
                                 n + "_misclassified.png", n + "_history.csv", n + ".checkpoint"};
  files.insert(files.end(), extra.begin(), extra.end());
  return files;
}

/// Writes one output through write_replacing, recording a failure instead of stopping: the
/// other outputs are still written.
template <class Write>
void write_output(outcome& result, const fs::path& path, Write&& write) {
  try {
    write_replacing(path, std::forward<Write>(write));
  } catch (const std::exception& e) {
    result.write_failures.push_back(e.what());
  }
}

/// save_png into `result`'s failures.
template <class Canvas>
void save_png(outcome& result, const Canvas& canvas, const fs::path& path) {
  write_output(result, path, [&](const fs::path& temporary) { canvas.save_png(temporary); });
}

/// Test hooks, read from the environment (examples/CMakeLists.txt): raise SIGINT (SIGTERM
/// with TENET_TEST_INTERRUPT_SIGNAL set) after N batches, or SIGINT twice while the outputs
/// are written; make an output a directory once
/// training is done (a file that became unwritable during the run).
inline std::size_t test_interrupt_after_batches() {
  const char* v = std::getenv("TENET_TEST_INTERRUPT_AFTER_BATCHES");
  return v == nullptr ? 0 : static_cast<std::size_t>(std::strtoull(v, nullptr, 10));
}
inline void test_interrupt_while_writing() {
  if (std::getenv("TENET_TEST_INTERRUPT_WHILE_WRITING") != nullptr) {
    std::raise(SIGINT);
    std::raise(SIGINT);
  }
}
inline void test_block_output(const fs::path& out) {
  if (const char* name = std::getenv("TENET_TEST_BLOCK_OUTPUT")) fs::create_directories(out / name);
}

/// Trains `net` on the data set and writes the pictures every example shares: training
/// curves, confusion matrix, misclassified test images; and the weights file (first, so that
/// they are saved even if a picture cannot be). `extra_outputs`: the example's own files in
/// --out, checked with the others before anything is trained.
template <class Net, class Optimizer>
outcome train_and_report(const char* name, Net& net, const options& o, Optimizer optimizer, tenet::learning_rate_schedule schedule = {},
                         const std::vector<std::string>& extra_outputs = {}) {
  const std::vector<std::string> files = output_files(name, extra_outputs);
  const fs::path checkpoint = o.out / (std::string(name) + ".checkpoint");
  remove_stale_temporaries(name, o.out, files);
  check_outputs(o.out, files);
  interrupt::install(checkpoint.string());

  std::optional<tbb::global_control> thread_limit;
  if (o.threads != 0) thread_limit.emplace(tbb::global_control::max_allowed_parallelism, o.threads);
  tenet::data::check_dataset<Net, dataset>();

  const auto load_start = std::chrono::steady_clock::now();
  tenet::data::idx_options train_options;
  if (o.limit != 0) train_options.limit = o.limit;
  const dataset train = tenet::data::load_idx<tenet::shape<28, 28, 1>, 10>(idx_file(o.data, "train-images-idx3-ubyte"),
                                                                           idx_file(o.data, "train-labels-idx1-ubyte"), train_options);
  tenet::data::idx_options test_options;
  if (o.test_limit != 0) test_options.limit = o.test_limit;
  const dataset test = tenet::data::load_idx<tenet::shape<28, 28, 1>, 10>(idx_file(o.data, "t10k-images-idx3-ubyte"),
                                                                          idx_file(o.data, "t10k-labels-idx1-ubyte"), test_options);
  std::printf("%s: %zu training and %zu test images from %s (loaded in %.1f s)\n\n", name, train.size(), test.size(), o.data.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count());

  Net::summary();
  std::printf("\n");
  net.initialize(o.seed);
  if (!o.resume.empty()) std::printf("%s: continuing the run saved in %s\n", name, o.resume.c_str());

  // As in the lecture, the test set doubles as validation data, so the curves show both.
  tenet::trainer<Net, tenet::cross_entropy, Optimizer> trainer(net, optimizer);
  tenet::fit_options fit{.epochs = o.epochs, .batch_size = o.batch, .seed = o.seed, .schedule = std::move(schedule)};
  fit.stop_requested = &interrupt::requested;
  fit.resume_checkpoint = checkpoint;
  fit.resume_from = o.resume;
  if (const std::size_t after = test_interrupt_after_batches(); after != 0)
    fit.on_batch = [after, seen = std::size_t{0}](const tenet::batch_report&) mutable {
      if (++seen == after) std::raise(std::getenv("TENET_TEST_INTERRUPT_SIGNAL") != nullptr ? SIGTERM : SIGINT);
    };
  if (interrupt::requested) throw tenet::training_interrupted("interrupted before training started", {}, {}, 0, 0, 0);
  outcome result;
  interrupt::current_phase = interrupt::training;
  result.history = trainer.fit(train.images, train.labels, test.images, test.labels, fit);
  // From here on a signal lets the outputs be finished (interrupt.hpp).
  interrupt::current_phase = interrupt::writing;
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
      result.misclassified.push_back(
          tenet::pictures::make_grid_image(test.images[i], "true: " + names[test.labels[i]] + "\npred: " + names[predicted], 0));
  }
  for (auto& image : result.misclassified) image.caption_colour = tenet::pictures::colours::red;

  std::error_code ignored;
  fs::create_directories(o.out, ignored);  // checked before training; may have been removed since
  test_block_output(o.out);
  const std::string prefix = (o.out / name).string();
  // The weights first, under a fallback name if need be: they are what the run cost.
  const std::string weights_failure =
      save_weights_or_rescue(prefix + ".weights", [&](const fs::path& path) { tenet::save_weights(net, path); });
  if (!weights_failure.empty()) result.write_failures.push_back(weights_failure);
  else fs::remove(checkpoint, ignored);  // the weights hold the finished run
  test_interrupt_while_writing();

  std::vector<float> loss, val_loss, accuracy, val_accuracy;
  for (const auto& e : result.history.epochs) {
    loss.push_back(e.loss);
    val_loss.push_back(e.val_loss);
    accuracy.push_back(e.accuracy);
    val_accuracy.push_back(e.val_accuracy);
  }
  // Every file is replaced only once its new version is complete.
  save_png(result, tenet::pictures::draw_training_curves(loss, val_loss, accuracy, val_accuracy, std::string(name) + ": training curves"),
           prefix + "_curves.png");
  save_png(result, tenet::pictures::draw_confusion_matrix(result.confusion, names, {.title = std::string(name) + ": test set"}),
           prefix + "_confusion.png");
  if (!result.misclassified.empty())
    save_png(result,
             tenet::pictures::draw_image_grid(result.misclassified,
                                              {.title = std::string(name) + ": misclassified test images", .columns = 8, .scale = 3}),
             prefix + "_misclassified.png");
  write_output(result, prefix + "_history.csv", [&](const fs::path& temporary) { result.history.write_csv(temporary.string()); });
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
  std::printf(
      "\ntrained %zu epochs in %.1f s (%.0f training images/s on average)\n", r.history.epochs.size(), seconds,
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

/// After print_footer: outputs that could not be written are an error (exit code 1, each
/// named); a signal that came while they were written stops the program now (exit code 130).
inline void finish(const char* name, const options& o, const outcome& r, const std::vector<std::string>& extra_files) {
  print_footer(name, o, r, extra_files);
  std::fflush(stdout);
  if (!r.write_failures.empty()) {
    std::string message;
    for (const std::string& f : r.write_failures) message += (message.empty() ? "" : std::string("\n") + name + ": ") + f;
    throw std::runtime_error(message);
  }
  if (interrupt::requested) throw tenet::training_interrupted("interrupted while writing the outputs", r.history, {}, 0, 0, 0);
}

/// The command that continues an interrupted run: this one, with --resume.
inline std::string resume_command(int argc, char** argv, const fs::path& checkpoint) {
  const auto shell_word = [](std::string_view w) {
    if (!w.empty() &&
        w.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+") == std::string_view::npos)
      return std::string(w);
    std::string quoted(1, '\'');
    for (char c : w) {
      if (c == '\'') quoted.append("'\\''");
      else quoted.push_back(c);
    }
    quoted.push_back('\'');
    return quoted;
  };
  std::string command = shell_word(argv[0]);
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--resume" && i + 1 < argc) {
      ++i;
      continue;
    }
    // Appending, not " " + word: g++ 12 -O3 reports a bogus -Wrestrict for that form (GCC PR 105329).
    command.push_back(' ');
    command.append(shell_word(argv[i]));
  }
  command.append(" --resume ");
  command.append(shell_word(checkpoint.string()));
  return command;
}

/// main() for an example: parses the command line, checks the output directory, runs
/// `body(options)`, turns errors into messages and exit codes (0: done or --help, 2: bad
/// command line, 1: anything else, an unwritable output directory included, 130: stopped by
/// Ctrl-C or SIGTERM).
template <class Body>
int main_for(int argc, char** argv, const options& defaults, Body&& body) {
  try {
    const options o = parse(argc, argv, defaults);
    check_output_directory(o.out);
    body(o);
    return 0;
  } catch (const help_requested&) {
    print_usage(stdout, argv[0], defaults);
    return 0;
  } catch (const usage_error& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    print_usage(stderr, argv[0], defaults);
    return 2;
  } catch (const tenet::training_interrupted& e) {
    std::fflush(stdout);
    if (e.batches == 0)
      std::fprintf(stderr, "%s: %s; %s\n", argv[0], e.what(),
                   e.partial.epochs.empty() ? "nothing was written" : "every output was written first");
    else if (e.checkpoint.empty())
      std::fprintf(stderr, "%s: interrupted after batch %zu of %zu of epoch %zu; no checkpoint was written\n", argv[0], e.batches_done,
                   e.batches, e.epoch);
    else
      std::fprintf(stderr,
                   "%s: interrupted after batch %zu of %zu of epoch %zu; the run so far is saved in '%s'\n"
                   "to continue it: %s\n",
                   argv[0], e.batches_done, e.batches, e.epoch, e.checkpoint.c_str(), resume_command(argc, argv, e.checkpoint).c_str());
    return 130;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 1;
  }
}

}  // namespace lecture
