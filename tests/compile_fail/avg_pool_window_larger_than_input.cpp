// TENET_EXPECT_ERROR: tenet: the pooling window is larger than its input
// avg_pool<4> on a 3x3 image: the window does not fit (avg_pool, like max_pool, never pads).
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<6, 6, 2>, tenet::avg_pool<2>, tenet::avg_pool<4>> net;
#else
  tenet::network<tenet::input<6, 6, 2>, tenet::avg_pool<2>, tenet::avg_pool<3>> net;
#endif
  (void)net;
}
