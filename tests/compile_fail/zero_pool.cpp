// TENET_EXPECT_ERROR: tenet: a layer has a zero size \(filters, units, kernel side or pool window\)
// max_pool<0>: a pooling window of zero.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::max_pool<0>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::max_pool<2>> net;
#endif
  (void)net;
}
