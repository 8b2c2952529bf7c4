#include "core/strategies/strategy.hpp"

#include <bit>

namespace llmroute {

void Eligible::Clear(uint32_t i) {
  if (all_) {
    // Materialise the set before removing one member.
    all_ = false;
    std::fill_n(words_.begin(), (size_ + 63) / 64, ~uint64_t{0});
    if (size_ % 64 != 0) words_[size_ / 64] = (uint64_t{1} << (size_ % 64)) - 1;
  }
  if (!(*this)[i]) return;
  words_[i / 64] &= ~(uint64_t{1} << (i % 64));
  --count_;
}

uint32_t Eligible::Nth(uint32_t k) const {
  if (all_) return k;
  for (uint32_t w = 0;; ++w) {
    const auto ones = static_cast<uint32_t>(std::popcount(words_[w]));
    if (k < ones) {
      uint64_t word = words_[w];
      for (uint32_t skip = 0; skip < k; ++skip) word &= word - 1;  // drop the lowest set bits
      return w * 64 + static_cast<uint32_t>(std::countr_zero(word));
    }
    k -= ones;
  }
}

void Strategy::Prepare(const Member *, uint32_t, TierState &state, RandomSource &rng) const {
  // Random start, so that routers (and snapshots) do not all begin on the first deployment
  // (gRPC and Envoy both randomise the start for this reason).
  state.cursor.Seed([&] { return rng.Next() >> 1; });
}

const Strategy &StrategyFor(StrategyKind kind) {
  switch (kind) {
    case StrategyKind::kWeighted:
      return WeightedStrategy();
    case StrategyKind::kWeightedRandom:
      return WeightedRandomStrategy();
    case StrategyKind::kLatency:
      return LatencyStrategy();
    case StrategyKind::kAvailability:
      return AvailabilityStrategy();
    case StrategyKind::kLeastLoaded:
      return LeastLoadedStrategy();
    case StrategyKind::kPeakEwma:
      return PeakEwmaStrategy();
    case StrategyKind::kCost:
      return CostStrategy();
    case StrategyKind::kEngineAware:
      return EngineAwareStrategy();
    case StrategyKind::kRoundRobin:
    case StrategyKind::kDefault:
      break;
  }
  return RoundRobinStrategy();
}

}  // namespace llmroute
