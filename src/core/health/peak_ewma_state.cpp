#include "core/health/peak_ewma_state.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>

namespace llmroute {

namespace {

// exp(-dt / tau), 1 for a clock that stood still or went back.
double DecayWeight(int64_t dt_ns, int64_t decay_ns) {
  if (dt_ns <= 0) return 1.0;
  return std::exp(-static_cast<double>(dt_ns) / static_cast<double>(decay_ns));
}

}  // namespace

void PeakEwmaState::ObserveLocked(double sample_ms, int64_t now_ns, const PeakEwmaConfig &config) {
  const double ema = ema_ms_.load(std::memory_order_relaxed);
  const int64_t stamp = stamp_ns_.load(std::memory_order_relaxed);
  double next = sample_ms;
  if (ema >= 0) {
    const double w = DecayWeight(now_ns - stamp, config.decay_ns);
    // Peak: a sample above the (decayed) estimate replaces it; otherwise a time-weighted blend.
    if (sample_ms <= ema * w) next = ema * w + sample_ms * (1.0 - w);
  }
  ema_ms_.store(next, std::memory_order_relaxed);
  stamp_ns_.store(std::max(now_ns, stamp), std::memory_order_relaxed);
}

void PeakEwmaState::Observe(double sample_ms, int64_t now_ns, const PeakEwmaConfig &config) {
  if (!(sample_ms >= 0) || !std::isfinite(sample_ms)) return;
  std::lock_guard<SpinLock> guard(lock_);
  ObserveLocked(sample_ms, now_ns, config);
}

void PeakEwmaState::ObserveFailure(double latency_ms, int64_t now_ns, double prior_ms,
                                   const PeakEwmaConfig &config) {
  std::lock_guard<SpinLock> guard(lock_);
  const double current = Value(now_ns, config);
  double penalty = config.failure_penalty * std::max(current, prior_ms);
  if (latency_ms >= 0 && std::isfinite(latency_ms)) penalty = std::max(penalty, latency_ms);
  ObserveLocked(penalty, now_ns, config);
}

double PeakEwmaState::Value(int64_t now_ns, const PeakEwmaConfig &config) const {
  const double ema = ema_ms_.load(std::memory_order_relaxed);
  if (ema < 0) return ema;
  return ema * DecayWeight(now_ns - stamp_ns_.load(std::memory_order_relaxed), config.decay_ns);
}

}  // namespace llmroute
