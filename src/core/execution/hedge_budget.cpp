#include "core/execution/hedge_budget.hpp"

#include <algorithm>
#include <cmath>

namespace llmroute {

HedgeBudget::HedgeBudget(double max_tokens, double ratio)
    : max_(static_cast<int64_t>(std::llround(max_tokens * kScale))),
      ratio_(static_cast<int64_t>(std::llround(ratio * kScale))),
      level_(max_) {}

void HedgeBudget::OnCall() {
  if (ratio_ == 0) return;
  int64_t level = level_.load(std::memory_order_relaxed);
  while (level < max_ && !level_.compare_exchange_weak(level, std::min(max_, level + ratio_),
                                                       std::memory_order_relaxed)) {
  }
}

bool HedgeBudget::TryTake() {
  int64_t level = level_.load(std::memory_order_relaxed);
  while (level >= kScale) {
    if (level_.compare_exchange_weak(level, level - kScale, std::memory_order_relaxed)) return true;
  }
  return false;
}

void HedgeBudget::Refund() {
  int64_t level = level_.load(std::memory_order_relaxed);
  while (!level_.compare_exchange_weak(level, std::min(max_, level + kScale),
                                       std::memory_order_relaxed)) {
  }
}

double HedgeBudget::Tokens() const {
  return static_cast<double>(level_.load(std::memory_order_relaxed)) / kScale;
}

}  // namespace llmroute
