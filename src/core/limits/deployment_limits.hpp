// Per-deployment request and token limits: requests per minute, tokens per minute (both over a
// sliding 60 s window of one-second buckets) and calls in flight. A deployment at a limit is not
// eligible. Only deployments with a limit pay for the check; the lock is per deployment.
//
// Within one router the rpm limit is exact (admission and counting happen under one lock). The
// in-flight limit is approximate: the count is read under the lock but raised after it, so
// threads admitted at the same instant may overshoot by their number (Envoy documents the same
// for its circuit-breaker counters).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "core/spin_lock.hpp"

namespace llmroute {

class DeploymentLimits {
 public:
  void Configure(uint32_t rpm, uint64_t tpm, uint32_t max_in_flight);
  bool Active() const { return active_.load(std::memory_order_acquire); }

  // Whether a request could start now. Read-only.
  bool Admits(int64_t now_ns, int64_t in_flight);
  // Like Admits, and counts the request when it does.
  bool TryAdmit(int64_t now_ns, int64_t in_flight);
  // Adds reported usage to the token window.
  void AddTokens(int64_t now_ns, int64_t tokens);
  // Milliseconds until Admits() could become true (at least 1 when it is false now).
  int64_t MsUntilCapacity(int64_t now_ns, int64_t in_flight);

  // Requests and tokens in the last 60 s.
  uint64_t RequestsInWindow(int64_t now_ns);
  uint64_t TokensInWindow(int64_t now_ns);

 private:
  static constexpr int kSeconds = 60;
  struct Bucket {
    int64_t second = -1;
    uint64_t requests = 0;
    uint64_t tokens = 0;
  };
  bool AdmitsLocked(int64_t now_s, int64_t in_flight);
  Bucket &CurrentLocked(int64_t now_s);
  template <typename F>
  uint64_t SumLocked(int64_t now_s, F field) const;
  // Seconds from now until the window's total of `field` drops below `limit`.
  template <typename F>
  int64_t SecondsUntilBelowLocked(int64_t now_s, uint64_t limit, F field) const;

  std::atomic<bool> active_{false};
  std::atomic<uint32_t> rpm_{0};
  std::atomic<uint64_t> tpm_{0};
  std::atomic<uint32_t> max_in_flight_{0};
  SpinLock lock_;
  std::array<Bucket, kSeconds> buckets_{};  // guarded by lock_
};

}  // namespace llmroute
