// TENET_EXPECT_ERROR: tenet::network: this argument is not a layer
// stride<2> written as a layer of its own: it is an option, inside conv2d<...> or max_pool<...>.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>>, tenet::stride<2>, tenet::relu> net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<3, 3>, tenet::stride<2>>, tenet::relu> net;
#endif
  (void)net;
}
