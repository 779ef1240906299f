#pragma once
// The lecture's three networks, copied from examples/seed_cnn.cpp, lenet.cpp and
// deep_cnn.cpp (keep them in step). networks.cpp runs them; the peers count their work with
// the FLOPs of these types (lecture_flops.hpp, checked below), so every program counts the
// same work.

#include <tenet/tenet.hpp>

#include "lecture_flops.hpp"

namespace bench::nets {

using seed_cnn = tenet::network<tenet::input<28, 28, 1>,
                                tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>, tenet::relu,
                                tenet::max_pool<2>,
                                tenet::flatten,
                                tenet::dense<10>, tenet::softmax>;

using lenet = tenet::network<tenet::input<28, 28, 1>,
                             tenet::conv2d<6, tenet::kernel<5, 5>, tenet::same>, tenet::relu,
                             tenet::max_pool<2>,
                             tenet::conv2d<16, tenet::kernel<5, 5>>, tenet::relu,
                             tenet::max_pool<2>,
                             tenet::flatten,
                             tenet::dense<120>, tenet::relu,
                             tenet::dense<84>, tenet::relu,
                             tenet::dense<10>, tenet::softmax>;

using deep_cnn = tenet::network<tenet::input<28, 28, 1>,
                                tenet::conv2d<32, tenet::kernel<2, 2>, tenet::same>, tenet::relu,
                                tenet::conv2d<32, tenet::kernel<2, 2>, tenet::same>, tenet::relu,
                                tenet::max_pool<2>, tenet::dropout_ratio<1, 4>,
                                tenet::conv2d<64, tenet::kernel<2, 2>, tenet::same>, tenet::relu,
                                tenet::conv2d<64, tenet::kernel<2, 2>, tenet::same>, tenet::relu,
                                tenet::max_pool<2>, tenet::dropout_ratio<1, 4>,
                                tenet::flatten,
                                tenet::dense<128>, tenet::relu,
                                tenet::dense<128>, tenet::relu,
                                tenet::dropout_ratio<1, 2>,
                                tenet::dense<10>, tenet::softmax>;

// FLOPs of one forward pass of one image (a multiply-add is 2), as each network type counts
// them (a training step is counted as 3 forward passes): the plain numbers of
// lecture_flops.hpp, checked here.
static_assert(seed_flops == static_cast<double>(seed_cnn::flops), "update bench/lecture_flops.hpp");
static_assert(lenet_flops == static_cast<double>(lenet::flops), "update bench/lecture_flops.hpp");
static_assert(deep_flops == static_cast<double>(deep_cnn::flops), "update bench/lecture_flops.hpp");

}  // namespace bench::nets
