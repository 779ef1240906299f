// TENET_EXPECT_ERROR: tenet: the convolution kernel is larger than its input
// a 5x5 kernel with (default) valid padding on a 4x4 input: the window does not fit.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<4, 4, 1>, tenet::conv2d<8, tenet::kernel<5, 5>>> net;
#else
  tenet::network<tenet::input<4, 4, 1>, tenet::conv2d<8, tenet::kernel<3, 3>>> net;
#endif
  (void)net;
}
