#pragma once
/// The exceptions of tenet's pictures (PNG files, the canvas, the figures), both derived from
/// `tenet::error`: `write_error` when a file cannot be written, `drawing_error` when a picture
/// cannot be drawn from what it was given.

#include <filesystem>
#include <memory>
#include <string>

#include "../error.hpp"

namespace tenet::pictures {

/// A picture could not be written to its file. The message is `tenet::pictures: <path>: <problem>`;
/// `path()` is the file and `problem()` says why.
class write_error : public tenet::error {
 public:
  write_error(const std::filesystem::path& path, const std::string& problem)
      : tenet::error("tenet::pictures: " + path.string() + ": " + problem),
        path_(std::make_shared<const std::filesystem::path>(path)),
        problem_(std::make_shared<const std::string>(problem)) {}
  const std::filesystem::path& path() const noexcept { return *path_; }
  const std::string& problem() const noexcept { return *problem_; }

 private:
  // shared: copying an exception must not throw
  std::shared_ptr<const std::filesystem::path> path_;
  std::shared_ptr<const std::string> problem_;
};

/// A canvas or a figure was asked for something it cannot draw (a side out of range, a pixel
/// outside the canvas, images or counts that do not fit their sizes, nothing to draw). The
/// message starts with the function that refused, e.g. `tenet::pictures::draw_image_grid: `.
class drawing_error : public tenet::error {
 public:
  using tenet::error::error;
};

}  // namespace tenet::pictures
