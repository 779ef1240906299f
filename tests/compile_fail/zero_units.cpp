// TENET_EXPECT_ERROR: tenet: a layer has a zero size \(filters, units, kernel side or pool window\)
// dense<0>: a dense layer needs at least one unit.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<784>, tenet::dense<0>> net;
#else
  tenet::network<tenet::input<784>, tenet::dense<10>> net;
#endif
  (void)net;
}
