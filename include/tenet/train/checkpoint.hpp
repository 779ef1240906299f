#pragma once
/// Resume checkpoints: everything `fit` needs to continue an interrupted run to the same bits
/// as an uninterrupted one (fit_options::resume_checkpoint, resume_from, stop_requested).
///
/// A checkpoint holds the weights, the optimizer's state (momentum, moments, step count), the
/// position (the epoch and the next batch), the shuffled order and the shuffling generator,
/// the epoch's running loss and hits, the history so far, early stopping's best loss, wait
/// count and best weights, and the weight snapshot NaN recovery goes back to. What it does not
/// hold must be given again, unchanged, when resuming: the training and validation data, the
/// optimizer's settings and the schedule (a function of the epoch, so it has no position of
/// its own). The checks a checkpoint can make (network, optimizer, example counts, batch size,
/// seed, shuffling) are made before anything changes.
///
/// Format (little-endian): "TENETCKP", u32 version, then the fields in the order of
/// `encode_fit_state`, then a CRC-32 of everything before it. Written like the weights: to
/// "<path>.tmp-<pid>", fsynced, renamed over <path>, directory fsynced.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "../error.hpp"
#include "../io/weights.hpp"
#include "history.hpp"
#include "optimizer.hpp"

namespace tenet {

/// A checkpoint that cannot be written or read, or does not fit the run resuming from it.
/// `path()` is the file.
class checkpoint_error : public tenet::error {
 public:
  checkpoint_error(const std::string& what, std::filesystem::path path) : tenet::error(what), path_(std::move(path)) {}
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

/// An optimizer whose state can be saved in a checkpoint: its `state` calls `v(x)` for every
/// member that changes between steps (std::size_t, float or std::vector<float>), in a fixed
/// order. The built-in optimizers are; a user's optimizer without `visit_state` can train but
/// not checkpoint (fit then refuses resume_checkpoint and resume_from).
template <class O>
concept CheckpointableOptimizer = requires(typename O::state s) {
  s.visit_state([](auto&) {});
};

namespace detail {

inline constexpr unsigned char checkpoint_magic[8] = {'T', 'E', 'N', 'E', 'T', 'C', 'K', 'P'};
inline constexpr std::uint32_t checkpoint_version = 1;

/// fit's loop state at a batch boundary: the next batch to run is `next_batch` of `epoch`
/// (0-based; next_batch 0: the epoch has not started and its shuffle is still to come).
struct fit_state {
  // What the run must match.
  std::uint64_t fingerprint = 0, storage_size = 0;
  std::string optimizer;
  std::uint64_t examples = 0, validation_examples = 0, batch_size = 0, seed = 0;
  bool shuffle = true;
  // Where it is.
  std::uint64_t epoch = 0, next_batch = 0, epochs = 0;
  double loss_sum = 0.0;
  std::uint64_t hits = 0;
  std::array<std::uint64_t, 4> shuffler{};
  std::vector<std::uint64_t> order;
  std::vector<epoch_record> history;
  float best_monitored = 0.0f;
  std::uint64_t epochs_without_improvement = 0;
  bool have_best = false;
  std::vector<float> weights, snapshot, best;  // best: empty unless have_best
  std::vector<unsigned char> optimizer_state;  // the optimizer's visit_state, encoded
};

template <class Opt>
std::string optimizer_name() {
  if constexpr (std::is_same_v<Opt, sgd>) return "sgd";
  else if constexpr (std::is_same_v<Opt, rmsprop>) return "rmsprop";
  else if constexpr (std::is_same_v<Opt, adam>) return "adam";
  else return typeid(Opt).name();
}

using io::detail::get_u32;
using io::detail::get_u64;
using io::detail::put_u32;
using io::detail::put_u64;

/// Appends n bytes (resize and memcpy: vector::insert of a range draws a bogus
/// -Wstringop-overflow from g++ 12 -O3 when inlined here).
inline void put_bytes(std::vector<unsigned char>& out, const void* data, std::size_t n) {
  const std::size_t at = out.size();
  out.resize(at + n);
  if (n != 0) std::memcpy(out.data() + at, data, n);
}
inline void put_f64(std::vector<unsigned char>& out, double v) { put_u64(out, std::bit_cast<std::uint64_t>(v)); }
inline void put_floats(std::vector<unsigned char>& out, const std::vector<float>& v) {
  put_u64(out, v.size());
  for (float f : v) io::detail::put_f32(out, f);
}

/// Reads a checkpoint's bytes in order; running past the end is a truncated file.
class checkpoint_reader {
 public:
  checkpoint_reader(const unsigned char* data, std::size_t size, const std::filesystem::path& path)
      : p_(data), end_(data + size), path_(path) {}
  [[noreturn]] void fail(const std::string& reason) const {
    throw checkpoint_error("tenet::fit: cannot resume from " + io::detail::quoted(path_) + ": " + reason, path_);
  }
  const unsigned char* take(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) fail("the file is truncated (it ends in the middle of its data)");
    const unsigned char* at = p_;
    p_ += n;
    return at;
  }
  std::uint32_t u32() { return get_u32(take(4)); }
  std::uint64_t u64() { return get_u64(take(8)); }
  float f32() { return std::bit_cast<float>(u32()); }
  double f64() { return std::bit_cast<double>(u64()); }
  bool flag() { return *take(1) != 0; }
  /// A count of items of `item_bytes` each, refused when the rest of the file cannot hold them
  /// (so a damaged count allocates nothing).
  std::size_t count(std::size_t item_bytes) {
    const std::uint64_t n = u64();
    if (n > static_cast<std::uint64_t>(end_ - p_) / item_bytes) fail("the file is truncated (it ends in the middle of its data)");
    return static_cast<std::size_t>(n);
  }
  std::vector<float> floats() {
    std::vector<float> v(count(4));
    for (float& f : v) f = f32();
    return v;
  }
  bool at_end() const { return p_ == end_; }

 private:
  const unsigned char* p_;
  const unsigned char* end_;
  std::filesystem::path path_;
};

inline std::vector<unsigned char> encode_fit_state(const fit_state& s) {
  std::vector<unsigned char> out;
  out.reserve(256 + 8 * s.order.size() + 4 * (s.weights.size() + s.snapshot.size() + s.best.size()) + s.optimizer_state.size());
  put_bytes(out, checkpoint_magic, sizeof checkpoint_magic);
  put_u32(out, checkpoint_version);
  put_u64(out, s.fingerprint);
  put_u64(out, s.storage_size);
  put_u64(out, s.optimizer.size());
  put_bytes(out, s.optimizer.data(), s.optimizer.size());
  for (std::uint64_t v : {s.examples, s.validation_examples, s.batch_size, s.seed}) put_u64(out, v);
  out.push_back(s.shuffle ? 1 : 0);
  for (std::uint64_t v : {s.epoch, s.next_batch, s.epochs}) put_u64(out, v);
  put_f64(out, s.loss_sum);
  put_u64(out, s.hits);
  for (std::uint64_t w : s.shuffler) put_u64(out, w);
  put_u64(out, s.order.size());
  for (std::uint64_t i : s.order) put_u64(out, i);
  put_u64(out, s.history.size());
  for (const epoch_record& e : s.history) {
    put_u64(out, e.epoch);
    for (float f : {e.loss, e.accuracy, e.val_loss, e.val_accuracy, e.learning_rate}) io::detail::put_f32(out, f);
    put_f64(out, e.seconds);
    put_f64(out, e.images_per_second);
  }
  io::detail::put_f32(out, s.best_monitored);
  put_u64(out, s.epochs_without_improvement);
  out.push_back(s.have_best ? 1 : 0);
  put_floats(out, s.weights);
  put_floats(out, s.snapshot);
  put_floats(out, s.best);
  put_u64(out, s.optimizer_state.size());
  put_bytes(out, s.optimizer_state.data(), s.optimizer_state.size());
  put_u32(out, io::detail::crc32_of(out.data(), out.size()));
  return out;
}

/// Decodes a whole checkpoint file, checking its frame (magic, version, checksum, lengths);
/// whether it fits the run is the trainer's check.
inline fit_state decode_fit_state(const std::vector<unsigned char>& bytes, const std::filesystem::path& path) {
  checkpoint_reader r(bytes.data(), bytes.size(), path);
  if (bytes.size() < sizeof checkpoint_magic || std::memcmp(bytes.data(), checkpoint_magic, sizeof checkpoint_magic) != 0)
    r.fail("not a tenet checkpoint (it does not start with \"TENETCKP\")");
  r.take(sizeof checkpoint_magic);
  const std::uint32_t version = r.u32();
  if (version != checkpoint_version)
    r.fail("written in checkpoint format version " + std::to_string(version) + "; this tenet reads version " +
           std::to_string(checkpoint_version));
  if (bytes.size() < 16 || io::detail::crc32_of(bytes.data(), bytes.size() - 4) != get_u32(bytes.data() + bytes.size() - 4))
    r.fail("the file is damaged (its checksum does not match its contents)");
  checkpoint_reader body(bytes.data() + 12, bytes.size() - 16, path);
  fit_state s;
  s.fingerprint = body.u64();
  s.storage_size = body.u64();
  const std::size_t name_bytes = body.count(1);
  const unsigned char* name = body.take(name_bytes);
  s.optimizer.assign(reinterpret_cast<const char*>(name), name_bytes);
  s.examples = body.u64();
  s.validation_examples = body.u64();
  s.batch_size = body.u64();
  s.seed = body.u64();
  s.shuffle = body.flag();
  s.epoch = body.u64();
  s.next_batch = body.u64();
  s.epochs = body.u64();
  s.loss_sum = body.f64();
  s.hits = body.u64();
  for (std::uint64_t& w : s.shuffler) w = body.u64();
  s.order.resize(body.count(8));
  for (std::uint64_t& i : s.order) i = body.u64();
  s.history.resize(body.count(8 + 5 * 4 + 2 * 8));
  for (epoch_record& e : s.history) {
    e.epoch = static_cast<std::size_t>(body.u64());
    for (float* f : {&e.loss, &e.accuracy, &e.val_loss, &e.val_accuracy, &e.learning_rate}) *f = body.f32();
    e.seconds = body.f64();
    e.images_per_second = body.f64();
  }
  s.best_monitored = body.f32();
  s.epochs_without_improvement = body.u64();
  s.have_best = body.flag();
  s.weights = body.floats();
  s.snapshot = body.floats();
  s.best = body.floats();
  const std::size_t state_bytes = body.count(1);
  const unsigned char* state = body.take(state_bytes);
  s.optimizer_state.assign(state, state + state_bytes);
  if (!body.at_end()) r.fail("the file is damaged (bytes after its data)");
  return s;
}

/// Encodes an optimizer state's members (visit_state order): u64 for counts, f32 for floats,
/// a u64 length then f32s for buffers.
struct optimizer_state_writer {
  std::vector<unsigned char>& out;
  void operator()(const std::size_t& v) const { put_u64(out, v); }
  void operator()(const float& v) const { io::detail::put_f32(out, v); }
  void operator()(const std::vector<float>& v) const { put_floats(out, v); }
};

/// Decodes them back; a buffer must have the length the freshly reset state has (`n` or 0
/// for a buffer the settings switch off), so a state from other settings is refused.
struct optimizer_state_reader {
  checkpoint_reader& in;
  std::size_t n;
  void operator()(std::size_t& v) const { v = static_cast<std::size_t>(in.u64()); }
  void operator()(float& v) const { v = in.f32(); }
  void operator()(std::vector<float>& v) const {
    std::vector<float> read = in.floats();
    if (read.size() != n && !read.empty())
      in.fail("its optimizer state has a buffer of " + std::to_string(read.size()) + " values, this network has " + std::to_string(n) +
              " parameters");
    v = std::move(read);
  }
};

/// Reads a whole checkpoint file. A FIFO or device is refused without being opened for a
/// blocking read (O_NONBLOCK), so it cannot hang.
inline std::vector<unsigned char> read_checkpoint_file(const std::filesystem::path& path) {
  const auto fail = [&](const std::string& reason) {
    throw checkpoint_error("tenet::fit: cannot resume from " + io::detail::quoted(path) + ": " + reason, path);
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) fail(std::string("cannot open the file: ") + std::strerror(errno));
  struct stat status {};
  std::vector<unsigned char> bytes;
  std::string problem;
  if (::fstat(fd, &status) != 0) problem = std::string("cannot stat the file: ") + std::strerror(errno);
  else if (S_ISDIR(status.st_mode)) problem = "it is a directory, not a checkpoint file";
  else if (!S_ISREG(status.st_mode)) problem = "it is not a regular file (a FIFO, device or socket), so not a checkpoint";
  else {
    bytes.resize(static_cast<std::size_t>(status.st_size));
    std::size_t got = 0;
    while (got < bytes.size()) {
      const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        problem = std::string("read error: ") + std::strerror(errno);
        break;
      }
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    bytes.resize(got);
  }
  ::close(fd);
  if (!problem.empty()) fail(problem);
  return bytes;
}

/// Writes `bytes` to "<target>.tmp-<pid>", fsyncs it and renames it over `target`, then
/// fsyncs the directory: `target` is always either the previous checkpoint or this one.
inline void write_checkpoint_file(const std::filesystem::path& target, const std::vector<unsigned char>& bytes) {
  std::filesystem::path temporary = target;
  temporary += ".tmp-" + std::to_string(::getpid());
  const auto fail = [&](const std::string& what, int error) {
    throw checkpoint_error(
        "tenet::fit: cannot write the checkpoint " + io::detail::quoted(target) + ": " + what + ": " + std::strerror(error), target);
  };
  std::remove(temporary.c_str());  // ours (this pid), left by an earlier failed write
  std::FILE* file = std::fopen(temporary.c_str(), "wbx");
  if (!file) fail("cannot create the temporary file " + io::detail::quoted(temporary), errno);
  int error = 0;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size()) error = errno;
  if (error == 0 && std::fflush(file) != 0) error = errno;
  if (error == 0 && ::fsync(::fileno(file)) != 0) error = errno;
  if (std::fclose(file) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(temporary.c_str(), target.c_str()) != 0) error = errno;
  if (error != 0) {
    std::remove(temporary.c_str());
    fail("cannot write " + io::detail::quoted(temporary) + " and rename it over the file (which is unchanged)", error);
  }
  if (const int e = io::detail::sync_directory(target.parent_path()); e != 0) fail("written, but its directory could not be synced", e);
}

}  // namespace detail
}  // namespace tenet
