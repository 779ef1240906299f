#pragma once
/// `save_weights(net, path)` and `load_weights(net, path)`: a network's parameters in a
/// versioned, little-endian, checksummed binary file (the format: docs/weights-format.md).
///
/// A file can only be loaded into a network of the same type, up to what the fingerprint
/// ignores (fingerprint.hpp). Loading checks everything before it changes anything; saving
/// replaces the target atomically. Failures throw `tenet::weights_error`, whose message
/// names the file. Needs POSIX (fsync, rename); part of the core (`tenet::tenet`), no zlib.

#if !defined(__unix__) && !defined(__APPLE__)
#error "tenet/io/weights.hpp: saving needs POSIX fsync/rename; this platform is not supported yet"
#endif

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../detail/crc32.hpp"
#include "../layer_view.hpp"
#include "fingerprint.hpp"

namespace tenet {

/// A weights file could not be saved or loaded. `what()` names the file and says why;
/// `path()` is the file.
class weights_error : public std::runtime_error {
 public:
  weights_error(const std::string& message, const std::filesystem::path& path)
      : std::runtime_error(message), path_(std::make_shared<const std::filesystem::path>(path)) {}
  const std::filesystem::path& path() const noexcept { return *path_; }

 private:
  std::shared_ptr<const std::filesystem::path> path_;  // shared: copying an exception must not throw
};

namespace io::detail {

static_assert(std::numeric_limits<float>::is_iec559 && sizeof(float) == 4,
              "tenet weights files store IEEE-754 binary32; this platform's float is something else");

inline constexpr unsigned char magic[8] = {'T', 'E', 'N', 'E', 'T', 'W', 'T', 'S'};
inline constexpr std::uint32_t format_version = 1;
/// magic, version, flags, fingerprint, parameter count, layer count, description length.
inline constexpr std::uint64_t fixed_header_bytes = 8 + 4 + 4 + 8 + 8 + 4 + 4;
/// Per layer: weight count and bias count.
inline constexpr std::uint64_t record_header_bytes = 8 + 8;
inline constexpr std::uint64_t checksum_bytes = 4;
/// Readers refuse longer descriptions (a description names each layer in a few words).
inline constexpr std::uint64_t max_description_bytes = std::uint64_t{1} << 20;
/// Saving writes in pieces of this size, asking `write_fault_hook` before each.
inline constexpr std::size_t write_chunk_bytes = 4096;

/// Test seam, never set outside tests: when set, saving calls it with the number of bytes
/// already written before writing each piece, and fails with ENOSPC if it returns false
/// (a simulated full disk).
inline std::function<bool(std::size_t bytes_written)> write_fault_hook;

inline std::atomic<unsigned long> temporary_counter{0};

// --- little-endian encoding, byte by byte, whatever the host's byte order ------------------

inline void put_u32(std::vector<unsigned char>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<unsigned char>(v >> (8 * i)));
}
inline void put_u64(std::vector<unsigned char>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<unsigned char>(v >> (8 * i)));
}
inline void put_f32(std::vector<unsigned char>& out, float v) { put_u32(out, std::bit_cast<std::uint32_t>(v)); }

inline std::uint32_t get_u32(const unsigned char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}
inline std::uint64_t get_u64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}
inline float get_f32(const unsigned char* p) { return std::bit_cast<float>(get_u32(p)); }

/// The checksum of weight files and checkpoints: CRC-32, the one of gzip and PNG.
inline std::uint32_t crc32_of(const unsigned char* data, std::size_t n) noexcept { return tenet::detail::crc32(data, n); }

// --- message helpers ---------------------------------------------------------------------

inline std::string quoted(const std::filesystem::path& p) {
  // Appending, not "\"" + string: g++ 12 -O3 reports a bogus -Wrestrict for that form (GCC PR 105329).
  std::string text(1, '"');
  text += p.string();
  text += '"';
  return text;
}

inline std::string hex(std::uint64_t v, int digits) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return text;
}

/// A description read from a file, safe to put in a message.
inline std::string printable(const unsigned char* p, std::size_t n) {
  constexpr std::size_t shown = 2000;
  std::string text;
  for (std::size_t i = 0; i < std::min(n, shown); ++i) text += (p[i] < 0x20 || p[i] == 0x7f) ? '?' : static_cast<char>(p[i]);
  if (n > shown) text += "...";
  return text;
}

/// a + b and a * b, stuck at the maximum instead of wrapping (sizes read from a file).
inline std::uint64_t add_sat(std::uint64_t a, std::uint64_t b) {
  return a > std::numeric_limits<std::uint64_t>::max() - b ? std::numeric_limits<std::uint64_t>::max() : a + b;
}
inline std::uint64_t mul_sat(std::uint64_t a, std::uint64_t b) {
  return b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b ? std::numeric_limits<std::uint64_t>::max() : a * b;
}

/// The size of a file with these header fields.
inline std::uint64_t file_size_for(std::uint64_t description_bytes, std::uint64_t layers, std::uint64_t params) {
  std::uint64_t size = add_sat(fixed_header_bytes, description_bytes);
  size = add_sat(size, mul_sat(layers, record_header_bytes));
  size = add_sat(size, mul_sat(params, sizeof(float)));
  return add_sat(size, checksum_bytes);
}

// --- what a network type expects to find ---------------------------------------------------

struct expected_record {
  std::uint64_t weights;
  std::uint64_t biases;
  std::string name;  // "layer 0 (conv2d 16@2x2 same)"
};

struct expected_file {
  std::uint64_t fingerprint;
  std::uint64_t param_count;
  std::string description;
  std::vector<expected_record> records;
};

template <class Net, std::size_t... I>
void add_records(std::vector<expected_record>& records, std::index_sequence<I...>) {
  auto add = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
    using B = typename Net::template bound_layer<J>;
    if constexpr (is_recorded_v<typename B::layer_type>)
      records.push_back({B::weight_count, B::bias_count, layer_view<J, B, true>::name()});
  };
  (add(std::integral_constant<std::size_t, I>{}), ...);
}

template <class Net>
expected_file expected_file_of() {
  expected_file e{fingerprint_v<Net>, Net::param_count, describe_network<Net>(), {}};
  add_records<Net>(e.records, std::make_index_sequence<Net::depth>{});
  return e;
}

// --- reading -------------------------------------------------------------------------------

[[noreturn]] inline void load_failure(const std::filesystem::path& path, const std::string& reason) {
  throw weights_error("tenet::load_weights: " + quoted(path) + ": " + reason, path);
}

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

struct file_contents {
  std::vector<unsigned char> bytes;  // the whole file when `complete`, else its first bytes
  std::uint64_t size = 0;
  bool complete = true;
};

/// Reads the whole file if it is at most `limit` bytes, else only its first `prefix` bytes.
inline file_contents read_file(const std::filesystem::path& path, std::uint64_t limit, std::uint64_t prefix) {
  std::unique_ptr<std::FILE, file_closer> file(std::fopen(path.c_str(), "rb"));
  if (!file) load_failure(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat status {};
  if (::fstat(::fileno(file.get()), &status) != 0) load_failure(path, std::string("cannot stat: ") + std::strerror(errno));
  if (S_ISDIR(status.st_mode)) load_failure(path, "is a directory, not a weights file");
  if (!S_ISREG(status.st_mode)) load_failure(path, "is not a regular file");

  file_contents c;
  c.size = static_cast<std::uint64_t>(status.st_size);
  c.complete = c.size <= limit;
  const std::uint64_t wanted = c.complete ? c.size : std::min(c.size, prefix);
  c.bytes.resize(static_cast<std::size_t>(wanted));
  const std::size_t got = std::fread(c.bytes.data(), 1, c.bytes.size(), file.get());
  if (got != c.bytes.size()) {
    if (std::ferror(file.get())) load_failure(path, std::string("read error: ") + std::strerror(errno));
    c.bytes.resize(got);  // the file shrank since fstat: judge what is there
    if (c.complete) c.size = got;
  }
  return c;
}

/// Checks a whole weights file against what the network expects and returns its
/// parameters, every layer's weights then biases, in layer order. Throws on any problem;
/// the checks run in the order docs/weights-format.md lists.
inline std::vector<float> decode(const std::filesystem::path& path, const file_contents& file, const expected_file& ours) {
  const auto fail = [&](const std::string& reason) { load_failure(path, reason); };
  const std::vector<unsigned char>& b = file.bytes;
  const std::uint64_t size = file.size;
  const std::uint64_t expected_size = file_size_for(ours.description.size(), ours.records.size(), ours.param_count);
  const auto truncated = [&](std::uint64_t wanted) {
    fail("truncated: expected " + std::to_string(wanted) + " bytes, found " + std::to_string(size));
  };

  // 1. Magic. A file shorter than the magic that starts like it is a truncated weights file.
  if (!std::equal(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(b.size(), sizeof magic)), magic))
    fail("not a tenet weights file (it does not start with \"TENETWTS\")");
  if (b.size() < sizeof magic + 4) truncated(expected_size);

  // 2. Version, before anything whose layout a later version might change.
  const std::uint32_t version = get_u32(b.data() + 8);
  if (version != format_version)
    fail("version " + std::to_string(version) + " is not supported; this build reads version " + std::to_string(format_version));
  if (b.size() < fixed_header_bytes) truncated(expected_size);

  const std::uint32_t flags = get_u32(b.data() + 12);
  const std::uint64_t fingerprint = get_u64(b.data() + 16);
  const std::uint64_t param_count = get_u64(b.data() + 24);
  const std::uint32_t layer_count = get_u32(b.data() + 32);
  const std::uint32_t description_bytes = get_u32(b.data() + 36);
  const std::uint64_t declared_size = file_size_for(description_bytes, layer_count, param_count);

  const auto different_network = [&] {
    const bool readable = description_bytes <= max_description_bytes && description_bytes <= b.size() - fixed_header_bytes;
    const std::string theirs =
        readable ? printable(b.data() + fixed_header_bytes, description_bytes) : std::string("(an unreadable description)");
    fail("saved from a different network: file has " + theirs + ", this network is " + ours.description + " (fingerprints " +
         hex(fingerprint, 16) + " and " + hex(ours.fingerprint, 16) + ")");
  };

  // 3. Too large to be a file of this network: say why from the header alone.
  if (!file.complete) {
    if (fingerprint != ours.fingerprint) different_network();
    fail("too large: expected " + std::to_string(expected_size) + " bytes, found " + std::to_string(size));
  }

  // 4. Checksum. When it fails, tell a cut-off file (shorter than its header says) from a
  // damaged one. A header that carries this network's fingerprint must also carry its counts,
  // and a file of this network is shorter than this network's file only if it was cut.
  const std::uint32_t stored = get_u32(b.data() + size - checksum_bytes);
  const std::uint32_t computed = crc32_of(b.data(), static_cast<std::size_t>(size - checksum_bytes));
  if (stored != computed) {
    const bool header_plausible =
        fingerprint != ours.fingerprint || (layer_count == ours.records.size() && param_count == ours.param_count && size < expected_size);
    if (header_plausible && size < declared_size) truncated(declared_size);
    if (size > declared_size && declared_size >= fixed_header_bytes + checksum_bytes &&
        crc32_of(b.data(), static_cast<std::size_t>(declared_size - checksum_bytes)) == get_u32(b.data() + declared_size - checksum_bytes))
      fail("corrupt: " + std::to_string(size - declared_size) + " unexpected bytes after the checksum");
    fail("corrupt: checksum mismatch (stored " + hex(stored, 8) + ", computed " + hex(computed, 8) + ")");
  }

  // 5-7. The header, now known to be what was written.
  if (flags != 0) fail("header flags " + hex(flags, 8) + " are not supported; this build reads files whose flags are 0");
  if (fingerprint != ours.fingerprint) different_network();
  if (size != declared_size)
    fail("corrupt: its header describes a file of " + std::to_string(declared_size) + " bytes, but it has " + std::to_string(size));
  if (layer_count != ours.records.size() || param_count != ours.param_count)
    fail("corrupt: it has " + std::to_string(layer_count) + " layers and " + std::to_string(param_count) +
         " parameters, but carries the fingerprint of this network, which has " + std::to_string(ours.records.size()) + " and " +
         std::to_string(ours.param_count));

  // 8. The layers. Each record's counts are checked before its values are read, so (with the
  // size checked above) every read stays inside the file.
  std::vector<float> params(static_cast<std::size_t>(ours.param_count));
  std::size_t at = 0;
  const unsigned char* p = b.data() + fixed_header_bytes + description_bytes;
  for (const expected_record& r : ours.records) {
    const std::uint64_t weights = get_u64(p), biases = get_u64(p + 8);
    p += record_header_bytes;
    if (weights != r.weights || biases != r.biases)
      fail("corrupt: the record of " + r.name + " holds " + std::to_string(weights) + " weights and " + std::to_string(biases) +
           " biases, but the layer has " + std::to_string(r.weights) + " and " + std::to_string(r.biases));
    for (std::uint64_t i = 0; i < weights + biases; ++i, p += sizeof(float)) params[at++] = get_f32(p);
  }
  return params;
}

// --- writing -------------------------------------------------------------------------------

[[noreturn]] inline void save_failure(const std::filesystem::path& path, const std::string& what, int error) {
  throw weights_error("tenet::save_weights: " + quoted(path) + ": " + what + ": " + std::strerror(error), path);
}

template <class Net>
std::vector<unsigned char> encode(const Net& net, const std::filesystem::path& path) {
  const std::string description = describe_network<Net>();
  if (description.size() > max_description_bytes)
    save_failure(path, "the network's description is longer than the format allows", EOVERFLOW);
  std::vector<unsigned char> out;
  out.reserve(static_cast<std::size_t>(file_size_for(description.size(), record_count_v<Net>, Net::param_count)));
  out.insert(out.end(), std::begin(magic), std::end(magic));
  put_u32(out, format_version);
  put_u32(out, 0);  // flags: none defined in version 1
  put_u64(out, fingerprint_v<Net>);
  put_u64(out, Net::param_count);
  put_u32(out, static_cast<std::uint32_t>(record_count_v<Net>));
  put_u32(out, static_cast<std::uint32_t>(description.size()));
  out.insert(out.end(), description.begin(), description.end());
  net.for_each_layer([&](auto view) {
    using view_type = decltype(view);
    if constexpr (is_recorded_v<typename view_type::layer_type>) {
      put_u64(out, view_type::weight_count);
      put_u64(out, view_type::bias_count);
      for (float w : view.weights()) put_f32(out, w);
      for (float v : view.biases()) put_f32(out, v);
    }
  });
  put_u32(out, crc32_of(out.data(), out.size()));
  return out;
}

/// fsync on a directory, so a rename in it survives a power cut. File systems that cannot
/// sync directories (EINVAL) are taken at their word.
inline int sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int result = ::fsync(fd) == 0 || errno == EINVAL ? 0 : errno;
  ::close(fd);
  return result;
}

/// Writes `bytes` to "<target>.tmp-<pid>-<n>", flushes and fsyncs it, renames it over
/// `target` and fsyncs the directory. On failure the temporary file is removed and
/// `target` is as it was.
inline void write_atomically(const std::filesystem::path& target, const std::vector<unsigned char>& bytes) {
  std::filesystem::path temporary = target;
  temporary += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(temporary_counter++);
  std::FILE* file = std::fopen(temporary.c_str(), "wbx");  // x: never reuse someone else's file
  if (!file) save_failure(target, "cannot create the temporary file " + quoted(temporary), errno);

  int error = 0;
  std::size_t written = 0;
  while (error == 0 && written < bytes.size()) {
    const std::size_t piece = std::min(write_chunk_bytes, bytes.size() - written);
    if (write_fault_hook && !write_fault_hook(written)) error = ENOSPC;
    else if (std::fwrite(bytes.data() + written, 1, piece, file) != piece) error = errno;
    else written += piece;
  }
  if (error == 0 && std::fflush(file) != 0) error = errno;
  if (error == 0 && ::fsync(::fileno(file)) != 0) error = errno;
  if (std::fclose(file) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(temporary.c_str(), target.c_str()) != 0) error = errno;
  if (error != 0) {
    std::remove(temporary.c_str());
    save_failure(target, "cannot write " + quoted(temporary) + " and rename it over the file (which is unchanged)", error);
  }
  if (const int e = sync_directory(target.parent_path()); e != 0)
    save_failure(target, "saved, but its directory could not be synced, so the new file may not survive a crash", e);
}

}  // namespace io::detail

/// Saves every parameter of `net` to `path` (format: docs/weights-format.md). The file is
/// replaced atomically: after a failure, including a crash, `path` holds either its old
/// contents or the new ones, never a mix. Throws `weights_error` naming `path`.
///
/// Example: tests/unit/weights.tests.cpp
template <class Net>
  requires io::detail::NetworkType<Net>
void save_weights(const Net& net, const std::filesystem::path& path) { io::detail::write_atomically(path, io::detail::encode(net, path)); }

/// Loads parameters saved by `save_weights` into `net`. The file must come from a network of
/// the same type (see fingerprint.hpp for what may differ). Throws `weights_error` naming
/// `path` and the reason; `net` is then unchanged.
template <class Net>
  requires io::detail::NetworkType<Net>
void load_weights(Net& net, const std::filesystem::path& path) {
  using namespace io::detail;
  const expected_file ours = expected_file_of<Net>();
  const std::uint64_t limit = file_size_for(max_description_bytes, ours.records.size(), ours.param_count);
  const std::vector<float> params = decode(path, read_file(path, limit, fixed_header_bytes + max_description_bytes), ours);

  // Everything checked: commit (copying cannot fail).
  std::size_t at = 0;
  net.for_each_layer([&](auto view) {
    using view_type = decltype(view);
    if constexpr (is_recorded_v<typename view_type::layer_type>) {
      std::copy_n(params.data() + at, view_type::weight_count, view.weights().data());
      at += view_type::weight_count;
      std::copy_n(params.data() + at, view_type::bias_count, view.biases().data());
      at += view_type::bias_count;
    }
  });
}

}  // namespace tenet
