// Router::Explain: a dry-run pick. It reads the request as a pick does (Router::SetUpPick, shared
// with the pick path), walks a model's deployments the way the degraded pick path does
// (pick_across_tiers.cpp), recording for each what the pick would check, and asks the model's
// strategy for its order of preference (Strategy::Rank, which reads and never advances state).
//
// It issues no ticket, admits nothing against a limit, takes no probe slot, advances no rotation
// and takes no lock a writer holds (only the snapshot read guard picks take, and a limited
// deployment's short window lock, as picks of it take): explaining never blocks or changes
// picks.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/explain/explanation.hpp"
#include "core/names.hpp"
#include "core/pricing.hpp"
#include "core/priority_tiers.hpp"
#include "core/router.hpp"
#include "core/router/pick_setup.hpp"
#include "core/strategies/latency_scores.hpp"
#include "core/strategies/slow_start_weights.hpp"

namespace llmroute {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr const char *kTooSlow = "expected latency above deadline_ms";

const char *ScoreKind(StrategyKind kind) {
  switch (kind) {
    case StrategyKind::kRoundRobin:
    case StrategyKind::kWeighted:
    case StrategyKind::kWeightedRandom:
      return "weight_share";
    case StrategyKind::kLatency:
      return "latency_x_load_ms";
    case StrategyKind::kAvailability:
      return "failure_ratio";
    case StrategyKind::kLeastLoaded:
      return "load_per_weight";
    case StrategyKind::kPeakEwma:
      return "peak_latency_x_load_per_weight_ms";
    case StrategyKind::kCost:
      return "price";
    case StrategyKind::kEngineAware:
      return "engine_merit";
    default:
      return "";
  }
}

// Only these choose exactly what their ranking's first entry is; the others draw (weighted
// random, power of two choices) or spread over near-ties (latency buffer, weighted schedule).
bool RankIsExact(StrategyKind kind) {
  return kind == StrategyKind::kRoundRobin;
}

// Why the limits refuse a deployment now (Admits() was false).
const char *LimitReason(const ExplainedCandidate &c) {
  if (c.max_in_flight != 0 && c.in_flight >= c.max_in_flight) return "at max_in_flight";
  if (c.rpm_limit != 0 && c.requests_in_window >= c.rpm_limit) return "at rpm_limit";
  if (c.tpm_limit != 0 && c.tokens_in_window >= c.tpm_limit) return "at tpm_limit";
  return "at the fleet's rate limit";
}

// The strategy's measure of one eligible member of a tier (see ScoreKind).
double Score(StrategyKind kind, const TierView &view, const Eligible &eligible, uint32_t i,
             double prior, PickEnv &env) {
  const Member &member = view.members[i];
  const double load = static_cast<double>(member.state->InFlight() + 1);
  switch (kind) {
    case StrategyKind::kRoundRobin:
    case StrategyKind::kWeighted:
    case StrategyKind::kWeightedRandom: {
      double total = 0;
      for (uint32_t k = 0; k < view.size; ++k) {
        if (eligible[k]) total += EffectiveWeight(view.members[k], env);
      }
      return total > 0 ? EffectiveWeight(member, env) / total : 0;
    }
    case StrategyKind::kLatency:
      return EffectiveLoadedLatency(member, prior);
    case StrategyKind::kAvailability:
      return member.state->breaker().FailureRatio(env.Now());
    case StrategyKind::kLeastLoaded:
      return load / EffectiveWeight(member, env);
    case StrategyKind::kPeakEwma: {
      const double estimate = member.state->peak_ewma().Value(env.Now(), env.params.peak_ewma);
      return std::max(estimate < 0 ? prior : estimate, kMinLatencyMs) * load /
             EffectiveWeight(member, env);
    }
    case StrategyKind::kCost:
      return RequestPrice(*member.spec, env.input_tokens, env.output_tokens);
    default:  // engine_aware scores a whole tier at once (EngineAwareMerits)
      return kNaN;
  }
}

// The candidate with the lowest expected latency among those filtered only for the deadline, or
// -1 when there is none.
int64_t FastestTooSlow(const Explanation &e) {
  int64_t fastest = -1;
  for (size_t i = 0; i < e.candidates.size(); ++i) {
    const ExplainedCandidate &c = e.candidates[i];
    if (c.reason != kTooSlow) continue;
    if (fastest < 0 ||
        c.ewma_latency_ms < e.candidates[static_cast<size_t>(fastest)].ewma_latency_ms)
      fastest = static_cast<int64_t>(i);
  }
  return fastest;
}

}  // namespace

Status Router::Explain(std::string_view model, const PickRequest &request, Explanation *out) {
  if (Status s = ValidateName(model, "model"); !s.ok()) return s;
  if (Status s = CheckPickRequest(request); !s.ok()) return s;
  *out = Explanation{};
  SnapshotPublisher<Snapshot>::ReadGuard snapshot(snapshots_);
  const char *routed = nullptr;
  const std::string_view resolved = snapshot->ResolveAlias(model, &routed);
  std::unique_ptr<ModelGroup> scratch;
  const ModelGroup *group = snapshot->FindGroup(resolved, scratch);
  if (group == nullptr) {
    return {Code::kUnknownModel, "no deployment serves model '" + std::string(model) + "'"};
  }
  out->model = std::string(resolved);
  out->strategy = group->kind;
  out->score_kind = ScoreKind(group->kind);

  PickEnv env{*rng_, options_.strategy_params, *clock_};
  Affinity affinity;
  const RequestFilter filter = SetUpPick(request, env, &affinity);
  const int64_t now = env.Now();
  const bool quotas = quota_announced_.load(std::memory_order_acquire);
  const int64_t tokens = quotas ? filter.ExpectedTokens() : 0;

  // Every member, with the checks of PickAcrossTiers' scan in the same order.
  out->candidates.resize(group->members.size());
  std::vector<Eligible> eligible;
  eligible.reserve(group->tiers.size());
  TierLoad loads(options_.tier_overprovisioning_factor);
  for (const ModelGroup::Tier &tier : group->tiers) {
    eligible.push_back(Eligible::None(tier.end - tier.begin));
    uint32_t admitted = 0, healthy = 0;
    for (uint32_t m = tier.begin; m < tier.end; ++m) {
      const Member &member = group->members[m];
      DeploymentState &state = *member.state;
      CircuitBreaker &breaker = state.breaker();
      DeploymentLimits &limits = state.limits();
      ExplainedCandidate &c = out->candidates[m];
      c.deployment = state.name();
      c.tier = tier.tier;
      c.state = breaker.State(now);
      c.override_mode = breaker.override_mode();
      c.cooldown_remaining_ms = CeilMsUntil(breaker.OpenUntilNs(), now);
      c.in_flight = state.InFlight();
      c.weight = member.weight;
      c.rpm_limit = member.spec->rpm_limit;
      c.tpm_limit = member.spec->tpm_limit;
      c.max_in_flight = member.spec->max_in_flight;
      if (limits.Active()) {
        c.requests_in_window = limits.RequestsInWindow(now);
        c.tokens_in_window = limits.TokensInWindow(now);
      }
      c.ewma_latency_ms = state.latency().Value();
      c.failure_ratio = breaker.ExactFailureRatio(now);
      c.price = HasPrice(*member.spec)
                    ? RequestPrice(*member.spec, env.input_tokens, env.output_tokens)
                    : -1;
      c.score = kNaN;
      c.filtered = true;
      if (!filter.CarriesTags(*member.spec)) {
        c.reason = "missing a required tag";
        continue;
      }
      if (!filter.WithinPrice(*member.spec)) {
        c.reason = HasPrice(*member.spec) ? "above max_price" : "no price configured";
        continue;
      }
      ++admitted;
      const Availability availability = breaker.Check(now);
      if (availability == Availability::kUnavailable) {
        c.reason = c.override_mode == Override::kForceOpen ? "forced open"
                   : c.state == BreakerState::kOpen        ? "breaker open"
                                                           : "half-open, probe slots taken";
        continue;
      }
      if (limits.Active() && !limits.Admits(now, c.in_flight)) {
        c.reason = LimitReason(c);
        continue;
      }
      if (quotas && state.quota().Active() && !state.quota().Admits(now, tokens)) {
        c.reason = "announced quota cannot take the request";
        continue;
      }
      ++healthy;
      if (!filter.FitsDeadline(state)) {
        c.reason = kTooSlow;
        continue;
      }
      if (filter.Excludes(state)) {
        c.reason = "excluded";
        continue;
      }
      c.filtered = false;
      c.probe = availability == Availability::kProbe;
      eligible.back().Set(m - tier.begin);
    }
    loads.Add(eligible.back().count() == 0 ? 0 : healthy, admitted);
  }

  // Scores and ranks of every tier's eligible members; the tier a pick would draw.
  std::vector<uint32_t> order;
  std::vector<double> merits;
  int chosen = -1;
  double best_share = 0;
  for (size_t t = 0; t < group->tiers.size(); ++t) {
    const ModelGroup::Tier &tier = group->tiers[t];
    const double share = loads.Share(t);
    for (uint32_t m = tier.begin; m < tier.end; ++m) out->candidates[m].tier_share = share;
    if (eligible[t].count() == 0) continue;
    const TierView view = group->View(tier);
    if (group->kind == StrategyKind::kEngineAware) {
      // The strategy's own merit, prefix match included: the scores its pick compares.
      merits.assign(view.size, kNaN);
      EngineAwareMerits(view, eligible[t], env, merits.data());
      for (uint32_t i = 0; i < view.size; ++i) out->candidates[tier.begin + i].score = merits[i];
    } else {
      const double prior = LatencyPrior(view, eligible[t], env.params);
      for (uint32_t i = 0; i < view.size; ++i) {
        if (eligible[t][i]) {
          out->candidates[tier.begin + i].score =
              Score(group->kind, view, eligible[t], i, prior, env);
        }
      }
    }
    order.clear();
    group->strategy->Rank(view, eligible[t], env, order);
    for (size_t k = 0; k < order.size(); ++k) {
      out->candidates[tier.begin + order[k]].rank = static_cast<int32_t>(k);
    }
    if (share > best_share) {
      best_share = share;
      chosen = static_cast<int>(t);
    }
  }
  if (affinity.active) chosen = loads.Choose(affinity.TierDraw());

  if (chosen >= 0) {
    const ModelGroup::Tier &tier = group->tiers[static_cast<size_t>(chosen)];
    const TierView view = group->View(tier);
    const Eligible &set = eligible[static_cast<size_t>(chosen)];
    uint32_t index = 0;
    if (affinity.active) {
      index = AffinityPick(view, set, affinity);
    } else {
      for (uint32_t i = 0; i < view.size; ++i) {
        if (out->candidates[tier.begin + i].rank == 0) index = i;
      }
    }
    out->picked = tier.begin + index;
    out->approximate =
        !affinity.active && (loads.Split() || (set.count() > 1 && !RankIsExact(group->kind)));
  } else if (int64_t fastest = FastestTooSlow(*out); fastest >= 0) {
    // Nothing fits the deadline: a pick takes the fastest of those too slow for it
    // (deadline_pick.cpp).
    out->picked = fastest;
    out->deadline_unmet = true;
    out->approximate = false;
  } else {
    // Nothing eligible: what the pick would answer (or the panic policy's choice).
    PickResult result;
    TicketData ticket{nullptr, routed, false};
    uint32_t tier_number = 0;
    const Status status = NoEligible(*group, filter, now, &result, &ticket, &tier_number);
    out->status = status.code();
    out->message = status.message();
    out->retry_after_ms = result.retry_after_ms;
    if (status.ok() && ticket.deployment != nullptr) {
      out->panic = true;
      for (size_t m = 0; m < group->members.size(); ++m) {
        if (group->members[m].state == ticket.deployment) out->picked = static_cast<int64_t>(m);
      }
    }
  }
  if (out->picked >= 0) out->candidates[static_cast<size_t>(out->picked)].picked = true;
  return Status::Ok();
}

}  // namespace llmroute
