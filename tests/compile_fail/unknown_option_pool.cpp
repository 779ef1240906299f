// TENET_EXPECT_ERROR: tenet: unknown layer option
// max_pool<2, same>: max_pool does not pad, its only option is stride<...>.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::max_pool<2, tenet::same>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::max_pool<2>> net;
#endif
  (void)net;
}
