// Router::Call (CallExecutor, call_executor.hpp): drive one request through provider adapters,
// with retries, fallbacks, a deadline, a retry budget and cancellation. Every attempt goes
// through the router's public Pick / Report / Cancel, the path a host uses, so health, limits
// and statistics see calls and host-driven requests alike.
//
// Order of decisions after an attempt (LiteLLM's Router.completion is the anchor, with its known
// bugs avoided: retries honour backoff and the deadline, and fallbacks never retry the request's
// own faults):
//   success                              -> done
//   committed stream, any failure        -> done (bytes reached the client: never retry)
//   bad request, auth error              -> done at once
//   context window / content policy      -> the next model of that fallback chain
//   rate limited, 5xx, timeout, connect  -> another deployment of the model, then the general
//                                           fallback chain, after a full-jitter backoff, while
//                                           max_attempts, the retry budget and the deadline allow
#include <algorithm>
#include <cmath>

#include "core/execution/attempt_runner.hpp"
#include "core/execution/call_executor.hpp"
#include "core/execution/hedged_attempt.hpp"
#include "core/router.hpp"

namespace llmroute {

Status CallOptions::Validate() const {
  if (deadline_ms < 0) return {Code::kInvalidArgument, "deadline_ms must be >= 0"};
  if (attempt_timeout_ms < 0) return {Code::kInvalidArgument, "attempt_timeout_ms must be >= 0"};
  if (first_byte_timeout_ms < 0) {
    return {Code::kInvalidArgument, "first_byte_timeout_ms must be >= 0 (0: none)"};
  }
  if (idle_timeout_ms < 0)
    return {Code::kInvalidArgument, "idle_timeout_ms must be >= 0 (0: none)"};
  // Kept in range for the nanosecond arithmetic (a year is far beyond any stream).
  if (first_byte_timeout_ms > 31'536'000'000 || idle_timeout_ms > 31'536'000'000) {
    return {Code::kInvalidArgument, "first_byte_timeout_ms and idle_timeout_ms are at most a year"};
  }
  if (Status s = ValidatePriority(priority); !s.ok()) return s;
  if (max_attempts < 1 || max_attempts > kMaxAttempts) {
    return {Code::kInvalidArgument, "max_attempts must be in 1.." + std::to_string(kMaxAttempts)};
  }
  if (hedge_after_ms < 0 || hedge_after_ms > kMaxHedgeAfterMs) {
    return {Code::kInvalidArgument, "hedge_after_ms must be in 0..86400000 (0: no hedging)"};
  }
  if (!(hedge_after_quantile >= 0 && hedge_after_quantile < 1)) {
    return {Code::kInvalidArgument,
            "hedge_after_quantile must be in [0, 1) (0: none; 0.95: the model's p95 latency)"};
  }
  if (max_hedges > kMaxHedges) {
    return {Code::kInvalidArgument, "max_hedges must be in 0.." + std::to_string(kMaxHedges)};
  }
  if (backoff_base_ms < 0 || backoff_max_ms < backoff_base_ms || backoff_max_ms > 3'600'000) {
    return {Code::kInvalidArgument,
            "backoff_base_ms must be >= 0 and <= backoff_max_ms (at most one hour)"};
  }
  return Status::Ok();
}

namespace {

bool IsRetryable(Outcome outcome) {
  return outcome == Outcome::kRateLimited || outcome == Outcome::kServerError ||
         outcome == Outcome::kTimeout || outcome == Outcome::kConnectionError;
}

int64_t NsToMs(int64_t ns) {
  return ns / kNsPerMs;
}

}  // namespace

CallExecutor::CallExecutor(Router &router, Clock &clock, RandomSource &rng, Sleeper &sleeper,
                           ModelStatsRegistry &model_stats, double retry_budget_max_tokens,
                           double retry_budget_token_ratio, double hedge_budget_max_tokens,
                           double hedge_budget_ratio)
    : router_(router),
      clock_(clock),
      rng_(rng),
      sleeper_(sleeper),
      model_stats_(model_stats),
      retry_budget_(retry_budget_max_tokens, retry_budget_token_ratio),
      hedge_budget_(hedge_budget_max_tokens, hedge_budget_ratio) {}

int64_t CallExecutor::HedgeDelayNs(const CallOptions &options, const std::string &model) {
  int64_t delay_ms = options.hedge_after_ms;
  if (options.hedge_after_quantile > 0) {
    // The model's latency at that quantile, never below hedge_after_ms; without a sample yet,
    // hedge_after_ms alone (0: no hedge until the model has one).
    const double quantile_ms = router_.ModelLatencyQuantileMs(model, options.hedge_after_quantile);
    if (quantile_ms > 0) {
      delay_ms = std::max<int64_t>(delay_ms, static_cast<int64_t>(std::ceil(quantile_ms)));
    }
  }
  return std::min<int64_t>(delay_ms, CallOptions::kMaxHedgeAfterMs) * kNsPerMs;
}

Status CallExecutor::Call(std::string_view model, std::string_view request,
                          const CallOptions &options, CallReport *report) {
  if (Status s = options.Validate(); !s.ok()) return s;
  const int64_t start = clock_.NowNs();
  const int64_t deadline =
      options.deadline_ms > 0
          ? start + std::min(options.deadline_ms, INT64_MAX / 4 / kNsPerMs) * kNsPerMs
          : INT64_MAX;
  auto finish = [&](Code code, std::string detail) {
    report->status = code;
    report->detail = std::move(detail);
    report->total_ms = NsToMs(clock_.NowNs() - start);
    return code == Code::kOk ? Status::Ok() : Status(code, report->detail);
  };

  // The model chains, resolved once from the snapshot current at the start of the call.
  const CallChains chains = router_.ResolveCallChains(model);
  const std::string &original = chains.model;
  const std::vector<std::string> &general = chains.general;
  const std::vector<std::string> &context_window = chains.context_window;
  const std::vector<std::string> &content_policy = chains.content_policy;
  std::string current = original;
  size_t next_general = 0, next_context = 0, next_policy = 0;
  std::vector<std::string> tried;  // deployments of `current` that failed
  std::string last_failed;
  uint32_t retries = 0;
  uint32_t sequential = 0;  // attempts one after the other (hedges run beside the first)
  int64_t backoff_ms = 0;
  bool any_attempt = false;
  bool widened = false;  // `tried` was narrowed once since the last attempt

  auto switch_model = [&](const std::string &next) {
    model_stats_.For(current)->AddFallback();  // statistics: the model the call moved on from
    current = next;
    tried.clear();
    report->used_fallback = true;
  };

  while (true) {
    if (options.cancel != nullptr && options.cancel->Cancelled()) {
      return finish(Code::kCancelled, "cancelled");
    }
    if (clock_.NowNs() >= deadline) return finish(Code::kDeadlineExceeded, "deadline exceeded");

    std::vector<const char *> exclude;
    for (const std::string &name : tried) exclude.push_back(name.c_str());
    PickResult pick;
    PickRequest pick_request;
    pick_request.exclude = exclude.data();
    pick_request.exclude_count = exclude.size();
    // Deployments without an adapter serve the host's picks, not calls: they are not part of
    // the pool, so a call never takes their rpm slots or shows up in their statistics.
    pick_request.require_adapter = true;
    pick_request.priority = static_cast<uint32_t>(options.priority);
    // Deadline-aware: deployments expected to be slower than the time left are skipped.
    if (deadline != INT64_MAX) {
      pick_request.deadline_ms =
          std::clamp<int64_t>(NsToMs(deadline - clock_.NowNs()), 1, 31'536'000'000);
    }
    Status picked = router_.Pick(current, current.c_str(), pick_request, &pick);
    std::shared_ptr<Adapter> adapter;
    if (picked.ok()) {
      adapter = pick.state->adapter();
      if (!adapter) {
        // Detached between the pick and here (a concurrent llmr_router_set_adapter(NULL) or
        // removal): skip this one. Copy its name first: once the ticket is cancelled a
        // concurrent removal may free the deployment (use-after-free found by test_stress_abi
        // under TSan).
        tried.push_back(pick.deployment);
        (void)router_.Cancel(pick.ticket);
        continue;
      }
    } else {
      const Code code = picked.code();
      if (code != Code::kNoProvider && code != Code::kRateLimited && code != Code::kUnknownModel) {
        return finish(code, picked.message());
      }
      // This model is exhausted: on down the general chain.
      if (next_general < general.size()) {
        switch_model(general[next_general++]);
        continue;
      }
      if (!any_attempt) {
        report->retry_after_ms = pick.retry_after_ms;
        return finish(code, picked.message());
      }
      if (!widened && !tried.empty()) {
        // Everything was tried: the others may go again, but not the one that just failed —
        // unless it is the only one.
        widened = true;
        if (tried.size() > 1 && !last_failed.empty()) {
          tried.assign(1, last_failed);
        } else {
          tried.clear();
        }
        continue;
      }
      return finish(Code::kUpstream, "every deployment failed: " + picked.message());
    }

    // One attempt; the first may be hedged (hedged_attempt.hpp).
    AttemptResult result;
    bool stalled = false;
    bool first_byte = false;  // of the attempt that decides, for the stall's message
    std::string deployment;
    const int64_t hedge_delay_ns =
        report->attempts.empty() && options.Hedging() ? HedgeDelayNs(options, current) : 0;
    if (hedge_delay_ns > 0) {
      hedge_budget_.OnCall();
      HedgedAttempt group(router_, clock_, clock_.RealTime(), hedge_budget_, options, deadline,
                          hedge_delay_ns, current, request, {});
      group.Run(pick.ticket, pick.deployment, std::move(adapter));
      for (size_t i = 0; i < group.slots().size(); ++i) {
        HedgedAttempt::Slot &slot = *group.slots()[i];
        AttemptRecord record{slot.deployment,           current,
                             slot.result.outcome,       slot.result.latency_ms,
                             i == 0 ? backoff_ms : 0,   slot.result.committed,
                             slot.result.adapter_failed};
        record.hedge = i > 0;
        record.cancelled = slot.loser;
        report->attempts.push_back(std::move(record));
        // Hedges that failed on their own count like failed attempts: the retries go elsewhere.
        if (i != group.decisive() && !slot.loser && slot.result.outcome != Outcome::kSuccess) {
          if (IsRetryable(slot.result.outcome)) retry_budget_.OnFailure();
          tried.push_back(slot.deployment);
        }
      }
      HedgedAttempt::Slot &decisive = *group.slots()[group.decisive()];
      if (group.winner() > 0) router_.OnHedgeWon(current);
      result = decisive.result;
      stalled = decisive.stalled;
      first_byte = decisive.context->stall().first_byte();
      deployment = decisive.deployment;
      if (decisive.context->has_response()) {
        report->response = decisive.context->TakeResponse();
        report->has_response = true;
      }
    } else {
      CallContext context(clock_, deadline, options.cancel, options);
      InvokeArgs args;
      args.deployment = pick.deployment;
      args.model = current.c_str();
      args.request = request;
      args.attempt = static_cast<uint32_t>(report->attempts.size() + 1);
      args.timeout_ms = AttemptTimeoutMs(options, deadline, clock_.NowNs());
      args.context = &context;
      args.first_byte_timeout_ms = options.first_byte_timeout_ms;
      args.idle_timeout_ms = options.idle_timeout_ms;
      result = InvokeAttempt(*adapter, args, context, clock_, &stalled);
      adapter.reset();
      first_byte = context.stall().first_byte();
      deployment = pick.deployment;  // the pointer dies with the report below
      (void)router_.Report(pick.ticket, ToReportInput(result));
      if (context.has_response()) {
        report->response = context.TakeResponse();
        report->has_response = true;
      }
      report->attempts.push_back({deployment, current, result.outcome, result.latency_ms,
                                  backoff_ms, result.committed, result.adapter_failed});
    }
    ++sequential;
    any_attempt = true;
    widened = false;
    backoff_ms = 0;

    if (result.outcome == Outcome::kSuccess) {
      retry_budget_.OnSuccess();
      return finish(Code::kOk, "");
    }
    if (IsRetryable(result.outcome)) retry_budget_.OnFailure();
    if (stalled && result.committed) {
      return finish(Code::kStreamStalled,
                    first_byte ? "the stream stalled after it was committed (no chunk within "
                                 "idle_timeout_ms)"
                               : "the stream stalled after it was committed (no first byte within "
                                 "first_byte_timeout_ms)");
    }
    if (result.committed) return finish(Code::kUpstream, "failed after the stream was committed");
    if (result.outcome == Outcome::kBadRequest || result.outcome == Outcome::kAuthError) {
      return finish(Code::kUpstream, "the request was rejected; not retried");
    }
    if (sequential >= options.max_attempts) {
      return finish(Code::kUpstream, "max_attempts reached");
    }
    if (result.outcome == Outcome::kContextWindowExceeded ||
        result.outcome == Outcome::kContentPolicy) {
      const bool window = result.outcome == Outcome::kContextWindowExceeded;
      const std::vector<std::string> &chain = window ? context_window : content_policy;
      size_t &next = window ? next_context : next_policy;
      if (next >= chain.size()) {
        return finish(Code::kUpstream, window ? "context window exceeded; no fallback left"
                                              : "content policy; no fallback left");
      }
      switch_model(chain[next++]);
      continue;
    }
    // Retryable.
    if (!retry_budget_.AllowRetry()) return finish(Code::kUpstream, "retry budget exhausted");
    last_failed = deployment;
    tried.push_back(last_failed);
    ++retries;
    const int64_t cap = std::min<int64_t>(
        options.backoff_max_ms, options.backoff_base_ms << std::min<uint32_t>(retries - 1, 40));
    const int64_t wait_ms =
        cap > 0 ? static_cast<int64_t>(UniformBelow(rng_, static_cast<uint64_t>(cap) + 1)) : 0;
    if (wait_ms > 0) {
      if (deadline != INT64_MAX && clock_.NowNs() + wait_ms * kNsPerMs >= deadline) {
        // The wait alone would pass the deadline: give up now rather than sleep past it.
        return finish(Code::kDeadlineExceeded, "deadline exceeded before the next retry");
      }
      sleeper_.Sleep(wait_ms * kNsPerMs, options.cancel);
      backoff_ms = wait_ms;
    }
  }
}

}  // namespace llmroute
