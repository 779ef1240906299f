#pragma once
/// `trainer`: the Keras-like fit loop — mini-batches, epochs, validation, callbacks, early
/// stopping, progress — and `evaluate`.
///
/// Determinism: a batch is cut into chunks whose number depends only on the batch size (at
/// least 8 examples each, at most 8 chunks); each chunk accumulates its examples' gradients
/// in order into its own buffer, and the buffers are summed along a binary tree fixed by the
/// chunk count (chunk_tree). The thread count changes who computes a chunk or a sum, never
/// what is computed, so the same seed gives bit-identical weights on 1, 2 or 64 threads.
///
/// Threads: the chunks are dealt out in contiguous runs, one per thread ("lanes"); a lane's
/// examples share one workspace, which so stays in its core's cache. Within a chunk the dense
/// layers' weight gradients are added once per 8 examples (backprop::backward_in_run),
/// each weight's in example order: the same bits as one example at a time.
///
/// After the chunks, one parallel pass over the parameters finishes the sums, scales the
/// gradient, snapshots the weights and takes the optimizer's step (when it can be taken in
/// pieces: begin_step / step_range, as the built-in ones can).
///
/// Memory: every buffer (per-lane workspaces, per-chunk gradients, optimizer state, the weight
/// snapshot) is allocated by the constructor and `fit`'s set-up; the batch loop allocates
/// nothing.

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../detail/aligned.hpp"
#include "../detail/random.hpp"
#include "../error.hpp"
#include "../io/weights.hpp"
#include "../network.hpp"
#include "../parallel/execution.hpp"
#include "../tensor.hpp"
#include "backprop.hpp"
#include "checkpoint.hpp"
#include "history.hpp"
#include "loss.hpp"
#include "optimizer.hpp"
#include "progress.hpp"
#include "schedule.hpp"

namespace tenet {

/// Thrown when training cannot go on (a NaN or infinite loss). `partial` holds the epochs
/// completed before the failure; the network keeps the last weights that gave a finite loss.
class training_error : public tenet::error {
 public:
  training_error(const std::string& what, history partial) : tenet::error(what), partial(std::move(partial)) {}
  history partial;
};

/// Thrown by `fit` when `fit_options::stop_requested` became true: the batch under way was
/// finished, and when `fit_options::resume_checkpoint` is set the state after it was written
/// there (`checkpoint`; empty otherwise), so `fit_options::resume_from` continues the run to
/// the same bits. `partial` holds the epochs completed; the network holds the current weights.
class training_interrupted : public training_error {
 public:
  training_interrupted(const std::string& what, history partial, std::filesystem::path checkpoint, std::size_t epoch,
                       std::size_t batches_done, std::size_t batches)
      : training_error(what, std::move(partial)),
        checkpoint(std::move(checkpoint)),
        epoch(epoch),
        batches_done(batches_done),
        batches(batches) {}
  std::filesystem::path checkpoint;
  std::size_t epoch;  // 1-based: the epoch under way (its batches_done batches are done)
  std::size_t batches_done;  // batches of that epoch done: 0 < batches_done <= batches
  std::size_t batches;  // per epoch
};

/// Stop when the monitored loss (val_loss with validation data, else loss) has not improved
/// by more than `min_delta` for `patience` epochs. 0 = never stop early.
struct early_stopping {
  std::size_t patience = 0;
  float min_delta = 0.0f;
  /// At the end, put back the weights of the best epoch.
  bool restore_best_weights = true;
};

/// Reported after every batch to `fit_options::on_batch`.
struct batch_report {
  std::size_t epoch;  // 1-based
  std::size_t batch;  // 1-based
  std::size_t batches;  // per epoch
  float loss;  // this batch's mean loss
  float accuracy;  // this batch's accuracy
  float learning_rate;
};

struct fit_options {
  std::size_t epochs = 1;
  std::size_t batch_size = 32;
  bool shuffle = true;
  /// Seeds the shuffling and dropout. The weights' initial values are the network's own
  /// (see network::initialize).
  std::uint64_t seed = 0;
  learning_rate_schedule schedule{};
  tenet::early_stopping early_stopping{};
  progress_style progress = progress_style::automatic;
  std::ostream* out = &std::cout;
  /// After every batch.
  std::function<void(const batch_report&)> on_batch{};
  /// After every epoch; return false to stop training.
  std::function<bool(const epoch_record&)> on_epoch{};
  /// When the monitored loss reaches a new best (after that epoch's update).
  std::function<void(const epoch_record&)> on_improvement{};
  /// Best-weights checkpoint: when not empty, the weights are saved to this file (atomically,
  /// see docs/weights-format.md) each time the monitored loss reaches a new best.
  std::filesystem::path checkpoint{};
  /// Checked after every batch (from the training thread): once it reads true, fit writes the
  /// resume checkpoint (when `resume_checkpoint` is set) and throws training_interrupted. A
  /// signal handler may set it (std::atomic<bool> is lock-free, so that is async-signal-safe).
  const std::atomic<bool>* stop_requested = nullptr;
  /// Resume checkpoint (train/checkpoint.hpp): when not empty, written atomically after every
  /// epoch but the last and when stopped through `stop_requested`.
  std::filesystem::path resume_checkpoint{};
  /// When not empty, fit continues the run saved in this checkpoint instead of starting: the
  /// weights, optimizer state, position, order and history come from it, so with the same
  /// data, optimizer settings and options the result has the bits of an uninterrupted run.
  /// Throws checkpoint_error (nothing changed) if it cannot be read or does not fit.
  std::filesystem::path resume_from{};
};

/// Loss and accuracy over a data set.
struct evaluation {
  float loss;
  float accuracy;
};

/// Trains a network in place.
///
/// Example: tests/unit/training.tests.cpp
template <class Net, class Loss = cross_entropy, class Opt = adam>
  requires Optimizer<Opt>
class trainer {
 public:
  using input_type = tensor<float, typename Net::input_shape>;
  using output_type = tensor<float, typename Net::output_shape>;
  using loss_type = typename detail::resolve_loss<Loss, output_type>::type;
  using target_type = typename loss_type::target_type;

  /// Gradients of a batch are accumulated in at most this many chunks (see the file comment).
  static constexpr std::size_t max_chunks = 8;

  explicit trainer(Net& net, Opt optimizer = {}, Loss = {}) : net_(net), optimizer_(std::move(optimizer)) {
    decay_mask_.assign(Net::storage_size, 0.0f);
    net_.for_each_layer([&](auto view) {
      const std::size_t at = Net::weight_offset(decltype(view)::index);
      std::fill_n(decay_mask_.begin() + static_cast<std::ptrdiff_t>(at), view.weights().size(), 1.0f);
    });
    for (std::size_t c = 0; c < max_chunks; ++c) {
      workspaces_.emplace_back(kernels_.workspace_floats);
      chunk_grads_.emplace_back(Net::storage_size);
    }
    optimizer_state_.reset(optimizer_, Net::storage_size);
  }

  /// Keras's train_on_batch: one optimizer step on (x, y) at learning rate `lr` (the
  /// optimizer's own by default); returns the batch's mean loss and accuracy, measured with
  /// the weights before the step. The first call of a new, larger batch size allocates; later
  /// calls do not. Throws like fit for bad data, and training_error (weights unchanged) for a
  /// non-finite loss. Dropout draws its masks from `seed` and the number of batches trained
  /// by this call so far, so repeated calls see fresh masks and a rerun the same ones.
  evaluation train_on_batch(std::span<const input_type> x, std::span<const target_type> y, float lr = -1.0f, std::uint64_t seed = 0) {
    validate(x, y, "training");
    prepare(x.size());
    if (order_.size() < x.size()) order_.resize(x.size());
    std::iota(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(x.size()), std::size_t{0});
    const detail::batch_result r =
        run_batch(x, y, order_.data(), x.size(), pass::mix(seed, batches_on_their_own_++), lr < 0.0f ? optimizer_.learning_rate : lr);
    if (!std::isfinite(r.loss))  // run_batch made no update
      throw training_error("tenet::trainer::train_on_batch: the loss became " + std::string(std::isnan(r.loss) ? "NaN" : "infinite") +
                               "; the weights were left as they were",
                           {});
    return {static_cast<float>(r.loss / static_cast<double>(x.size())), static_cast<float>(r.hits) / static_cast<float>(x.size())};
  }

  /// The optimizer's settings (they may be changed between calls to fit).
  Opt& optimizer() noexcept { return optimizer_; }

  /// Trains for `options.epochs` epochs on (x, y). Throws std::invalid_argument for unequal
  /// lengths, an empty set, a batch size of 0, a non-finite input value or an out-of-range
  /// label (naming the example); training_error if the loss becomes NaN or infinite.
  history fit(std::span<const input_type> x, std::span<const target_type> y, const fit_options& options) {
    return fit(x, y, {}, {}, options);
  }

  /// The same with validation data, evaluated after every epoch.
  history fit(std::span<const input_type> x, std::span<const target_type> y, std::span<const input_type> val_x,
              std::span<const target_type> val_y, const fit_options& options) {
    validate(x, y, "training");
    if (!val_x.empty() || !val_y.empty()) validate(val_x, val_y, "validation");
    if (options.batch_size == 0) throw std::invalid_argument("tenet::fit: batch_size must be at least 1");

    const std::size_t n = x.size();
    const std::size_t batch_size = std::min(options.batch_size, n);
    const std::size_t batches = (n + batch_size - 1) / batch_size;
    const bool has_validation = !val_x.empty();

    // Everything the batch loop touches, allocated now.
    prepare(batch_size);
    detail::aligned_floats best(Net::storage_size);
    std::vector<std::size_t>& order = order_;
    order.resize(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    detail::random_generator shuffler(options.seed);
    detail::progress_printer progress(options.out, options.progress);

    history result;
    float best_monitored = std::numeric_limits<float>::infinity();
    std::size_t epochs_without_improvement = 0;
    bool have_best = false;

    // Where the loop starts: at the beginning, or where a resume checkpoint left off.
    detail::fit_state resumed;
    if (!options.resume_from.empty()) {
      check_checkpointable(options);
      resumed = load_fit_state(options, n, val_x.size(), batch_size);
      restore_fit_state(resumed, order, shuffler, result, best_monitored, epochs_without_improvement, have_best, best);
    }
    const std::size_t first_epoch = static_cast<std::size_t>(resumed.epoch);
    const std::size_t first_batch = static_cast<std::size_t>(resumed.next_batch);
    if (!options.resume_checkpoint.empty()) check_checkpointable(options);
    const auto save_state = [&](std::size_t epoch, std::size_t next_batch, double loss_sum, std::size_t hits) {
      if (!options.resume_checkpoint.empty())
        save_fit_state(options, n, val_x.size(), batch_size, epoch, next_batch, loss_sum, hits, order, shuffler, result, best_monitored,
                       epochs_without_improvement, have_best, best);
    };

    for (std::size_t epoch = first_epoch; epoch < options.epochs; ++epoch) {
      const auto epoch_start = std::chrono::steady_clock::now();
      const float lr = options.schedule(epoch, optimizer_.learning_rate);
      const bool continuing = epoch == first_epoch && first_batch > 0;  // shuffled before the checkpoint
      if (options.shuffle && !continuing)
        for (std::size_t i = n - 1; i > 0; --i) std::swap(order[i], order[shuffler.below(i + 1)]);
      progress.begin_epoch(epoch + 1, options.epochs, batches);
      double loss_sum = continuing ? resumed.loss_sum : 0.0;
      std::size_t hits = continuing ? static_cast<std::size_t>(resumed.hits) : 0;

      for (std::size_t b = continuing ? first_batch : 0; b < batches; ++b) {
        const std::size_t first = b * batch_size;
        const std::size_t count = std::min(batch_size, n - first);
        const detail::batch_result r =
            run_batch(x, y, order.data() + first, count, detail::backprop<Net, loss_type>::mix(options.seed, epoch * n + first), lr);
        if (!std::isfinite(r.loss)) {
          // The weights in use produced this loss; the snapshot holds the ones before the
          // last update, which gave a finite loss on the previous batch.
          float* params = net_.parameter_storage().data();
          if (epoch + b > 0) std::copy_n(snapshot_.data(), Net::storage_size, params);
          progress_failure(options, result, epoch, b, batches, r.loss);
        }
        loss_sum += r.loss;
        hits += r.hits;
        const double batch_loss = r.loss;
        const std::size_t batch_hits = r.hits;

        const double elapsed = seconds_since(epoch_start);
        const std::size_t seen = first + count;
        progress.batch_done(b + 1, static_cast<float>(loss_sum / static_cast<double>(seen)),
                            static_cast<float>(hits) / static_cast<float>(seen), static_cast<double>(seen) / elapsed, elapsed);
        if (options.on_batch)
          options.on_batch({epoch + 1, b + 1, batches, static_cast<float>(batch_loss / static_cast<double>(count)),
                            static_cast<float>(batch_hits) / static_cast<float>(count), lr});
        if (b + 1 < batches && stop_was_requested(options)) {
          save_state(epoch, b + 1, loss_sum, hits);
          interrupted(options, result, epoch, b + 1, batches);
        }
      }

      epoch_record record;
      record.epoch = epoch + 1;
      record.loss = static_cast<float>(loss_sum / static_cast<double>(n));
      record.accuracy = static_cast<float>(hits) / static_cast<float>(n);
      record.learning_rate = lr;
      record.seconds = seconds_since(epoch_start);
      record.images_per_second = static_cast<double>(n) / record.seconds;
      if (has_validation) {
        const evaluation v = evaluate(val_x, val_y);
        record.val_loss = v.loss;
        record.val_accuracy = v.accuracy;
        record.seconds = seconds_since(epoch_start);
      }
      result.epochs.push_back(record);
      progress.end_epoch(record);

      const float monitored = has_validation ? record.val_loss : record.loss;
      bool stop = false;
      if (monitored < best_monitored - options.early_stopping.min_delta || !have_best) {
        best_monitored = std::min(best_monitored, monitored);
        epochs_without_improvement = 0;
        have_best = true;
        std::copy_n(net_.parameter_storage().data(), Net::storage_size, best.data());
        if (!options.checkpoint.empty()) save_weights(net_, options.checkpoint);
        if (options.on_improvement) options.on_improvement(record);
      } else if (options.early_stopping.patience != 0 && ++epochs_without_improvement >= options.early_stopping.patience) {
        stop = true;
      }
      if (options.on_epoch && !options.on_epoch(record)) stop = true;
      if (stop) break;
      if (epoch + 1 < options.epochs) {
        save_state(epoch + 1, 0, 0.0, 0);
        if (stop_was_requested(options)) interrupted(options, result, epoch, batches, batches);
      }
    }
    if (options.early_stopping.patience != 0 && options.early_stopping.restore_best_weights && have_best)
      std::copy_n(best.data(), Net::storage_size, net_.parameter_storage().data());
    return result;
  }

  /// Mean loss and accuracy over (x, y), dropout off. Deterministic like fit.
  evaluation evaluate(std::span<const input_type> x, std::span<const target_type> y) {
    validate(x, y, "evaluation");
    const std::size_t n = x.size();
    const std::size_t per_chunk = (n + max_chunks - 1) / max_chunks;
    const float* params = net_.parameter_storage().data();
    detail::batch_result sums[max_chunks] = {};
    parallel::for_each_index_in_lanes((n + per_chunk - 1) / per_chunk, max_chunks, [&](std::size_t lane, std::size_t c) {
      kernels_.evaluate_range(params, x.data(), y.data(), c * per_chunk, std::min(n, (c + 1) * per_chunk), workspaces_[lane].data(),
                              sums[c]);
    });
    double total_loss = 0.0;
    std::size_t total_hits = 0;
    for (std::size_t c = 0; c < max_chunks; ++c) {
      total_loss += sums[c].loss;
      total_hits += sums[c].hits;
    }
    return {static_cast<float>(total_loss / static_cast<double>(n)), static_cast<float>(total_hits) / static_cast<float>(n)};
  }

 private:
  using pass = detail::backprop<typename Net::base_type, loss_type>;
  using kernels = detail::training_kernels<typename Net::base_type, loss_type>;
  /// The entry points of the ISA this process runs (simd/dispatch.hpp).
  static const kernels& kernels_in_use() { return simd::dispatched(pass::kernels, &Net::describe); }

  /// Sizes the per-batch buffers for batches of up to `batch_size` examples.
  void prepare(std::size_t batch_size) {
    if (outcomes_.size() < batch_size) outcomes_.resize(batch_size);
    if (grad_.size() == 0) {
      grad_ = detail::aligned_floats(Net::storage_size);
      snapshot_ = detail::aligned_floats(Net::storage_size);
    }
  }

  /// One optimizer step on the `count` examples x[order[0..count)]: forward, loss and
  /// backward in a fixed number of chunks (a function of `count` only), gradients summed
  /// along the chunk tree, then the update. Returns the summed loss and hits. A non-finite loss skips
  /// the update; the snapshot then still holds the weights before the previous update.
  detail::batch_result run_batch(std::span<const input_type> x, std::span<const target_type> y, const std::size_t* order, std::size_t count,
                                 std::uint64_t noise, float lr) {
    // Examples per chunk: at least 8, so that zeroing and summing the per-chunk gradients
    // stays small next to the examples' own work; at most max_chunks chunks.
    const std::size_t chunk = std::max<std::size_t>(8, (count + max_chunks - 1) / max_chunks);
    const std::size_t chunks = (count + chunk - 1) / chunk;
    float* params = net_.parameter_storage().data();
    const chunk_tree tree(chunks);
    std::array<std::size_t, max_chunks> lane_start;  // the first chunk of each lane's run
    lane_start.fill(chunks);
    std::array<bool, max_chunks> summed{};  // tree.sums[k] done by a lane
    parallel::for_each_index_in_lanes(chunks, max_chunks, [&](std::size_t lane, std::size_t c) {
      lane_start[lane] = std::min(lane_start[lane], c);  // a lane takes its run in order
      // chunk_grads_[c] starts at zero (see sum_and_step); a lane's first chunk prepares the
      // backward pass (conv2d's transposed weights)
      kernels_.run_chunk(params, x.data(), y.data(), order, c * chunk, std::min(count, (c + 1) * chunk), workspaces_[lane].data(),
                         chunk_grads_[c].data(), noise, c == lane_start[lane], outcomes_.data());
      // The sums of the tree that this chunk completes and whose chunks are all this lane's,
      // now, while they are in this core's cache.
      for (std::size_t k = 0; k < tree.count; ++k)
        if (tree.sums[k].end == c + 1 && tree.sums[k].left >= lane_start[lane]) {
          add_chunk_gradient(tree.sums[k], 0, Net::storage_size);
          summed[k] = true;
        }
    });
    detail::batch_result result{0.0, 0};
    for (std::size_t j = 0; j < count; ++j) {
      result.loss += outcomes_[j].loss;
      result.hits += outcomes_[j].correct ? 1 : 0;
    }
    if (!std::isfinite(result.loss)) {
      for (std::size_t c = 0; c < chunks; ++c) std::fill_n(chunk_grads_[c].data(), Net::storage_size, 0.0f);
      return result;
    }
    sum_and_step(tree, summed, 1.0f / static_cast<float>(count), params, lr);
    return result;
  }

  /// The order in which a batch's chunk gradients are summed: a binary tree over the chunks
  /// ([a, b) splits at a + the largest power of two below b - a), each node the sum of its
  /// two halves, stored in the buffer of its first chunk. It depends on the chunk count only
  /// (so the weights do not depend on the thread count), and a lane whose run holds all the
  /// chunks of a subtree sums them as soon as they are done, in its own core's cache: after
  /// the chunks, the seed CNN's step then sums 2 buffers on 2 threads instead of 8 (a pass
  /// over 8 chunk gradients took 21-26 us of its 350 us).
  struct chunk_sum {
    std::size_t left, right, end;  // chunk_grads_[left] += chunk_grads_[right]: node [left, end)
  };
  struct chunk_tree {
    std::array<chunk_sum, max_chunks> sums{};  // children before parents
    std::size_t count = 0;
    explicit chunk_tree(std::size_t chunks) { plan(0, chunks); }
    void plan(std::size_t a, std::size_t b) {
      if (b - a < 2) return;
      std::size_t half = 1;
      while (2 * half < b - a) half *= 2;
      plan(a, a + half);
      plan(a + half, b);
      sums[count++] = {a, a + half, b};
    }
  };

  /// chunk_grads_[s.left] += chunk_grads_[s.right] on [begin, end), zeroing the second (the
  /// chunk gradients are zero between batches).
  void add_chunk_gradient(const chunk_sum& s, std::size_t begin, std::size_t end) {
    float* to = chunk_grads_[s.left].data();
    float* from = chunk_grads_[s.right].data();
    for (std::size_t i = begin; i < end; ++i) {
      to[i] += from[i];
      from[i] = 0.0f;
    }
  }

  /// After the chunks, in one parallel pass over ranges of the parameters: the tree's sums
  /// the lanes did not do, grad = scale * the root (chunk 0's buffer, then zeroed), snapshot =
  /// params, and the optimizer's step on the range when it can be taken in pieces (else after
  /// the pass).
  void sum_and_step(const chunk_tree& tree, const std::array<bool, max_chunks>& summed, float scale, float* params, float lr) {
    constexpr bool in_pieces = OptimizerInPieces<Opt>;
    if constexpr (in_pieces) optimizer_state_.begin_step(optimizer_, lr);
    float* grad = grad_.data();
    // Ranges of whole registers (step_range's condition): the storage is whole cache lines.
    constexpr std::size_t L = simd::lanes<simd::default_arch>;
    static_assert(Net::storage_size % L == 0);
    parallel::for_ranges(Net::storage_size / L, 16384 / L, [&](std::size_t first_register, std::size_t end_register) {
      const std::size_t begin = first_register * L, end = end_register * L;
      for (std::size_t k = 0; k < tree.count; ++k)
        if (!summed[k]) add_chunk_gradient(tree.sums[k], begin, end);
      float* root = chunk_grads_[0].data();
      for (std::size_t i = begin; i < end; ++i) {
        grad[i] = root[i] * scale;
        root[i] = 0.0f;
      }
      std::copy(params + begin, params + end, snapshot_.data() + begin);
      if constexpr (in_pieces) optimizer_state_.step_range(optimizer_, params, grad, decay_mask_.data(), begin, end, lr);
    });
    if constexpr (!in_pieces) optimizer_state_.step(optimizer_, params, grad, decay_mask_.data(), Net::storage_size, lr);
  }

  static double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  /// Whether none of p[0, n) is NaN or infinite: the exponent bits of each are not all ones.
  /// One vectorized pass (train_on_batch checks every batch; std::isfinite element by element
  /// was 2.6 % of the seed CNN's step).
  static bool all_finite(const float* p, std::size_t n) {
    std::uint32_t non_finite = 0;
    for (std::size_t k = 0; k < n; ++k) non_finite |= (~std::bit_cast<std::uint32_t>(p[k]) & 0x7f800000u) == 0 ? 1u : 0u;
    return non_finite == 0;
  }

  static void validate(std::span<const input_type> x, std::span<const target_type> y, const char* what) {
    const std::string where = std::string("tenet::fit: ") + what + " data: ";
    if (x.size() != y.size())
      throw std::invalid_argument(where + std::to_string(x.size()) + " inputs but " + std::to_string(y.size()) + " targets");
    if (x.empty()) throw std::invalid_argument(where + "no examples");
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!all_finite(x[i].data(), input_type::size()))
        for (std::size_t k = 0; k < input_type::size(); ++k)
          if (!std::isfinite(x[i][k]))
            throw std::invalid_argument(where + "example " + std::to_string(i) + " has a NaN or infinite value at index " +
                                        std::to_string(k));
      if (!loss_type::valid_target(output_type::size(), y[i])) {
        if constexpr (std::is_integral_v<target_type>)
          throw std::invalid_argument(where + "label " + std::to_string(y[i]) + " of example " + std::to_string(i) +
                                      " is out of range: the network has " + std::to_string(output_type::size()) +
                                      " classes (labels 0 to " + std::to_string(output_type::size() - 1) + ")");
        else throw std::invalid_argument(where + "target of example " + std::to_string(i) + " is invalid");
      }
    }
  }

  [[noreturn]] static void progress_failure(const fit_options& options, const history& so_far, std::size_t epoch, std::size_t batch,
                                            std::size_t batches, double loss) {
    if (options.out != nullptr) options.out->flush();
    throw training_error("tenet::fit: the loss became " + std::string(std::isnan(loss) ? "NaN" : "infinite") + " at epoch " +
                             std::to_string(epoch + 1) + ", batch " + std::to_string(batch + 1) + " of " + std::to_string(batches) +
                             "; training stopped and the network keeps the last weights that gave a finite loss. "
                             "Try a lower learning rate.",
                         so_far);
  }

  // --- stopping and resuming (fit_options::stop_requested, resume_checkpoint, resume_from) ---

  static bool stop_was_requested(const fit_options& options) {
    return options.stop_requested != nullptr && options.stop_requested->load(std::memory_order_relaxed);
  }

  [[noreturn]] static void interrupted(const fit_options& options, const history& so_far, std::size_t epoch, std::size_t done,
                                       std::size_t batches) {
    if (options.out != nullptr) options.out->flush();
    std::string what = "tenet::fit: stopped on request after batch " + std::to_string(done) + " of " + std::to_string(batches) +
                       " of epoch " + std::to_string(epoch + 1);
    what += options.resume_checkpoint.empty()
                ? "; no resume checkpoint was asked for (fit_options::resume_checkpoint), so the run cannot be continued"
                : "; the checkpoint " + io::detail::quoted(options.resume_checkpoint) +
                      " holds the run so far: fit with resume_from set to it continues the run";
    throw training_interrupted(what, so_far, options.resume_checkpoint, epoch + 1, done, batches);
  }

  static void check_checkpointable(const fit_options& options) {
    if constexpr (!CheckpointableOptimizer<Opt>)
      throw std::invalid_argument("tenet::fit: the optimizer " + detail::optimizer_name<Opt>() +
                                  " cannot be checkpointed (its state has no visit_state), so resume_checkpoint and "
                                  "resume_from cannot be used with it");
    (void)options;
  }

  void save_fit_state(const fit_options& options, std::size_t n, std::size_t validation_examples, std::size_t batch_size, std::size_t epoch,
                      std::size_t next_batch, double loss_sum, std::size_t hits, const std::vector<std::size_t>& order,
                      const detail::random_generator& shuffler, const history& so_far, float best_monitored,
                      std::size_t epochs_without_improvement, bool have_best, const detail::aligned_floats& best) {
    if constexpr (CheckpointableOptimizer<Opt>) {
      detail::fit_state s;
      s.fingerprint = fingerprint_v<Net>;
      s.storage_size = Net::storage_size;
      s.optimizer = detail::optimizer_name<Opt>();
      s.examples = n;
      s.validation_examples = validation_examples;
      s.batch_size = batch_size;
      s.seed = options.seed;
      s.shuffle = options.shuffle;
      s.epoch = epoch;
      s.next_batch = next_batch;
      s.epochs = options.epochs;
      s.loss_sum = loss_sum;
      s.hits = hits;
      s.shuffler = shuffler.state();
      s.order.assign(order.begin(), order.end());
      s.history = so_far.epochs;
      s.best_monitored = best_monitored;
      s.epochs_without_improvement = epochs_without_improvement;
      s.have_best = have_best;
      const float* params = net_.parameter_storage().data();
      s.weights.assign(params, params + Net::storage_size);
      s.snapshot.assign(snapshot_.data(), snapshot_.data() + Net::storage_size);
      if (have_best) s.best.assign(best.data(), best.data() + Net::storage_size);
      optimizer_state_.visit_state(detail::optimizer_state_writer{s.optimizer_state});
      detail::write_checkpoint_file(options.resume_checkpoint, detail::encode_fit_state(s));
    }
  }

  /// Reads options.resume_from and checks it against this run; changes nothing.
  detail::fit_state load_fit_state(const fit_options& options, std::size_t n, std::size_t validation_examples, std::size_t batch_size) {
    const std::filesystem::path& path = options.resume_from;
    detail::fit_state s = detail::decode_fit_state(detail::read_checkpoint_file(path), path);
    const detail::checkpoint_reader r(nullptr, 0, path);
    const std::string again = " (resume with the data and options of the interrupted run)";
    if (s.fingerprint != fingerprint_v<Net> || s.storage_size != Net::storage_size)
      r.fail("it was written for another network (fingerprint " + io::detail::hex(s.fingerprint, 16) + ", " +
             std::to_string(s.storage_size) + " parameters; this network is " + describe_network<Net>() + ", fingerprint " +
             io::detail::hex(fingerprint_v<Net>, 16) + ", " + std::to_string(Net::storage_size) + ")");
    if (s.optimizer != detail::optimizer_name<Opt>())
      r.fail("it was written by a trainer with the optimizer " + s.optimizer + ", this one uses " + detail::optimizer_name<Opt>());
    const auto same = [&](const char* what, std::uint64_t theirs, std::uint64_t ours) {
      if (theirs != ours)
        r.fail("it was written for " + std::string(what) + " " + std::to_string(theirs) + ", not " + std::to_string(ours) + again);
    };
    same("a training set of", s.examples, n);
    same("a validation set of", s.validation_examples, validation_examples);
    same("batches of", s.batch_size, batch_size);
    same("the seed", s.seed, options.seed);
    if (s.shuffle != options.shuffle)
      r.fail(std::string("it was written with shuffling ") + (s.shuffle ? "on" : "off") + ", this run has it " +
             (options.shuffle ? "on" : "off") + again);
    const std::size_t batches = (n + batch_size - 1) / batch_size;
    if (s.order.size() != n || s.next_batch >= batches || s.weights.size() != Net::storage_size || s.snapshot.size() != Net::storage_size ||
        s.best.size() != (s.have_best ? Net::storage_size : 0) || s.history.size() != s.epoch)
      r.fail("the file is damaged (its position, order or weights do not fit its own header)");
    for (std::uint64_t i : s.order)
      if (i >= n) r.fail("the file is damaged (its example order holds " + std::to_string(i) + ")");
    if (s.epoch > options.epochs)
      r.fail("it has completed " + std::to_string(s.epoch) + " epoch(s), more than fit_options::epochs (" + std::to_string(options.epochs) +
             ")");
    // The optimizer's state, decoded into a copy: this trainer's is replaced only on success.
    if constexpr (CheckpointableOptimizer<Opt>) {
      typename Opt::state state = optimizer_state_;
      detail::checkpoint_reader in(s.optimizer_state.data(), s.optimizer_state.size(), path);
      state.visit_state(detail::optimizer_state_reader{in, Net::storage_size});
      if (!in.at_end()) in.fail("the file is damaged (its optimizer state is longer than this optimizer's)");
      pending_optimizer_state_ = std::move(state);
    }
    return s;
  }

  /// Puts the loaded state in place (cannot fail).
  void restore_fit_state(detail::fit_state& s, std::vector<std::size_t>& order, detail::random_generator& shuffler, history& so_far,
                         float& best_monitored, std::size_t& epochs_without_improvement, bool& have_best, detail::aligned_floats& best) {
    std::copy(s.weights.begin(), s.weights.end(), net_.parameter_storage().data());
    std::copy(s.snapshot.begin(), s.snapshot.end(), snapshot_.data());
    if (s.have_best) std::copy(s.best.begin(), s.best.end(), best.data());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::size_t>(s.order[i]);
    shuffler.set_state(s.shuffler);
    so_far.epochs = std::move(s.history);
    best_monitored = s.best_monitored;
    epochs_without_improvement = static_cast<std::size_t>(s.epochs_without_improvement);
    have_best = s.have_best;
    if constexpr (CheckpointableOptimizer<Opt>) optimizer_state_ = std::move(pending_optimizer_state_);
  }

  Net& net_;
  const kernels& kernels_ = kernels_in_use();
  Opt optimizer_;
  typename Opt::state pending_optimizer_state_;  // a resumed state between its check and its use
  typename Opt::state optimizer_state_;
  std::vector<float> decay_mask_;
  std::vector<detail::aligned_floats> workspaces_;
  std::vector<detail::aligned_floats> chunk_grads_;
  detail::aligned_floats grad_, snapshot_;
  std::vector<detail::example_outcome> outcomes_;
  std::vector<std::size_t> order_;
  std::uint64_t batches_on_their_own_ = 0;  // train_on_batch calls, for fresh dropout masks
};

}  // namespace tenet
