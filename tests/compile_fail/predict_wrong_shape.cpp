// TENET_EXPECT_ERROR: tenet::network::predict: the tensor's shape is not the network's input shape
// predict on a 32x32x3 image with a network declared for 28x28x1 images.
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::flatten, tenet::dense<10>, tenet::softmax> net;
  tenet::tensor<float, tenet::shape<32, 32, 3>> image{};
  auto scores = net.predict(image);
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::flatten, tenet::dense<10>, tenet::softmax> net;
  tenet::tensor<float, tenet::shape<28, 28, 1>> image{};
  auto scores = net.predict(image);
#endif
  (void)scores;
}
