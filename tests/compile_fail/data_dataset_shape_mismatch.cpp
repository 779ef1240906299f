// TENET_EXPECT_ERROR: tenet: the dataset's images do not have the network's input shape
// A 28x28x1 10-class dataset (Fashion-MNIST) fed to a network declared for 32x32x3 images: the
// shapes are in the types, so tenet::data::check_dataset stops the build instead of letting the
// trainer misread every image at run time.
#include <tenet/data/dataset.hpp>
#include <tenet/tenet.hpp>

using rgb_net = tenet::network<tenet::input<32, 32, 3>, tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>, tenet::relu,
                               tenet::max_pool<2>, tenet::flatten, tenet::dense<10>, tenet::softmax>;

int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::data::check_dataset<rgb_net, tenet::data::dataset<tenet::shape<28, 28, 1>, 10>>();
#else
  tenet::data::check_dataset<rgb_net, tenet::data::dataset<tenet::shape<32, 32, 3>, 10>>();
  static_assert(tenet::data::fits_v<rgb_net, tenet::data::dataset<tenet::shape<32, 32, 3>, 10>>);
  static_assert(!tenet::data::fits_v<rgb_net, tenet::data::dataset<tenet::shape<28, 28, 1>, 10>>);
#endif
}
