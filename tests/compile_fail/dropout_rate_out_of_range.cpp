// TENET_EXPECT_ERROR: tenet::dropout: the rate must be at least 0 and less than 1
// dropout_ratio<3, 2>: a rate of 1.5, more than every value.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<784>, tenet::dense<128>, tenet::relu, tenet::dropout_ratio<3, 2>, tenet::dense<10>, tenet::softmax> net;
#else
  tenet::network<tenet::input<784>, tenet::dense<128>, tenet::relu, tenet::dropout_ratio<1, 2>, tenet::dense<10>, tenet::softmax> net;
#endif
  (void)net;
}
