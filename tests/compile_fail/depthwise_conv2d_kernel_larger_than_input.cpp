// TENET_EXPECT_ERROR: tenet: the convolution kernel is larger than its input under 'valid' padding
// depthwise_conv2d<kernel<5, 5>> on a 4x4 image without padding: the window does not fit.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<8, 8, 3>, tenet::max_pool<2>, tenet::depthwise_conv2d<tenet::kernel<5, 5>>> net;
#else
  tenet::network<tenet::input<8, 8, 3>, tenet::max_pool<2>, tenet::depthwise_conv2d<tenet::kernel<5, 5>, tenet::same>> net;
#endif
  (void)net;
}
