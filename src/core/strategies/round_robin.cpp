// Round robin: a true rotation over the eligible deployments, from a random start.
//
// The seed rotated over a Go map, whose iteration order is random, so it was no rotation at all.
// Here the members are in a fixed order and one atomic cursor advances per pick; when some are
// ineligible, the cursor indexes the eligible ones only, so each still gets every k-th pick.
#include "core/strategies/strategy.hpp"

namespace llmroute {

namespace {

class RoundRobin final : public Strategy {
 public:
  uint32_t Pick(const TierView &tier, const Eligible &eligible, PickEnv &) const override {
    const uint64_t position = tier.state->cursor.fetch_add(1, std::memory_order_relaxed);
    return eligible.Nth(static_cast<uint32_t>(position % eligible.count()));
  }

  void Rank(const TierView &tier, const Eligible &eligible, PickEnv &,
            std::vector<uint32_t> &order) const override {
    // The rotation order from where the next pick would start.
    const uint64_t position = tier.state->cursor.load(std::memory_order_relaxed);
    const uint32_t count = eligible.count();
    for (uint32_t k = 0; k < count; ++k) {
      order.push_back(eligible.Nth(static_cast<uint32_t>((position + k) % count)));
    }
  }
};

}  // namespace

const Strategy &RoundRobinStrategy() {
  static const RoundRobin instance;
  return instance;
}

}  // namespace llmroute
