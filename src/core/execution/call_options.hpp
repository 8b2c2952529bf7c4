// Options of one Router::Call, and the context an adapter sees during one attempt.
#pragma once

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
  // Every attempt's priority class (limits/priority_reserve.hpp).
  int64_t priority = kDefaultPriority;

  static constexpr uint32_t kMaxAttempts = 10;
  Status Validate() const;
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
  StallWatch &stall() { return stall_; }

  void SetResponse(std::string bytes) {
    response_ = std::move(bytes);
    has_response_ = true;
  }
  // kOk, kCancelled, kDeadlineExceeded or kStreamStalled.
  Code Check() const {
    if (cancel_ != nullptr && cancel_->Cancelled()) return Code::kCancelled;
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
};

}  // namespace llmroute
