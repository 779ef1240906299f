#pragma once
// The lecture's three networks, from examples/common/networks.hpp (the same types the
// examples train). networks.cpp runs them; the peers count their work with
// the FLOPs of these types (lecture_flops.hpp, checked below), so every program counts the
// same work.

#include <tenet/tenet.hpp>

#include "../examples/common/networks.hpp"

#include "lecture_flops.hpp"

namespace bench::nets {

using lecture::deep_cnn;
using lecture::lenet;
using lecture::seed_cnn;

// FLOPs of one forward pass of one image (a multiply-add is 2), as each network type counts
// them (a training step is counted as 3 forward passes): the plain numbers of
// lecture_flops.hpp, checked here.
static_assert(seed_flops == static_cast<double>(seed_cnn::flops), "update bench/lecture_flops.hpp");
static_assert(lenet_flops == static_cast<double>(lenet::flops), "update bench/lecture_flops.hpp");
static_assert(deep_flops == static_cast<double>(deep_cnn::flops), "update bench/lecture_flops.hpp");

}  // namespace bench::nets
