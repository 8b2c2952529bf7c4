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

// The same with a load(member index) to compare.
template <typename Load>
uint32_t PowerOfTwoChoices(const Eligible &eligible, RandomSource &rng, Load load) {
  return PowerOfTwoChoicesBy(eligible, rng,
                             [&](uint32_t a, uint32_t b) { return load(b) < load(a); });
}

}  // namespace llmroute
