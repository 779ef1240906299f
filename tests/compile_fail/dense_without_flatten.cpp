// TENET_EXPECT_ERROR: tenet: this layer needs a flat \(rank-1\) input
// dense after a convolution, without flatten: dense needs a vector, not an image.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>, tenet::relu, tenet::dense<10>,
                 tenet::softmax>
      net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>, tenet::relu, tenet::flatten,
                 tenet::dense<10>, tenet::softmax>
      net;
#endif
  (void)net;
}
