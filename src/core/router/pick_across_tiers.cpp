// The degraded pick path (Router::PickAcrossTiers): taken when some deployment of the router is
// not plainly closed, a slow-start ramp runs, a limit is full or the request filters. It builds
// each tier's eligible and probe sets on the stack, shares traffic between the tiers by their
// health (TierLoad, priority_tiers.hpp) and lets the strategy choose within the chosen tier (or,
// where providers announce quotas, the headroom-weighted choice: limits/quota_choice.hpp).
#include <algorithm>

#include "core/limits/quota_choice.hpp"
#include "core/priority_tiers.hpp"
#include "core/router.hpp"
#include "core/router/pick_in_tier.hpp"

namespace llmroute {

bool Router::PickAcrossTiers(const ModelGroup &group, const RequestFilter &filter,
                             const Affinity &affinity, PickEnv &env, TicketData *ticket,
                             uint32_t *tier_number) {
  const int64_t now = env.Now();
  const bool filtering = filter.active();
  Eligible eligible = Eligible::None(0);
  Eligible probes = Eligible::None(0);
  // Announced quotas (limits/quota.hpp): checked once some provider announced one; a tier where
  // an eligible deployment has an announcement is chosen by headroom (quota_choice.hpp).
  const bool quotas = quota_announced_.load(std::memory_order_acquire);
  const int64_t tokens = quotas ? filter.ExpectedTokens() : 0;
  bool tier_has_quota = false;

  // Builds the eligible and probe sets of tier `t` and adds the tier to `loads` (see below).
  auto scan = [&](size_t t, TierLoad *loads) {
    const TierView view = group.View(group.tiers[t]);
    eligible = Eligible::None(view.size);
    probes = Eligible::None(view.size);
    tier_has_quota = false;
    uint32_t admitted = 0, healthy = 0;
    for (uint32_t i = 0; i < view.size; ++i) {
      const Member &member = view.members[i];
      if (filtering && !filter.Admits(member)) continue;
      ++admitted;
      const Availability availability = member.state->breaker().Check(now);
      if (availability == Availability::kUnavailable) continue;
      // At its rpm / tpm / in-flight limit: no capacity in this tier now.
      DeploymentLimits &limits = member.state->limits();
      if (limits.Active() && !limits.Admits(now, member.state->InFlight(), filter.priority))
        continue;
      // Its announced quota cannot take the request (or is exhausted): likewise.
      const bool has_quota = quotas && member.state->quota().Active();
      if (has_quota && !member.state->quota().Admits(now, tokens)) continue;
      ++healthy;
      if (filtering && filter.Excludes(*member.state)) continue;
      eligible.Set(i);
      if (availability == Availability::kProbe) probes.Set(i);
      tier_has_quota = tier_has_quota || has_quota;
    }
    // The tier's share follows its health; an excluded deployment (one this request already
    // tried) is healthy capacity all the same, as Envoy's host-selection retry predicates leave
    // priority loads alone. But a tier with nothing left for this request has no share.
    if (loads != nullptr) loads->Add(eligible.count() == 0 ? 0 : healthy, admitted);
  };

  // Picks from the tier `t` just scanned.
  auto pick = [&](size_t t) {
    const TierView view = group.View(group.tiers[t]);
    // Session affinity keeps its key's deployment: headroom only decides among the unkeyed.
    const bool by_headroom =
        tier_has_quota && options_.quota_headroom_routing != 0 && !affinity.active;
    while (eligible.count() > 0) {
      const int64_t by_quota =
          by_headroom ? ChooseByHeadroom(view, eligible, tokens, now, env.rng) : -1;
      const uint32_t chosen = by_quota >= 0
                                  ? static_cast<uint32_t>(by_quota)
                                  : PickInTier(*group.strategy, view, eligible, affinity, env);
      DeploymentState *state = view.members[chosen].state;
      // Taken out of the announced quota first: it is given back if the limits refuse.
      const bool took_quota = quotas && state->quota().Active();
      if (took_quota && !state->quota().TryTake(now, tokens)) {
        eligible.Clear(chosen);  // used up since the scan
        continue;
      }
      if (state->limits().Active() &&
          !state->limits().TryAdmit(now, state->InFlight(), filter.priority)) {
        if (took_quota) state->quota().GiveBack(tokens);
        eligible.Clear(chosen);  // filled up since the scan
        continue;
      }
      if (probes[chosen]) {
        // Half-open: only as many calls as there are probe slots. Lost the race for the last
        // slot? Choose again without it.
        if (!state->breaker().TryAcquireProbe()) {
          if (took_quota) state->quota().GiveBack(tokens);
          eligible.Clear(chosen);
          continue;
        }
        ticket->probe = true;
      }
      ticket->deployment = state;
      *tier_number = group.tiers[t].tier;
      return true;
    }
    return false;
  };

  TierLoad loads(options_.tier_overprovisioning_factor);
  size_t scanned = 0;
  for (size_t t = 0; t < group.tiers.size(); ++t) {
    scan(t, &loads);
    scanned = t;
    if (loads.Saturated()) break;
  }
  const double u = !loads.Split()    ? 0.0
                   : affinity.active ? affinity.TierDraw()
                                     : Uniform01(env.rng);
  const int chosen = loads.Choose(u);
  if (chosen < 0) return false;
  const auto chosen_tier = static_cast<size_t>(chosen);
  if (chosen_tier != scanned) scan(chosen_tier, nullptr);
  if (pick(chosen_tier)) return true;
  // Every probe slot of the chosen tier was taken meanwhile: any other tier, in order.
  for (size_t t = 0; t < group.tiers.size(); ++t) {
    if (t == chosen_tier) continue;
    scan(t, nullptr);
    if (pick(t)) return true;
  }
  return false;
}

}  // namespace llmroute
