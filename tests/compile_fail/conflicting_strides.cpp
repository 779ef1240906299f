// TENET_EXPECT_ERROR: tenet: conflicting layer options
// conv2d with two strides: give at most one stride<...>.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>, tenet::stride<2>, tenet::same, tenet::stride<1>>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>, tenet::stride<2>, tenet::same>> net;
#endif
  (void)net;
}
