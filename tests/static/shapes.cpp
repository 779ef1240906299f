// Compile-only tests of the shape algebra: compiling this file is passing it.
//
// geometry:: functions on many values, each layer's `at<In>::output_shape`, whole networks'
// shapes, and the `verdict` each layer's `check<In>()` gives for shapes it must refuse.

#include <cstddef>
#include <type_traits>

#include <tenet/tenet.hpp>

namespace {

using tenet::shape;
using tenet::verdict;
namespace g = tenet::geometry;

// --- geometry::valid_out --------------------------------------------------------------------
// floor((in - k) / s) + 1, and 0 when the window does not fit.
static_assert(g::valid_out(28, 2, 2) == 14);
static_assert(g::valid_out(28, 5, 1) == 24);
static_assert(g::valid_out(14, 5, 1) == 10);
static_assert(g::valid_out(13, 2, 2) == 6);  // the last row is dropped
static_assert(g::valid_out(13, 3, 3) == 4);
static_assert(g::valid_out(7, 3, 2) == 3);
static_assert(g::valid_out(9, 2, 1) == 8);
static_assert(g::valid_out(5, 5, 1) == 1);
static_assert(g::valid_out(5, 5, 3) == 1);
static_assert(g::valid_out(4, 5, 1) == 0);
static_assert(g::valid_out(1, 1, 1) == 1);
static_assert(g::valid_out(1, 1, 7) == 1);
static_assert(g::valid_out(10, 1, 3) == 4);
static_assert(g::valid_out(0, 1, 1) == 0);

// --- geometry::same_out: ceil(in / s) -------------------------------------------------------
static_assert(g::same_out(28, 1) == 28);
static_assert(g::same_out(28, 2) == 14);
static_assert(g::same_out(5, 2) == 3);
static_assert(g::same_out(7, 2) == 4);
static_assert(g::same_out(7, 3) == 3);
static_assert(g::same_out(13, 2) == 7);
static_assert(g::same_out(1, 1) == 1);
static_assert(g::same_out(1, 5) == 1);
static_assert(g::same_out(9, 4) == 3);

// --- geometry::same_pad_total / same_pad_before (TensorFlow: the odd one after) -------------
// pad_total = max((ceil(in / s) - 1) * s + k - in, 0); before = total / 2.
static_assert(g::same_out(5, 2) == 3 && g::same_pad_total(5, 2, 2) == 1 && g::same_pad_before(5, 2, 2) == 0);
static_assert(g::same_pad_total(28, 2, 1) == 1 && g::same_pad_before(28, 2, 1) == 0);
static_assert(g::same_out(7, 2) == 4 && g::same_pad_total(7, 3, 2) == 2 && g::same_pad_before(7, 3, 2) == 1);
static_assert(g::same_pad_total(28, 5, 1) == 4 && g::same_pad_before(28, 5, 1) == 2);
static_assert(g::same_pad_total(28, 3, 1) == 2 && g::same_pad_before(28, 3, 1) == 1);
static_assert(g::same_pad_total(28, 1, 1) == 0 && g::same_pad_before(28, 1, 1) == 0);
static_assert(g::same_pad_total(28, 2, 2) == 0 && g::same_pad_before(28, 2, 2) == 0);  // 2x2/2 tiles exactly
static_assert(g::same_pad_total(28, 3, 2) == 1 && g::same_pad_before(28, 3, 2) == 0);
static_assert(g::same_pad_total(13, 3, 2) == 2 && g::same_pad_before(13, 3, 2) == 1);
static_assert(g::same_pad_total(13, 5, 2) == 4 && g::same_pad_before(13, 5, 2) == 2);
static_assert(g::same_pad_total(4, 3, 2) == 1 && g::same_pad_before(4, 3, 2) == 0);
static_assert(g::same_pad_total(9, 2, 2) == 1 && g::same_pad_before(9, 2, 2) == 0);
static_assert(g::same_pad_total(3, 5, 1) == 4 && g::same_pad_before(3, 5, 1) == 2);  // kernel > image
static_assert(g::same_pad_total(1, 5, 1) == 4 && g::same_pad_before(1, 5, 1) == 2);
static_assert(g::same_pad_total(10, 1, 3) == 0);  // stride > kernel: no padding needed
static_assert(g::same_pad_total(5, 1, 2) == 0);
static_assert(g::same_pad_total(6, 4, 1) == 3 && g::same_pad_before(6, 4, 1) == 1);

// --- conv2d::at<In>::output_shape -----------------------------------------------------------

template <class Layer, class In>
using out_t = typename Layer::template at<In>::output_shape;

template <std::size_t F, std::size_t KH, std::size_t KW, class... O>
using conv = tenet::conv2d<F, tenet::kernel<KH, KW>, O...>;

// The README seed and LeNet-5.
static_assert(std::is_same_v<out_t<conv<16, 2, 2, tenet::same>, shape<28, 28, 1>>, shape<28, 28, 16>>);
static_assert(std::is_same_v<out_t<conv<6, 5, 5, tenet::same>, shape<28, 28, 1>>, shape<28, 28, 6>>);
static_assert(std::is_same_v<out_t<conv<16, 5, 5>, shape<14, 14, 6>>, shape<10, 10, 16>>);
// valid is the default; explicit valid is the same.
static_assert(std::is_same_v<out_t<conv<8, 3, 3>, shape<13, 13, 3>>, shape<11, 11, 8>>);
static_assert(std::is_same_v<out_t<conv<8, 3, 3, tenet::valid>, shape<13, 13, 3>>, shape<11, 11, 8>>);
// Strides, options in either order.
static_assert(std::is_same_v<out_t<conv<4, 3, 3, tenet::same, tenet::stride<2>>, shape<13, 13, 3>>, shape<7, 7, 4>>);
static_assert(std::is_same_v<out_t<conv<4, 3, 3, tenet::stride<2>, tenet::same>, shape<13, 13, 3>>, shape<7, 7, 4>>);
static_assert(std::is_same_v<out_t<conv<4, 3, 3, tenet::stride<2>>, shape<13, 13, 3>>, shape<6, 6, 4>>);
static_assert(std::is_same_v<out_t<conv<4, 2, 2, tenet::same, tenet::stride<2>>, shape<5, 5, 1>>, shape<3, 3, 4>>);
static_assert(std::is_same_v<out_t<conv<4, 2, 2, tenet::stride<2>>, shape<5, 5, 1>>, shape<2, 2, 4>>);
// Asymmetric kernels and strides.
static_assert(std::is_same_v<out_t<conv<1, 1, 2>, shape<7, 9, 1>>, shape<7, 8, 1>>);
static_assert(std::is_same_v<out_t<conv<1, 2, 1>, shape<7, 9, 1>>, shape<6, 9, 1>>);
static_assert(std::is_same_v<out_t<conv<1, 1, 2, tenet::same>, shape<7, 9, 1>>, shape<7, 9, 1>>);
static_assert(std::is_same_v<out_t<conv<6, 3, 3, tenet::stride<1, 2>>, shape<7, 9, 3>>, shape<5, 4, 6>>);
static_assert(std::is_same_v<out_t<conv<6, 3, 3, tenet::same, tenet::stride<1, 2>>, shape<7, 9, 3>>, shape<7, 5, 6>>);
static_assert(std::is_same_v<out_t<conv<6, 3, 3, tenet::same, tenet::stride<2, 1>>, shape<7, 9, 3>>, shape<4, 9, 6>>);
static_assert(std::is_same_v<out_t<conv<17, 5, 5, tenet::stride<1, 2>>, shape<7, 9, 1>>, shape<3, 3, 17>>);
// Kernel as large as the image (valid: one pixel) or larger (same: still the image size).
static_assert(std::is_same_v<out_t<conv<3, 5, 5>, shape<5, 5, 2>>, shape<1, 1, 3>>);
static_assert(std::is_same_v<out_t<conv<3, 5, 5, tenet::same>, shape<3, 3, 2>>, shape<3, 3, 3>>);
static_assert(std::is_same_v<out_t<conv<3, 5, 5, tenet::same, tenet::stride<4>>, shape<3, 3, 2>>, shape<1, 1, 3>>);
// Padding offsets a bound conv2d passes to its kernel.
static_assert(conv<4, 3, 3, tenet::same, tenet::stride<2>>::at<shape<7, 7, 1>>::pad_top == 1);
static_assert(conv<4, 2, 2, tenet::same>::at<shape<28, 28, 1>>::pad_top == 0);
static_assert(conv<4, 5, 1, tenet::same>::at<shape<28, 28, 1>>::pad_top == 2);
static_assert(conv<4, 5, 1, tenet::same>::at<shape<28, 28, 1>>::pad_left == 0);
static_assert(conv<4, 5, 5>::at<shape<28, 28, 1>>::pad_top == 0);
// Parameter counts and FLOPs.
static_assert(conv<16, 2, 2, tenet::same>::at<shape<28, 28, 1>>::weight_count == 64);
static_assert(conv<16, 2, 2, tenet::same>::at<shape<28, 28, 1>>::bias_count == 16);
static_assert(conv<16, 2, 2, tenet::same>::at<shape<28, 28, 1>>::flops == 100352);
static_assert(std::is_same_v<conv<16, 5, 3>::at<shape<9, 9, 2>>::weight_shape, shape<5, 3, 2, 16>>);

// --- max_pool, dense, flatten, activations --------------------------------------------------

static_assert(std::is_same_v<out_t<tenet::max_pool<2>, shape<28, 28, 16>>, shape<14, 14, 16>>);
static_assert(std::is_same_v<out_t<tenet::max_pool<2>, shape<13, 13, 1>>, shape<6, 6, 1>>);
static_assert(std::is_same_v<out_t<tenet::max_pool<3>, shape<7, 9, 3>>, shape<2, 3, 3>>);
static_assert(std::is_same_v<out_t<tenet::max_pool<2, tenet::stride<1>>, shape<7, 9, 3>>, shape<6, 8, 3>>);
static_assert(std::is_same_v<out_t<tenet::max_pool<3, tenet::stride<2>>, shape<13, 13, 6>>, shape<6, 6, 6>>);
static_assert(std::is_same_v<out_t<tenet::max_pool<2, tenet::stride<1, 2>>, shape<7, 9, 8>>, shape<6, 4, 8>>);
static_assert(std::is_same_v<out_t<tenet::max_pool<3>, shape<3, 3, 17>>, shape<1, 1, 17>>);
static_assert(std::is_same_v<out_t<tenet::dense<10>, shape<3136>>, shape<10>>);
static_assert(std::is_same_v<tenet::dense<10>::at<shape<3136>>::weight_shape, shape<3136, 10>>);
static_assert(tenet::dense<10>::at<shape<3136>>::flops == 62720);
static_assert(std::is_same_v<out_t<tenet::flatten, shape<14, 14, 16>>, shape<3136>>);
static_assert(std::is_same_v<out_t<tenet::flatten, shape<7, 9, 3>>, shape<189>>);
static_assert(std::is_same_v<out_t<tenet::flatten, shape<10>>, shape<10>>);
static_assert(std::is_same_v<out_t<tenet::relu, shape<7, 9, 3>>, shape<7, 9, 3>>);
static_assert(std::is_same_v<out_t<tenet::tanh, shape<100>>, shape<100>>);
static_assert(std::is_same_v<out_t<tenet::sigmoid, shape<1>>, shape<1>>);
static_assert(std::is_same_v<out_t<tenet::softmax, shape<10>>, shape<10>>);
static_assert(std::is_same_v<out_t<tenet::dropout_ratio<1, 4>, shape<7, 7, 64>>, shape<7, 7, 64>>);
static_assert(std::is_same_v<out_t<tenet::expect<shape<7, 7, 64>>, shape<7, 7, 64>>, shape<7, 7, 64>>);
#if TENET_HAS_FLOAT_TEMPLATE_ARGS
static_assert(std::is_same_v<out_t<tenet::dropout<0.25f>, shape<128>>, shape<128>>);
#endif

// --- whole networks -------------------------------------------------------------------------

using seed_net = tenet::network<tenet::input<28, 28, 1>, conv<16, 2, 2, tenet::same>, tenet::relu, tenet::max_pool<2>, tenet::flatten,
                                tenet::dense<10>, tenet::softmax>;
static_assert(seed_net::valid);
static_assert(std::is_same_v<seed_net::output_shape, shape<10>>);
static_assert(std::is_same_v<seed_net::layer_output_shape<2>, shape<14, 14, 16>>);
static_assert(seed_net::param_count == 31450);
static_assert(seed_net::flops == 163072);

using vector_net = tenet::network<tenet::input<5>, tenet::dense<7>, tenet::tanh, tenet::dense<1>, tenet::sigmoid>;
static_assert(std::is_same_v<vector_net::output_shape, shape<1>>);
static_assert(vector_net::param_count == (5 * 7 + 7) + (7 + 1));

using strided =
    tenet::network<tenet::input<13, 13, 3>, conv<17, 3, 3, tenet::same, tenet::stride<2>>, tenet::expect<shape<7, 7, 17>>,
                   tenet::max_pool<3, tenet::stride<2>>, tenet::expect<shape<3, 3, 17>>, tenet::flatten, tenet::expect<shape<153>>>;
static_assert(strided::valid);
static_assert(std::is_same_v<strided::output_shape, shape<153>>);

using empty_net = tenet::network<tenet::input<4>>;
static_assert(empty_net::depth == 0 && std::is_same_v<empty_net::output_shape, shape<4>>);

// --- what check<In>() refuses ---------------------------------------------------------------

template <class Layer, class In>
inline constexpr verdict verdict_v = Layer::template check<In>();

// Accepted shapes.
static_assert(verdict_v<conv<16, 2, 2, tenet::same>, shape<28, 28, 1>> == verdict::ok);
static_assert(verdict_v<conv<16, 5, 5>, shape<5, 5, 1>> == verdict::ok);
static_assert(verdict_v<conv<16, 5, 5, tenet::same>, shape<2, 2, 1>> == verdict::ok);  // same pads up
static_assert(verdict_v<tenet::max_pool<2>, shape<2, 2, 1>> == verdict::ok);
static_assert(verdict_v<tenet::dense<10>, shape<3136>> == verdict::ok);
static_assert(verdict_v<tenet::flatten, shape<3136>> == verdict::ok);
static_assert(verdict_v<tenet::softmax, shape<10>> == verdict::ok);
static_assert(verdict_v<tenet::relu, shape<7, 9, 3>> == verdict::ok);
static_assert(verdict_v<tenet::dropout_ratio<0, 1>, shape<10>> == verdict::ok);
static_assert(verdict_v<tenet::dropout_ratio<99, 100>, shape<10>> == verdict::ok);
static_assert(verdict_v<tenet::expect<shape<10>>, shape<10>> == verdict::ok);

// dense and softmax need flat input.
static_assert(verdict_v<tenet::dense<10>, shape<28, 28, 1>> == verdict::needs_flat_input);
static_assert(verdict_v<tenet::softmax, shape<14, 14, 16>> == verdict::needs_flat_input);
// conv2d and max_pool need an image.
static_assert(verdict_v<conv<16, 2, 2>, shape<3136>> == verdict::needs_image_input);
static_assert(verdict_v<conv<16, 2, 2, tenet::same>, shape<10>> == verdict::needs_image_input);
static_assert(verdict_v<tenet::max_pool<2>, shape<3136>> == verdict::needs_image_input);
// Windows that do not fit.
static_assert(verdict_v<conv<16, 5, 5>, shape<4, 4, 1>> == verdict::kernel_larger_than_input);
static_assert(verdict_v<conv<16, 5, 1>, shape<4, 9, 1>> == verdict::kernel_larger_than_input);
static_assert(verdict_v<conv<16, 1, 5>, shape<9, 4, 1>> == verdict::kernel_larger_than_input);
static_assert(verdict_v<tenet::max_pool<3>, shape<2, 9, 1>> == verdict::window_larger_than_input);
static_assert(verdict_v<tenet::max_pool<3>, shape<9, 2, 1>> == verdict::window_larger_than_input);
// Zero sizes and strides.
static_assert(verdict_v<conv<0, 2, 2>, shape<8, 8, 1>> == verdict::zero_size);
static_assert(verdict_v<conv<4, 0, 2>, shape<8, 8, 1>> == verdict::zero_size);
static_assert(verdict_v<conv<4, 2, 0>, shape<8, 8, 1>> == verdict::zero_size);
static_assert(verdict_v<tenet::dense<0>, shape<8>> == verdict::zero_size);
static_assert(verdict_v<tenet::max_pool<0>, shape<8, 8, 1>> == verdict::zero_size);
static_assert(verdict_v<conv<4, 2, 2, tenet::stride<0>>, shape<8, 8, 1>> == verdict::zero_stride);
static_assert(verdict_v<conv<4, 2, 2, tenet::stride<1, 0>>, shape<8, 8, 1>> == verdict::zero_stride);
static_assert(verdict_v<tenet::max_pool<2, tenet::stride<0>>, shape<8, 8, 1>> == verdict::zero_stride);
// Options.
static_assert(verdict_v<conv<4, 2, 2, int>, shape<8, 8, 1>> == verdict::unknown_option);
static_assert(verdict_v<conv<4, 2, 2, tenet::kernel<3, 3>>, shape<8, 8, 1>> == verdict::unknown_option);
static_assert(verdict_v<tenet::max_pool<2, tenet::same>, shape<8, 8, 1>> == verdict::unknown_option);
static_assert(verdict_v<conv<4, 2, 2, tenet::same, tenet::valid>, shape<8, 8, 1>> == verdict::conflicting_options);
static_assert(verdict_v<conv<4, 2, 2, tenet::same, tenet::same>, shape<8, 8, 1>> == verdict::conflicting_options);
static_assert(verdict_v<conv<4, 2, 2, tenet::stride<1>, tenet::stride<2>>, shape<8, 8, 1>> == verdict::conflicting_options);
static_assert(verdict_v<tenet::max_pool<2, tenet::stride<1>, tenet::stride<2>>, shape<8, 8, 1>> == verdict::conflicting_options);
// Dropout rates outside [0, 1).
static_assert(verdict_v<tenet::dropout_ratio<1, 1>, shape<10>> == verdict::rate_out_of_range);
static_assert(verdict_v<tenet::dropout_ratio<3, 2>, shape<10>> == verdict::rate_out_of_range);
static_assert(verdict_v<tenet::dropout_ratio<1, 0>, shape<10>> == verdict::rate_out_of_range);
#if TENET_HAS_FLOAT_TEMPLATE_ARGS
static_assert(verdict_v<tenet::dropout<0.5f>, shape<10>> == verdict::ok);
static_assert(verdict_v<tenet::dropout<1.0f>, shape<10>> == verdict::rate_out_of_range);
static_assert(verdict_v<tenet::dropout<-0.1f>, shape<10>> == verdict::rate_out_of_range);
#endif
// expect.
static_assert(verdict_v<tenet::expect<shape<10>>, shape<11>> == verdict::unexpected_shape);
static_assert(verdict_v<tenet::expect<shape<7, 7, 64>>, shape<3136>> == verdict::unexpected_shape);

// --- concepts -------------------------------------------------------------------------------

static_assert(tenet::Layer<tenet::relu>);
static_assert(tenet::Layer<conv<16, 2, 2, tenet::same>>);
static_assert(tenet::Layer<tenet::dense<10>>);
static_assert(tenet::Layer<tenet::max_pool<2>>);
static_assert(tenet::Layer<tenet::dropout_ratio<1, 2>>);
static_assert(!tenet::Layer<int>);
static_assert(!tenet::Layer<tenet::shape<3>>);
static_assert(!tenet::Layer<tenet::input<28, 28, 1>>);
static_assert(tenet::Trainable<seed_net::bound_layer<0>>);
static_assert(tenet::Trainable<seed_net::bound_layer<4>>);
static_assert(!tenet::Trainable<seed_net::bound_layer<1>>);
static_assert(tenet::BoundLayer<seed_net::bound_layer<1>>);
static_assert(tenet::Shape<shape<1, 2, 3>> && !tenet::Shape<int>);
static_assert(tenet::is_input_v<tenet::input<28, 28, 1>> && tenet::is_input_v<tenet::input<10>>);
static_assert(!tenet::is_input_v<tenet::input<28, 28>> && !tenet::is_input_v<tenet::input<0>>);
static_assert(!tenet::is_input_v<shape<28, 28, 1>>);

// --- shape --------------------------------------------------------------------------------

static_assert(shape<28, 28, 1>::rank == 3 && shape<28, 28, 1>::size == 784);
static_assert(shape<10>::rank == 1 && shape<10>::size == 10);
static_assert(shape<28, 0, 1>::size == 0 && !shape<28, 0, 1>::non_zero && shape<1>::non_zero);
static_assert(tenet::image_dims<shape<7, 9, 3>>::height == 7 && tenet::image_dims<shape<7, 9, 3>>::width == 9 &&
              tenet::image_dims<shape<7, 9, 3>>::channels == 3);

}  // namespace
