// TENET_EXPECT_ERROR: tenet::expect: the shape at this point of the network is not the one you expected
// expect<shape<14, 14, 8>> where the shape is (14, 14, 16): the conv2d has 16 filters, not 8.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>, tenet::same>, tenet::relu, tenet::max_pool<2>,
                 tenet::expect<tenet::shape<14, 14, 8>>, tenet::flatten, tenet::dense<10>>
      net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>, tenet::same>, tenet::relu, tenet::max_pool<2>,
                 tenet::expect<tenet::shape<14, 14, 16>>, tenet::flatten, tenet::dense<10>>
      net;
#endif
  (void)net;
}
