#pragma once
/// `tenet::error`: the one base of every exception tenet throws, so a program can catch all
/// of them in one place (`catch (const tenet::error& e)`) and still tell them apart by type.

#include <stdexcept>
#include <string>

namespace tenet {

/// What every tenet exception derives from. `what()` is written for the person who made the
/// mistake: it names the file, layer, example, shape or setting involved, and what to do.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tenet
