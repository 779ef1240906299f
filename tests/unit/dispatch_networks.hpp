#pragma once
// The networks dispatch.tests.cpp runs on every ISA: tests/CMakeLists.txt compiles them again
// for the ISAs above the build's own (tenet_add_isa_dispatch). The second one has sizes that
// are not multiples of any register width (24 filters, 40 and 5 units), an average pool and
// dropout, so each ISA's ragged edges run.

#include <tenet/tenet.hpp>

namespace dispatch_test {

using seed_net = tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>, tenet::relu,
                                tenet::max_pool<2>, tenet::flatten, tenet::dense<10>, tenet::softmax>;

using ragged_net = tenet::network<tenet::input<13, 11, 3>, tenet::conv2d<24, tenet::kernel<3, 3>>, tenet::relu, tenet::avg_pool<2>,
                                  tenet::conv2d<20, tenet::kernel<2, 2>, tenet::same>, tenet::relu, tenet::max_pool<2>, tenet::flatten,
                                  tenet::dense<40>, tenet::relu, tenet::dropout_ratio<1, 4>, tenet::dense<5>, tenet::softmax>;

}  // namespace dispatch_test
