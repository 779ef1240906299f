// TENET_EXPECT_ERROR: tenet::network: the first argument must be tenet::input<H, W, C>
// the network starts with a layer: tenet::input<...> is missing.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::conv2d<16, tenet::kernel<3, 3>>, tenet::relu, tenet::flatten, tenet::dense<10>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>>, tenet::relu, tenet::flatten, tenet::dense<10>> net;
#endif
  (void)net;
}
