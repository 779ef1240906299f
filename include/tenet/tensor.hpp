#pragma once
/// `tensor<T, Shape>`: a fixed-size, owning, 64-byte aligned array whose dimensions are part
/// of its type.

#include <algorithm>
#include <cstddef>
#include <span>
#include <type_traits>

#include "config.hpp"
#include "shape.hpp"

namespace tenet {

/// Owning storage for `Shape::size` values of `T`, zero-filled by `tensor<...> x{};`,
/// laid out row-major (the last dimension varies fastest: channels last).
///
/// The storage is inline (no heap), so a tensor can live on the stack or inside a
/// `std::vector`; a 28x28x1 image is 3 KiB. Index with `x(h, w, c)` or `x[i]`.
template <class T, class S>
class tensor {
  static_assert(std::is_arithmetic_v<T>, "tenet::tensor<T, Shape>: T must be an arithmetic type such as float");

 public:
  using value_type = T;
  using shape_type = S;
  static constexpr std::size_t rank = S::rank;
  static constexpr std::size_t extent = S::size;

  constexpr tensor() = default;

  /// Fills every element with `value`.
  static tensor filled(T value) {
    tensor result;
    std::fill_n(result.data(), extent, value);
    return result;
  }

  static constexpr std::size_t size() noexcept { return extent; }
  T* data() noexcept { return values_; }
  const T* data() const noexcept { return values_; }
  T* begin() noexcept { return values_; }
  T* end() noexcept { return values_ + extent; }
  const T* begin() const noexcept { return values_; }
  const T* end() const noexcept { return values_ + extent; }
  std::span<T, extent> span() noexcept { return std::span<T, extent>(values_, extent); }
  std::span<const T, extent> span() const noexcept { return std::span<const T, extent>(values_, extent); }

  T& operator[](std::size_t i) noexcept { return values_[i]; }
  const T& operator[](std::size_t i) const noexcept { return values_[i]; }

  /// Element at the given coordinates, one index per dimension.
  template <class... I>
    requires(sizeof...(I) == S::rank && (std::is_convertible_v<I, std::size_t> && ...))
  T& operator()(I... index) noexcept { return values_[offset(static_cast<std::size_t>(index)...)]; }
  template <class... I>
    requires(sizeof...(I) == S::rank && (std::is_convertible_v<I, std::size_t> && ...))
  const T& operator()(I... index) const noexcept { return values_[offset(static_cast<std::size_t>(index)...)]; }

  /// Row-major offset of a coordinate.
  template <class... I>
  static constexpr std::size_t offset(I... index) noexcept {
    const std::size_t coords[] = {static_cast<std::size_t>(index)...};
    std::size_t flat = 0;
    for (std::size_t d = 0; d < S::rank; ++d) flat = flat * S::dims[d] + coords[d];
    return flat;
  }

  friend bool operator==(const tensor& a, const tensor& b) noexcept { return std::equal(a.begin(), a.end(), b.begin()); }

 private:
  // At least one element, so that a tensor of the `invalid_shape` placeholder still compiles
  // quietly after a shape error has already been reported.
  alignas(alignment) T values_[extent == 0 ? 1 : extent]{};
};

}  // namespace tenet
