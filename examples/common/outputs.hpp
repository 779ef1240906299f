#pragma once
// The files a training example writes in --out: checked before anything is trained, written
// each through a temporary file renamed over the old one (so an old file is kept whole or
// replaced whole), the weights first and under a fallback name when their own cannot be
// written, and the temporary files of an earlier, killed run removed at the start.

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <signal.h>
#include <unistd.h>

namespace lecture {

namespace fs = std::filesystem;

/// "<path>.tmp-<pid>": this program's temporary file for `path`.
inline fs::path temporary_for(const fs::path& path) {
  fs::path temporary = path;
  temporary += ".tmp-" + std::to_string(::getpid());
  return temporary;
}

/// Checks, before anything is loaded or trained, that each of `files` (names in `out`) can be
/// written: none is a directory, and a temporary file can be created and removed beside it.
/// Throws std::runtime_error naming the file (main_for: exit code 1).
inline void check_outputs(const fs::path& out, const std::vector<std::string>& files) {
  const char* nothing_done = "; nothing was trained or written";
  for (const std::string& file : files) {
    const fs::path target = out / file;
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(target, ec)) || fs::is_directory(fs::status(target, ec)))
      throw std::runtime_error("the output '" + target.string() + "' is a directory, so it cannot be written" + nothing_done);
    const fs::path probe = temporary_for(target);
    std::FILE* f = std::fopen(probe.c_str(), "wbx");
    if (f == nullptr) {
      const int error = errno;
      throw std::runtime_error("cannot write the output '" + target.string() +
                               "' (a file beside it cannot be created: " + std::strerror(error) + ")" + nothing_done);
    }
    std::fclose(f);
    fs::remove(probe, ec);
  }
}

/// Whether `name` is "<file>.tmp-<pid>" or "<file>.tmp-<pid>-<n>" (save_weights' form) for
/// one of `files`, written by a process that no longer runs. Returns that pid, or 0.
inline long stale_temporary_pid(std::string_view name, const std::vector<std::string>& files) {
  for (const std::string& file : files) {
    const std::string prefix = file + ".tmp-";
    if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) continue;
    std::string_view rest = name.substr(prefix.size());
    long pid = 0;
    std::size_t digits = 0;
    while (digits < rest.size() && digits < 10 && rest[digits] >= '0' && rest[digits] <= '9') pid = pid * 10 + (rest[digits++] - '0');
    if (digits == 0) continue;
    rest.remove_prefix(digits);
    if (!rest.empty()) {
      if (rest[0] != '-' || rest.size() == 1) continue;
      for (char c : rest.substr(1))
        if (c < '0' || c > '9') return 0;
    }
    if (pid == static_cast<long>(::getpid())) return 0;
    if (pid > 0 && pid <= 2147483647L && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return pid;
    return 0;
  }
  return 0;
}

/// Removes the temporary files an earlier run of this example left in `out` when it was
/// killed mid-write (those of its own outputs whose process is gone); says which on stderr.
inline void remove_stale_temporaries(const char* program, const fs::path& out, const std::vector<std::string>& files) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(out, ec), end; !ec && it != end; it.increment(ec))
    if (stale_temporary_pid(it->path().filename().string(), files) != 0) stale.push_back(it->path());
  for (const fs::path& p : stale) {
    std::error_code removed;
    if (fs::remove(p, removed))
      std::fprintf(stderr, "%s: removed '%s', a temporary file left by an earlier run that was killed while writing\n", program, p.c_str());
  }
}

/// Writes `path` through `write(temporary)`, then renames the temporary over `path`: when
/// writing fails (a full disk...), the file a previous run left there is kept as it was and
/// the temporary file is removed. Throws std::runtime_error naming `path`.
template <class Write>
void write_replacing(const fs::path& path, Write&& write) {
  const fs::path temporary = temporary_for(path);
  try {
    write(temporary);
  } catch (const std::exception& e) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw std::runtime_error("cannot write '" + path.string() + "': " + e.what());
  }
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw std::runtime_error("cannot write '" + path.string() + "': the finished file cannot replace it: " + ec.message());
  }
}

/// canvas.save_png(path), replacing an existing file only once the new one is complete.
template <class Canvas>
void save_png(const Canvas& canvas, const fs::path& path) {
  write_replacing(path, [&](const fs::path& temporary) { canvas.save_png(temporary); });
}

/// Saves the weights to `path`; if that fails, to "<stem>-rescued-<pid>.weights" beside it,
/// then in the current directory, so that trained weights are never lost. Returns "" on
/// success, else the message to report (where they went, or that nothing worked).
template <class Save>
std::string save_weights_or_rescue(const fs::path& path, Save&& save) {
  try {
    save(path);
    return "";
  } catch (const std::exception& e) {
    std::string message = "cannot write the weights to '" + path.string() + "': " + e.what();
    const std::string rescue = path.stem().string() + "-rescued-" + std::to_string(::getpid()) + ".weights";
    std::vector<fs::path> places{path.parent_path() / rescue};
    if (!path.parent_path().empty()) places.push_back(fs::path(rescue));
    for (const fs::path& place : places) {
      try {
        save(place);
        std::error_code ec;
        const fs::path absolute = fs::absolute(place, ec);
        return message + "; the trained weights were saved to '" + (ec ? place : absolute).string() +
               "' instead (load them with tenet::load_weights, or rename the file)";
      } catch (const std::exception& again) {
        message += "; saving them to '" + place.string() + "' failed too: " + again.what();
      }
    }
    return message + "; the trained weights are lost";
  }
}

}  // namespace lecture
