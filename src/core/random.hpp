// Random source. Injectable for deterministic tests; the default is a per-thread generator, so
// concurrent picks share no state (the seed router shared one math/rand source: a data race).
#pragma once

#include <cstdint>

namespace llmroute {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // 64 uniformly random bits. Called concurrently from any thread.
  virtual uint64_t Next() = 0;
};

// wyrand (Wang Yi's generator, public domain algorithm), one state per thread, seeded from the OS
// and the thread's identity. Fast (one multiply) and passes BigCrush, plenty for load balancing.
class ThreadLocalRandom final : public RandomSource {
 public:
  uint64_t Next() override;
};

// Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; the bias below 2^-32 for the sizes we
// draw is far under what any statistical test here could see).
inline uint64_t UniformBelow(RandomSource &rng, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(rng.Next()) * n) >> 64);
}

// Uniform double in [0, 1).
inline double Uniform01(RandomSource &rng) {
  return static_cast<double>(rng.Next() >> 11) * 0x1.0p-53;
}

}  // namespace llmroute
