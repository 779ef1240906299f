#pragma once
/// `dataset<Shape, Classes>`: labelled examples whose image shape and class count are part of
/// the type, and the compile-time check that a dataset fits a network.
///
/// Because both numbers are in the type, feeding 28x28x1 digits to a network declared with
/// `input<32, 32, 3>`, or 26 letter classes to a 10-way softmax, is a compile error
/// (`check_dataset`), not a silent misread at run time.

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../shape.hpp"
#include "../tensor.hpp"

namespace tenet::data {

/// Images of shape `Shape` (pixels scaled to [0, 1]) and their labels, each in
/// `0 .. Classes - 1`. `images[i]` is labelled `labels[i]`; loaders keep the two vectors the
/// same length.
template <class Shape, std::size_t Classes>
struct dataset {
  static_assert(tenet::Shape<Shape>, "tenet::data::dataset<Shape, Classes>: Shape must be a tenet::shape<...>, e.g. shape<28, 28, 1>");
  static_assert(Classes >= 1, "tenet::data::dataset<Shape, Classes>: a dataset needs at least one class");

  using shape_type = Shape;
  using image_type = tensor<float, Shape>;
  /// Number of classes: every label is below it.
  static constexpr std::size_t classes = Classes;

  std::vector<image_type> images;
  std::vector<std::uint32_t> labels;

  /// Number of examples.
  std::size_t size() const noexcept { return labels.size(); }
  bool empty() const noexcept { return labels.empty(); }
};

template <class T>
inline constexpr bool is_dataset_v = false;
template <class S, std::size_t C>
inline constexpr bool is_dataset_v<dataset<S, C>> = true;
template <class T>
inline constexpr bool is_dataset_v<const T> = is_dataset_v<T>;  // decltype(train) of a const dataset

namespace detail {

template <class Net, class Dataset>
inline constexpr bool same_input_v = std::is_same_v<typename Net::input_shape, typename Dataset::shape_type>;

template <class Net, class Dataset>
inline constexpr bool same_classes_v = Net::output_shape::rank == 1 && Net::output_shape::size == Dataset::classes;

}  // namespace detail

/// True when every image of `Dataset` has the input shape of `Net` and the dataset has as many
/// classes as `Net` has outputs: the dataset can train and test that network.
template <class Net, class Dataset>
inline constexpr bool fits_v = detail::same_input_v<Net, Dataset>&& detail::same_classes_v<Net, Dataset>;

/// Stops the build, with a sentence saying which number differs, when `Dataset` does not fit
/// `Net`. Training and evaluation code should call it first; you can call it yourself:
/// `tenet::data::check_dataset<net_t, decltype(train)>();`. The compiler prints both types in
/// its "In instantiation of check_dataset() [with Net = ...; Dataset = ...]" line, so the two
/// shapes (or counts) can be compared there.
template <class Net, class Dataset>
constexpr void check_dataset() {
  static_assert(is_dataset_v<Dataset>, "tenet: check_dataset<Net, Dataset>: Dataset must be a tenet::data::dataset<Shape, Classes>");
  if constexpr (is_dataset_v<Dataset>) {
    static_assert(detail::same_input_v<Net, Dataset>,
                  "tenet: the dataset's images do not have the network's input shape: compare "
                  "Net's input<...> with Dataset's shape<...> in the 'check_dataset() [with Net = "
                  "...; Dataset = ...]' line above, then load the data with the shape the network "
                  "expects (or change the network's input<...>).");
    static_assert(detail::same_classes_v<Net, Dataset>,
                  "tenet: the dataset's class count differs from the network's output size: the "
                  "last layer must have one output per class (e.g. dense<10> for 10 classes). "
                  "Both numbers are in the 'check_dataset() [with Net = ...; Dataset = ...]' line "
                  "above: the network's last dense<N> and the dataset's second argument.");
  }
}

}  // namespace tenet::data
