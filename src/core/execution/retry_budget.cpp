#include "core/execution/retry_budget.hpp"

#include <algorithm>
#include <cmath>

namespace llmroute {

RetryBudget::RetryBudget(double max_tokens, double token_ratio)
    : max_(static_cast<int64_t>(std::llround(max_tokens * kScale))),
      ratio_(static_cast<int64_t>(std::llround(token_ratio * kScale))),
      level_(max_) {}

void RetryBudget::OnFailure() {
  int64_t level = level_.load(std::memory_order_relaxed);
  while (!level_.compare_exchange_weak(level, std::max<int64_t>(0, level - kScale),
                                       std::memory_order_relaxed)) {
  }
}

void RetryBudget::OnSuccess() {
  int64_t level = level_.load(std::memory_order_relaxed);
  while (!level_.compare_exchange_weak(level, std::min(max_, level + ratio_),
                                       std::memory_order_relaxed)) {
  }
}

bool RetryBudget::AllowRetry() const {
  return level_.load(std::memory_order_relaxed) * 2 > max_;
}

double RetryBudget::Tokens() const {
  return static_cast<double>(level_.load(std::memory_order_relaxed)) / kScale;
}

}  // namespace llmroute
