// TENET_EXPECT_ERROR: tenet: a stride is zero: every stride must be at least 1
// max_pool with stride<0, 1>: a zero vertical stride.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::max_pool<2, tenet::stride<0, 1>>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::max_pool<2, tenet::stride<1, 1>>> net;
#endif
  (void)net;
}
