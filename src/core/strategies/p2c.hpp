// Power of two choices over DISTINCT members (Finagle's P2CPick, tower's sample_floyd2;
// Envoy's least_request, gRPC's and HAProxy's random(2) draw with replacement, so with few
// deployments a good share of their picks degrade to a single random choice).
#pragma once

#include "core/strategies/strategy.hpp"

namespace llmroute {

// Draws two distinct eligible members uniformly; requires eligible.count() >= 2.
inline void DrawTwoDistinct(const Eligible &eligible, RandomSource &rng, uint32_t *a, uint32_t *b) {
  const uint32_t n = eligible.count();
  const auto first = static_cast<uint32_t>(UniformBelow(rng, n));
  auto second = static_cast<uint32_t>(UniformBelow(rng, n - 1));
  if (second >= first) ++second;  // skip the first: uniform over the other n - 1
  *a = eligible.Nth(first);
  *b = eligible.Nth(second);
}

// Of two distinct random eligible members a and b (drawn in that order), b when
// second_is_less_loaded(a, b), else a. Equal loads go to the first drawn, which is itself
// uniformly random, so ties are unbiased.
template <typename SecondIsLessLoaded>
uint32_t PowerOfTwoChoicesBy(const Eligible &eligible, RandomSource &rng,
                             SecondIsLessLoaded second_is_less_loaded) {
  if (eligible.count() == 1) return eligible.Nth(0);
  uint32_t a = 0, b = 0;
  DrawTwoDistinct(eligible, rng, &a, &b);
  return second_is_less_loaded(a, b) ? b : a;
}

// One eligible member drawn uniformly in O(1) expected time when most members are eligible:
// a few draws over the whole tier, kept when eligible (rejection sampling, uniform over the
// eligible members), then Nth over the eligible set (O(size / 64)), so k exclusions from a large
// tier cost no scan. `other` is skipped (tier size for none); requires a member other than it.
inline uint32_t DrawEligible(const Eligible &eligible, RandomSource &rng, uint32_t other) {
  constexpr int kTries = 4;  // with half the members eligible, 1 pick in 16 falls through
  const uint32_t size = eligible.size();
  for (int t = 0; t < kTries; ++t) {
    const auto i = static_cast<uint32_t>(UniformBelow(rng, size));
    if (i != other && eligible[i]) return i;
  }
  for (;;) {
    const uint32_t i = eligible.Nth(static_cast<uint32_t>(UniformBelow(rng, eligible.count())));
    if (i != other) return i;
  }
}

// Two distinct eligible members, each uniform (DrawEligible); requires eligible.count() >= 2.
// Draws with the rng in another order than DrawTwoDistinct, which least_loaded and peak_ewma
// keep, so that their seeded runs stay as they were.
inline void DrawTwoDistinctSparse(const Eligible &eligible, RandomSource &rng, uint32_t *a,
                                  uint32_t *b) {
  if (eligible.all()) {
    DrawTwoDistinct(eligible, rng, a, b);
    return;
  }
  *a = DrawEligible(eligible, rng, eligible.size());
  *b = DrawEligible(eligible, rng, *a);
}

// The same with a load(member index) to compare.
template <typename Load>
uint32_t PowerOfTwoChoices(const Eligible &eligible, RandomSource &rng, Load load) {
  return PowerOfTwoChoicesBy(eligible, rng,
                             [&](uint32_t a, uint32_t b) { return load(b) < load(a); });
}

}  // namespace llmroute
