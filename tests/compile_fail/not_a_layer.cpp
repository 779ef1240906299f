// TENET_EXPECT_ERROR: tenet::network: this argument is not a layer
// int in the layer list: every argument after the input must be a layer.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<784>, tenet::dense<128>, int, tenet::dense<10>> net;
#else
  tenet::network<tenet::input<784>, tenet::dense<128>, tenet::relu, tenet::dense<10>> net;
#endif
  (void)net;
}
