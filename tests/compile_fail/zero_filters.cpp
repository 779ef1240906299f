// TENET_EXPECT_ERROR: tenet: a layer has a zero size \(filters, units, kernel side or pool window\)
// conv2d<0, ...>: a convolution needs at least one filter.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<0, tenet::kernel<3, 3>>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<1, tenet::kernel<3, 3>>> net;
#endif
  (void)net;
}
