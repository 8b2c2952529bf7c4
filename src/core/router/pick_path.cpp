// The hot path: pick, report, cancel.
//
// A pick reads the current snapshot without locks. While every deployment of the router is
// plainly closed (degraded_count_ == 0), no slow-start ramp runs and the request filters nothing
// (no exclusion, tag or price cap), it skips health checks and the clock entirely: the strategy
// (or the affinity key's rendezvous hash) picks from the first tier. Otherwise
// PickAcrossTiers (pick_across_tiers.cpp) builds the eligible sets on the stack, shares traffic
// between the tiers by their health and lets the strategy choose within the chosen tier.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/engine/prefix_hash.hpp"
#include "core/names.hpp"
#include "core/router.hpp"
#include "core/router/pick_in_tier.hpp"
#include "core/router/pick_setup.hpp"

namespace llmroute {

RequestFilter FilterOf(const PickRequest &request) {
  RequestFilter filter;
  filter.exclude = request.exclude;
  filter.exclude_count = request.exclude_count;
  filter.required_tags = request.required_tags;
  filter.required_tag_count = request.required_tag_count;
  filter.input_tokens = request.expected_input_tokens;
  filter.output_tokens = request.expected_output_tokens;
  filter.max_price = request.max_price;
  filter.require_adapter = request.require_adapter;
  filter.deadline_ms = static_cast<double>(request.deadline_ms);
  filter.priority = request.priority;
  return filter;
}

namespace {

// A year: a deadline beyond it is a unit mistake rather than a deadline.
constexpr int64_t kMaxDeadlineMs = 31'536'000'000;

Status CheckRequest(const PickRequest &request) {
  if (request.expected_input_tokens < 0 || request.expected_output_tokens < 0) {
    return {Code::kInvalidArgument, "expected token counts must be >= 0"};
  }
  if (std::isnan(request.max_price) || request.max_price < 0) {
    return {Code::kInvalidArgument, "max_price must be >= 0 (0: no cap)"};
  }
  if (request.max_price > 0 && request.expected_input_tokens == 0 &&
      request.expected_output_tokens == 0) {
    return {Code::kInvalidArgument,
            "max_price needs the expected input or output tokens to price the request"};
  }
  if (request.deadline_ms < 0 || request.deadline_ms > kMaxDeadlineMs) {
    return {Code::kInvalidArgument, "deadline_ms must be in 0.." + std::to_string(kMaxDeadlineMs) +
                                        " (0: none; got " + std::to_string(request.deadline_ms) +
                                        ")"};
  }
  if (request.required_tag_count > kListMax) {
    return {Code::kInvalidArgument, "required_tag_count is above " + std::to_string(kListMax)};
  }
  if (request.required_tag_count > 0 && request.required_tags == nullptr) {
    return {Code::kInvalidArgument, "required_tags is NULL but required_tag_count is not 0"};
  }
  for (size_t i = 0; i < request.required_tag_count; ++i) {
    if (request.required_tags[i] == nullptr) {
      return {Code::kInvalidArgument, "required_tags[" + std::to_string(i) + "] is NULL"};
    }
  }
  if (request.prefix_hash_count > kMaxPickPrefixHashes) {
    return {Code::kInvalidArgument, "prefix_hash_count " +
                                        std::to_string(request.prefix_hash_count) + " is above " +
                                        std::to_string(kMaxPickPrefixHashes)};
  }
  if (request.prefix_hash_count > 0 && request.prefix_hashes == nullptr) {
    return {Code::kInvalidArgument, "prefix_hashes is NULL but prefix_hash_count is not 0"};
  }
  return Status::Ok();
}

// Which value of a report Router::Report refused, and why.
[[gnu::cold, gnu::noinline]] Status InvalidReportValue(const ReportInput &report) {
  const char *field = !std::isfinite(report.latency_ms) ? "latency_ms"
                      : !std::isfinite(report.ttft_ms)  ? "ttft_ms"
                      : report.input_tokens < 0         ? "input_tokens"
                                                        : "output_tokens";
  const bool latency = field[0] == 'l' || field[0] == 't';
  return {Code::kInvalidArgument,
          std::string(field) + (latency ? " must be a finite number (negative: unknown)"
                                        : " must be >= 0 (0: unknown)")};
}

// Checked only when the request excludes something: each entry is a name.
Status CheckExclude(const PickRequest &request) {
  if (request.exclude_count > kListMax) {
    return {Code::kInvalidArgument,
            "exclude has more than " + std::to_string(kListMax) + " entries"};
  }
  if (request.exclude == nullptr) {
    return {Code::kInvalidArgument, "exclude is NULL but exclude_count is not 0"};
  }
  for (size_t i = 0; i < request.exclude_count; ++i) {
    const char *entry = request.exclude[i];
    const std::string what = "exclude[" + std::to_string(i) + "]";
    if (entry == nullptr) return {Code::kInvalidArgument, what + " is NULL"};
    if (Status s = ValidateName(std::string_view(entry, strnlen(entry, kNameMax + 1)), what);
        !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

// Out of line: picks without prefix hashes do not carry its code.
[[gnu::noinline]] void RecordPrefix(DeploymentState &state, const PickRequest &request,
                                    PickEnv &env) {
  const EngineAwareConfig &config = env.params.engine;
  state.prefix_index().Record(request.prefix_hashes, request.prefix_hash_count, env.CoarseNow(),
                              config.prefix_index_capacity);
}

}  // namespace

Status CheckPickRequest(const PickRequest &request) {
  if (Status s = CheckRequest(request); !s.ok()) return s;
  if (request.exclude_count != 0) return CheckExclude(request);
  return Status::Ok();
}

Status Router::Pick(std::string_view model, const char *model_cstr, const PickRequest &request,
                    PickResult *result) {
  // One named result on every path (NRVO): a second returned Status costs every pick a copy.
  Status status = PickFromSnapshot(model, model_cstr, request, result);
  // Names the router knows are valid by construction, so a name is validated (UTF-8, control
  // characters, length) only when the lookup fails, to tell an invalid name from an unknown one.
  if (status.code() == Code::kUnknownModel) [[unlikely]] {
    if (Status invalid = ValidateName(model, "model"); !invalid.ok()) status = std::move(invalid);
    return status;
  }
  // Outside the snapshot read guard, so that a listener may call back into the router: the first
  // probe admitted after a cooldown is the breaker's move to half-open.
  if (status.ok() && result->probe && result->state->breaker().MarkHalfOpen()) {
    EmitBreakerChange(*result->state, {true, BreakerState::kOpen, BreakerState::kHalfOpen},
                      clock_->NowNs());
  }
  return status;
}

namespace {

// The request asks for nothing beyond its model, perhaps an affinity key and perhaps a deadline:
// no exclusion, tag, token count, price cap, prefix or adapter requirement. One OR over the
// fields, so that such a pick (the common one) neither builds a filter nor, without a deadline,
// validates anything.
inline bool IsSimple(const PickRequest &request) {
  const uint64_t any = request.exclude_count | request.required_tag_count |
                       request.prefix_hash_count |
                       static_cast<uint64_t>(request.expected_input_tokens) |
                       static_cast<uint64_t>(request.expected_output_tokens);
  return any == 0 && request.max_price == 0 && !request.require_adapter;
}

// The strategy's choice in the group's first tier, when it may take the request: it fits the
// request's deadline and its rpm/tpm/in-flight limits admit the request's class
// (limits/priority_reserve.hpp). Null otherwise: the slow path then chooses among the others.
// Both fast paths use it while the router is calm.
[[gnu::always_inline]] inline DeploymentState *FirstTierChoice(const ModelGroup &group,
                                                               const Affinity &affinity,
                                                               PickEnv &env,
                                                               const PickRequest &request) {
  const TierView view = group.View(group.tiers.front());
  DeploymentState *state =
      view.members[PickInTier(*group.strategy, view, Eligible::All(view.size), affinity, env)]
          .state;
  if ((request.deadline_ms == 0 ||
       FitsDeadline(*state, static_cast<double>(request.deadline_ms))) &&
      (!state->limits().Active() ||
       state->limits().TryAdmit(env.Now(), state->InFlight(), request.priority))) {
    return state;
  }
  return nullptr;
}

}  // namespace

Status Router::PickFromSnapshot(std::string_view model, const char *model_cstr,
                                const PickRequest &request, PickResult *result) {
  const bool simple = IsSimple(request);
  if (!simple || request.deadline_ms != 0) [[unlikely]] {
    if (Status s = CheckRequest(request); !s.ok()) return s;
  }
  SnapshotPublisher<Snapshot>::ReadGuard snapshot(snapshots_);
  const char *routed = model_cstr;
  std::unique_ptr<ModelGroup> scratch;
  const ModelGroup *group = snapshot->FindGroup(snapshot->ResolveAlias(model, &routed), scratch);
  if (group == nullptr) {
    return {Code::kUnknownModel, "no deployment serves model '" + std::string(model) + "'"};
  }
  PickEnv env{*rng_, options_.strategy_params, *clock_};
  Affinity affinity;
  SetUpAffinity(request, &affinity);
  TicketData ticket{nullptr, routed, false};
  uint32_t tier_number = 0;
  // The fast path: a simple request while every deployment is plainly closed, no slow-start ramp
  // may run and no provider announced a quota: the strategy picks from the first tier.
  if (simple && !slow_start_.MayBeActive() &&
      degraded_count_.load(std::memory_order_acquire) == 0 &&
      !quota_announced_.load(std::memory_order_acquire)) [[likely]] {
    ticket.deployment = FirstTierChoice(*group, affinity, env, request);
    tier_number = group->tiers.front().tier;
  }
  if (ticket.deployment == nullptr) {
    if (Status s = PickWithOptions(*group, request, affinity, env, result, &ticket, &tier_number);
        !s.ok()) {
      return s;
    }
  }

  const uint64_t id = tickets_.Issue(ticket);
  if (id == 0) {
    if (ticket.probe) ticket.deployment->breaker().ReleaseProbe();
    return {Code::kCapacity, "too many outstanding tickets; report or cancel some"};
  }
  // Inside the read guard: a writer removing this deployment waits for us, then sees the count.
  ticket.deployment->AddInFlight();
  // A bounded write (two atomic stores per hash, at most kMaxPickPrefixHashes hashes): the next
  // request sharing this prefix finds it here (engine/prefix_index.hpp).
  if (request.prefix_hash_count != 0) [[unlikely]] {
    RecordPrefix(*ticket.deployment, request, env);
  }
  if (group->counters != nullptr) group->counters->AddPick();
  result->ticket = id;
  result->state = ticket.deployment;
  result->deployment = ticket.deployment->name().c_str();
  result->model = routed;
  result->probe = ticket.probe;
  result->panic = ticket.panic;
  result->tier = tier_number;
  result->retry_after_ms = 0;
  return Status::Ok();
}

Status Router::PickWithOptions(const ModelGroup &group, const PickRequest &request,
                               const Affinity &affinity, PickEnv &env, PickResult *result,
                               TicketData *ticket, uint32_t *tier_number) {
  result->deadline_unmet = false;
  const RequestFilter filter = SetUpEnvAndFilter(request, env);
  if (filter.active() && request.exclude_count != 0) {
    if (Status s = CheckExclude(request); !s.ok()) return s;
  }
  // The fast path's twin for requests that carry options: while the router is calm, a request
  // that filters nothing (or only by its deadline) is still picked from the first tier. A simple
  // request got here because the fast path was not taken or its choice was at a limit or too slow:
  // asking the strategy again would turn a rotation twice.
  if (!IsSimple(request) && (!filter.active() || filter.only_deadline()) && !env.slow_start &&
      degraded_count_.load(std::memory_order_acquire) == 0 &&
      !quota_announced_.load(std::memory_order_acquire)) {
    if (DeploymentState *state = FirstTierChoice(group, affinity, env, request)) {
      ticket->deployment = state;
      *tier_number = group.tiers.front().tier;
      return Status::Ok();
    }
  }
  // Once some provider announced a quota, every pick checks the announcements on the slow path.
  if (PickAcrossTiers(group, filter, affinity, env, ticket, tier_number)) return Status::Ok();
  if (filter.deadline_ms > 0 &&
      PickFastestPastDeadline(group, filter, affinity, env, ticket, tier_number)) {
    result->deadline_unmet = true;
    return Status::Ok();
  }
  RequestFilter without_deadline = filter;
  without_deadline.deadline_ms = 0;
  return NoEligible(group, without_deadline, env.Now(), result, ticket, tier_number);
}

Status Router::NoEligible(const ModelGroup &group, const RequestFilter &filter, int64_t now_ns,
                          PickResult *result, TicketData *ticket, uint32_t *tier_number) {
  // The deployment whose cooldown ends first, among those the breaker will let back by itself.
  DeploymentState *soonest = nullptr;
  int64_t soonest_until = 0;
  uint32_t soonest_tier = 0;
  for (const ModelGroup::Tier &tier : group.tiers) {
    for (uint32_t i = tier.begin; i < tier.end; ++i) {
      DeploymentState &state = *group.members[i].state;
      if (!filter.Admits(group.members[i]) || filter.Excludes(state)) continue;
      if (state.breaker().override_mode() == Override::kForceOpen) continue;
      const int64_t until = state.breaker().OpenUntilNs();
      if (until == 0) continue;
      if (soonest == nullptr || until < soonest_until) {
        soonest = &state;
        soonest_until = until;
        soonest_tier = tier.tier;
      }
    }
  }
  // Deployments that are healthy but at a limit: the caller is rate limited rather than facing
  // an outage, and panic routing must not push them over their limits.
  // Likewise those whose announced quota cannot take the request: back at its reset.
  // With priority reserves, the class's share of the limits: a reserve the request may not touch
  // refuses it as a full limit would, and capacity returns when the window falls below its share.
  int64_t capacity_ms = -1;
  bool reserved = false;  // some deployment refused only because of a reserve
  const bool quotas = quota_announced_.load(std::memory_order_acquire);
  const int64_t tokens = filter.ExpectedTokens();
  for (const Member &member : group.members) {
    DeploymentState &state = *member.state;
    const bool limited = state.limits().Active();
    const bool quota = quotas && state.quota().Active();
    if (!limited && !quota) continue;
    if (!filter.Admits(member) || filter.Excludes(state)) continue;
    if (state.breaker().Check(now_ns) == Availability::kUnavailable) continue;
    int64_t ms =
        limited ? state.limits().MsUntilCapacity(now_ns, state.InFlight(), filter.priority) : 0;
    if (ms < 0) continue;  // its reserves keep everything from this class: never capacity
    reserved = reserved || (limited && state.limits().RefusedByReserve(now_ns, state.InFlight(),
                                                                       filter.priority));
    if (quota) {
      ms = std::max(ms, CeilMsUntil(now_ns + state.quota().NsUntilAdmits(now_ns, tokens), now_ns));
      if (!limited && ms == 0) continue;
    }
    if (capacity_ms < 0 || ms < capacity_ms) capacity_ms = ms;
  }
  if (capacity_ms >= 0) {
    result->retry_after_ms = std::max<int64_t>(capacity_ms, 1);
    CountRefusal(filter.priority, reserved);
    return {Code::kRateLimited,
            "every eligible deployment of model '" + group.model +
                "' is at its rate limit or announced quota" +
                (reserved ? " (or has only the share reserved for priorities above " +
                                std::to_string(filter.priority) + " left)"
                          : std::string()) +
                "; capacity returns in " + std::to_string(result->retry_after_ms) + " ms"};
  }
  if (soonest != nullptr && options_.all_open_policy == AllOpenPolicy::kPanic) {
    ticket->deployment = soonest;
    ticket->panic = true;
    *tier_number = soonest_tier;
    return Status::Ok();
  }
  // Half-open with every probe slot taken counts as "back in at most a millisecond".
  result->retry_after_ms =
      soonest == nullptr ? -1 : std::max<int64_t>(1, CeilMsUntil(soonest_until, now_ns));
  return {
      Code::kNoProvider,
      "no eligible deployment for model '" + group.model + "'" +
          (soonest == nullptr
               ? std::string(filter.require_adapter
                                 ? " (all excluded or forced open, or without an adapter, the "
                                   "required tags or within the price cap)"
                                 : " (all excluded or forced open, or without the required "
                                   "tags or within the price cap)")
               : "; the earliest is back in " + std::to_string(result->retry_after_ms) + " ms")};
}

Status Router::Report(uint64_t ticket, const ReportInput &report) {
  const auto outcome = static_cast<int>(report.outcome);
  if (outcome < 0 || outcome >= kOutcomeCount) {
    return {Code::kInvalidArgument, "outcome " + std::to_string(outcome) + " does not exist"};
  }
  if (report.retry_after_ms < 0) {
    return {Code::kInvalidArgument, "retry_after_ms must be >= 0"};
  }
  // Before the ticket is completed: a rejected report leaves it live, to be reported again.
  // Negative latencies mean "unknown"; NaN and infinities are a host's bug (issue 17), as are
  // negative token counts (unknown is 0). One branch here, the message out of line.
  if (!std::isfinite(report.latency_ms) || !std::isfinite(report.ttft_ms) ||
      (report.input_tokens | report.output_tokens) < 0) [[unlikely]] {
    return InvalidReportValue(report);
  }
  const bool announces_quota =
      report.quota_remaining_requests != -1 || report.quota_remaining_tokens != -1 ||
      report.quota_requests_reset_ms != 0 || report.quota_tokens_reset_ms != 0;
  if (announces_quota) [[unlikely]] {
    if (Status s =
            ValidateQuotaReport(report.quota_remaining_requests, report.quota_remaining_tokens,
                                report.quota_requests_reset_ms, report.quota_tokens_reset_ms);
        !s.ok()) {
      return s;
    }
  }
  TicketData data;
  if (const Code code = tickets_.Complete(ticket, &data); code != Code::kOk) {
    return {code, code == Code::kTicketDone ? "ticket already reported or cancelled"
                                            : "ticket was not issued by this router"};
  }
  DeploymentState &state = *data.deployment;
  // One coarse clock read per report (Clock::CoarseNowNs; exact for injected clocks): windows,
  // cooldowns and decays here run over seconds, and clock_gettime was a tenth of a Go
  // pick + report under perf.
  const int64_t now = clock_->CoarseNowNs();
  if (state.limits().Active()) {
    // Any pair of non-negative int64 a host reports: the sum saturates (INT64_MAX + INT64_MAX
    // overflowed: found by fuzz_c_api).
    const int64_t input = report.input_tokens;
    const int64_t output = report.output_tokens;
    const int64_t tokens = input > INT64_MAX - output ? INT64_MAX : input + output;
    state.limits().AddTokens(now, tokens);
  }
  const StrategyParams &params = options_.strategy_params;
  state.stats().Record(report.outcome, report.latency_ms, report.input_tokens,
                       report.output_tokens);
  // Peak EWMA (strategies/peak_ewma.cpp), fed only while some model routes by it: successes
  // are latency samples, failures penalties. Requests' own faults say nothing of latency.
  const bool peak_ewma = tracks_peak_ewma_.load(std::memory_order_relaxed);
  if (report.outcome == Outcome::kSuccess) {
    // Time to first token when streamed, else total latency; negatives mean unknown.
    const double sample = report.ttft_ms >= 0 ? report.ttft_ms : report.latency_ms;
    if (sample >= 0)
      state.latency().Add(sample, options_.latency_ewma_alpha, now, params.latency_stale_ns);
    if (peak_ewma) state.peak_ewma().Observe(sample, now, params.peak_ewma);
  } else if (peak_ewma && IsFailure(report.outcome)) {
    state.peak_ewma().ObserveFailure(report.latency_ms, now, params.latency_prior_ms,
                                     params.peak_ewma);
  }
  // A quota exhaustion holds the deployment out until its reset by itself
  // (router/quota_reports.cpp): the breaker neither counts it nor opens for it.
  const bool quota_exhausted = announces_quota && ApplyQuotaReport(state, report, now);
  const CallKind kind = data.probe   ? CallKind::kProbe
                        : data.panic ? CallKind::kPanic
                                     : CallKind::kNormal;
  const int64_t retry_after_ns =
      std::min<int64_t>(report.retry_after_ms, INT64_MAX / kNsPerMs) * kNsPerMs;
  const BreakerChange change =
      quota_exhausted ? BreakerChange{}
                      : state.breaker().OnOutcome(report.outcome, retry_after_ns, kind, now, *rng_);
  // Just recovered: ramp back in rather than take a full share at once.
  if (change.changed && change.to == BreakerState::kClosed) BeginSlowStart(state, now);
  if (data.probe) state.breaker().ReleaseProbe();
  if (change.changed) {
    // A trip or recovery goes to the fleet at once (shared_state/sync.hpp).
    if (fleet_link_ != nullptr) fleet_link_->RequestSync();
    // While this call still counts in flight, so the deployment outlives the listener's call.
    EmitBreakerChange(state, change, now);
  }
  state.DropInFlight();  // last touch: a removed deployment may be freed from here on
  return Status::Ok();
}

Status Router::Cancel(uint64_t ticket) {
  TicketData data;
  if (const Code code = tickets_.Complete(ticket, &data); code != Code::kOk) {
    return {code, code == Code::kTicketDone ? "ticket already reported or cancelled"
                                            : "ticket was not issued by this router"};
  }
  data.deployment->cancels.fetch_add(1, std::memory_order_relaxed);
  if (data.probe) data.deployment->breaker().ReleaseProbe();
  data.deployment->DropInFlight();
  return Status::Ok();
}

}  // namespace llmroute
