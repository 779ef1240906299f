#pragma once
// Ctrl-C (SIGINT) and SIGTERM for the training examples. The first signal only sets a flag
// that fit checks after every batch (fit_options::stop_requested): the batch under way
// finishes, fit writes its checkpoint and the example says how to continue, exit code 130.
// A second signal while training quits at once (removing the checkpoint's temporary file,
// if one is being written); while the final outputs are written it is ignored, so they are
// finished rather than left half-written. Everything the handler does is async-signal-safe:
// a lock-free atomic, write(2), unlink(2), signal(2), raise(3).

#include <atomic>
#include <csignal>
#include <cstddef>
#include <cstring>
#include <string>

#include <unistd.h>

namespace lecture::interrupt {

static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "the signal handler's flags must be lock-free to be async-signal-safe");

/// Set by the first SIGINT or SIGTERM; fit_options::stop_requested points here.
inline std::atomic<bool> requested{false};

enum phase : int { loading = 0, training = 1, writing = 2 };
inline std::atomic<int> current_phase{loading};

/// The checkpoint's temporary file ("<checkpoint>.tmp-<pid>"), removed by a second signal.
inline char checkpoint_temporary[4096] = {};

inline void say(const char* text) noexcept {
  const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

inline void on_signal(int sig) noexcept {
  const bool again = requested.exchange(true);
  const int phase = current_phase.load();
  if (!again) {
    if (phase == writing) say("\nfinishing the outputs before stopping (they are almost written)\n");
    else if (phase == training) say("\nstopping after this batch and writing a checkpoint (Ctrl-C again quits at once)\n");
    return;
  }
  if (phase == writing) return;
  if (checkpoint_temporary[0] != '\0') ::unlink(checkpoint_temporary);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

/// Installs the handler for SIGINT and SIGTERM; `checkpoint` is the file fit will write.
inline void install(const std::string& checkpoint) {
  const std::string temporary = checkpoint + ".tmp-" + std::to_string(::getpid());
  if (temporary.size() < sizeof checkpoint_temporary) std::memcpy(checkpoint_temporary, temporary.c_str(), temporary.size() + 1);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // reads of the data files go on after the handler returns
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace lecture::interrupt
