// An inference-only program: the core umbrella and a weights file (both in tenet::tenet),
// saved and loaded back, then a prediction. Built against the installed package, it must
// need neither libpng nor zlib (tests/package, package.inference_only).
#include <filesystem>

#include <tenet/io/weights.hpp>
#include <tenet/tenet.hpp>

using net_t = tenet::network<tenet::input<4, 4, 1>, tenet::flatten, tenet::dense<3>, tenet::softmax>;

int main() {
  net_t trained, loaded;
  trained.initialize(7);
  loaded.initialize(8);
  const std::filesystem::path file = "inference_only.weights";
  tenet::save_weights(trained, file);
  tenet::load_weights(loaded, file);  // checks the CRC-32 the core computes itself
  tenet::tensor<float, net_t::input_shape> x{};
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) / 16.0f;
  const auto a = trained.predict(x), b = loaded.predict(x);
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return 1;
  return a.size() == 3 ? 0 : 1;
}
