// Deadline-aware picks, the fallback: no eligible deployment's expected latency fits the
// request's deadline, so the request goes to the fastest one rather than failing (it may still
// make it, and failing now would certainly miss it). The pick says so (PickResult::
// deadline_unmet), so that the host can decide to shed the request instead.
//
// Expected latency is the latency EWMA, the estimate the latency strategy routes by (time to first
// token when reports carry it, else total latency): cheap to read on every pick (a p90 from the
// histogram would walk its buckets), and what "The Tail at Scale" (Dean and Barroso, CACM 2013)
// calls the typical latency a deadline is weighed against. The normal path skips a deployment
// whose EWMA exceeds the time left (RequestFilter::FitsDeadline); this one runs only when that
// left nothing.
#include <limits>

#include "core/router.hpp"

namespace llmroute {

bool Router::PickFastestPastDeadline(const ModelGroup &group, const RequestFilter &filter,
                                     const Affinity &affinity, PickEnv &env, TicketData *ticket,
                                     uint32_t *tier_number) {
  RequestFilter relaxed = filter;
  relaxed.deadline_ms = 0;
  // The lowest expected latency among the deployments a pick could choose without the deadline.
  const int64_t now = env.Now();
  double fastest = std::numeric_limits<double>::infinity();
  for (const Member &member : group.members) {
    DeploymentState &state = *member.state;
    if (!relaxed.Admits(member) || relaxed.Excludes(state)) continue;
    if (state.breaker().Check(now) == Availability::kUnavailable) continue;
    if (state.limits().Active() && !state.limits().Admits(now, state.InFlight(), filter.priority))
      continue;
    const double expected = state.latency().Value();
    if (expected >= 0 && expected < fastest) fastest = expected;
  }
  if (fastest == std::numeric_limits<double>::infinity()) return false;
  // Only the fastest fit this deadline. Reports may move the estimates meanwhile: if that left
  // nothing, any eligible deployment will do.
  relaxed.deadline_ms = fastest;
  if (PickAcrossTiers(group, relaxed, affinity, env, ticket, tier_number)) return true;
  relaxed.deadline_ms = 0;
  return PickAcrossTiers(group, relaxed, affinity, env, ticket, tier_number);
}

}  // namespace llmroute
