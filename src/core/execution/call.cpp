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

#include "core/execution/call_executor.hpp"
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
                           double retry_budget_token_ratio)
    : router_(router),
      clock_(clock),
      rng_(rng),
      sleeper_(sleeper),
      model_stats_(model_stats),
      retry_budget_(retry_budget_max_tokens, retry_budget_token_ratio) {}

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

    // One attempt.
    CallContext context(clock_, deadline, options.cancel, options);
    InvokeArgs args;
    args.deployment = pick.deployment;
    args.model = current.c_str();
    args.request = request;
    args.attempt = static_cast<uint32_t>(report->attempts.size() + 1);
    const int64_t left_ms = deadline == INT64_MAX ? -1 : NsToMs(deadline - clock_.NowNs());
    args.timeout_ms = options.attempt_timeout_ms > 0
                          ? (left_ms >= 0 ? std::min(options.attempt_timeout_ms, left_ms)
                                          : options.attempt_timeout_ms)
                          : left_ms;
    args.context = &context;
    args.first_byte_timeout_ms = options.first_byte_timeout_ms;
    args.idle_timeout_ms = options.idle_timeout_ms;
    const int64_t attempt_start = clock_.NowNs();
    AttemptResult result = adapter->Invoke(args);
    adapter.reset();
    // An adapter's values Report() would reject count as unknown here: the attempt happened and
    // its ticket must be completed whatever the adapter wrote.
    if (!(result.latency_ms >= 0) || !std::isfinite(result.latency_ms)) {
      result.latency_ms = static_cast<double>(clock_.NowNs() - attempt_start) / kNsPerMs;
    }
    if (!std::isfinite(result.ttft_ms)) result.ttft_ms = -1;
    // A stall the adapter was told of, or one that ended the attempt in failure, is the
    // deployment's timeout: it counts against it, and before commit the call fails over.
    const bool stalled = context.stall().active() &&
                         (context.stall().stalled() || (result.outcome != Outcome::kSuccess &&
                                                        context.stall().Check(clock_.NowNs())));
    if (stalled) result.outcome = Outcome::kTimeout;
    result.input_tokens = std::max<int64_t>(result.input_tokens, 0);
    result.output_tokens = std::max<int64_t>(result.output_tokens, 0);
    const int outcome_value = static_cast<int>(result.outcome);
    if (outcome_value < 0 || outcome_value >= kOutcomeCount) {
      result.outcome = Outcome::kConnectionError;
      result.adapter_failed = true;
    }
    const std::string deployment = pick.deployment;  // the pointer dies with the report below
    ReportInput in;
    in.outcome = result.outcome;
    in.latency_ms = result.latency_ms;
    in.ttft_ms = result.ttft_ms;
    in.retry_after_ms = std::max<int64_t>(0, result.retry_after_ms);
    in.input_tokens = result.input_tokens;
    in.output_tokens = result.output_tokens;
    (void)router_.Report(pick.ticket, in);
    if (context.has_response()) {
      report->response = context.TakeResponse();
      report->has_response = true;
    }
    report->attempts.push_back({deployment, current, result.outcome, result.latency_ms, backoff_ms,
                                result.committed, result.adapter_failed});
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
                    context.stall().first_byte()
                        ? "the stream stalled after it was committed (no chunk within "
                          "idle_timeout_ms)"
                        : "the stream stalled after it was committed (no first byte within "
                          "first_byte_timeout_ms)");
    }
    if (result.committed) return finish(Code::kUpstream, "failed after the stream was committed");
    if (result.outcome == Outcome::kBadRequest || result.outcome == Outcome::kAuthError) {
      return finish(Code::kUpstream, "the request was rejected; not retried");
    }
    if (report->attempts.size() >= options.max_attempts) {
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
