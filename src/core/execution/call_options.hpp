// Options of one Router::Call, and the context an adapter sees during one attempt.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/execution/cancel_token.hpp"
#include "core/status.hpp"

namespace llmroute {

struct CallOptions {
  int64_t deadline_ms = 0;         // 0: none
  int64_t attempt_timeout_ms = 0;  // 0: none
  uint32_t max_attempts = 3;
  int64_t backoff_base_ms = 100;
  int64_t backoff_max_ms = 5000;
  CancelToken *cancel = nullptr;

  static constexpr uint32_t kMaxAttempts = 10;
  Status Validate() const;
};

// Handed to the adapter for one attempt.
class CallContext {
 public:
  CallContext(const Clock &clock, int64_t deadline_ns, CancelToken *cancel)
      : clock_(clock), deadline_ns_(deadline_ns), cancel_(cancel) {}

  void SetResponse(std::string bytes) {
    response_ = std::move(bytes);
    has_response_ = true;
  }
  // kOk, kCancelled or kDeadlineExceeded.
  Code Check() const {
    if (cancel_ != nullptr && cancel_->Cancelled()) return Code::kCancelled;
    if (clock_.NowNs() >= deadline_ns_) return Code::kDeadlineExceeded;
    return Code::kOk;
  }
  bool has_response() const { return has_response_; }
  std::string TakeResponse() { return std::move(response_); }

 private:
  const Clock &clock_;
  int64_t deadline_ns_;
  CancelToken *cancel_;
  std::string response_;
  bool has_response_ = false;
};

}  // namespace llmroute
