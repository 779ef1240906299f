// TENET_EXPECT_ERROR: tenet: this layer needs an image \(H, W, C\) input
// max_pool after flatten: pooling needs an image, so it must come before flatten.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<8, tenet::kernel<3, 3>, tenet::same>, tenet::relu, tenet::flatten,
                 tenet::max_pool<2>, tenet::dense<10>>
      net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<8, tenet::kernel<3, 3>, tenet::same>, tenet::relu, tenet::max_pool<2>,
                 tenet::flatten, tenet::dense<10>>
      net;
#endif
  (void)net;
}
