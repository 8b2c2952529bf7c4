// The retry budget: gRPC's retry throttling token bucket (gRFC A6).
//
// The bucket starts full at max_tokens. A failed attempt takes one token, a success gives back
// token_ratio; a retry is allowed only while the bucket holds more than half of max_tokens. So
// when a provider is down, retries stop after about max_tokens / 2 failures while first attempts
// continue, and they resume as successes refill the bucket: an outage cannot become a retry storm.
// Chosen over Envoy's "active retries <= 20% of active requests" because it needs no count of
// concurrent requests, behaves the same for one caller and for many, and is deterministic to test.
// Lock-free: the level is kept in thousandths of a token in one atomic.
#pragma once

#include <atomic>
#include <cstdint>

namespace llmroute {

class RetryBudget {
 public:
  RetryBudget(double max_tokens, double token_ratio);

  void OnFailure();
  void OnSuccess();
  bool AllowRetry() const;
  double Tokens() const;

 private:
  static constexpr int64_t kScale = 1000;
  int64_t max_;
  int64_t ratio_;
  std::atomic<int64_t> level_;
};

}  // namespace llmroute
