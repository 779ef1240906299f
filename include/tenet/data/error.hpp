#pragma once
/// `data_error`: the one exception type of tenet's data loaders and writers.

#include <string>

#include "../error.hpp"

namespace tenet::data {

/// Thrown when a data file cannot be read, written or trusted. The message always starts
/// with `tenet::data: <path>: ` and then says what is wrong with that file, with the numbers
/// involved (expected versus found), so it can be shown to a user as is.
class data_error : public tenet::error {
 public:
  using tenet::error::error;

  /// `tenet::data: <path>: <problem>`.
  data_error(const std::string& path, const std::string& problem) : tenet::error("tenet::data: " + path + ": " + problem) {}
};

}  // namespace tenet::data
