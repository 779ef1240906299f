// TENET_EXPECT_ERROR: tenet::conv2d<Filters, Kernel, Options\.\.\.>: the second argument must be a window
// conv2d<16, same>: the kernel<KH, KW> argument is missing.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::same>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>, tenet::same>> net;
#endif
  (void)net;
}
