// TENET_EXPECT_ERROR: tenet::network::predict: the tensor's shape is not the network's input shape
// activations() on a 32x32x3 image with a network declared for 28x28x1 images.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<4, tenet::kernel<3, 3>>, tenet::relu> net;
  tenet::tensor<float, tenet::shape<32, 32, 3>> image{};
  auto maps = net.activations(image);
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<4, tenet::kernel<3, 3>>, tenet::relu> net;
  tenet::tensor<float, tenet::shape<28, 28, 1>> image{};
  auto maps = net.activations(image);
#endif
  (void)maps;
}
