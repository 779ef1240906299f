// Smallest real use of tenet, built against an installed tenet, with run-time ISA dispatch:
// built without -march flags, the network must still run AVX-512 or AVX2 where the CPU has it.
#include <cstdio>
#include <string_view>

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
  return y.size() == 2 && dispatched ? 0 : 1;
}
