// Per-deployment circuit breaker: closed -> open (cooldown) -> half-open (bounded probes) ->
// closed, or open again with a doubled cooldown.
//
// A cooldown set by the provider's own Retry-After (a 429 that said when to come back) is a known
// deadline, not a guess about recovery: when it passes the deployment is back in fully, with no
// half-open probe. Probing it would leave every other request without a deployment
// (LLMR_ERR_NO_PROVIDER) while one probe per deployment runs, typically after a 429 storm has
// cooled down all of them at once. This is how LiteLLM's cooldowns end (a deployment's cooldown
// is a TTL; it is routable again when the TTL expires, docs.litellm.ai/docs/routing, "Cooldowns")
// and how Envoy's outlier detection returns an ejected host (back in the pool when its ejection
// time is over, no half-open state:
// envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier). Cooldowns the breaker
// chose itself (failures, whose end nobody knows) keep the probe, as Polly and Finagle do. A
// deadline learnt from the fleet does not say its cause, so it ends with a probe.
//
// Picks read only atomics (OpenUntilNs, Availability, TryAcquireProbe): they never wait on the
// lock that reports take. Time-driven transitions are lazy: "half-open" is simply "open with the
// cooldown over", so nothing has to run when a cooldown ends.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "core/health/breaker_config.hpp"
#include "core/health/failure_window.hpp"
#include "core/health/outcome.hpp"
#include "core/random.hpp"
#include "core/spin_lock.hpp"

namespace llmroute {

// Values equal llmr_breaker_state's (static_assert in src/capi/enum_ties.cpp).
enum class BreakerState : uint8_t { kClosed = 0, kOpen = 1, kHalfOpen = 2 };

// Values equal llmr_override's (static_assert in src/capi/enum_ties.cpp).
enum class Override : uint8_t { kAuto = 0, kForceOpen = 1, kForceClosed = 2 };

// What kind of call an outcome belongs to.
enum class CallKind : uint8_t {
  kNormal,  // picked while the breaker let it through normally
  kProbe,   // a half-open probe: success closes the breaker, failure re-opens it
  kPanic,   // sent by the panic policy while open: success closes it, failure changes nothing
};

// What one outcome did to the breaker (computed under its lock, so exact under concurrency).
struct BreakerChange {
  bool changed = false;
  BreakerState from = BreakerState::kClosed;
  BreakerState to = BreakerState::kClosed;
};

enum class Availability : uint8_t {
  kAvailable,    // pick it freely
  kProbe,        // half-open with a free probe slot: pick it only with TryAcquireProbe()
  kUnavailable,  // open, forced open, or half-open with every probe slot taken
};

class CircuitBreaker {
 public:
  // `config` and `degraded_count` outlive the breaker. `degraded_count` counts, router-wide, the
  // deployments that are not plainly closed, so that picks can skip all health checks while it
  // is zero.
  CircuitBreaker(const BreakerConfig *config, std::atomic<int32_t> *degraded_count);
  ~CircuitBreaker();
  CircuitBreaker(const CircuitBreaker &) = delete;
  CircuitBreaker &operator=(const CircuitBreaker &) = delete;

  // --- pick path: lock-free ---
  Availability Check(int64_t now_ns) const;
  bool TryAcquireProbe();
  void ReleaseProbe();
  // After a probe was admitted: true exactly once per cooldown, for the first probe, which is
  // when the breaker is seen to move from open to half-open (that move itself is lazy).
  bool MarkHalfOpen();
  // 0 when closed; otherwise the end of the cooldown (half-open from then on).
  int64_t OpenUntilNs() const { return open_until_ns_.load(std::memory_order_acquire); }
  Override override_mode() const { return override_.load(std::memory_order_acquire); }

  // --- report path: serialised by an internal lock ---
  // `retry_after_ns` > 0 with kRateLimited sets the cooldown (capped). Outcomes of normal calls
  // that arrive while the breaker is open (picked before it tripped) do not move it, except that
  // a retry-after can lengthen the cooldown.
  // Returns the transition it made, if any (closed or half-open -> open, open or half-open ->
  // closed).
  BreakerChange OnOutcome(Outcome outcome, int64_t retry_after_ns, CallKind kind, int64_t now_ns,
                          RandomSource &rng);
  void SetOverride(Override mode);
  // The deployment left the router: stop counting it as degraded.
  void Detach();

  // --- fleet shared state (shared_state/): read and written by the synchronisation thread ---
  struct SyncView {
    uint64_t epoch = 0;  // bumped by every local trip, cooldown extension and close
    int64_t open_until_ns = 0;
    uint32_t trips_in_row = 0;
  };
  SyncView ViewForSync();
  // Takes the fleet's breaker: open until `until_ns` (a running cooldown is never shortened; a
  // time already past means half-open), with at least `trips_in_row` re-trips for the next
  // cooldown's doubling, or closed. Only when nothing changed here since `epoch` was read;
  // otherwise *applied is false and the local change goes out with the next exchange. Not a
  // local change itself (the epoch stays).
  BreakerChange ApplyShared(uint64_t epoch, bool open, int64_t until_ns, uint32_t trips_in_row,
                            int64_t now_ns, bool *applied);

  // --- observation ---
  BreakerState State(int64_t now_ns) const;
  // For picks, lock-free: the ratio as of the last report, or 0 once the window has passed
  // since it (otherwise a deployment avoided for its old failures would never be tried again).
  double FailureRatio(int64_t now_ns) const;
  // Exact for `now_ns` (takes the breaker's lock): for health snapshots.
  double ExactFailureRatio(int64_t now_ns);
  int64_t Trips() const { return trips_.load(std::memory_order_relaxed); }
  // Transitions to half-open (see MarkHalfOpen) and to closed, lifetime.
  int64_t HalfOpens() const { return half_opens_.load(std::memory_order_relaxed); }
  int64_t Closes() const { return closes_.load(std::memory_order_relaxed); }
  int64_t ConsecutiveFailures() const { return consecutive_.load(std::memory_order_relaxed); }

 private:
  // Open on a provider's Retry-After whose deadline has passed (closed for picks already).
  bool KnownDeadlinePassedLocked(int64_t now_ns) const;
  void TripLocked(int64_t now_ns, int64_t explicit_cooldown_ns, RandomSource &rng);
  void ExtendLocked(int64_t until_ns);
  void CloseLocked();
  void UpdateDegradedLocked();

  const BreakerConfig *config_;
  std::atomic<int32_t> *degraded_count_;

  std::atomic<int64_t> open_until_ns_{0};
  std::atomic<Override> override_{Override::kAuto};
  std::atomic<uint32_t> probes_in_flight_{0};
  std::atomic<double> failure_ratio_{0.0};
  std::atomic<int64_t> last_record_ns_{0};
  std::atomic<int64_t> trips_{0};
  std::atomic<int64_t> consecutive_{0};
  std::atomic<int64_t> half_opens_{0};
  std::atomic<int64_t> closes_{0};
  std::atomic<int64_t> half_open_marked_{0};  // the open_until_ns_ whose half-open was counted
  // The running cooldown's end is a provider's Retry-After: no probe when it passes. Written
  // under mutex_, read by picks.
  std::atomic<bool> deadline_known_{false};

  // A spin lock: held for a few hundred instructions at most, where a contended std::mutex put
  // two threads reporting on one deployment into futex syscalls (perf, two-thread benchmark).
  SpinLock mutex_;
  FailureWindow window_;           // guarded by mutex_
  uint32_t trips_in_row_ = 0;      // re-trips since the last close; guarded by mutex_
  bool counted_degraded_ = false;  // guarded by mutex_
  bool detached_ = false;          // guarded by mutex_
  uint64_t epoch_ = 0;             // guarded by mutex_; see SyncView
};

}  // namespace llmroute
