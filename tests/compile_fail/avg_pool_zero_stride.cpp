// TENET_EXPECT_ERROR: tenet: a stride is zero: every stride must be at least 1
// avg_pool with stride<1, 0>: a zero horizontal stride.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::avg_pool<2, tenet::stride<1, 0>>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::avg_pool<2, tenet::stride<1, 1>>> net;
#endif
  (void)net;
}
