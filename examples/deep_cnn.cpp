// The lecture's "typical design": small 2x2 kernels with same padding, filters doubling
// (32, 32, then 64, 64), pooling and dropout after each pair, then two dense layers.
//
//   conv2d 32@2x2 same + relu -> conv2d 32@2x2 same + relu -> max_pool 2 -> dropout 0.25
//   -> conv2d 64@2x2 same + relu -> conv2d 64@2x2 same + relu -> max_pool 2 -> dropout 0.25
//   -> flatten -> dense 128 + relu -> dense 128 + relu -> dropout 0.5 -> dense 10 + softmax
//   Adam, learning rate 1e-3, batch 32, 10 epochs, on Fashion-MNIST
//
// Besides the curves, confusion matrix and weights, it prints which classes it confuses most
// (the lecture's "which letters are the hardest to distinguish") and draws the misclassified
// test images captioned with their true and predicted classes.
//
// TENET_EXAMPLE_TEST_ARGS: --epochs 1 --limit 1000 --test-limit 500 --out deep_cnn_test_out
// TENET_EXAMPLE_TEST_OUTPUT: Most confused pairs.*test_accuracy=0\.[3-9]

#include "common/lecture.hpp"
#include "common/networks.hpp"

using lecture::deep_cnn;  // the type: common/networks.hpp

int main(int argc, char** argv) {
  const lecture::options defaults{.data = std::string(tenet::data::fashion_mnist::default_directory), .epochs = 10, .out = "out"};
  return lecture::main_for(argc, argv, defaults, [](const lecture::options& o) {
    deep_cnn net;
    const auto result = lecture::train_and_report("deep_cnn", net, o, tenet::adam{.learning_rate = 1e-3f});
    std::printf("\n");
    lecture::print_most_confused(result.confusion, lecture::class_names(o.data), 5);
    lecture::finish("deep_cnn", o, result, {});
  });
}
