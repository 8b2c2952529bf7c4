// Round robin: a true rotation over the eligible deployments, from a random start.
//
// The seed rotated over a Go map, whose iteration order is random, so it was no rotation at all.
// Here the members are in a fixed order and an atomic cursor advances per pick; when some are
// ineligible, the cursor indexes the eligible ones only, so each still gets every k-th pick.
// The cursor is one per tier, shared by every thread (RotationCursor in strategy.hpp): a
// caller's sequential picks rotate exactly whichever thread each runs on (a Go goroutine moves
// between threads; a cursor per thread rotated per thread, not per caller).
// While a slow-start ramp runs, a ramping member's turns are thinned (slow_start_weights.hpp).
#include "core/strategies/slow_start_weights.hpp"

namespace llmroute {

namespace {

class RoundRobin final : public Strategy {
  static uint32_t Next(const TierView &tier, const Eligible &eligible) {
    const uint64_t position = tier.state->cursor.Advance();
    return eligible.Nth(static_cast<uint32_t>(position % eligible.count()));
  }

 public:
  uint32_t Pick(const TierView &tier, const Eligible &eligible, PickEnv &env) const override {
    if (env.slow_start) {
      bool uneven = false;
      const double largest = LargestSlowStartFactor(tier, eligible, env, &uneven);
      if (uneven) {
        // A member with the largest factor comes round within count() turns and is always taken.
        for (uint32_t turn = 0; turn < eligible.count(); ++turn) {
          const uint32_t member = Next(tier, eligible);
          if (TakeRampedSlot(tier.members[member], largest, env)) return member;
        }
        return PickByEffectiveWeight(tier, eligible, env);
      }
    }
    return Next(tier, eligible);
  }

  void Rank(const TierView &tier, const Eligible &eligible, PickEnv &,
            std::vector<uint32_t> &order) const override {
    // The rotation order from where the next pick would start.
    const uint64_t position = tier.state->cursor.Peek();
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
