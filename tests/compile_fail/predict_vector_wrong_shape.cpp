// TENET_EXPECT_ERROR: tenet::network::predict: the tensor's shape is not the network's input shape
// predict on a std::vector of 32x32x3 images with a network declared for 28x28x1 images.
#include <tenet/tenet.hpp>

#include <vector>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::flatten, tenet::dense<10>, tenet::softmax> net;
  std::vector<tenet::tensor<float, tenet::shape<32, 32, 3>>> images(8);
  auto results = net.predict(images);
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::flatten, tenet::dense<10>, tenet::softmax> net;
  std::vector<tenet::tensor<float, tenet::shape<28, 28, 1>>> images(8);
  auto results = net.predict(images);
#endif
  (void)results;
}
