// Stopping fit on request and resuming from its checkpoint (fit_options::stop_requested,
// resume_checkpoint, resume_from; train/checkpoint.hpp): a resumed run ends with the bits of an
// uninterrupted one, and a checkpoint that does not fit the run is refused naming the file.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>
#include <tenet/train/trainer.hpp>

#include "quadrants.hpp"

namespace {

using namespace tenet;
using tenet::test::make_quadrants;
namespace fs = std::filesystem;

// Dropout in the network, so that resuming must also reproduce the masks' noise.
using quadrant_net =
    network<input<12, 12, 1>, conv2d<8, kernel<3, 3>, same>, relu, max_pool<2>, dropout_ratio<1, 4>, flatten, dense<4>, softmax>;
using small_net = network<input<12, 12, 1>, flatten, dense<4>, softmax>;

/// A fresh directory for one test's files, removed at the end.
struct scratch {
  fs::path dir;
  explicit scratch(const char* name) : dir(fs::temp_directory_path() / ("tenet-resume-" + std::to_string(::getpid()) + "-" + name)) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~scratch() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

template <class Opt>
Opt optimizer_under_test();
template <>
sgd optimizer_under_test<sgd>() {
  return sgd{.learning_rate = 0.05f, .momentum = 0.9f, .nesterov = true, .weight_decay = 1e-3f};
}
template <>
adam optimizer_under_test<adam>() {
  return adam{.learning_rate = 3e-3f, .weight_decay = 1e-3f};
}
template <>
rmsprop optimizer_under_test<rmsprop>() {
  return rmsprop{.learning_rate = 1e-3f};
}

bool same_bits(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<unsigned char> bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::vector<unsigned char>& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

}  // namespace

TEMPLATE_TEST_CASE("a run stopped after k batches and resumed from its checkpoint ends with the bits of an uninterrupted run",
                   "[training][resume]", sgd, adam, rmsprop) {
  const auto data = make_quadrants(230, 4);
  const std::span<const test::quadrant_image> x(data.images.data(), 200), val_x(data.images.data() + 200, 30);
  const std::span<const std::uint32_t> y(data.labels.data(), 200), val_y(data.labels.data() + 200, 30);
  scratch s("bits");
  // 200 examples in batches of 32: 7 batches per epoch, the last of 8. Early stopping with
  // restore keeps its best weights in the checkpoint; the schedule changes the rate per epoch.
  const auto options_for = [&] {
    fit_options o{.epochs = 3, .batch_size = 32, .seed = 11, .progress = progress_style::none};
    o.schedule = learning_rate_schedule::piecewise({{0, optimizer_under_test<TestType>().learning_rate}, {2, 1e-3f}});
    o.early_stopping = {.patience = 5, .restore_best_weights = true};
    return o;
  };

  quadrant_net reference;
  reference.initialize(3);
  trainer<quadrant_net, cross_entropy, TestType> straight(reference, optimizer_under_test<TestType>());
  fit_options plain = options_for();
  plain.resume_checkpoint = s.dir / "straight.checkpoint";
  const history whole = straight.fit(x, y, val_x, val_y, plain);
  REQUIRE(whole.epochs.size() == 3);
  CHECK(fs::exists(plain.resume_checkpoint));  // written after epochs 1 and 2

  // Stopped in the middle of epoch 1, at the end of epoch 1 (its last batch), in epoch 2.
  const std::size_t stop_after = GENERATE(3, 7, 10);
  INFO("stopped after " << stop_after << " batches");
  const fs::path checkpoint = s.dir / "run.checkpoint";
  fs::remove(checkpoint);
  {
    quadrant_net net;
    net.initialize(3);
    trainer<quadrant_net, cross_entropy, TestType> first(net, optimizer_under_test<TestType>());
    std::atomic<bool> stop{false};
    std::size_t seen = 0;
    fit_options o = options_for();
    o.stop_requested = &stop;
    o.resume_checkpoint = checkpoint;
    o.on_batch = [&](const batch_report&) {
      if (++seen == stop_after) stop = true;
    };
    try {
      first.fit(x, y, val_x, val_y, o);
      FAIL("fit was not stopped");
    } catch (const training_interrupted& e) {
      CHECK(e.checkpoint == checkpoint);
      CHECK(e.epoch == (stop_after - 1) / 7 + 1);
      CHECK(e.batches_done == (stop_after - 1) % 7 + 1);
      CHECK(e.batches == 7);
      CHECK(e.partial.epochs.size() == stop_after / 7);
      CHECK(std::string(e.what()) == "tenet::fit: stopped on request after batch " + std::to_string(e.batches_done) + " of 7 of epoch " +
                                         std::to_string(e.epoch) + "; the checkpoint \"" + checkpoint.string() +
                                         "\" holds the run so far: fit with resume_from set to it "
                                         "continues the run");
    }
    REQUIRE(fs::exists(checkpoint));
    for (const auto& entry : fs::directory_iterator(s.dir)) CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
  }

  // A new network (other initial weights) and a new trainer continue from the file alone.
  quadrant_net resumed;
  resumed.initialize(99);
  trainer<quadrant_net, cross_entropy, TestType> second(resumed, optimizer_under_test<TestType>());
  fit_options o = options_for();
  o.resume_from = checkpoint;
  o.resume_checkpoint = checkpoint;
  const history rest = second.fit(x, y, val_x, val_y, o);
  CHECK(same_bits(resumed.parameter_storage(), reference.parameter_storage()));
  REQUIRE(rest.epochs.size() == whole.epochs.size());
  for (std::size_t e = 0; e < whole.epochs.size(); ++e) {
    CHECK(rest.epochs[e].loss == whole.epochs[e].loss);
    CHECK(rest.epochs[e].accuracy == whole.epochs[e].accuracy);
    CHECK(rest.epochs[e].val_loss == whole.epochs[e].val_loss);
    CHECK(rest.epochs[e].learning_rate == whole.epochs[e].learning_rate);
  }
  // The next run goes on from where this one ended, too: the same predictions afterwards.
  const auto p1 = reference.predict(val_x[0]);
  const auto p2 = resumed.predict(val_x[0]);
  CHECK(std::memcmp(p1.data(), p2.data(), sizeof(float) * 4) == 0);
}

TEST_CASE("a run stopped twice and resumed twice still ends with the uninterrupted bits", "[training][resume]") {
  const auto data = make_quadrants(150, 8);
  scratch s("twice");
  const fit_options base{.epochs = 2, .batch_size = 16, .seed = 5, .progress = progress_style::none};
  quadrant_net reference;
  reference.initialize(1);
  trainer<quadrant_net, cross_entropy, adam> straight(reference);
  straight.fit(data.images, data.labels, base);

  quadrant_net net;
  net.initialize(1);
  const fs::path checkpoint = s.dir / "run.checkpoint";
  for (std::size_t stop_after : {4, 8}) {  // batch 4 of epoch 1, then 8 more: batch 2 of epoch 2 (10 per epoch)
    trainer<quadrant_net, cross_entropy, adam> t(net);
    std::atomic<bool> stop{false};
    std::size_t seen = 0;
    fit_options o = base;
    o.stop_requested = &stop;
    o.resume_checkpoint = checkpoint;
    if (fs::exists(checkpoint)) o.resume_from = checkpoint;
    o.on_batch = [&](const batch_report&) {
      if (++seen == stop_after) stop = true;
    };
    CHECK_THROWS_AS(t.fit(data.images, data.labels, o), training_interrupted);
  }
  trainer<quadrant_net, cross_entropy, adam> t(net);
  fit_options o = base;
  o.resume_from = checkpoint;
  t.fit(data.images, data.labels, o);
  CHECK(same_bits(net.parameter_storage(), reference.parameter_storage()));
}

TEST_CASE("stop_requested without a resume checkpoint stops after the batch; set during the last batch it changes nothing",
          "[training][resume]") {
  const auto data = make_quadrants(64, 2);
  small_net net;
  trainer<small_net, cross_entropy, sgd> t(net);
  std::atomic<bool> stop{false};
  std::size_t batches = 0;
  fit_options o{.epochs = 2, .batch_size = 16, .progress = progress_style::none};
  o.stop_requested = &stop;
  o.on_batch = [&](const batch_report& r) {
    ++batches;
    if (r.epoch == 1 && r.batch == 2) stop = true;
  };
  CHECK_THROWS_WITH(t.fit(data.images, data.labels, o),
                    "tenet::fit: stopped on request after batch 2 of 4 of epoch 1; no resume checkpoint was asked for "
                    "(fit_options::resume_checkpoint), so the run cannot be continued");
  CHECK(batches == 2);

  // Requested during the run's very last batch: the run is complete, fit returns.
  stop = false;
  batches = 0;
  o.on_batch = [&](const batch_report& r) {
    ++batches;
    if (r.epoch == 2 && r.batch == 4) stop = true;
  };
  CHECK(t.fit(data.images, data.labels, o).epochs.size() == 2);
  CHECK(batches == 8);
}

TEST_CASE("a checkpoint that cannot be read or does not fit the run is refused, naming the file, and changes nothing",
          "[training][resume][errors]") {
  const auto data = make_quadrants(100, 6);
  scratch s("refusals");
  const fs::path good = s.dir / "good.checkpoint";
  {
    small_net net;
    trainer<small_net, cross_entropy, adam> t(net);
    std::atomic<bool> stop{false};
    fit_options o{.epochs = 2, .batch_size = 20, .seed = 7, .progress = progress_style::none};
    o.stop_requested = &stop;
    o.resume_checkpoint = good;
    o.on_batch = [&](const batch_report& r) { stop = r.epoch == 2; };  // checkpoint: after batch 1 of epoch 2
    REQUIRE_THROWS_AS(t.fit(data.images, data.labels, o), training_interrupted);
  }
  const std::string q = "\"" + good.string() + "\"";
  small_net net;
  net.initialize(2);
  const std::vector<float> before(net.parameter_storage().begin(), net.parameter_storage().end());
  fit_options o{.epochs = 2, .batch_size = 20, .seed = 7, .progress = progress_style::none};
  o.resume_from = good;
  const auto refused = [&](auto&& t, std::span<const test::quadrant_image> x, std::span<const std::uint32_t> y,
                           const fit_options& options) {
    try {
      t.fit(x, y, options);
    } catch (const checkpoint_error& e) {
      CHECK(e.path() == options.resume_from);
      CHECK(same_bits(net.parameter_storage(), before));
      return std::string(e.what());
    }
    return std::string("not refused");
  };
  trainer<small_net, cross_entropy, adam> t(net);
  const std::span<const test::quadrant_image> x(data.images);
  const std::span<const std::uint32_t> y(data.labels);
  const std::string again = " (resume with the data and options of the interrupted run)";

  SECTION("another batch size, seed, training set, validation set, shuffling") {
    fit_options other = o;
    other.batch_size = 25;
    CHECK(refused(t, x, y, other) == "tenet::fit: cannot resume from " + q + ": it was written for batches of 20, not 25" + again);
    other = o;
    other.seed = 8;
    CHECK(refused(t, x, y, other) == "tenet::fit: cannot resume from " + q + ": it was written for the seed 7, not 8" + again);
    CHECK(refused(t, x.first(90), y.first(90), o) ==
          "tenet::fit: cannot resume from " + q + ": it was written for a training set of 100, not 90" + again);
    try {
      t.fit(x.first(90), y.first(90), x.last(10), y.last(10), o);
    } catch (const checkpoint_error& e) {
      CHECK(std::string(e.what()) == "tenet::fit: cannot resume from " + q + ": it was written for a training set of 100, not 90" + again);
    }
    other = o;
    other.shuffle = false;
    CHECK(refused(t, x, y, other) ==
          "tenet::fit: cannot resume from " + q + ": it was written with shuffling on, this run has it off" + again);
    other = o;
    other.epochs = 0;
    CHECK(refused(t, x, y, other) ==
          "tenet::fit: cannot resume from " + q + ": it has completed 1 epoch(s), more than fit_options::epochs (0)");
  }
  SECTION("another optimizer or network") {
    trainer<small_net, cross_entropy, sgd> with_sgd(net);
    CHECK(refused(with_sgd, x, y, o) ==
          "tenet::fit: cannot resume from " + q + ": it was written by a trainer with the optimizer adam, this one uses sgd");
    quadrant_net other_net;
    trainer<quadrant_net, cross_entropy, adam> other(other_net);
    try {
      other.fit(x, y, o);
      FAIL("not refused");
    } catch (const checkpoint_error& e) {
      CHECK_THAT(e.what(), Catch::Matchers::StartsWith("tenet::fit: cannot resume from " + q +
                                                       ": it was written for another network (fingerprint 0x"));
      CHECK_THAT(e.what(), Catch::Matchers::Contains("; this network is "));
    }
  }
  SECTION("a missing file, a directory, a FIFO, not a checkpoint, another version, damaged, truncated") {
    const auto with = [&](const fs::path& p) {
      fit_options other = o;
      other.resume_from = p;
      return refused(t, x, y, other);
    };
    const auto name = [](const fs::path& p) { return "\"" + p.string() + "\""; };
    CHECK(with(s.dir / "none") ==
          "tenet::fit: cannot resume from " + name(s.dir / "none") + ": cannot open the file: No such file or directory");
    CHECK(with(s.dir) == "tenet::fit: cannot resume from " + name(s.dir) + ": it is a directory, not a checkpoint file");
    const fs::path fifo = s.dir / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(with(fifo) ==
          "tenet::fit: cannot resume from " + name(fifo) + ": it is not a regular file (a FIFO, device or socket), so not a checkpoint");
    const std::vector<unsigned char> bytes = bytes_of(good);
    const fs::path bad = s.dir / "bad.checkpoint";
    const std::string b = name(bad);
    write_bytes(bad, {'h', 'e', 'l', 'l', 'o'});
    CHECK(with(bad) == "tenet::fit: cannot resume from " + b + ": not a tenet checkpoint (it does not start with \"TENETCKP\")");
    std::vector<unsigned char> changed = bytes;
    changed[8] = 2;
    write_bytes(bad, changed);
    CHECK(with(bad) == "tenet::fit: cannot resume from " + b + ": written in checkpoint format version 2; this tenet reads version 1");
    changed = bytes;
    changed[changed.size() / 2] ^= 0x10;
    write_bytes(bad, changed);
    CHECK(with(bad) == "tenet::fit: cannot resume from " + b + ": the file is damaged (its checksum does not match its contents)");
    changed.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() / 2));
    write_bytes(bad, changed);
    CHECK(with(bad) == "tenet::fit: cannot resume from " + b + ": the file is damaged (its checksum does not match its contents)");
    // Truncated with a valid checksum (rewritten over the shorter data): the lengths catch it.
    changed.assign(bytes.begin(), bytes.end() - 40);
    const std::uint32_t crc = io::detail::crc32_of(changed.data(), changed.size());
    for (int k = 0; k < 4; ++k) changed.push_back(static_cast<unsigned char>(crc >> (8 * k)));
    write_bytes(bad, changed);
    CHECK(with(bad) == "tenet::fit: cannot resume from " + b + ": the file is truncated (it ends in the middle of its data)");
  }
}

TEST_CASE("a resume checkpoint that cannot be written is a checkpoint_error naming the file", "[training][resume][errors]") {
  const auto data = make_quadrants(40, 1);
  scratch s("unwritable");
  small_net net;
  trainer<small_net, cross_entropy, sgd> t(net);
  fit_options o{.epochs = 2, .batch_size = 20, .progress = progress_style::none};
  o.resume_checkpoint = s.dir / "no-such-dir" / "run.checkpoint";
  const std::string temporary = (s.dir / "no-such-dir" / "run.checkpoint").string() + ".tmp-" + std::to_string(::getpid());
  CHECK_THROWS_WITH(t.fit(data.images, data.labels, o), "tenet::fit: cannot write the checkpoint \"" + o.resume_checkpoint.string() +
                                                            "\": cannot create the temporary file \"" + temporary +
                                                            "\": No such file or directory");
}
