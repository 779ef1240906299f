#pragma once
/// A small, fully specified random number generator, so that a seed gives the same numbers
/// on every platform and standard library (std::uniform_real_distribution does not).

#include <array>
#include <cstddef>
#include <cstdint>

namespace tenet::detail {

/// splitmix64's step and output function (Steele, Lea and Flood): consecutive states give
/// well-mixed, independent-looking 64-bit values.
inline constexpr std::uint64_t splitmix64_increment = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// A seed for stream `salt` of `seed` (a layer's index, an example's position): the
/// (salt + 1)-th state of splitmix64 started at `seed`, so nearby salts give unrelated seeds.
constexpr std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t salt) noexcept {
  return splitmix64_mix(seed + splitmix64_increment * (salt + 1));
}

/// xoshiro256** seeded through splitmix64: fast, 2^256 - 1 period, portable.
class random_generator {
 public:
  explicit random_generator(std::uint64_t seed = 0) noexcept {
    std::uint64_t z = seed;
    for (auto& word : state_) word = splitmix64(z);
  }

  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  /// Uniform in [0, 1), with 24 random bits (every float in that grid is equally likely).
  float uniform() noexcept { return static_cast<float>(next() >> 40) * 0x1.0p-24f; }

  /// Uniform in [low, high).
  float uniform(float low, float high) noexcept { return low + (high - low) * uniform(); }

  /// Uniform integer in [0, bound) (bound > 0), without modulo bias worth caring about for
  /// the bounds tenet uses (dataset sizes).
  std::uint64_t below(std::uint64_t bound) noexcept {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
  }

  /// The generator's whole state, to continue its sequence elsewhere (resume checkpoints).
  std::array<std::uint64_t, 4> state() const noexcept { return {state_[0], state_[1], state_[2], state_[3]}; }
  void set_state(const std::array<std::uint64_t, 4>& s) noexcept {
    for (std::size_t i = 0; i < 4; ++i) state_[i] = s[i];
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) noexcept { return splitmix64_mix(x += splitmix64_increment); }
  std::uint64_t state_[4];
};

}  // namespace tenet::detail
