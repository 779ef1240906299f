#pragma once
// A small synthetic image task for training tests: which quadrant of a 12x12 image holds a
// bright 3x3 square, over a noisy background. Chance is 25 %; a small CNN learns it in a few
// epochs.

#include <cstddef>
#include <cstdint>
#include <vector>

#include <tenet/detail/random.hpp>
#include <tenet/shape.hpp>
#include <tenet/tensor.hpp>

namespace tenet::test {

using quadrant_image = tensor<float, shape<12, 12, 1>>;

struct quadrant_data {
  std::vector<quadrant_image> images;
  std::vector<std::uint32_t> labels;
};

inline quadrant_data make_quadrants(std::size_t count, std::uint64_t seed) {
  quadrant_data d;
  tenet::detail::random_generator rng(seed);
  for (std::size_t i = 0; i < count; ++i) {
    quadrant_image im;
    const auto label = static_cast<std::uint32_t>(rng.below(4));
    const std::size_t row = (label / 2) * 6 + rng.below(4), col = (label % 2) * 6 + rng.below(4);
    for (float& v : im) v = rng.uniform() * 0.4f;
    for (std::size_t r = 0; r < 3; ++r)
      for (std::size_t c = 0; c < 3; ++c) im(row + r, col + c, 0) = 1.0f;
    d.images.push_back(im);
    d.labels.push_back(label);
  }
  return d;
}

}  // namespace tenet::test
