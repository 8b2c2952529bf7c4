// Per-deployment request and token limits: requests per minute, tokens per minute (both over a
// sliding 60 s window of one-second buckets) and calls in flight. A deployment at a limit is not
// eligible. Only deployments with a limit pay for the check; the lock is per deployment.
//
// Within one router the rpm limit is exact (admission and counting happen under one lock). The
// in-flight limit is approximate: the count is read under the lock but raised after it, so
// threads admitted at the same instant may overshoot by their number (Envoy documents the same
// for its circuit-breaker counters).
//
// Fleet-wide (shared state, docs/fleet.md): when linked to a FleetLink that is active, rpm and tpm
// are checked against the fleet's usage as of the last exchange plus this instance's usage not yet
// sent, and an instance admits at most a batch of requests between two exchanges. That is what
// bounds the fleet's overshoot; nothing here waits on the network.
//
// Priority reservations (limits/priority_reserve.hpp): a share of each limit may be kept for the
// requests at or above a priority. A request of a lower priority then meets a smaller limit (the
// full one minus the reserve), so it is refused while only the reserve is left; priority 0 meets
// the full limit. Without reservations every class meets the full limit: the thresholds are
// precomputed per class, so a check costs the same with or without them. The fleet's batch stays
// a share of the full rpm: a reservation only lowers the thresholds, never the overshoot bound.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "core/limits/priority_reserve.hpp"
#include "core/shared_state/fleet_link.hpp"
#include "core/spin_lock.hpp"

namespace llmroute {

class DeploymentLimits {
 public:
  // `reserve` must have passed ValidateReserve (priority_reserve.hpp).
  void Configure(uint32_t rpm, uint64_t tpm, uint32_t max_in_flight,
                 const std::vector<ReserveLevel> &reserve = {});
  bool Active() const { return active_.load(std::memory_order_acquire); }
  // Whether some limit keeps a reserve for the higher priorities.
  bool Reserves() const { return reserves_.load(std::memory_order_relaxed); }

  // `priority` is the request's class, 0 (highest) .. kPriorityCount - 1; larger values count as
  // the lowest class.
  // Whether a request could start now. Read-only.
  bool Admits(int64_t now_ns, int64_t in_flight, uint32_t priority = kDefaultPriority);
  // Like Admits, and counts the request when it does.
  bool TryAdmit(int64_t now_ns, int64_t in_flight, uint32_t priority = kDefaultPriority);
  // Adds reported usage to the token window.
  void AddTokens(int64_t now_ns, int64_t tokens);
  // Milliseconds until Admits() could become true for the class (at least 1 when it is false
  // now); -1 when the reservations leave this class nothing of some limit (it never will).
  int64_t MsUntilCapacity(int64_t now_ns, int64_t in_flight, uint32_t priority = kDefaultPriority);
  // Whether the request is refused only because of a reserve: it would be admitted at priority 0.
  bool RefusedByReserve(int64_t now_ns, int64_t in_flight, uint32_t priority);

  // Requests and tokens in the last 60 s.
  uint64_t RequestsInWindow(int64_t now_ns);
  uint64_t TokensInWindow(int64_t now_ns);

  // --- fleet-wide counts (shared_state/) ---
  uint32_t rpm() const { return rpm_.load(std::memory_order_relaxed); }
  uint64_t tpm() const { return tpm_.load(std::memory_order_relaxed); }
  // Links the limits to the fleet synchronisation; from then on usage is counted for it.
  void LinkFleet(FleetLink *fleet) { fleet_.store(fleet, std::memory_order_release); }
  struct Usage {
    uint64_t requests = 0;
    uint64_t tokens = 0;
  };
  // Moves the usage not yet sent to the fleet into transit and returns it: at most what the local
  // window holds (older usage no longer counts), or the whole local window when `whole_window`
  // (the store lost what was sent before). When `seconds` is not null it receives the same usage
  // second by second, newest first (the unsent usage is the newest: everything older was sent),
  // so that the store files it under the seconds it happened in.
  Usage TakeUnsynced(int64_t now_ns, bool whole_window,
                     std::vector<UsageSecond> *seconds = nullptr);
  // The exchange succeeded: the fleet's window holds `requests` and `tokens` (ours included) and
  // falls below the limits in *_free_ms.
  void ApplyFleet(uint64_t requests, uint64_t tokens, int64_t requests_free_ms,
                  int64_t tokens_free_ms, int64_t now_ns);
  // The exchange failed: the usage in transit goes out with the next one.
  void FleetFailed();

 private:
  static constexpr int kSeconds = 60;
  struct Bucket {
    int64_t second = -1;
    uint64_t requests = 0;
    uint64_t tokens = 0;
  };
  // *wake: an exchange with the fleet could let the request in (batch used up, or the fleet's
  // window has moved on since the last exchange).
  bool AdmitsLocked(int64_t now_ns, int64_t in_flight, uint32_t priority, bool *wake);
  bool FleetAdmitsLocked(int64_t now_ns, const FleetLink &fleet, uint32_t priority,
                         bool *wake) const;
  int64_t FleetMsUntilCapacityLocked(int64_t now_ns, const FleetLink &fleet,
                                     uint32_t priority) const;
  void Wake(bool wake) const;
  Bucket &CurrentLocked(int64_t now_s);
  // Appends `amount` spread over the window's seconds, newest first (see TakeUnsynced).
  void SpreadLocked(int64_t now_s, Usage amount, std::vector<UsageSecond> *seconds) const;
  template <typename F>
  uint64_t SumLocked(int64_t now_s, F field) const;
  // Seconds from now until the window's total of `field` drops below `limit`.
  template <typename F>
  int64_t SecondsUntilBelowLocked(int64_t now_s, uint64_t limit, F field) const;

  std::atomic<bool> active_{false};
  std::atomic<uint32_t> rpm_{0};
  std::atomic<uint64_t> tpm_{0};
  std::atomic<uint32_t> max_in_flight_{0};
  // What each class may use of each limit: the limit minus the reserve kept for the classes
  // above it (equal to the limit for every class without reservations).
  std::array<std::atomic<uint64_t>, kPriorityCount> rpm_usable_{};
  std::array<std::atomic<uint64_t>, kPriorityCount> tpm_usable_{};
  std::array<std::atomic<uint64_t>, kPriorityCount> in_flight_usable_{};
  std::atomic<bool> reserves_{false};
  SpinLock lock_;
  std::array<Bucket, kSeconds> buckets_{};  // guarded by lock_
  std::atomic<FleetLink *> fleet_{nullptr};
  // Guarded by lock_: the fleet's usage as of the last exchange, when it falls below the limits
  // (on this router's clock), and this instance's usage not yet sent or on its way.
  uint64_t fleet_requests_ = 0;
  uint64_t fleet_tokens_ = 0;
  int64_t fleet_requests_free_ns_ = 0;
  int64_t fleet_tokens_free_ns_ = 0;
  Usage unsynced_;
  Usage transit_;
};

}  // namespace llmroute
