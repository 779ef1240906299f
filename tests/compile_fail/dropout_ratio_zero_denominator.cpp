// TENET_EXPECT_ERROR: tenet::dropout: the rate must be at least 0 and less than 1
// dropout_ratio<1, 0>: a fraction with a zero denominator.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<784>, tenet::dense<128>, tenet::relu, tenet::dropout_ratio<1, 0>, tenet::dense<10>> net;
#else
  tenet::network<tenet::input<784>, tenet::dense<128>, tenet::relu, tenet::dropout_ratio<1, 10>, tenet::dense<10>> net;
#endif
  (void)net;
}
