// TENET_EXPECT_ERROR: tenet: this layer needs an image \(H, W, C\) input
// conv2d on a flat input<784>: a convolution needs an image, so declare input<28, 28, 1>.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<784>, tenet::conv2d<16, tenet::kernel<3, 3>>, tenet::relu, tenet::flatten, tenet::dense<10>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>>, tenet::relu, tenet::flatten, tenet::dense<10>> net;
#endif
  (void)net;
}
