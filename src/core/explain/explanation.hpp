// "Why this pick": what a dry-run pick (Router::Explain) saw for every deployment serving a model,
// and which one it would choose. Users of gateways keep asking where a request went and why
// (LiteLLM issue #25504, Portkey issue #1289); this answers it from the router's own state.
//
// Plain values, copied out of the router: an Explanation outlives the snapshot it was built from
// and may be read from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/health/breaker.hpp"
#include "core/status.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute {

struct ExplainedCandidate {
  std::string deployment;
  uint32_t tier = 0;
  BreakerState state = BreakerState::kClosed;
  Override override_mode = Override::kAuto;
  int64_t cooldown_remaining_ms = 0;
  int64_t in_flight = 0;
  uint32_t weight = 1;
  // Limits (0 = unlimited) and their use over the sliding 60 s window.
  uint32_t rpm_limit = 0;
  uint64_t tpm_limit = 0;
  uint32_t max_in_flight = 0;
  uint64_t requests_in_window = 0;
  uint64_t tokens_in_window = 0;
  // Health and the strategy's inputs.
  double ewma_latency_ms = -1;  // negative: no sample
  double failure_ratio = 0;
  double price = -1;  // for the request's expected tokens (pricing.hpp); negative: no price
  // The strategy's own measure of this candidate (see Explanation::score_kind); NaN when the
  // candidate was filtered out before the strategy saw it.
  double score = 0;
  // Position in the strategy's order of preference within its tier (0 first); -1 when filtered.
  int32_t rank = -1;
  // Share of the traffic the candidate's tier receives now (priority tiers), 0..1.
  double tier_share = 0;
  bool filtered = false;
  // Why it was filtered ("" when not): a short English phrase, stable enough to match on.
  std::string reason;
  bool picked = false;
  bool probe = false;  // eligible only as a half-open probe
};

struct Explanation {
  std::string model;  // the model name after alias resolution
  StrategyKind strategy = StrategyKind::kRoundRobin;
  // What ExplainedCandidate::score measures for this strategy, and which way is preferred.
  std::string score_kind;
  // What a real pick with the same options would return now, and its message.
  Code status = Code::kOk;
  std::string message;
  int64_t retry_after_ms = 0;
  // Index into candidates of the deployment a pick would choose; -1 when none.
  int64_t picked = -1;
  bool panic = false;  // the choice is the panic policy's (every deployment cooling down)
  // A deadline was given and no eligible deployment's expected latency fits it: `picked` is the
  // fastest of them, as a pick would choose.
  bool deadline_unmet = false;
  // `picked` is the strategy's first preference, but a pick may choose another: the strategy
  // draws (weighted_random; least_loaded and peak_ewma by power of two choices), spreads over
  // near-ties (latency, availability, cost within latency_buffer), interleaves (weighted), or
  // more than one priority tier has a share. False for round robin, a session affinity key and
  // a single candidate, whose choice is exact (until another pick moves the rotation).
  bool approximate = false;
  std::vector<ExplainedCandidate> candidates;  // by tier, then in configuration order
};

// The explanation as a JSON object (for a gateway's debug endpoint): every field above, enums by
// their configuration names, NaN scores as null.
std::string ExplanationJson(const Explanation &explanation);

}  // namespace llmroute
