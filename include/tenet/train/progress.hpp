#pragma once
/// The progress display of `fit`: a live bar per epoch on a terminal, one plain line per
/// epoch otherwise (logs, CI). Formats into a fixed buffer: no allocation while training.

#include <cmath>
#include <cstdio>
#include <iostream>
#include <ostream>

#include <unistd.h>

#include "history.hpp"

namespace tenet {

/// How `fit` reports progress.
enum class progress_style {
  automatic,  // bar when writing to a terminal, lines otherwise
  bar,  // always the live bar
  lines,  // one line per epoch
  none,
};

namespace detail {

class progress_printer {
 public:
  progress_printer(std::ostream* out, progress_style style) : out_(out) {
    if (out_ == nullptr) style = progress_style::none;
    if (style == progress_style::automatic)
      style = (out_ == &std::cout && ::isatty(STDOUT_FILENO)) ? progress_style::bar : progress_style::lines;
    style_ = style;
  }

  void begin_epoch(std::size_t epoch, std::size_t epochs, std::size_t batches) {
    epoch_ = epoch;
    epochs_ = epochs;
    batches_ = batches;
    last_draw_ = -1.0;
  }

  /// After each batch; redraws at most ten times a second (and on the last batch).
  void batch_done(std::size_t batch, float loss, float accuracy, double images_per_second, double elapsed) {
    if (style_ != progress_style::bar) return;
    if (batch != batches_ && elapsed - last_draw_ < 0.1) return;
    last_draw_ = elapsed;
    constexpr int width = 24;
    const int filled = static_cast<int>(width * static_cast<double>(batch) / static_cast<double>(batches_));
    char bar[width + 1];
    for (int i = 0; i < width; ++i) bar[i] = i < filled ? '=' : (i == filled ? '>' : '.');
    bar[width] = '\0';
    const double eta = batch == 0 ? 0.0 : elapsed / static_cast<double>(batch) * static_cast<double>(batches_ - batch);
    char line[200];
    const int n =
        std::snprintf(line, sizeof line, "\rEpoch %zu/%zu [%s] %zu/%zu  loss %.4f  acc %.4f  %.0f img/s  ETA %.0fs ", epoch_, epochs_, bar,
                      batch, batches_, static_cast<double>(loss), static_cast<double>(accuracy), images_per_second, eta);
    out_->write(line, n > 0 ? n : 0);
    out_->flush();
  }

  void end_epoch(const epoch_record& r) {
    if (style_ == progress_style::none) return;
    char line[300];
    int n = std::snprintf(line, sizeof line, "%sEpoch %zu/%zu: loss %.4f  acc %.4f", style_ == progress_style::bar ? "\r" : "", r.epoch,
                          epochs_, static_cast<double>(r.loss), static_cast<double>(r.accuracy));
    if (!std::isnan(r.val_loss))
      n += std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), "  val_loss %.4f  val_acc %.4f",
                         static_cast<double>(r.val_loss), static_cast<double>(r.val_accuracy));
    n += std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), "  lr %g  %.1fs  %.0f img/s%s\n",
                       static_cast<double>(r.learning_rate), r.seconds, r.images_per_second,
                       style_ == progress_style::bar ? "                    " : "");
    out_->write(line, n);
    out_->flush();
  }

 private:
  std::ostream* out_;
  progress_style style_ = progress_style::none;
  std::size_t epoch_ = 0, epochs_ = 0, batches_ = 0;
  double last_draw_ = -1.0;
};

}  // namespace detail
}  // namespace tenet
