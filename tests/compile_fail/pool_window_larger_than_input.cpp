// TENET_EXPECT_ERROR: tenet: the pooling window is larger than its input
// one max_pool<2> too many: 28 -> 14 -> 7 -> 3 -> 1, and a 2x2 window does not fit in 1x1.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::max_pool<2>, tenet::max_pool<2>, tenet::max_pool<2>, tenet::max_pool<2>,
                 tenet::max_pool<2>>
      net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::max_pool<2>, tenet::max_pool<2>, tenet::max_pool<2>, tenet::max_pool<2>> net;
#endif
  (void)net;
}
