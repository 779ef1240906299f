#pragma once
/// CRC-32 as gzip, PNG and zlib's `crc32()` compute it (ISO-HDLC: reflected polynomial
/// 0xEDB88320, initial value and final xor 0xFFFFFFFF), so weight files and checkpoints keep
/// the checksum they always had without the core needing zlib.

#include <array>
#include <cstddef>
#include <cstdint>

namespace tenet::detail {

inline constexpr std::array<std::uint32_t, 256> crc32_table = [] {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}();

/// The CRC-32 of `n` bytes, continuing from `crc` (the CRC of the bytes before them; 0 to start),
/// like zlib's `crc32(crc, data, n)`.
constexpr std::uint32_t crc32(const unsigned char* data, std::size_t n, std::uint32_t crc = 0) noexcept {
  crc = ~crc;
  for (std::size_t i = 0; i < n; ++i) crc = crc32_table[(crc ^ data[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

}  // namespace tenet::detail
