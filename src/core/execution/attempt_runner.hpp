// One attempt's invocation, shared by plain and hedged calls: invokes the adapter and makes its
// result safe to report (latency measured when the adapter gave none, a stall turned into a
// timeout, out-of-range values clamped).
#pragma once

#include <algorithm>
#include <cmath>

#include "core/clock.hpp"
#include "core/execution/adapter.hpp"
#include "core/execution/call_options.hpp"
#include "core/router.hpp"

namespace llmroute {

// `stalled` receives whether the attempt stalled (the deployment's timeout: it counts against
// it, and before commit the call fails over).
inline AttemptResult InvokeAttempt(Adapter &adapter, const InvokeArgs &args, CallContext &context,
                                   const Clock &clock, bool *stalled) {
  const int64_t attempt_start = clock.NowNs();
  AttemptResult result = adapter.Invoke(args);
  // An adapter's values Report() would reject count as unknown here: the attempt happened and
  // its ticket must be completed whatever the adapter wrote.
  if (!(result.latency_ms >= 0) || !std::isfinite(result.latency_ms)) {
    result.latency_ms = static_cast<double>(clock.NowNs() - attempt_start) / kNsPerMs;
  }
  if (!std::isfinite(result.ttft_ms)) result.ttft_ms = -1;
  // A stall the adapter was told of, or one that ended the attempt in failure, is the
  // deployment's timeout: it counts against it, and before commit the call fails over.
  *stalled = context.stall().active() &&
             (context.stall().stalled() ||
              (result.outcome != Outcome::kSuccess && context.stall().Check(clock.NowNs())));
  if (*stalled) result.outcome = Outcome::kTimeout;
  result.input_tokens = std::max<int64_t>(result.input_tokens, 0);
  result.output_tokens = std::max<int64_t>(result.output_tokens, 0);
  const int outcome_value = static_cast<int>(result.outcome);
  if (outcome_value < 0 || outcome_value >= kOutcomeCount) {
    result.outcome = Outcome::kConnectionError;
    result.adapter_failed = true;
  }
  // llmr_call_commit() claimed the client's stream for this attempt.
  if (context.committed()) result.committed = true;
  return result;
}

inline ReportInput ToReportInput(const AttemptResult &result) {
  ReportInput in;
  in.outcome = result.outcome;
  in.latency_ms = result.latency_ms;
  in.ttft_ms = result.ttft_ms;
  in.retry_after_ms = std::max<int64_t>(0, result.retry_after_ms);
  in.input_tokens = result.input_tokens;
  in.output_tokens = result.output_tokens;
  return in;
}

// The timeout handed to the adapter: the smaller of the attempt's limit and the time left.
inline int64_t AttemptTimeoutMs(const CallOptions &options, int64_t deadline_ns, int64_t now_ns) {
  const int64_t left_ms = deadline_ns == INT64_MAX ? -1 : (deadline_ns - now_ns) / kNsPerMs;
  return options.attempt_timeout_ms > 0
             ? (left_ms >= 0 ? std::min(options.attempt_timeout_ms, left_ms)
                             : options.attempt_timeout_ms)
             : left_ms;
}

}  // namespace llmroute
