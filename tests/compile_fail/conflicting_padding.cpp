// TENET_EXPECT_ERROR: tenet: conflicting layer options
// conv2d with both same and valid: give one padding.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>, tenet::same, tenet::valid>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>, tenet::same>> net;
#endif
  (void)net;
}
