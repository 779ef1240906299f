#pragma once
/// `data_error`: the one exception type of tenet's data loaders and writers.

#include <stdexcept>
#include <string>

namespace tenet::data {

/// Thrown when a data file cannot be read, written or trusted. The message always starts
/// with `tenet::data: <path>: ` and then says what is wrong with that file, with the numbers
/// involved (expected versus found), so it can be shown to a user as is.
class data_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;

  /// `tenet::data: <path>: <problem>`.
  data_error(const std::string& path, const std::string& problem)
      : std::runtime_error("tenet::data: " + path + ": " + problem) {}
};

}  // namespace tenet::data
