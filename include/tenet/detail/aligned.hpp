#pragma once
/// A heap array of floats on a 64-byte boundary, for storage sized at construction.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>

#include "../config.hpp"

namespace tenet::detail {

/// Rounds a float count up to whole cache lines, so that the block after it starts aligned
/// to `tenet::alignment` too.
constexpr std::size_t round_to_line(std::size_t floats) {
  constexpr std::size_t per_line = alignment / sizeof(float);
  return (floats + per_line - 1) / per_line * per_line;
}

struct aligned_delete {
  void operator()(float* p) const noexcept { ::operator delete[](p, std::align_val_t{alignment}); }
};

/// Owning, zero-initialized, copyable array of `count` floats aligned to `tenet::alignment`.
class aligned_floats {
 public:
  aligned_floats() = default;
  explicit aligned_floats(std::size_t count) : count_(count), data_(allocate(count)) { std::fill_n(data_.get(), count_, 0.0f); }
  aligned_floats(const aligned_floats& other) : count_(other.count_), data_(allocate(other.count_)) {
    std::copy_n(other.data_.get(), count_, data_.get());
  }
  aligned_floats& operator=(const aligned_floats& other) {
    if (this != &other) {
      if (count_ != other.count_) {
        data_ = allocate(other.count_);
        count_ = other.count_;
      }
      std::copy_n(other.data_.get(), count_, data_.get());
    }
    return *this;
  }
  aligned_floats(aligned_floats&&) noexcept = default;
  aligned_floats& operator=(aligned_floats&&) noexcept = default;

  float* data() noexcept { return data_.get(); }
  const float* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return count_; }

 private:
  static std::unique_ptr<float[], aligned_delete> allocate(std::size_t count) {
    return std::unique_ptr<float[], aligned_delete>(
        static_cast<float*>(::operator new[](std::max<std::size_t>(count, 1) * sizeof(float), std::align_val_t{alignment})));
  }
  std::size_t count_ = 0;
  std::unique_ptr<float[], aligned_delete> data_;
};

}  // namespace tenet::detail
