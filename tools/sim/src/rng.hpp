// Deterministic random numbers for the simulator: the same seed gives the same run on every
// platform (no std:: distributions, whose algorithms differ between standard libraries).
#ifndef LLMROUTE_SIM_RNG_HPP
#define LLMROUTE_SIM_RNG_HPP

#include <cmath>
#include <cstdint>

namespace sim {

/** splitmix64: seeds the generators and derives independent streams from one seed. */
inline uint64_t SplitMix64(uint64_t &state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/** xoshiro256**, seeded through splitmix64. */
class Rng {
 public:
  explicit Rng(uint64_t seed = 1) {
    for (auto &word : s_) word = SplitMix64(seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  /** Uniform in [0, 1). */
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  /** Uniform integer in [0, n); n > 0. */
  uint64_t Below(uint64_t n) { return Next() % n; }

  /** True with probability p. */
  bool Chance(double p) { return p > 0 && Uniform() < p; }

  /** Exponential with the given rate (events per unit). */
  double Exponential(double rate) { return -std::log1p(-Uniform()) / rate; }

  /** Standard normal (Box-Muller, one value per call). */
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  /** Lognormal given its median and 99th percentile (p99 >= p50 > 0). */
  double LognormalP50P99(double p50, double p99) {
    constexpr double kZ99 = 2.3263478740408408;  // standard normal 99th percentile
    const double sigma = p99 > p50 ? std::log(p99 / p50) / kZ99 : 0.0;
    return p50 * std::exp(sigma * Normal());
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace sim

#endif  // LLMROUTE_SIM_RNG_HPP
