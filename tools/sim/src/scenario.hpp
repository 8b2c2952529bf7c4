// A simulation scenario: deployments (an llmroute configuration, used verbatim), how each
// upstream behaves over simulated time, the request mix and rate, and the client's retry policy.
// The format is described in tools/sim/README.md.
#ifndef LLMROUTE_SIM_SCENARIO_HPP
#define LLMROUTE_SIM_SCENARIO_HPP

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <llmroute/llmroute.h>

namespace sim {

/** A scenario that cannot be loaded; what() names the JSON path. */
class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/** How an upstream answers at one moment. */
struct Behaviour {
  double latency_p50_ms = 500;
  double latency_p99_ms = 1500;
  /** Multiplies every sampled latency (a brown-out). */
  double latency_multiplier = 1;
  /** Probability that a request fails with error_kind. */
  double error_rate = 0;
  llmr_outcome error_kind = LLMR_OUTCOME_SERVER_ERROR;
  /** How long a failure takes to come back (a timeout takes the client's timeout instead). */
  double error_latency_ms = 50;
  /** Probability of a 429, and the Retry-After it carries (0 = none). */
  double rate_limit_rate = 0;
  int64_t retry_after_ms = 0;
  /** Requests served at once (0 = unlimited); beyond it the upstream answers 429 at once, with
   * over_capacity_retry_after_ms. */
  int64_t max_concurrency = 0;
  int64_t over_capacity_retry_after_ms = 1000;
  /** Streams: the first byte (the first token) comes after this share of a successful
   * response's latency, the rest streams evenly until the end. */
  double first_byte_share = 0.25;
  /** Probability that a response stalls before its first byte (nothing ever arrives), and that it
   * stalls mid-stream after the first byte (at a uniform point of the rest, nothing after). */
  double stall_first_byte_rate = 0;
  double stall_mid_stream_rate = 0;
};

/** A change of behaviour over [from_s, to_s): only the fields given override the base. */
struct UpstreamEvent {
  double from_s = 0;
  double to_s = 0;
  std::string label;
  std::optional<double> latency_p50_ms, latency_p99_ms, latency_multiplier, error_rate,
      error_latency_ms, rate_limit_rate, stall_first_byte_rate, stall_mid_stream_rate;
  std::optional<llmr_outcome> error_kind;
  std::optional<int64_t> retry_after_ms, max_concurrency;
  /** A fault (shown on the chart): errors, 429s or slowness above the base. */
  bool is_fault = true;
};

/** A provider quota (OpenAI's and Anthropic's per-minute request and token limits, or a daily
 * cap): a budget per fixed window, counted when a request is accepted (its input and output
 * tokens). Past it the upstream answers 429 with Retry-After until the window ends. With
 * `announce`, every response carries what is left and when the window resets, as
 * x-ratelimit-remaining-* / -reset-* headers do. Off while requests and tokens are both 0. */
struct Quota {
  int64_t requests = 0;  // per window; 0: no request limit
  int64_t tokens = 0;    // per window; 0: no token limit
  double window_s = 60;
  bool announce = true;
  /** Announces only on its 429s ("announce": "on_429"): the router learns the quota when it runs
   * out, as from a provider that sends the headers with the refusal only. */
  bool announce_only_429 = false;
  /** Whether its 429 carries Retry-After (until the window ends); a daily cap's often does not. */
  bool retry_after = true;
  bool active() const { return requests > 0 || tokens > 0; }
};

struct Upstream {
  std::string name;
  Behaviour base;
  Quota quota;
  std::vector<UpstreamEvent> events;
  /** The behaviour at simulated time t (seconds): the base with every active event applied. */
  Behaviour At(double t_s) const;
};

/** What a deployment of the configuration looks like to the simulator. */
struct DeploymentInfo {
  std::string name;
  std::vector<std::string> models;
  double cost_per_million_input = -1;
  double cost_per_million_output = -1;
  bool HasPrice() const { return cost_per_million_input >= 0 || cost_per_million_output >= 0; }
  /** Price of one request with these tokens (a missing side counts as 0). */
  double Price(int64_t input_tokens, int64_t output_tokens) const;
};

struct MixEntry {
  std::string model;
  double weight = 1;
  int64_t input_tokens = 1000;
  int64_t output_tokens = 250;
};

struct RatePhase {
  double from_s = 0;
  double to_s = 0;
  double rate_per_s = 0;
};

/** The client's (the gateway's) policy around the router: the same for every strategy. */
struct ClientPolicy {
  /** Attempts per request, the first included. */
  int max_attempts = 3;
  /** Backoff before a retry: full jitter in [0, min(max, base * 2^(retry - 1))]. */
  double backoff_base_ms = 100;
  double backoff_max_ms = 2000;
  /** An attempt slower than this ends as a timeout at this time. */
  double timeout_ms = 30000;
  /** Hedging, in the runs named "<strategy>/hedged" only (backend.hpp, kHedgedSuffix): when the
   * first attempt has not answered after hedge_after_ms, a hedge starts on another deployment;
   * the first answer wins and the other attempt is cancelled (llmr_router_cancel). The hedge
   * budget is the library's (llmr_router_options.hedge_budget_*): each request earns
   * hedge_budget_ratio tokens up to hedge_budget_max_tokens, a hedge takes one. 0: no hedging. */
  double hedge_after_ms = 0;
  double hedge_budget_ratio = 0.1;
  double hedge_budget_max_tokens = 10;
  /** Stall timeouts, in the runs named "<strategy>/stall-timeouts" only (backend.hpp,
   * kStallTimeoutsSuffix), as llmr_call_options.first_byte_timeout_ms / idle_timeout_ms: no first
   * byte within first_byte_timeout_ms of the attempt's start, or no chunk within idle_timeout_ms of
   * the last one, ends the attempt as a stall, reported as a timeout. Before the first byte (the
   * commit) the client fails over; after it the request ends with LLMR_ERR_STREAM_STALLED. Without
   * them a stalled attempt hangs until timeout_ms. 0: no limit. */
  double first_byte_timeout_ms = 0;
  double idle_timeout_ms = 0;
};

struct Scenario {
  std::string name;
  std::string description;
  uint64_t seed = 1;
  double duration_s = 60;
  /** Width of the chart's time buckets. */
  double bucket_s = 1;
  double rate_per_s = 10;
  std::vector<RatePhase> rate_phases;
  std::vector<MixEntry> mix;
  ClientPolicy client;
  /** The llmroute configuration, as JSON text (handed to llmr_router_create_from_config). */
  std::string config_json;
  /** The configuration's router strategy ("round_robin" when it names none). */
  std::string config_strategy;
  /** Deployments in configuration order, and their upstreams in the same order. */
  std::vector<DeploymentInfo> deployments;
  std::vector<Upstream> upstreams;
  /** What to run when the command line names no strategy. */
  std::vector<std::string> default_runs;
  /** Strategies the matrix rules (tools/sim/README.md, "Strategy matrix") do not hold for on this
   * scenario, each with the reason the scenario gives. */
  std::map<std::string, std::string> matrix_exceptions;

  /** The arrival rate at time t (seconds), and its maximum over the run. */
  double RateAt(double t_s) const;
  double MaxRate() const;

  /** The configuration with router_settings.strategy replaced. */
  std::string ConfigWithStrategy(const std::string &strategy) const;
};

/** Loads and checks a scenario file. Throws ScenarioError. */
Scenario LoadScenario(const std::string &path);

}  // namespace sim

#endif  // LLMROUTE_SIM_SCENARIO_HPP
