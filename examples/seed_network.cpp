// The seed network of the lecture, declared as a type: its shapes, parameter count and FLOPs
// are known before the program runs. Prints the summary, then pushes a batch of images
// through it on all cores and reports the throughput.
//
// Usage: seed_network [batch-size]   (default 4096)

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <tenet/tenet.hpp>

using net_t = tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>, tenet::relu, tenet::max_pool<2>,
                             tenet::flatten, tenet::dense<10>, tenet::softmax>;

// Checked by the compiler, not at run time.
static_assert(std::is_same_v<net_t::input_shape, tenet::shape<28, 28, 1>>);
static_assert(std::is_same_v<net_t::layer_output_shape<2>, tenet::shape<14, 14, 16>>);
static_assert(std::is_same_v<net_t::output_shape, tenet::shape<10>>);
static_assert(net_t::param_count == (16 * 2 * 2 * 1 + 16) + (3136 * 10 + 10));

int main(int argc, char** argv) try {
  std::size_t batch = 4096;
  // Digits only, the whole argument (std::from_chars: no spaces, no sign).
  const auto parse = [&](std::string_view text) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), batch);
    return !text.empty() && error == std::errc{} && end == text.data() + text.size() && batch != 0;
  };
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::printf("usage: %s [batch-size >= 1]\n", argv[0]);
    return 0;
  }
  if (argc > 2 || (argc == 2 && !parse(argv[1]))) {
    std::fprintf(stderr, "usage: %s [batch-size >= 1]\n", argv[0]);
    return 2;
  }

  net_t::summary();
  net_t net;  // Glorot-uniform weights from seed 0

  // A batch of synthetic images: a bright square at a different place in each.
  std::vector<tenet::tensor<float, net_t::input_shape>> images(batch);
  for (std::size_t i = 0; i < batch; ++i)
    for (std::size_t r = 0; r < 8; ++r)
      for (std::size_t c = 0; c < 8; ++c) images[i]((i + r) % 28, (3 * i + c) % 28, 0) = 1.0f;
  std::vector<tenet::tensor<float, net_t::output_shape>> predictions(batch);

  const auto start = std::chrono::steady_clock::now();
  net.predict(std::span<const tenet::tensor<float, net_t::input_shape>>(images),
              std::span<tenet::tensor<float, net_t::output_shape>>(predictions));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  float total = 0.0f;
  for (float p : predictions[0]) total += p;
  std::printf("predicted %zu images in %.2f ms (%.0f images/s, untrained weights)\n", batch, seconds * 1e3,
              static_cast<double>(batch) / seconds);
  std::printf("first prediction: class probabilities sum to %.4f\n", static_cast<double>(total));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "seed_network: %s\n", e.what());
  return 1;
}
