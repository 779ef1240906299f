#pragma once
/// The Keras-like table that `network::summary()` prints.

#include <algorithm>
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace tenet::io {

/// `31466` -> `"31,466"`.
inline std::string with_thousands(std::size_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

struct summary_row {
  std::string index;  // "" for the input row
  std::string layer;
  std::string output_shape;
  std::size_t params;
};

struct summary_totals {
  std::size_t params;
  std::size_t flops;
  std::size_t parameter_bytes;
  std::size_t activation_bytes;
};

/// Prints rows as an aligned table with totals underneath.
inline void print_summary_table(std::ostream& os, const std::vector<summary_row>& rows, const summary_totals& totals) {
  std::size_t w_index = 1, w_layer = 5, w_shape = 12, w_params = 7;
  for (const auto& r : rows) {
    w_index = std::max(w_index, r.index.size());
    w_layer = std::max(w_layer, r.layer.size());
    w_shape = std::max(w_shape, r.output_shape.size());
    w_params = std::max(w_params, with_thousands(r.params).size());
  }
  auto pad = [](const std::string& s, std::size_t width) { return s + std::string(width - std::min(width, s.size()), ' '); };
  auto pad_left = [](const std::string& s, std::size_t width) { return std::string(width - std::min(width, s.size()), ' ') + s; };
  const std::size_t total_width = w_index + w_layer + w_shape + w_params + 6;
  const std::string rule(total_width, '='), thin(total_width, '-');
  os << pad("#", w_index) << "  " << pad("Layer", w_layer) << "  " << pad("Output shape", w_shape) << "  " << pad_left("Param #", w_params)
     << '\n'
     << rule << '\n';
  for (const auto& r : rows)
    os << pad(r.index, w_index) << "  " << pad(r.layer, w_layer) << "  " << pad(r.output_shape, w_shape) << "  "
       << pad_left(with_thousands(r.params), w_params) << '\n';
  os << rule << '\n'
     << "Total params: " << with_thousands(totals.params) << '\n'
     << "Forward FLOPs per example: " << with_thousands(totals.flops) << '\n'
     << "Memory: parameters " << with_thousands(totals.parameter_bytes) << " B, activations per example "
     << with_thousands(totals.activation_bytes) << " B\n"
     << thin << '\n';
}

}  // namespace tenet::io
