#include "core/health/breaker.hpp"

#include <algorithm>
#include <cmath>

namespace llmroute {

CircuitBreaker::CircuitBreaker(const BreakerConfig *config, std::atomic<int32_t> *degraded_count)
    : config_(config), degraded_count_(degraded_count), window_(config->window_ns) {}

CircuitBreaker::~CircuitBreaker() {
  Detach();
}

Availability CircuitBreaker::Check(int64_t now_ns) const {
  switch (override_.load(std::memory_order_acquire)) {
    case Override::kForceOpen:
      return Availability::kUnavailable;
    case Override::kForceClosed:
      return Availability::kAvailable;
    case Override::kAuto:
      break;
  }
  const int64_t until = open_until_ns_.load(std::memory_order_acquire);
  if (until == 0) return Availability::kAvailable;
  if (now_ns < until) return Availability::kUnavailable;
  // The provider's own Retry-After has passed: back in fully, no probe (see breaker.hpp).
  if (deadline_known_.load(std::memory_order_relaxed)) return Availability::kAvailable;
  return probes_in_flight_.load(std::memory_order_relaxed) < config_->half_open_max_probes
             ? Availability::kProbe
             : Availability::kUnavailable;
}

bool CircuitBreaker::TryAcquireProbe() {
  uint32_t current = probes_in_flight_.load(std::memory_order_relaxed);
  while (current < config_->half_open_max_probes) {
    if (probes_in_flight_.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel)) {
      return true;
    }
  }
  return false;
}

void CircuitBreaker::ReleaseProbe() {
  probes_in_flight_.fetch_sub(1, std::memory_order_acq_rel);
}

bool CircuitBreaker::MarkHalfOpen() {
  const int64_t until = open_until_ns_.load(std::memory_order_acquire);
  if (until == 0) return false;  // closed meanwhile by another report
  int64_t marked = half_open_marked_.load(std::memory_order_relaxed);
  while (marked != until) {
    if (half_open_marked_.compare_exchange_weak(marked, until, std::memory_order_relaxed)) {
      half_opens_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

BreakerChange CircuitBreaker::OnOutcome(Outcome outcome, int64_t retry_after_ns, CallKind kind,
                                        int64_t now_ns, RandomSource &rng) {
  std::lock_guard<SpinLock> lock(mutex_);
  // A Retry-After cooldown that has passed is already closed for picks (Check); the close
  // itself happens here, lazily, at the first outcome after it. The outcome then counts as one
  // of a closed breaker. (In this function, not a helper: a second call per report cost 47
  // instructions of the callgrind pick + report loop.)
  BreakerChange expired;
  if (deadline_known_.load(std::memory_order_relaxed)) [[unlikely]] {
    if (KnownDeadlinePassedLocked(now_ns)) {
      CloseLocked();
      ++epoch_;  // news for the fleet, as any close
      expired = {true, BreakerState::kOpen, BreakerState::kClosed};
    }
  }
  // Closed by the expiry and then, by this outcome, opened again: one change from closed.
  auto result = [&](const BreakerChange &made) { return made.changed ? made : expired; };
  const bool open = open_until_ns_.load(std::memory_order_relaxed) != 0;
  const BreakerState before = State(now_ns);
  const int64_t trips_before = trips_.load(std::memory_order_relaxed);
  const int64_t until_before = open_until_ns_.load(std::memory_order_relaxed);
  // What changed: a close resets open_until_ns_, a trip counts in trips_.
  auto change = [&] {
    // A trip, a longer cooldown or a close is news for the fleet (shared_state/).
    if (open_until_ns_.load(std::memory_order_relaxed) != until_before ||
        trips_.load(std::memory_order_relaxed) != trips_before) {
      ++epoch_;
    }
    BreakerChange c;
    if (open && open_until_ns_.load(std::memory_order_relaxed) == 0) {
      c = {true, before, BreakerState::kClosed};
    } else if (trips_.load(std::memory_order_relaxed) != trips_before) {
      c = {true, before, BreakerState::kOpen};
    }
    return c;
  };
  const bool was_probe = kind == CallKind::kProbe;
  const bool proves_alive = kind != CallKind::kNormal;
  if (IsRequestFault(outcome)) {
    // The deployment answered; the request was at fault. A probe (or panic call) that got this
    // far shows the deployment is back.
    if (proves_alive && open) CloseLocked();
    UpdateDegradedLocked();
    return result(change());
  }
  const bool failure = IsFailure(outcome);
  window_.Record(now_ns, failure);
  const int64_t explicit_ns =
      outcome == Outcome::kRateLimited && retry_after_ns > 0 ? retry_after_ns : 0;
  if (!failure) {
    consecutive_.store(0, std::memory_order_relaxed);
    if (proves_alive && open) CloseLocked();
  } else {
    const int64_t consecutive = consecutive_.fetch_add(1, std::memory_order_relaxed) + 1;
    // One count serves the trip decision and the ratio picks read (nothing below touches the
    // window: only a close clears it).
    const FailureWindow::Counts counts = window_.Count(now_ns);
    failure_ratio_.store(counts.Ratio(), std::memory_order_relaxed);
    if (was_probe && open) {
      TripLocked(now_ns, explicit_ns, rng);
    } else if (!open) {
      const bool ratio_trip =
          counts.total >= config_->min_requests && counts.Ratio() > config_->failure_ratio;
      if (explicit_ns > 0 || consecutive >= static_cast<int64_t>(config_->consecutive_failures) ||
          ratio_trip) {
        TripLocked(now_ns, explicit_ns, rng);
      }
    } else if (explicit_ns > 0) {
      // A late 429 from a call picked before the trip: honour its retry-after, never shorten.
      ExtendLocked(now_ns + std::min(explicit_ns, config_->cooldown_max_ns));
    }
  }
  // After a success (which may have closed the breaker and cleared the window). A success
  // cannot lift a ratio of 0 (no failure left in the window stays none): skip the count then.
  if (!failure && failure_ratio_.load(std::memory_order_relaxed) != 0.0) {
    failure_ratio_.store(window_.Count(now_ns).Ratio(), std::memory_order_relaxed);
  }
  last_record_ns_.store(now_ns, std::memory_order_relaxed);
  UpdateDegradedLocked();
  return result(change());
}

bool CircuitBreaker::KnownDeadlinePassedLocked(int64_t now_ns) const {
  const int64_t until = open_until_ns_.load(std::memory_order_relaxed);
  return until != 0 && now_ns >= until && deadline_known_.load(std::memory_order_relaxed);
}

double CircuitBreaker::FailureRatio(int64_t now_ns) const {
  if (now_ns - last_record_ns_.load(std::memory_order_relaxed) >= config_->window_ns) return 0.0;
  return failure_ratio_.load(std::memory_order_relaxed);
}

double CircuitBreaker::ExactFailureRatio(int64_t now_ns) {
  std::lock_guard<SpinLock> lock(mutex_);
  return window_.Count(now_ns).Ratio();
}

void CircuitBreaker::TripLocked(int64_t now_ns, int64_t explicit_cooldown_ns, RandomSource &rng) {
  ++trips_in_row_;
  int64_t cooldown = 0;
  // Before the deadline is published (release below): a pick that sees the deadline sees this.
  deadline_known_.store(explicit_cooldown_ns > 0, std::memory_order_relaxed);
  if (explicit_cooldown_ns > 0) {
    cooldown = std::min(explicit_cooldown_ns, config_->cooldown_max_ns);
  } else {
    // base * multiplier^(n-1), computed in double so that a long run of re-trips cannot
    // overflow (multiplier <= 10 and n - 1 <= 61 stay far below the largest double).
    const double grown = static_cast<double>(config_->cooldown_base_ns) *
                         std::pow(config_->cooldown_multiplier,
                                  static_cast<double>(std::min<uint32_t>(trips_in_row_, 62) - 1));
    const double jitter = 1.0 + config_->jitter * (2.0 * Uniform01(rng) - 1.0);
    const double capped = std::min(grown, static_cast<double>(config_->cooldown_max_ns));
    cooldown = std::min(static_cast<int64_t>(capped * jitter), config_->cooldown_max_ns);
  }
  ExtendLocked(now_ns + std::max<int64_t>(cooldown, 1));
  trips_.fetch_add(1, std::memory_order_relaxed);
}

void CircuitBreaker::ExtendLocked(int64_t until_ns) {
  // A new trip never shortens a cooldown already running (LiteLLM #40130 kept the shorter one).
  const int64_t current = open_until_ns_.load(std::memory_order_relaxed);
  if (current == 0 || until_ns > current) open_until_ns_.store(until_ns, std::memory_order_release);
}

void CircuitBreaker::CloseLocked() {
  closes_.fetch_add(1, std::memory_order_relaxed);
  open_until_ns_.store(0, std::memory_order_release);
  deadline_known_.store(false, std::memory_order_relaxed);
  trips_in_row_ = 0;
  window_.Clear();
  consecutive_.store(0, std::memory_order_relaxed);
}

void CircuitBreaker::SetOverride(Override mode) {
  std::lock_guard<SpinLock> lock(mutex_);
  override_.store(mode, std::memory_order_release);
  UpdateDegradedLocked();
}

void CircuitBreaker::Detach() {
  std::lock_guard<SpinLock> lock(mutex_);
  if (counted_degraded_) degraded_count_->fetch_sub(1, std::memory_order_acq_rel);
  counted_degraded_ = false;
  detached_ = true;
}

void CircuitBreaker::UpdateDegradedLocked() {
  if (detached_) return;
  const bool degraded = open_until_ns_.load(std::memory_order_relaxed) != 0 ||
                        override_.load(std::memory_order_relaxed) == Override::kForceOpen;
  if (degraded == counted_degraded_) return;
  degraded_count_->fetch_add(degraded ? 1 : -1, std::memory_order_acq_rel);
  counted_degraded_ = degraded;
}

CircuitBreaker::SyncView CircuitBreaker::ViewForSync() {
  std::lock_guard<SpinLock> lock(mutex_);
  return {epoch_, open_until_ns_.load(std::memory_order_relaxed), trips_in_row_};
}

BreakerChange CircuitBreaker::ApplyShared(uint64_t epoch, bool open, int64_t until_ns,
                                          uint32_t trips_in_row, int64_t now_ns, bool *applied) {
  std::lock_guard<SpinLock> lock(mutex_);
  *applied = epoch == epoch_;
  if (!*applied) return {};
  const int64_t current = open_until_ns_.load(std::memory_order_relaxed);
  const BreakerState before = State(now_ns);
  BreakerChange change;
  if (open) {
    trips_in_row_ = std::max(trips_in_row_, trips_in_row);
    const int64_t until = std::max<int64_t>(until_ns, 1);
    // The fleet's deadline does not say why it was set: it ends with a probe, as a failure's.
    if (current == 0 || until > current) deadline_known_.store(false, std::memory_order_relaxed);
    if (current == 0) {
      open_until_ns_.store(until, std::memory_order_release);
      trips_.fetch_add(1, std::memory_order_relaxed);
      change = {true, before, BreakerState::kOpen};
    } else if (until > current) {
      open_until_ns_.store(until, std::memory_order_release);
    }
  } else if (current != 0) {
    CloseLocked();
    change = {true, before, BreakerState::kClosed};
  }
  UpdateDegradedLocked();
  return change;
}

BreakerState CircuitBreaker::State(int64_t now_ns) const {
  const int64_t until = open_until_ns_.load(std::memory_order_acquire);
  if (until == 0) return BreakerState::kClosed;
  if (now_ns < until) return BreakerState::kOpen;
  // Past a provider's Retry-After the breaker is closed (the close is recorded lazily).
  return deadline_known_.load(std::memory_order_relaxed) ? BreakerState::kClosed
                                                         : BreakerState::kHalfOpen;
}

}  // namespace llmroute
