// TENET_EXPECT_ERROR: tenet::depthwise_conv2d<Kernel, Options...>: the first argument must be a window such as tenet::kernel<3, 3>
// depthwise_conv2d<16, kernel<3, 3>>: written like conv2d, with a filter count; a depthwise convolution has one filter per channel.
#include <tenet/tenet.hpp>
struct sixteen {};
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 16>, tenet::depthwise_conv2d<sixteen, tenet::kernel<3, 3>>> net;
#else
  tenet::network<tenet::input<28, 28, 16>, tenet::depthwise_conv2d<tenet::kernel<3, 3>>> net;
#endif
  (void)net;
}
