// What one request asks of a deployment besides health: not excluded (a retry's tried
// deployments), carrying every required tag, within the maximum price for the request's
// expected tokens, and (for llmr_router_call()) having an adapter. Tags, price and adapter are
// static for the request: a deployment failing them is not part of the
// request's pool at all (it counts neither as healthy nor as unhealthy capacity of its tier).
// Exclusion is per attempt: an excluded deployment is not picked, but still counts as healthy
// capacity of its tier (priority_tiers.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/limits/priority_reserve.hpp"
#include "core/pricing.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute {

// A deployment fits a deadline (ms, > 0) unless its expected latency, the EWMA the latency
// strategy routes by, is above it. Without samples it fits: nothing says it is too slow.
inline bool FitsDeadline(const DeploymentState &state, double deadline_ms) {
  const double expected = state.latency().Value();
  return expected < 0 || expected <= deadline_ms;
}

struct RequestFilter {
  const char *const *exclude = nullptr;
  size_t exclude_count = 0;
  const char *const *required_tags = nullptr;
  size_t required_tag_count = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  double max_price = 0;  // > 0: a cap
  // llmr_router_call()'s picks: only deployments with an adapter are part of the pool (the
  // others serve the host's own picks; picking and cancelling them used up their rpm and
  // inflated their statistics: issue 17).
  bool require_adapter = false;
  // > 0: the request's time left in ms. A deployment whose expected latency (its latency EWMA,
  // the one the latency strategy routes by) is above it does not fit: it is skipped for this
  // attempt like an excluded one (it still counts as healthy capacity of its tier). Without
  // samples a deployment fits: nothing says it is too slow.
  double deadline_ms = 0;
  // The request's priority class (limits/priority_reserve.hpp): which share of each deployment's
  // limits it may use. Not a filter: active() leaves it out.
  uint32_t priority = kDefaultPriority;

  // False when every deployment passes (the pick's fast path needs this).
  bool active() const {
    return exclude_count != 0 || required_tag_count != 0 || max_price > 0 || require_adapter ||
           deadline_ms > 0;
  }
  // Only the deadline filters: the fast path may still pick, then check the deadline.
  bool only_deadline() const {
    return deadline_ms > 0 && exclude_count == 0 && required_tag_count == 0 && max_price <= 0 &&
           !require_adapter;
  }

  bool FitsDeadline(const DeploymentState &state) const {
    return deadline_ms <= 0 || llmroute::FitsDeadline(state, deadline_ms);
  }

  // The request's expected tokens, input + output (saturating), for announced quotas.
  int64_t ExpectedTokens() const {
    return input_tokens > INT64_MAX - output_tokens ? INT64_MAX : input_tokens + output_tokens;
  }

  // Tags, price and adapter.
  bool Admits(const Member &member) const {
    return CarriesTags(*member.spec) && WithinPrice(*member.spec) &&
           (!require_adapter || member.state->has_adapter());
  }

  // Excluded by name, or too slow for the deadline.
  bool Excludes(const DeploymentState &state) const {
    if (!FitsDeadline(state)) return true;
    for (size_t i = 0; i < exclude_count; ++i) {
      if (exclude[i] != nullptr && state.name() == exclude[i]) return true;
    }
    return false;
  }

  bool CarriesTags(const DeploymentSpec &spec) const {
    for (size_t i = 0; i < required_tag_count; ++i) {
      bool found = false;
      for (const std::string &tag : spec.tags) {
        if (tag == required_tags[i]) {
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }

  // A deployment without a price is never within a cap: nothing says it is.
  bool WithinPrice(const DeploymentSpec &spec) const {
    if (max_price <= 0) return true;
    return RequestPrice(spec, input_tokens, output_tokens) <= max_price * (1 + 1e-12);
  }
};

}  // namespace llmroute
