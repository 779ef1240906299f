// TENET_EXPECT_ERROR: tenet::network::predict: the tensor's shape is not the network's input shape
// predict on a batch (spans) of 32x32x3 images with a network declared for 28x28x1 images.
#include <tenet/tenet.hpp>

#include <span>
#include <vector>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::flatten, tenet::dense<10>, tenet::softmax> net;
  using image = tenet::tensor<float, tenet::shape<32, 32, 3>>;
  using scores = tenet::tensor<float, tenet::shape<10>>;
  std::vector<image> images(8);
  std::vector<scores> results(images.size());
  net.predict(std::span<const image>(images), std::span<scores>(results));
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::flatten, tenet::dense<10>, tenet::softmax> net;
  using image = tenet::tensor<float, tenet::shape<28, 28, 1>>;
  using scores = tenet::tensor<float, tenet::shape<10>>;
  std::vector<image> images(8);
  std::vector<scores> results(images.size());
  net.predict(std::span<const image>(images), std::span<scores>(results));
#endif
}
