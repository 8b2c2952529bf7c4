// Options of one Router::Call, and the context an adapter sees during one attempt.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/execution/cancel_token.hpp"
#include "core/execution/stall_watch.hpp"
#include "core/limits/priority_reserve.hpp"
#include "core/status.hpp"

namespace llmroute {

struct CallOptions {
  int64_t deadline_ms = 0;         // 0: none
  int64_t attempt_timeout_ms = 0;  // 0: none
  uint32_t max_attempts = 3;
  int64_t backoff_base_ms = 100;
  int64_t backoff_max_ms = 5000;
  CancelToken *cancel = nullptr;
  // Stalled streams (stall_watch.hpp): no first byte within this long, or no chunk for this long
  // after it (0: none).
  int64_t first_byte_timeout_ms = 0;
  int64_t idle_timeout_ms = 0;
  // Hedging (hedged_attempt.hpp): when the first attempt has produced nothing after
  // hedge_after_ms (0: off), or after the model's hedge_after_quantile latency (0: off; the
  // quantile of the model's latency histogram, floored at hedge_after_ms), another attempt starts
  // on another deployment, up to max_hedges of them, one more per further delay.
  int64_t hedge_after_ms = 0;
  double hedge_after_quantile = 0;
  uint32_t max_hedges = 1;
  // Every attempt's priority class (limits/priority_reserve.hpp).
  int64_t priority = kDefaultPriority;

  static constexpr uint32_t kMaxAttempts = 10;
  // gRPC's hedging policy caps maxAttempts (the first attempt and its hedges) at 5.
  static constexpr uint32_t kMaxHedges = 4;
  static constexpr int64_t kMaxHedgeAfterMs = 86'400'000;  // a day
  bool Hedging() const {
    return (hedge_after_ms > 0 || hedge_after_quantile > 0) && max_hedges > 0;
  }
  Status Validate() const;
};

// The attempts of one hedged call as an attempt's context sees them (HedgedAttempt).
class AttemptGroup {
 public:
  // An adapter of the group polled or reported progress: a hedge that is due starts now (so a
  // hedge's start does not wait for the group's timer thread to wake up).
  virtual void OnCheck() = 0;
  // Attempt `slot` wants to send bytes to the client: true when it is the call's winner (the
  // first to claim, or to succeed), false when another attempt already won.
  virtual bool Claim(size_t slot) = 0;

 protected:
  ~AttemptGroup() = default;
};

// Handed to the adapter for one attempt.
class CallContext {
 public:
  CallContext(const Clock &clock, int64_t deadline_ns, CancelToken *cancel,
              const CallOptions &options)
      : clock_(clock),
        deadline_ns_(deadline_ns),
        cancel_(cancel),
        stall_(options.first_byte_timeout_ms, options.idle_timeout_ms, clock.NowNs()) {}

  // The adapter received a chunk of the response (llmr_call_progress).
  void Progress() { stall_.Progress(clock_.NowNs()); }
  // Part of a hedged call: attempt `slot` of `group`, cancelled through `lost` when another
  // attempt wins.
  void JoinGroup(AttemptGroup *group, size_t slot, const CancelToken *lost) {
    group_ = group;
    slot_ = slot;
    lost_ = lost;
  }
  bool is_hedge() const { return group_ != nullptr && slot_ > 0; }
  // The adapter is about to send bytes to the client (llmr_call_commit): kOk when this attempt
  // may (it then counts as committed), kCancelled when another attempt of the call won.
  Code Commit() {
    if (group_ != nullptr && !group_->Claim(slot_)) return Code::kCancelled;
    committed_.store(true, std::memory_order_release);
    return Code::kOk;
  }
  bool committed() const { return committed_.load(std::memory_order_acquire); }
  StallWatch &stall() { return stall_; }

  void SetResponse(std::string bytes) {
    response_ = std::move(bytes);
    has_response_ = true;
  }
  // kOk, kCancelled, kDeadlineExceeded or kStreamStalled.
  Code Check() const {
    if (cancel_ != nullptr && cancel_->Cancelled()) return Code::kCancelled;
    if (lost_ != nullptr && lost_->Cancelled()) return Code::kCancelled;
    if (group_ != nullptr) group_->OnCheck();
    const int64_t now = clock_.NowNs();
    if (now >= deadline_ns_) return Code::kDeadlineExceeded;
    if (stall_.active() && stall_.Check(now)) return Code::kStreamStalled;
    return Code::kOk;
  }
  bool has_response() const { return has_response_; }
  std::string TakeResponse() { return std::move(response_); }

 private:
  const Clock &clock_;
  int64_t deadline_ns_;
  CancelToken *cancel_;
  // Mutable: Check() latches a stall, and adapters check through a const context.
  mutable StallWatch stall_;
  std::string response_;
  bool has_response_ = false;
  AttemptGroup *group_ = nullptr;  // null: not a hedged call
  size_t slot_ = 0;                // 0: the first attempt, then its hedges
  const CancelToken *lost_ = nullptr;
  std::atomic<bool> committed_{false};
};

}  // namespace llmroute
