// TENET_EXPECT_ERROR: tenet: a stride is zero: every stride must be at least 1
// depthwise_conv2d with stride<0, 2>: a zero vertical stride.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 4>, tenet::depthwise_conv2d<tenet::kernel<3, 3>, tenet::stride<0, 2>>> net;
#else
  tenet::network<tenet::input<28, 28, 4>, tenet::depthwise_conv2d<tenet::kernel<3, 3>, tenet::stride<2, 2>>> net;
#endif
  (void)net;
}
