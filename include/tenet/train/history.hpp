#pragma once
/// What `fit` returns: one row per epoch.

#include <cmath>
#include <cstddef>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tenet {

struct epoch_record {
  std::size_t epoch = 0;  // 1-based, as printed
  float loss = 0, accuracy = 0;
  float val_loss = NAN, val_accuracy = NAN;  // NaN without validation data
  double seconds = 0;
  float learning_rate = 0;
  double images_per_second = 0;
};

struct history {
  std::vector<epoch_record> epochs;

  bool has_validation() const { return !epochs.empty() && !std::isnan(epochs.front().val_loss); }

  /// Writes `epoch,loss,accuracy,val_loss,val_accuracy,seconds,learning_rate,images_per_second`
  /// (empty validation cells without validation data). Throws std::runtime_error naming the
  /// file if it cannot be written.
  void write_csv(const std::string& path) const {
    std::ofstream out(path);
    if (!out) throw std::runtime_error("tenet::history::write_csv: cannot open '" + path + "' for writing");
    out << "epoch,loss,accuracy,val_loss,val_accuracy,seconds,learning_rate,images_per_second\n";
    for (const auto& e : epochs) {
      out << e.epoch << ',' << e.loss << ',' << e.accuracy << ',';
      if (!std::isnan(e.val_loss)) out << e.val_loss;
      out << ',';
      if (!std::isnan(e.val_accuracy)) out << e.val_accuracy;
      out << ',' << e.seconds << ',' << e.learning_rate << ',' << e.images_per_second << '\n';
    }
    out.flush();
    if (!out) throw std::runtime_error("tenet::history::write_csv: writing '" + path + "' failed");
  }
};

}  // namespace tenet
