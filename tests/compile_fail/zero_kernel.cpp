// TENET_EXPECT_ERROR: tenet: a layer has a zero size \(filters, units, kernel side or pool window\)
// kernel<0, 2>: a kernel side of zero.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<0, 2>>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<2, 2>>> net;
#endif
  (void)net;
}
