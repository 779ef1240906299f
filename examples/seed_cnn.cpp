// The lecture's seed CNN, trained on real data: Fashion-MNIST by default (Debian's
// dataset-fashion-mnist), or the digits with --data build/data/digits.
//
//   conv2d 16@2x2 same + relu -> max_pool 2x2 -> flatten -> dense 10 + softmax
//   Adam, learning rate 1e-3, batch 32, 5 epochs
//
// Prints the summary, trains with a progress bar, evaluates on the test set and writes the
// training curves, the confusion matrix, misclassified test images, the 16 learned 2x2
// kernels (enlarged, blue negative / red positive) and the weights to --out.
//
// TENET_EXAMPLE_TEST_ARGS: --epochs 1 --limit 3000 --test-limit 2000 --out seed_cnn_test_out
// TENET_EXAMPLE_TEST_OUTPUT: test_accuracy=0\.[6-9]

#include "common/lecture.hpp"
#include "common/networks.hpp"

using lecture::seed_cnn;  // the type: common/networks.hpp

int main(int argc, char** argv) {
  const lecture::options defaults{.data = std::string(tenet::data::fashion_mnist::default_directory), .epochs = 5, .out = "out"};
  return lecture::main_for(argc, argv, defaults, [](const lecture::options& o) {
    seed_cnn net;
    auto result = lecture::train_and_report("seed_cnn", net, o, tenet::adam{.learning_rate = 1e-3f}, {}, {"seed_cnn_kernels.png"});

    // The lecture's "visualize the kernels": the 16 learned 2x2 filters.
    const auto kernels = tenet::pictures::conv_kernel_images(net.layer<0>().weights(), 2, 2, 1, 16);
    const std::string kernels_png = (o.out / "seed_cnn_kernels.png").string();
    lecture::save_png(
        result,
        tenet::pictures::draw_image_grid(
            kernels,
            {.title = "seed_cnn: the 16 learned 2x2 kernels", .columns = 8, .scale = 24, .map = tenet::pictures::colour_map::diverging}),
        kernels_png);
    lecture::finish("seed_cnn", o, result, {kernels_png});
  });
}
