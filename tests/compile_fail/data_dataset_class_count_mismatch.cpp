// TENET_EXPECT_ERROR: tenet: the dataset's class count differs from the network's output size
// EMNIST letters loaded with 26 classes, but the network ends in dense<10>: one output per
// class is required, so tenet::data::check_dataset stops the build (keep ten letters with
// idx_options::classes and a 10-class dataset, or widen the last layer).
#include <tenet/data/dataset.hpp>
#include <tenet/tenet.hpp>

using seed_net = tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<16, tenet::kernel<2, 2>, tenet::same>, tenet::relu,
                                tenet::max_pool<2>, tenet::flatten, tenet::dense<10>, tenet::softmax>;

int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::data::check_dataset<seed_net, tenet::data::dataset<tenet::shape<28, 28, 1>, 26>>();
#else
  tenet::data::check_dataset<seed_net, tenet::data::dataset<tenet::shape<28, 28, 1>, 10>>();
#endif
}
