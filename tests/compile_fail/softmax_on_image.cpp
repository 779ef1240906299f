// TENET_EXPECT_ERROR: tenet: this layer needs a flat \(rank-1\) input
// softmax straight after a convolution: softmax works on a vector of scores, not an image.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<10, tenet::kernel<3, 3>>, tenet::softmax> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<10, tenet::kernel<3, 3>>, tenet::flatten, tenet::dense<10>, tenet::softmax> net;
#endif
  (void)net;
}
