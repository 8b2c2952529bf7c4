// The hedge budget: bounds the extra load hedged calls add (execution/hedged_attempt.hpp).
//
// A token bucket in the manner of the retry budget (gRPC retry throttling, gRFC A6, which throttles
// hedged RPCs with the same bucket as retries): every call that may hedge deposits `ratio` tokens,
// up to `max_tokens`; a hedge takes one whole token and is not sent without one. Over any window
// hedges therefore stay below ratio x calls + max_tokens: with the default ratio 0.1, at most 10%
// more attempts in the long run, the bound Dean and Barroso's "The Tail at Scale" (CACM 56(2),
// 2013) reports for hedging after the 95th percentile (about 5% extra load). In an outage where
// every first attempt is slow, hedges stop once the burst is spent instead of doubling the load.
// The bucket starts full. Lock-free: the level is kept in thousandths of a token in one atomic.
#pragma once

#include <atomic>
#include <cstdint>

namespace llmroute {

class HedgeBudget {
 public:
  HedgeBudget(double max_tokens, double ratio);

  // A call that may hedge started.
  void OnCall();
  // Takes one token for a hedge; false (and nothing taken) when less than one is left.
  bool TryTake();
  // Gives back a token taken for a hedge that did not start (no deployment left to hedge on).
  void Refund();
  double Tokens() const;

 private:
  static constexpr int64_t kScale = 1000;
  int64_t max_;
  int64_t ratio_;
  std::atomic<int64_t> level_;
};

}  // namespace llmroute
