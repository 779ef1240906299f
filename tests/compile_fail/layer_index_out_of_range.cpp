// TENET_EXPECT_ERROR: tenet::network::layer<I>: I is past the last layer
// net.layer<99>() on a network of two layers (numbered 0 and 1).
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::flatten, tenet::dense<10>> net;
  auto weights = net.layer<99>().weights();
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::flatten, tenet::dense<10>> net;
  auto weights = net.layer<1>().weights();
#endif
  (void)weights;
}
