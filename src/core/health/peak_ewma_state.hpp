// Per-deployment state of the peak_ewma strategy: a peak-sensitive, time-decayed moving average
// of latency (Finagle's finagle-core loadbalancer/PeakEwma.scala and tower's
// https://docs.rs/tower/latest/tower/load/peak_ewma/), made failure-aware
// as in linkerd2-proxy PR #4537 so that fast 429s and 5xx do not look fast.
//
//  - A sample above the current estimate replaces it at once (the "peak" part: react to a
//    slowdown immediately); a sample below it is blended in with the weight 1 - exp(-dt / decay),
//    dt being the time since the previous sample.
//  - Read, the estimate decays toward 0 with the same time constant, so a deployment avoided for
//    one slow answer is tried again after a while rather than never (Finagle's observe(0) on read).
//    Reads do not write, so picks only load two atomics.
//  - A failed call counts as a sample of max(its latency, penalty * max(estimate, prior)).
//
// Updated from Router::Report; writers serialise on a small spin lock (a few instructions).
#pragma once

#include <atomic>
#include <cstdint>

#include "core/option_defaults.hpp"
#include "core/spin_lock.hpp"

namespace llmroute {

struct PeakEwmaConfig {
  // The time constant of the decay (Finagle's p2cPeakEwma decayTime and linkerd's EWMA_DECAY:
  // 10 s).
  int64_t decay_ns = option_defaults::Ns(option_defaults::peak_ewma_decay_ms);
  // A failure counts as a call this many times slower than the current estimate (or than the
  // latency prior when that is larger). linkerd injects a penalty latency likewise; 10 makes one
  // fast 429 cost as much as ten ordinary calls in flight.
  double failure_penalty = option_defaults::peak_ewma_failure_penalty;
};

class PeakEwmaState {
 public:
  // A successful call's latency (time to first token when streamed) at now_ns.
  void Observe(double sample_ms, int64_t now_ns, const PeakEwmaConfig &config);
  // A failed call (rate limited, 5xx, timeout, connection or auth error). `latency_ms` < 0 when
  // unknown; `prior_ms` is the estimate assumed for a deployment with no sample yet.
  void ObserveFailure(double latency_ms, int64_t now_ns, double prior_ms,
                      const PeakEwmaConfig &config);
  // The estimate at now_ns, decayed since the last sample; negative when there is none yet.
  double Value(int64_t now_ns, const PeakEwmaConfig &config) const;
  bool HasSample() const { return ema_ms_.load(std::memory_order_relaxed) >= 0; }

 private:
  void ObserveLocked(double sample_ms, int64_t now_ns, const PeakEwmaConfig &config);

  SpinLock lock_;
  std::atomic<double> ema_ms_{-1.0};  // as of stamp_ns_
  std::atomic<int64_t> stamp_ns_{0};  // time of the last sample
};

}  // namespace llmroute
