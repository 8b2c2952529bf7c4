// Cost: the cheapest eligible deployment by its configured price per 1M input / output tokens
// (for the request's expected tokens when the host gives them), ties broken by latency the way
// the latency strategy breaks them: spread uniformly over the near-fastest of the cheapest, so
// equal prices do not herd onto one deployment. Deployments without a price come last.
#include <cmath>

#include "core/pricing.hpp"
#include "core/strategies/latency_scores.hpp"
#include "core/strategies/ranking.hpp"

namespace llmroute {

namespace {

// Prices this close (relative) are a tie: they differ only by rounding.
constexpr double kPriceTie = 1e-9;

double Price(const Member &member, const PickEnv &env) {
  return RequestPrice(*member.spec, env.input_tokens, env.output_tokens);
}

// a is cheaper than b by more than a rounding difference; any price beats no price.
bool Cheaper(double a, double b) {
  if (!(a < b)) return false;
  if (std::isinf(b)) return true;
  return b - a > kPriceTie * std::abs(b);
}

// A lambda object, so that the templates below inline it (see availability.cpp).
constexpr auto kTiesWithCheapest = [](double cheapest, double price) {
  return !Cheaper(cheapest, price);
};

class Cheapest final : public Strategy {
 public:
  uint32_t Pick(const TierView &tier, const Eligible &eligible, PickEnv &env) const override {
    return PickLowestWithinLatencyBuffer(
        tier, eligible, env, [&](uint32_t i) { return Price(tier.members[i], env); },
        kTiesWithCheapest);
  }

  void Rank(const TierView &tier, const Eligible &eligible, PickEnv &env,
            std::vector<uint32_t> &order) const override {
    const double prior = LatencyPrior(tier, eligible, env.params);
    AppendRanked(
        tier.size, eligible, order, [&](uint32_t i) { return Price(tier.members[i], env); },
        kTiesWithCheapest,
        [&](uint32_t i) { return EffectiveLoadedLatency(tier.members[i], prior); });
  }
};

}  // namespace

const Strategy &CostStrategy() {
  static const Cheapest instance;
  return instance;
}

}  // namespace llmroute
