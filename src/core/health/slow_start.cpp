#include "core/health/slow_start.hpp"

#include <algorithm>
#include <cmath>

namespace llmroute {

double SlowStartRamp(int64_t elapsed_ns, const SlowStartConfig &config) {
  // Envoy: time_factor = max(time since start, 1 ms) / window, so the very first pick already
  // sees a (small) positive weight.
  const double time_factor = static_cast<double>(std::max<int64_t>(elapsed_ns, kNsPerMs)) /
                             static_cast<double>(config.window_ns);
  const double ramp = std::pow(std::min(time_factor, 1.0), 1.0 / config.aggression);
  const double factor = std::max(config.min_weight_percent / 100.0, ramp);
  return std::clamp(factor, kMinSlowStartFactor, 1.0);
}

void SlowStartTracker::Extend(int64_t until_ns) {
  int64_t current = until_ns_.load(std::memory_order_relaxed);
  while ((current == 0 || current < until_ns) &&
         !until_ns_.compare_exchange_weak(current, until_ns, std::memory_order_acq_rel)) {
  }
}

bool SlowStartTracker::Active(int64_t now_ns) {
  int64_t until = until_ns_.load(std::memory_order_acquire);
  if (until == 0) return false;
  if (now_ns < until) return true;
  // Every ramp is over. Reset unless a new one was noted meanwhile (then the CAS fails).
  until_ns_.compare_exchange_strong(until, 0, std::memory_order_acq_rel);
  return false;
}

}  // namespace llmroute
