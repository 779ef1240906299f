// TENET_EXPECT_ERROR: tenet::dropout: the rate must be at least 0 and less than 1
// dropout<1.5f> (float template argument, g++), or dropout_ratio<3, 2> where floats are not allowed (clang 14).
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
#if TENET_HAS_FLOAT_TEMPLATE_ARGS
  tenet::network<tenet::input<784>, tenet::dense<128>, tenet::relu, tenet::dropout<1.5f>, tenet::dense<10>, tenet::softmax> net;
#else
  tenet::network<tenet::input<784>, tenet::dense<128>, tenet::relu, tenet::dropout_ratio<3, 2>, tenet::dense<10>, tenet::softmax> net;
#endif
#else
#if TENET_HAS_FLOAT_TEMPLATE_ARGS
  tenet::network<tenet::input<784>, tenet::dense<128>, tenet::relu, tenet::dropout<0.5f>, tenet::dense<10>, tenet::softmax> net;
#else
  tenet::network<tenet::input<784>, tenet::dense<128>, tenet::relu, tenet::dropout_ratio<1, 2>, tenet::dense<10>, tenet::softmax> net;
#endif
#endif
  (void)net;
}
