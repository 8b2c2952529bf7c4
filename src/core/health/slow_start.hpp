// Slow start: a deployment that was just added or just recovered ramps its share of traffic over
// a window instead of receiving a full share at once (Envoy's slow start,
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/slow_start).
//
// Its weight is multiplied by max(min_weight_percent / 100, time_factor ^ (1 / aggression)) with
// time_factor = max(time since the start, 1 ms) / window. The weighted strategies (weighted,
// weighted_random, round_robin, least_loaded, peak_ewma) apply the factor; preference strategies
// (latency, availability, cost) and session affinity do not. Like Envoy's, it helps only when
// some deployments are not new: shares are relative, so equal factors change nothing.
//
// Lock-free: each deployment keeps the time its ramp began, and the router keeps the latest end of
// any ramp so that picks skip all of this (one atomic load) when no ramp is running.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>

#include "core/clock.hpp"
#include "core/option_defaults.hpp"

namespace llmroute {

struct SlowStartConfig {
  // 0 turns slow start off. Envoy has no default window: slow start is off unless configured.
  int64_t window_ns = option_defaults::Ns(option_defaults::slow_start_window_ms);
  // 1.0 ramps linearly; larger values ramp faster at first (Envoy's default and meaning).
  double aggression = option_defaults::slow_start_aggression;
  // The floor of the ramp, so that a new deployment still gets some traffic (Envoy: 10%).
  double min_weight_percent = option_defaults::slow_start_min_weight_percent;

  bool enabled() const { return window_ns > 0; }
};

// The smallest factor ever applied: keeps every effective weight positive even with extreme
// settings (a tiny min_weight_percent and aggression).
constexpr double kMinSlowStartFactor = 1e-6;

// The ramp factor in [kMinSlowStartFactor, 1] for a deployment whose ramp began `elapsed_ns` ago.
double SlowStartRamp(int64_t elapsed_ns, const SlowStartConfig &config);

// Per deployment: when its current ramp began.
class SlowStart {
 public:
  void Begin(int64_t now_ns) { begin_ns_.store(now_ns, std::memory_order_relaxed); }
  // 1 outside a ramp.
  double Factor(int64_t now_ns, const SlowStartConfig &config) const {
    const int64_t begin = begin_ns_.load(std::memory_order_relaxed);
    if (begin == kNotStarted || !config.enabled() || now_ns - begin >= config.window_ns) return 1.0;
    return SlowStartRamp(now_ns - begin, config);
  }

 private:
  static constexpr int64_t kNotStarted = std::numeric_limits<int64_t>::min();
  std::atomic<int64_t> begin_ns_{kNotStarted};
};

// Router-wide: the latest end of any running ramp, so picks can tell "no ramp anywhere" cheaply.
class SlowStartTracker {
 public:
  // Notes a ramp ending at `until_ns`.
  void Extend(int64_t until_ns);
  // True while some ramp may still be running at `now_ns`. Reads nothing else while none has
  // run; once the last ramp is over, resets itself so later calls are one load again.
  bool MayBeActive() const { return until_ns_.load(std::memory_order_acquire) != 0; }
  bool Active(int64_t now_ns);

 private:
  std::atomic<int64_t> until_ns_{0};  // 0: no ramp running
};

}  // namespace llmroute
