// TENET_EXPECT_ERROR: tenet: a stride is zero: every stride must be at least 1
// conv2d with stride<0>: the window would never move.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>, tenet::stride<0>>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>, tenet::stride<1>>> net;
#endif
  (void)net;
}
