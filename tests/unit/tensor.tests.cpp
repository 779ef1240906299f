// tenet::tensor: zero fill, row-major (channels-last) indexing, 64-byte alignment wherever it
// lives, filled(), equality, spans.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <tenet/tensor.hpp>

namespace {

using image = tenet::tensor<float, tenet::shape<5, 7, 3>>;
using vec10 = tenet::tensor<float, tenet::shape<10>>;

bool aligned_64(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; }

TEST_CASE("a tensor knows its shape at compile time", "[tensor]") {
  STATIC_REQUIRE(image::rank == 3);
  STATIC_REQUIRE(image::extent == 105);
  STATIC_REQUIRE(image::size() == 105);
  STATIC_REQUIRE(vec10::rank == 1);
  STATIC_REQUIRE(std::is_same_v<image::shape_type, tenet::shape<5, 7, 3>>);
  STATIC_REQUIRE(std::is_same_v<image::value_type, float>);
  STATIC_REQUIRE(decltype(std::declval<image&>().span())::extent == 105);
  STATIC_REQUIRE(alignof(image) == 64);
  STATIC_REQUIRE(sizeof(image) % 64 == 0);
  STATIC_REQUIRE(alignof(tenet::tensor<float, tenet::shape<1>>) == 64);
}

TEST_CASE("a default-constructed tensor is all zeros", "[tensor]") {
  const image a;
  for (float v : a) REQUIRE(v == 0.0f);
  const image b{};
  for (float v : b) REQUIRE(v == 0.0f);
  std::vector<image> many(3);
  for (const image& t : many)
    for (float v : t) REQUIRE(v == 0.0f);
  const auto heap = std::make_unique<tenet::tensor<int, tenet::shape<4, 4>>>();
  for (int v : *heap) REQUIRE(v == 0);
}

TEST_CASE("tensor indexing is row-major with the last dimension fastest", "[tensor]") {
  image t;
  for (std::size_t h = 0; h < 5; ++h)
    for (std::size_t w = 0; w < 7; ++w)
      for (std::size_t c = 0; c < 3; ++c) t(h, w, c) = static_cast<float>(100 * h + 10 * w + c);
  for (std::size_t h = 0; h < 5; ++h)
    for (std::size_t w = 0; w < 7; ++w)
      for (std::size_t c = 0; c < 3; ++c) {
        const std::size_t flat = (h * 7 + w) * 3 + c;
        REQUIRE(t[flat] == static_cast<float>(100 * h + 10 * w + c));
        REQUIRE(t.data()[flat] == t(h, w, c));
        REQUIRE(image::offset(h, w, c) == flat);
      }
  STATIC_REQUIRE(image::offset(4, 6, 2) == 104);
  STATIC_REQUIRE(image::offset(1, 0, 0) == 21);
  STATIC_REQUIRE(tenet::tensor<float, tenet::shape<2, 3, 4, 5>>::offset(1, 2, 3, 4) == 119);

  vec10 v;
  for (int i = 0; i < 10; ++i) v(i) = static_cast<float>(i);  // int indices convert
  CHECK(v[9] == 9.0f);
  const vec10& cv = v;
  CHECK(cv(3) == 3.0f);
  CHECK(cv.end() - cv.begin() == 10);
}

TEST_CASE("tensor storage starts on a 64-byte boundary wherever the tensor lives", "[tensor]") {
  image on_stack;
  char offset_by_one = 0;  // something odd-sized on the stack before the next one
  tenet::tensor<float, tenet::shape<3>> small_on_stack;
  CHECK(aligned_64(on_stack.data()));
  CHECK(aligned_64(small_on_stack.data()));
  (void)offset_by_one;

  const auto on_heap = std::make_unique<image>();
  CHECK(aligned_64(on_heap->data()));

  std::vector<image> in_vector(5);
  for (const image& t : in_vector) CHECK(aligned_64(t.data()));

  struct holder {
    char c;
    vec10 t;
  };
  const auto h = std::make_unique<holder>();
  CHECK(aligned_64(h->t.data()));
}

TEST_CASE("tensor::filled, equality and spans", "[tensor]") {
  const image a = image::filled(2.5f);
  for (float v : a) REQUIRE(v == 2.5f);
  image b = a;
  CHECK(a == b);
  b(4, 6, 2) = 0.0f;
  CHECK_FALSE(a == b);
  auto s = b.span();
  s[0] = -1.0f;
  CHECK(b[0] == -1.0f);
  CHECK(s.data() == b.data());
  const image& cb = b;
  CHECK(cb.span().size() == 105);
}

}  // namespace
