#pragma once
/// Reading and writing whole data files, plain or gzip-compressed, with every failure turned
/// into a `data_error` that names the file. Used by idx.hpp; not part of the public API.

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>

#include <sys/stat.h>
#include <zlib.h>

#include "../error.hpp"

namespace tenet::data::detail {

/// True when the file name ends in ".gz": such a file must be gzip-compressed, and the
/// writers compress it.
inline bool named_gz(const std::filesystem::path& path) { return path.extension() == ".gz"; }

/// `errno`'s text, or `fallback` when errno says nothing.
inline std::string errno_text(int error, const char* fallback) {
  return error != 0 ? std::string(std::strerror(error)) : std::string(fallback);
}

/// "0x1f 0x8b": a few bytes in hex, for messages about magic numbers.
inline std::string hex_bytes(const unsigned char* bytes, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) text += ' ';
    text += "0x";
    text += digits[bytes[i] >> 4];
    text += digits[bytes[i] & 0xf];
  }
  return text;
}

/// A file opened for reading whose content is decompressed on the fly when it starts with
/// gzip's magic bytes 1f 8b (whatever its name), and read as is otherwise.
///
/// `read` returns fewer bytes than asked only at the end of the data; a read error, a
/// corrupt gzip stream or a gzip stream cut short throws instead, so a short count always
/// means "the (decompressed) data ends here".
class byte_reader {
 public:
  explicit byte_reader(const std::filesystem::path& path) : path_(path.string()) {
    errno = 0;
    std::FILE* file = std::fopen(path_.c_str(), "rb");
    if (file == nullptr) throw data_error(path_, "cannot open the file: " + errno_text(errno, "unknown error"));
    // Look at the first two bytes ourselves: zlib would silently read a non-gzip file as is,
    // but a file *named* .gz that is not gzip is almost certainly a mistake worth reporting.
    unsigned char magic[2] = {0, 0};
    errno = 0;
    const std::size_t got = std::fread(magic, 1, 2, file);
    if (got < 2 && std::ferror(file)) {
      const int error = errno;
      std::fclose(file);
      throw data_error(path_, "cannot read the file: " + errno_text(error, "read error"));
    }
    gzip_ = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (!gzip_ && named_gz(path)) {
      std::fclose(file);
      throw data_error(path_, "the name ends in .gz but the file is not gzip-compressed: it starts with " +
                                  (got == 0 ? std::string("nothing (it is empty)") : hex_bytes(magic, got)) +
                                  ", a gzip file starts with 0x1f 0x8b. Rename it without .gz, or compress it with gzip.");
    }
    if (gzip_) {
      std::fclose(file);
      errno = 0;
      gz_ = gzopen(path_.c_str(), "rb");
      if (gz_ == nullptr) throw data_error(path_, "cannot open the file: " + errno_text(errno, "zlib could not allocate its state"));
      gzbuffer(gz_, 1u << 17);
    } else {
      struct stat info {};
      if (::fstat(::fileno(file), &info) == 0 && S_ISREG(info.st_mode)) size_ = static_cast<std::uint64_t>(info.st_size);
      std::rewind(file);
      file_ = file;
    }
  }

  byte_reader(const byte_reader&) = delete;
  byte_reader& operator=(const byte_reader&) = delete;
  ~byte_reader() {
    if (file_ != nullptr) std::fclose(file_);
    if (gz_ != nullptr) gzclose(gz_);
  }

  const std::string& path() const noexcept { return path_; }
  bool gzip() const noexcept { return gzip_; }
  /// The size of a plain regular file, known before reading; empty for gzip (whose
  /// decompressed size is only known once it has been read).
  std::optional<std::uint64_t> plain_size() const noexcept { return size_; }
  /// Bytes delivered so far (decompressed, for gzip).
  std::uint64_t position() const noexcept { return position_; }

  /// Reads up to `n` bytes into `out`; fewer only at the end of the data.
  std::size_t read(void* out, std::size_t n) {
    auto* bytes = static_cast<unsigned char*>(out);
    std::size_t total = 0;
    while (total < n) {
      const std::size_t want = std::min<std::size_t>(n - total, std::size_t{1} << 30);
      std::size_t got = 0;
      if (gz_ != nullptr) {
        const int r = gzread(gz_, bytes + total, static_cast<unsigned>(want));
        check_gzip();
        if (r <= 0) break;
        got = static_cast<std::size_t>(r);
      } else {
        errno = 0;
        got = std::fread(bytes + total, 1, want, file_);
        if (got < want && std::ferror(file_)) throw data_error(path_, "cannot read the file: " + errno_text(errno, "read error"));
        if (got == 0) break;
      }
      total += got;
      position_ += got;
    }
    return total;
  }

  /// Reads on to the end of a gzip stream, so that zlib verifies the stream's checksum and
  /// length: a corrupt .gz then throws here even when every byte we needed looked fine.
  /// Bytes after the data are ignored, as other IDX readers ignore them.
  void finish() {
    if (gz_ == nullptr) return;
    unsigned char sink[4096];
    while (gzread(gz_, sink, sizeof sink) > 0) check_gzip();
    check_gzip();
  }

 private:
  void check_gzip() {
    int code = Z_OK;
    const char* text = gzerror(gz_, &code);
    if (code == Z_OK) return;
    std::string message = text != nullptr ? text : "";
    // zlib prefixes its messages with the path; we name the file ourselves.
    if (message.rfind(path_ + ": ", 0) == 0) message.erase(0, path_.size() + 2);
    if (code == Z_BUF_ERROR) throw data_error(path_, "the gzip stream ends early: the .gz file is truncated (zlib: " + message + ")");
    if (code == Z_ERRNO) throw data_error(path_, "cannot read the file: " + message);
    if (code == Z_MEM_ERROR) throw data_error(path_, "out of memory while decompressing (zlib: " + message + ")");
    throw data_error(path_, "the gzip stream is corrupt (zlib: " + message + "); download or copy the file again");
  }

  std::string path_;
  std::FILE* file_ = nullptr;
  gzFile gz_ = nullptr;
  bool gzip_ = false;
  std::optional<std::uint64_t> size_{};
  std::uint64_t position_ = 0;
};

/// A file opened for writing; gzip-compressed when its name ends in ".gz". `close()` must be
/// called to learn whether everything reached the disk (the destructor cannot throw).
class byte_writer {
 public:
  explicit byte_writer(const std::filesystem::path& path) : path_(path.string()) {
    errno = 0;
    if (named_gz(path)) {
      gz_ = gzopen(path_.c_str(), "wb6");
      if (gz_ == nullptr) throw data_error(path_, "cannot create the file: " + errno_text(errno, "zlib could not allocate its state"));
    } else {
      file_ = std::fopen(path_.c_str(), "wb");
      if (file_ == nullptr) throw data_error(path_, "cannot create the file: " + errno_text(errno, "unknown error"));
    }
  }
  byte_writer(const byte_writer&) = delete;
  byte_writer& operator=(const byte_writer&) = delete;
  ~byte_writer() {
    if (file_ != nullptr) std::fclose(file_);
    if (gz_ != nullptr) gzclose(gz_);
  }

  void write(const void* data, std::size_t n) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    while (n > 0) {
      const std::size_t chunk = std::min<std::size_t>(n, std::size_t{1} << 30);
      errno = 0;
      if (gz_ != nullptr) {
        if (gzwrite(gz_, bytes, static_cast<unsigned>(chunk)) != static_cast<int>(chunk)) {
          int code = Z_OK;
          const char* text = gzerror(gz_, &code);
          throw data_error(path_, std::string("cannot write the file: ") +
                                      (code == Z_ERRNO ? errno_text(errno, "write error") : std::string(text ? text : "zlib error")));
        }
      } else if (std::fwrite(bytes, 1, chunk, file_) != chunk) {
        throw data_error(path_, "cannot write the file: " + errno_text(errno, "write error"));
      }
      bytes += chunk;
      n -= chunk;
    }
  }

  void close() {
    errno = 0;
    if (gz_ != nullptr) {
      const int code = gzclose(gz_);
      gz_ = nullptr;
      if (code != Z_OK) throw data_error(path_, "cannot finish writing the file: " + errno_text(errno, "zlib error"));
    }
    if (file_ != nullptr) {
      const int code = std::fclose(file_);
      file_ = nullptr;
      if (code != 0) throw data_error(path_, "cannot finish writing the file: " + errno_text(errno, "write error"));
    }
  }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  gzFile gz_ = nullptr;
};

}  // namespace tenet::data::detail
