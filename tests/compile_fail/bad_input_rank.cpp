// TENET_EXPECT_ERROR: tenet::network: the first argument must be tenet::input<H, W, C>
// input<28, 28>: an image input needs its channel count too (input<28, 28, 1>).
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28>, tenet::conv2d<16, tenet::kernel<3, 3>>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>>> net;
#endif
  (void)net;
}
