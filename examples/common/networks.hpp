#pragma once
// The lecture's three networks, as types: the examples train them (seed_cnn.cpp, lenet.cpp,
// deep_cnn.cpp) and bench/ measures them (bench/lecture_nets.hpp), so both use these very
// definitions.

#include <tenet/tenet.hpp>

namespace lecture {

// seed_cnn: conv2d 16@2x2 same + relu -> max_pool 2 -> flatten -> dense 10 + softmax
// lenet: LeNet-5 with relu
// deep_cnn: the lecture's "typical design" (2x2 kernels, filters 32, 32 then 64, 64, dropout)
using seed_cnn = tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>, tenet::relu,
                                tenet::max_pool<2>, tenet::flatten, tenet::dense<10>, tenet::softmax>;

using lenet = tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<6, tenet::kernel<5, 5>, tenet::same>, tenet::relu, tenet::max_pool<2>,
                             tenet::conv2d<16, tenet::kernel<5, 5>>, tenet::relu, tenet::max_pool<2>, tenet::flatten, tenet::dense<120>,
                             tenet::relu, tenet::dense<84>, tenet::relu, tenet::dense<10>, tenet::softmax>;

using deep_cnn =
    tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<32, tenet::kernel<2, 2>, tenet::same>, tenet::relu,
                   tenet::conv2d<32, tenet::kernel<2, 2>, tenet::same>, tenet::relu, tenet::max_pool<2>, tenet::dropout_ratio<1, 4>,
                   tenet::conv2d<64, tenet::kernel<2, 2>, tenet::same>, tenet::relu, tenet::conv2d<64, tenet::kernel<2, 2>, tenet::same>,
                   tenet::relu, tenet::max_pool<2>, tenet::dropout_ratio<1, 4>, tenet::flatten, tenet::dense<128>, tenet::relu,
                   tenet::dense<128>, tenet::relu, tenet::dropout_ratio<1, 2>, tenet::dense<10>, tenet::softmax>;

}  // namespace lecture
