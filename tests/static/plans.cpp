// The lecture networks' plans, pinned (compile-only): which layers run, which neighbours
// each one absorbs, which buffers each step reads and writes, and what training fuses or
// skips. A change to a layer's fusion declarations, or to the planner, that changes one of
// these plans fails to compile here.

#include <array>
#include <cstddef>

#include <tenet/plan/inference.hpp>
#include <tenet/plan/training.hpp>
#include <tenet/tenet.hpp>

#include "../../examples/common/networks.hpp"

namespace {

using tenet::plan::buffer;
using tenet::plan::step;

template <class Net>
using inference = tenet::plan::inference<Net, typename Net::arch>;
template <class Net>
using training = tenet::plan::training<Net, typename Net::arch>;

template <class Net, std::size_t N>
constexpr bool runs(const std::array<std::size_t, N>& layers, const std::array<std::size_t, N>& absorbed) {
  if (inference<Net>::step_count != N) return false;
  for (std::size_t k = 0; k < N; ++k)
    if (inference<Net>::steps[k].layer != layers[k] || inference<Net>::steps[k].absorbed != absorbed[k]) return false;
  return true;
}

// Seed CNN: conv2d + relu + max_pool in one step; flatten is skipped; the first step reads the
// input, the last writes the output, the two scratch buffers alternate between.
using seed = lecture::seed_cnn;
static_assert(inference<seed>::steps[0] == step{0, 2, buffer::input, buffer::ping});
static_assert(inference<seed>::steps[1] == step{4, 0, buffer::ping, buffer::pong});
static_assert(inference<seed>::steps[2] == step{5, 0, buffer::pong, buffer::output});
static_assert(inference<seed>::step_count == 3);
// Training: conv2d writes its ReLU's output (forward), max_pool does the ReLU's backward,
// flatten is an identity both ways, the softmax's backward is the loss's.
static_assert(training<seed>::forward_skipped == std::array<bool, 7>{false, true, false, true, false, false, false});
static_assert(training<seed>::backward_skipped == std::array<bool, 7>{false, true, false, true, false, false, false});
static_assert(training<seed>::output_owner == std::array<std::size_t, 7>{1, 1, 2, 2, 4, 5, 6});
static_assert(training<seed>::ends_in_softmax);

// LeNet-5: both convolutions pool as they go; the dense layers and their ReLUs run apart.
static_assert(runs<lecture::lenet, 8>({0, 3, 7, 8, 9, 10, 11, 12}, {2, 2, 0, 0, 0, 0, 0, 0}));

// Deep CNN: conv + relu where a convolution follows, conv + relu + pool before each pooling;
// the dropouts and flatten do not run in inference.
static_assert(runs<lecture::deep_cnn, 10>({0, 2, 6, 8, 13, 14, 15, 16, 18, 19}, {1, 2, 1, 2, 0, 0, 0, 0, 0, 0}));
// Training keeps the ReLUs' outputs apart from the pooling (pooling absorbs no ReLU forward),
// and dropout runs (it draws its mask) though it is an identity in inference.
static_assert(!training<lecture::deep_cnn>::forward_skipped[5] && training<lecture::deep_cnn>::forward_skipped[1]);

// A network of pass-through layers only has no step: predict copies its input.
static_assert(inference<tenet::network<tenet::input<4>, tenet::expect<tenet::shape<4>>>>::step_count == 0);

}  // namespace
