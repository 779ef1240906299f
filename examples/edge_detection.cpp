// The lecture's first convolution: find the edges of a capital "L".
//
// An 8x8 image of an L goes through two one-filter networks:
//   horizontal: kernel 1x2 = [1, -1]    (a pixel minus its right neighbour: vertical edges)
//   vertical:   kernel 2x1 = [1; -1]    (a pixel minus the one below: horizontal edges)
// each with zero padding (`same`, so the output stays 8x8), then ReLU, then 2x2 max pooling.
// The weights are set by hand through the public layer API. Every matrix is printed; the
// test tests/expected/edge_detection.txt holds the numbers computed by hand.

#include <cstdio>
#include <tuple>

#include <tenet/tenet.hpp>

template <class Tensor>
void print_matrix(const char* title, const Tensor& t) {
  using dims = tenet::image_dims<typename Tensor::shape_type>;
  std::printf("%s (%zux%zu)\n", title, dims::height, dims::width);
  for (std::size_t row = 0; row < dims::height; ++row) {
    for (std::size_t col = 0; col < dims::width; ++col) {
      const float v = t(row, col, 0);
      std::printf("%3g", v == 0.0f ? 0.0f : v);  // no "-0" from the subtraction
    }
    std::printf("\n");
  }
  std::printf("\n");
}

template <class Net>
void detect(const char* name, const tenet::tensor<float, typename Net::input_shape>& image, std::initializer_list<float> kernel) {
  Net net;
  net.template layer<0>().set_weights(kernel);
  net.template layer<0>().set_biases({0.0f});
  const auto [edges, rectified, pooled] = net.activations(image);
  std::printf("== %s ==\n", name);
  print_matrix("convolution", edges);
  print_matrix("relu", rectified);
  print_matrix("max_pool 2x2", pooled);
}

int main() {
  // The letter L: a vertical stroke in column 1 (rows 1-6) and a foot in row 6 (columns 1-5).
  tenet::tensor<float, tenet::shape<8, 8, 1>> image{};
  for (std::size_t row = 1; row <= 6; ++row) image(row, 1, 0) = 1.0f;
  for (std::size_t col = 1; col <= 5; ++col) image(6, col, 0) = 1.0f;
  print_matrix("image", image);

  using horizontal =
      tenet::network<tenet::input<8, 8, 1>, tenet::conv2d<1, tenet::kernel<1, 2>, tenet::same>, tenet::relu, tenet::max_pool<2>>;
  using vertical =
      tenet::network<tenet::input<8, 8, 1>, tenet::conv2d<1, tenet::kernel<2, 1>, tenet::same>, tenet::relu, tenet::max_pool<2>>;
  detect<horizontal>("kernel 1x2 [1, -1]: pixel minus right neighbour", image, {1.0f, -1.0f});
  detect<vertical>("kernel 2x1 [1; -1]: pixel minus the one below", image, {1.0f, -1.0f});
}
