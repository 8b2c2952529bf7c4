// Statistics of one deployment that only observation reads: calls by outcome, token usage and
// the latency histogram. Written by reports with relaxed atomics (statistics, not
// synchronisation); they live in DeploymentState, so they survive updates and reloads.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>

#include "core/health/outcome.hpp"
#include "core/stats/latency_histogram.hpp"

namespace llmroute {

class DeploymentStats {
 public:
  // One report: its outcome, its token usage, and for a success its total latency (negative:
  // unknown).
  void Record(Outcome outcome, double latency_ms, int64_t input_tokens, int64_t output_tokens) {
    outcomes_[static_cast<size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
    // Hosts report whatever they were told; a cap per report keeps absurd counts from wrapping
    // the lifetime totals negative (2^23 such reports would still fit).
    constexpr int64_t kMaxTokensPerReport = int64_t{1} << 40;
    if (input_tokens > 0) {
      input_tokens_.fetch_add(std::min(input_tokens, kMaxTokensPerReport),
                              std::memory_order_relaxed);
    }
    if (output_tokens > 0) {
      output_tokens_.fetch_add(std::min(output_tokens, kMaxTokensPerReport),
                               std::memory_order_relaxed);
    }
    if (outcome == Outcome::kSuccess) latency_.Record(latency_ms);
  }

  int64_t Outcomes(Outcome outcome) const {
    return outcomes_[static_cast<size_t>(outcome)].load(std::memory_order_relaxed);
  }
  int64_t InputTokens() const { return input_tokens_.load(std::memory_order_relaxed); }
  int64_t OutputTokens() const { return output_tokens_.load(std::memory_order_relaxed); }
  const LatencyHistogram &latency() const { return latency_; }

 private:
  std::array<std::atomic<int64_t>, kOutcomeCount> outcomes_{};
  std::atomic<int64_t> input_tokens_{0};
  std::atomic<int64_t> output_tokens_{0};
  LatencyHistogram latency_;
};

}  // namespace llmroute
