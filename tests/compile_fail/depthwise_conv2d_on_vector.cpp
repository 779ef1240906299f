// TENET_EXPECT_ERROR: tenet: this layer needs an image \(H, W, C\) input but receives a flat vector
// depthwise_conv2d after flatten: it filters each channel of an image, so it must come before flatten.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 8>, tenet::flatten, tenet::depthwise_conv2d<tenet::kernel<3, 3>>, tenet::dense<10>> net;
#else
  tenet::network<tenet::input<28, 28, 8>, tenet::depthwise_conv2d<tenet::kernel<3, 3>>, tenet::flatten, tenet::dense<10>> net;
#endif
  (void)net;
}
