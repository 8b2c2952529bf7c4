// The routers a simulation drives: llmroute through its public C API, and the seed's naive
// router for comparison. Both see the same requests, upstreams and client retry policy.
#ifndef LLMROUTE_SIM_BACKEND_HPP
#define LLMROUTE_SIM_BACKEND_HPP

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <llmroute/llmroute.h>

#include "scenario.hpp"

namespace sim {

/** What the chart's state bands show: a breaker's state, or the naive router's "unavailable"
 * (drawn as open). */
enum class BandState { kClosed = 0, kOpen = 1, kHalfOpen = 2 };

struct Transition {
  double t_s = 0;
  int deployment = 0;
  BandState to = BandState::kClosed;
};

struct PickResult {
  llmr_status status = LLMR_OK;
  /** Index into Scenario::deployments. */
  int deployment = -1;
  /** The model routed as (a fallback model when the chain was used). */
  std::string model;
  uint64_t ticket = 0;
  bool probe = false;
};

/** The quota an upstream announced on its response (llmr_report's quota_* members): -1 and 0
 * mean "not announced". */
struct QuotaReport {
  int64_t remaining_requests = -1;
  int64_t remaining_tokens = -1;
  int64_t requests_reset_ms = 0;
  int64_t tokens_reset_ms = 0;
};

/** End-of-run counters per deployment, as the router itself counted them. */
struct BackendStats {
  std::vector<int64_t> picks, opened, half_opened, closed;
};

class Backend {
 public:
  virtual ~Backend() = default;
  /** "naive (seed)", "round_robin", ... */
  virtual std::string Label() const = 0;
  /** Picks for a request's attempt. `tried` holds the deployments earlier attempts used (empty
   * for the first attempt). After a failure, llmroute picks another deployment of the model,
   * then one of its fallback chain. */
  virtual PickResult Pick(const std::string &model, const std::vector<int> &tried,
                          int64_t input_tokens, int64_t output_tokens) = 0;
  /** Reports the attempt behind a successful Pick, exactly once, with the quota the upstream
   * announced (a quota-blind run, and the naive router, ignore it). */
  virtual void Report(const PickResult &pick, llmr_outcome outcome, double latency_ms,
                      int64_t retry_after_ms, int64_t input_tokens, int64_t output_tokens,
                      const QuotaReport &quota) = 0;
  /** Cancels the attempt behind a successful Pick instead of reporting it (a hedged request's
   * loser), exactly once. */
  virtual void Cancel(const PickResult &pick) = 0;
  /** Every state transition so far, in order. */
  virtual const std::vector<Transition> &Transitions() const = 0;
  virtual BackendStats Stats() = 0;
};

/** llmroute with the scenario's configuration and `strategy` ("" keeps the configuration's).
 * `now_ns` is the simulated clock the router reads; `seed` seeds its random source. With
 * `quota_blind` its reports leave out the quota upstreams announce (the router learns of a quota
 * only from the 429s, as before announced quotas). Throws std::runtime_error when the router
 * cannot be created. */
std::unique_ptr<Backend> MakeLlmrouteBackend(const Scenario &scenario, const std::string &strategy,
                                             const int64_t *now_ns, uint64_t seed,
                                             bool quota_blind = false);

/** The suffix of a run name that makes an llmroute run quota-blind ("round_robin/quota-blind"). */
inline constexpr const char *kQuotaBlindSuffix = "/quota-blind";
/** The suffix of a run name whose client hedges (ClientPolicy::hedge_after_ms):
 * "round_robin/hedged". */
inline constexpr const char *kHedgedSuffix = "/hedged";
/** The suffix of a run name whose client applies the stall timeouts
 * (ClientPolicy::first_byte_timeout_ms, idle_timeout_ms): "round_robin/stall-timeouts". It comes
 * last when combined with the others. */
inline constexpr const char *kStallTimeoutsSuffix = "/stall-timeouts";

/** Whether `name` ends in `suffix` (and has something before it); if so, removes it. */
inline bool StripSuffix(std::string &name, const std::string &suffix) {
  if (name.size() <= suffix.size() ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return false;
  }
  name.resize(name.size() - suffix.size());
  return true;
}

/** The seed router (seed/router.go): round robin over the available providers; a provider whose
 * failure rate (failure: x0.9 + 0.1, success: x0.5) exceeds 0.5 is unavailable forever; a retry
 * goes to any available provider, the one that just failed included. */
std::unique_ptr<Backend> MakeNaiveBackend(const Scenario &scenario, const int64_t *now_ns,
                                          uint64_t seed);

}  // namespace sim

#endif  // LLMROUTE_SIM_BACKEND_HPP
