// TENET_EXPECT_ERROR: tenet: this layer needs an image \(H, W, C\) input but receives a flat vector
// global_avg_pool after flatten: it averages each channel of an image, so it replaces flatten rather than following it.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<8, tenet::kernel<3, 3>>, tenet::relu, tenet::flatten, tenet::global_avg_pool,
                 tenet::dense<10>>
      net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<8, tenet::kernel<3, 3>>, tenet::relu, tenet::global_avg_pool, tenet::dense<10>> net;
#endif
  (void)net;
}
