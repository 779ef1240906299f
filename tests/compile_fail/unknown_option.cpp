// TENET_EXPECT_ERROR: tenet: unknown layer option
// conv2d<16, kernel<2, 2>, int>: int is not an option (same, valid or stride<...>).
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<2, 2>, int>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>> net;
#endif
  (void)net;
}
