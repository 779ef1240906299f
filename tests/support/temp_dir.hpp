#pragma once
// A fresh directory under the system's temp directory for one test, removed with its content
// at the end (made writable first). The name carries the process id and a counter, so parallel ctest runs and
// several directories in one test never collide.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace tenet::test {

class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "tenet-tests") {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ignored;
    // Writable again first, in case a test took that away.
    for (const auto& e : std::filesystem::recursive_directory_iterator(path_, ignored))
      if (e.is_directory(ignored))
        std::filesystem::permissions(e.path(), std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(path_, ignored);
  }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }
  /// The names of the files in it, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace tenet::test
