// TENET_EXPECT_ERROR: tenet::network: the first argument must be tenet::input<H, W, C>
// input<28, 0, 1>: an input with a zero dimension.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 0, 1>, tenet::flatten, tenet::dense<10>> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::flatten, tenet::dense<10>> net;
#endif
  (void)net;
}
