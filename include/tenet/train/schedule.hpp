#pragma once
/// Learning-rate schedules: the rate for each epoch.

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tenet {

/// The learning rate as a function of the epoch (0-based) and the optimizer's base rate.
/// Default: constant (the optimizer's own rate).
class learning_rate_schedule {
 public:
  learning_rate_schedule() = default;

  /// A user callback: `rate(epoch, base_rate)`.
  static learning_rate_schedule callback(std::function<float(std::size_t epoch, float base)> rate) {
    learning_rate_schedule s;
    s.rate_ = std::move(rate);
    return s;
  }

  /// Piecewise constant by epoch, as the lecture lowers the rate by hand:
  /// `piecewise({{0, 0.1f}, {3, 0.03f}, {6, 0.01f}})` uses 0.1 for epochs 0-2, 0.03 for 3-5,
  /// 0.01 from 6 on. Epochs before the first boundary use the optimizer's rate. Boundaries
  /// must increase (std::invalid_argument otherwise).
  static learning_rate_schedule piecewise(std::initializer_list<std::pair<std::size_t, float>> steps) {
    std::vector<std::pair<std::size_t, float>> table(steps);
    for (std::size_t i = 1; i < table.size(); ++i)
      if (table[i].first <= table[i - 1].first)
        throw std::invalid_argument("tenet::learning_rate_schedule::piecewise: epochs must increase (" +
                                    std::to_string(table[i - 1].first) + " then " + std::to_string(table[i].first) + ")");
    return callback([table](std::size_t epoch, float base) {
      float rate = base;
      for (const auto& [from, value] : table)
        if (epoch >= from) rate = value;
      return rate;
    });
  }

  float operator()(std::size_t epoch, float base) const { return rate_ ? rate_(epoch, base) : base; }

 private:
  std::function<float(std::size_t, float)> rate_;
};

}  // namespace tenet
