#pragma once
// FLOPs of one forward pass of one image through each of the lecture's networks (a
// multiply-add is 2), as plain numbers for programs that cannot include tenet (LibTorch's
// headers do not build as C++20 with every compiler). lecture_nets.hpp checks them against
// the network types with static_assert, so they cannot drift.

namespace bench::nets {

inline constexpr double seed_flops = 163'072;
inline constexpr double lenet_flops = 833'040;
inline constexpr double deep_flops = 17'095'168;

}  // namespace bench::nets
