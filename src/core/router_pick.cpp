// The hot path: pick, report, cancel.
//
// A pick reads the current snapshot without locks. While every deployment of the router is
// plainly closed (degraded_count_ == 0) and nothing is excluded, it skips health checks and the
// clock entirely: the strategy picks from the first tier. Otherwise it walks the tiers in order,
// builds the set of eligible members on the stack, and lets the strategy choose among them.
#include <cmath>
#include <cstring>

#include "core/router.hpp"

namespace llmroute {

namespace {

bool Excluded(const PickRequest &request, const std::string &name) {
  for (size_t i = 0; i < request.exclude_count; ++i) {
    if (request.exclude[i] != nullptr && name == request.exclude[i]) return true;
  }
  return false;
}

}  // namespace

Status Router::Pick(std::string_view model, const char *model_cstr, const PickRequest &request,
                    PickResult *result) {
  SnapshotPublisher<Snapshot>::ReadGuard snapshot(snapshots_);
  const char *routed = model_cstr;
  std::unique_ptr<ModelGroup> scratch;
  const ModelGroup *group = snapshot->FindGroup(snapshot->ResolveAlias(model, &routed), scratch);
  if (group == nullptr) {
    return {Code::kUnknownModel, "no deployment serves model '" + std::string(model) + "'"};
  }
  PickEnv env{*rng_, options_.strategy_params, *clock_};
  TicketData ticket{nullptr, routed, false};
  uint32_t tier_number = 0;

  if (request.exclude_count == 0 && degraded_count_.load(std::memory_order_acquire) == 0) {
    const ModelGroup::Tier &tier = group->tiers.front();
    const TierView view = group->View(tier);
    ticket.deployment = view.members[group->strategy->Pick(view, Eligible::All(view.size), env)].state;
    tier_number = tier.tier;
  } else {
    const int64_t now = env.Now();
    for (const ModelGroup::Tier &tier : group->tiers) {
      const TierView view = group->View(tier);
      Eligible eligible = Eligible::None(view.size);
      Eligible probes = Eligible::None(view.size);
      for (uint32_t i = 0; i < view.size; ++i) {
        DeploymentState &state = *view.members[i].state;
        if (request.exclude_count != 0 && Excluded(request, state.name())) continue;
        const Availability availability = state.breaker().Check(now);
        if (availability == Availability::kUnavailable) continue;
        eligible.Set(i);
        if (availability == Availability::kProbe) probes.Set(i);
      }
      while (eligible.count() > 0) {
        const uint32_t chosen = group->strategy->Pick(view, eligible, env);
        DeploymentState *state = view.members[chosen].state;
        if (probes[chosen]) {
          // Half-open: only as many calls as there are probe slots. Lost the race for the last
          // slot? Choose again without it.
          if (!state->breaker().TryAcquireProbe()) {
            eligible.Clear(chosen);
            continue;
          }
          ticket.probe = true;
        }
        ticket.deployment = state;
        break;
      }
      if (ticket.deployment != nullptr) {
        tier_number = tier.tier;
        break;
      }
    }
    if (ticket.deployment == nullptr) {
      if (Status s = NoEligible(*group, request, now, result, &ticket, &tier_number); !s.ok()) {
        return s;
      }
    }
  }

  const uint64_t id = tickets_.Issue(ticket);
  if (id == 0) {
    if (ticket.probe) ticket.deployment->breaker().ReleaseProbe();
    return {Code::kCapacity, "too many outstanding tickets; report or cancel some"};
  }
  // Inside the read guard: a writer removing this deployment waits for us, then sees the count.
  ticket.deployment->AddInFlight();
  result->ticket = id;
  result->deployment = ticket.deployment->name().c_str();
  result->model = routed;
  result->probe = ticket.probe;
  result->panic = ticket.panic;
  result->tier = tier_number;
  result->retry_after_ms = 0;
  return Status::Ok();
}

Status Router::NoEligible(const ModelGroup &group, const PickRequest &request, int64_t now_ns,
                          PickResult *result, TicketData *ticket, uint32_t *tier_number) {
  // The deployment whose cooldown ends first, among those the breaker will let back by itself.
  DeploymentState *soonest = nullptr;
  int64_t soonest_until = 0;
  uint32_t soonest_tier = 0;
  for (const ModelGroup::Tier &tier : group.tiers) {
    for (uint32_t i = tier.begin; i < tier.end; ++i) {
      DeploymentState &state = *group.members[i].state;
      if (request.exclude_count != 0 && Excluded(request, state.name())) continue;
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
  if (soonest != nullptr && options_.all_open_policy == AllOpenPolicy::kPanic) {
    ticket->deployment = soonest;
    ticket->panic = true;
    *tier_number = soonest_tier;
    return Status::Ok();
  }
  // Half-open with every probe slot taken counts as "back in at most a millisecond".
  result->retry_after_ms =
      soonest == nullptr
          ? -1
          : std::max<int64_t>(1, (soonest_until - now_ns + kNsPerMs - 1) / kNsPerMs);
  return {Code::kNoProvider,
          "no eligible deployment for model '" + group.model + "'" +
              (soonest == nullptr ? std::string(" (all excluded or forced open)")
                                  : "; the earliest is back in " +
                                        std::to_string(result->retry_after_ms) + " ms")};
}

Status Router::Report(uint64_t ticket, const ReportInput &report) {
  const auto outcome = static_cast<int>(report.outcome);
  if (outcome < 0 || outcome >= kOutcomeCount) {
    return {Code::kInvalidArgument, "outcome " + std::to_string(outcome) + " does not exist"};
  }
  if (report.retry_after_ms < 0) {
    return {Code::kInvalidArgument, "retry_after_ms must be >= 0"};
  }
  TicketData data;
  if (const Code code = tickets_.Complete(ticket, &data); code != Code::kOk) {
    return {code, code == Code::kTicketDone ? "ticket already reported or cancelled"
                                            : "ticket was not issued by this router"};
  }
  DeploymentState &state = *data.deployment;
  if (IsRequestFault(report.outcome)) {
    state.request_errors.fetch_add(1, std::memory_order_relaxed);
  } else if (IsFailure(report.outcome)) {
    state.failures.fetch_add(1, std::memory_order_relaxed);
  } else {
    state.successes.fetch_add(1, std::memory_order_relaxed);
    // Time to first token when streamed, else total latency; NaN and negatives mean unknown.
    const double sample = report.ttft_ms >= 0 ? report.ttft_ms : report.latency_ms;
    if (sample >= 0 && std::isfinite(sample)) state.latency().Add(sample, options_.latency_ewma_alpha);
  }
  const CallKind kind = data.probe ? CallKind::kProbe : data.panic ? CallKind::kPanic
                                                                   : CallKind::kNormal;
  const int64_t retry_after_ns =
      std::min<int64_t>(report.retry_after_ms, INT64_MAX / kNsPerMs) * kNsPerMs;
  state.breaker().OnOutcome(report.outcome, retry_after_ns, kind, clock_->NowNs(), *rng_);
  if (data.probe) state.breaker().ReleaseProbe();
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
