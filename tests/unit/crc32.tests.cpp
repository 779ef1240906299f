// tenet::detail::crc32, the checksum of weight files and checkpoints, against zlib's crc32()
// (which computed them before the core stopped needing zlib): the same value for every
// length, whole or in pieces, so files written before and after read alike.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <zlib.h>

#include <catch2/catch.hpp>

#include <tenet/detail/crc32.hpp>
#include <tenet/detail/random.hpp>

TEST_CASE("crc32 gives the standard check value and zlib's value for every length", "[weights][crc32]") {
  constexpr std::string_view check = "123456789";
  CHECK(tenet::detail::crc32(reinterpret_cast<const unsigned char*>(check.data()), check.size()) == 0xCBF43926u);
  CHECK(tenet::detail::crc32(nullptr, 0) == 0u);

  std::vector<unsigned char> bytes(3000);
  std::uint64_t state = 12345;
  for (auto& b : bytes) b = static_cast<unsigned char>(tenet::detail::splitmix64_mix(state += tenet::detail::splitmix64_increment));
  for (std::size_t n :
       {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}, std::size_t{255}, std::size_t{1000}, bytes.size()}) {
    INFO(n << " bytes");
    const auto expected = static_cast<std::uint32_t>(::crc32(0L, bytes.data(), static_cast<uInt>(n)));
    CHECK(tenet::detail::crc32(bytes.data(), n) == expected);
    // continued over two pieces, like zlib's crc32(crc, ...)
    const std::size_t half = n / 2;
    CHECK(tenet::detail::crc32(bytes.data() + half, n - half, tenet::detail::crc32(bytes.data(), half)) == expected);
  }
}
