// Smallest real use of tenet, built against an installed tenet, with run-time ISA dispatch:
// built without -march flags, the network must still run AVX-512 or AVX2 where the CPU has it.
// It also uses both components, to show their headers and libraries come with the package.
#include <cstdio>
#include <filesystem>
#include <string_view>

#include <tenet/data.hpp>
#include <tenet/pictures.hpp>

#include "net.hpp"

static_assert(net_t::param_count == 34);

int main() {
  net_t net;
  tenet::tensor<float, net_t::input_shape> x{};
  auto y = net.predict(x);
  const std::string_view active = tenet::simd::active_isa(), runs = net_t::isa_name();
  std::printf("active_isa: %.*s, the network runs: %.*s\n", static_cast<int>(active.size()), active.data(), static_cast<int>(runs.size()),
              runs.data());
  // AVX-512 and AVX2 were compiled for it; below them it runs its own baseline (sse2)
  const bool dispatched = active == "avx512" || active == "avx2" ? runs == active : runs == "sse2";
  // tenet::data (zlib): a gzip-compressed IDX label file, written and read back
  const std::filesystem::path labels = "consumer-labels-idx1-ubyte.gz";
  const std::uint32_t written[] = {3, 1, 4};
  tenet::data::write_idx_labels(labels, written);
  // tenet::pictures (libpng): a picture of the output
  tenet::pictures::canvas picture(4, 2);
  picture.fill_rect(0, 0, 2, 2, tenet::pictures::colours::black);
  picture.save_png("consumer.png");
  return y.size() == 2 && dispatched && std::filesystem::file_size(labels) > 0 && std::filesystem::file_size("consumer.png") > 0 ? 0 : 1;
}
