// The engine simulation: sessions of requests with shared prompt prefixes arrive (Poisson), each
// request is picked by the real router with its prompt's prefix hashes (and, for the session
// affinity runs, the session id as affinity key), queues and runs on the chosen replica's engine
// model (engine_model.hpp), and is reported when its last token comes; each replica's load is
// scraped on an interval and reaches the router late, as a gateway's /metrics scraping does.
#ifndef LLMROUTE_SIM_ENGINE_SIM_HPP
#define LLMROUTE_SIM_ENGINE_SIM_HPP

#include <cstdint>
#include <string>
#include <vector>

#include "engine_scenario.hpp"

namespace sim {

struct EngineRunResult {
  std::string run;
  int64_t sessions = 0;
  /** Requests that arrived in [warmup_s, duration_s): the ones the figures count. */
  int64_t requests = 0;
  /** Every request of the run, warm-up included. */
  int64_t all_requests = 0;
  /** Picks that failed (none expected: every replica is always eligible). */
  int64_t pick_failures = 0;
  /** Time to first token and end to end, ms, of the counted requests. */
  std::vector<double> ttft_ms;
  std::vector<double> e2e_ms;
  /** Prompt tokens of the counted requests, and how many of them the engine found cached. */
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;
  /** Output tokens finished in [warmup_s, duration_s), and that window's length. */
  int64_t window_output_tokens = 0;
  int64_t window_completed = 0;
  double window_s = 0;
  /** Requests per replica (all of them). */
  std::vector<int64_t> replica_requests;
  /** Per time bucket (by arrival): TTFTs, prompt and cached tokens. */
  std::vector<std::vector<double>> bucket_ttft_ms;
  std::vector<int64_t> bucket_prompt_tokens, bucket_cached_tokens;
  int64_t load_reports = 0;
  /** When the last request finished, s. */
  double drained_s = 0;
  /** The router's own pick counts disagreed with the simulation's. */
  std::string consistency_error;
  double wall_seconds = 0;

  double HitRate() const {
    return prompt_tokens > 0
               ? static_cast<double>(cached_tokens) / static_cast<double>(prompt_tokens)
               : 0;
  }
  double OutputTokensPerS() const {
    return window_s > 0 ? static_cast<double>(window_output_tokens) / window_s : 0;
  }
};

/** The suffix of a run name that adds the session id as affinity key ("round_robin+session"). */
inline constexpr const char *kSessionAffinitySuffix = "+session";
/** The same with affinity_load_factor 1.25 (bounded loads). */
inline constexpr const char *kBoundedSessionAffinitySuffix = "+session-bounded";

/** Whether `run` names an engine run: an llmroute strategy, optionally followed by one of the
 * affinity suffixes. */
bool ValidEngineRun(const std::string &run);

/** Runs `run` over the scenario. Deterministic for a given seed: every run sees the same
 * sessions. Throws std::runtime_error. */
EngineRunResult SimulateEngines(const EngineScenario &scenario, const std::string &run,
                                uint64_t seed);

}  // namespace sim

#endif  // LLMROUTE_SIM_ENGINE_SIM_HPP
