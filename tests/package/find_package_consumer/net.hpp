#pragma once
// The consumer's network, in a header of its own so tenet_add_isa_dispatch can compile it
// once more per ISA.
#include <tenet/tenet.hpp>

using net_t = tenet::network<tenet::input<4, 4, 1>, tenet::flatten, tenet::dense<2>>;
