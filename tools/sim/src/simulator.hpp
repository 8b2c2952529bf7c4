// The discrete-event simulation: Poisson arrivals, one pick per attempt, completion after the
// upstream's sampled latency, then a report; attempts overlap, so in-flight counts are real.
#ifndef LLMROUTE_SIM_SIMULATOR_HPP
#define LLMROUTE_SIM_SIMULATOR_HPP

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backend.hpp"
#include "scenario.hpp"

namespace sim {

/** Per-deployment results of a run. */
struct DeploymentResult {
  int64_t attempts = 0;
  int64_t successes = 0;
  /** Attempts by outcome (llmr_outcome values). */
  std::array<int64_t, 9> outcomes{};
  /** Attempts that were a retry of a request that failed on another attempt. */
  int64_t retries = 0;
  /** Attempts serving a fallback model (not the model the client asked for). */
  int64_t fallbacks = 0;
  /** Latency of successful attempts, ms. */
  std::vector<double> latencies;
  double cost = 0;
  /** Breaker transitions (the naive router: times marked unavailable as "opened"). */
  int64_t opened = 0, half_opened = 0, closed = 0;
  /** Per time bucket: attempts, and latencies of the successful ones. */
  std::vector<int64_t> bucket_attempts;
  std::vector<std::vector<double>> bucket_latencies;
};

struct RunResult {
  std::string label;
  std::vector<DeploymentResult> deployments;
  int64_t requests = 0;
  int64_t succeeded = 0;
  int64_t failed = 0;
  /** Failed requests that found no eligible deployment at some point (vs. attempts exhausted). */
  int64_t failed_no_provider = 0;
  /** Attempts an upstream's quota (scenario.hpp, Quota) refused with a 429. */
  int64_t quota_429s = 0;
  int64_t attempts = 0;
  int64_t failed_attempts = 0;
  int64_t retries = 0;
  int64_t fallbacks = 0;
  /** Hedged runs: hedges started, hedges that answered first, and losers cancelled. */
  int64_t hedges = 0;
  int64_t hedge_wins = 0;
  int64_t hedges_cancelled = 0;
  /** Streams (scenario.hpp, Behaviour::stall_*): attempts that stalled before their first byte
   * and after it. Without the stall timeouts a stall hangs until the client's timeout_ms: `hung`
   * attempts (before the first byte; retried after the hang) and `truncated` requests (after it:
   * the client got part of an answer, then nothing until the timeout cut it). With them:
   * `stall_failovers` (no first byte within first_byte_timeout_ms: retried elsewhere, a slow
   * healthy first byte included) and `stalled_endings` (no chunk within idle_timeout_ms after the
   * commit: the request ends with LLMR_ERR_STREAM_STALLED, an explicit error). */
  int64_t stalls_before_first_byte = 0;
  int64_t stalls_mid_stream = 0;
  int64_t hung = 0;
  int64_t truncated = 0;
  int64_t stall_failovers = 0;
  int64_t stalled_endings = 0;
  /** Arrival to the first byte of the answer the client got (retries included), ms. */
  std::vector<double> client_ttfts;
  double cost = 0;
  /** Arrival to success, ms. */
  std::vector<double> client_latencies;
  /** Per bucket: requests that arrived, failed, and the latency of those that succeeded. */
  std::vector<int64_t> bucket_requests;
  std::vector<int64_t> bucket_failed;
  std::vector<std::vector<double>> bucket_client_latencies;
  std::vector<Transition> transitions;
  /** The router's own pick count per deployment disagreed with the simulator's. */
  std::string consistency_error;
  double wall_seconds = 0;
};

/** Called now and then with the simulated time reached, for a progress line. */
using ProgressFn = std::function<void(double sim_s, int64_t requests)>;

/** Runs `run` ("naive", "llmroute" for the configuration's strategy, or a strategy name) over
 * the scenario. Deterministic for a given seed. Throws std::runtime_error. */
RunResult Simulate(const Scenario &scenario, const std::string &run, uint64_t seed,
                   const ProgressFn &progress);

/** Nearest-rank percentile (q in 0..1) of unsorted values; negative when empty. */
double Percentile(std::vector<double> values, double q);

}  // namespace sim

#endif  // LLMROUTE_SIM_SIMULATOR_HPP
