// An engine scenario: replicas of one self-hosted inference engine (engine_model.hpp) behind the
// router, and sessions of requests that share prompt prefixes (system prompts, multi-turn chats,
// agents). A file with an "engine_sim" object is one; the format is in tools/sim/README.md,
// "Engine scenarios".
#ifndef LLMROUTE_SIM_ENGINE_SCENARIO_HPP
#define LLMROUTE_SIM_ENGINE_SCENARIO_HPP

#include <cstdint>
#include <string>
#include <vector>

#include "engine_model.hpp"

namespace sim {

/** A kind of session: how many turns, how long its parts are, how long the user thinks. */
struct Workload {
  std::string name;
  double weight = 1;
  /** Distinct system prompts the sessions of this kind share (each session takes one at
   * random), and their length in tokens. */
  int64_t system_prompts = 1;
  int64_t system_tokens = 1000;
  /** Turns per session, uniform in [turns_min, turns_max]. Each turn's prompt is the previous
   * turn's prompt and answer followed by a new user message (or tool output). */
  int64_t turns_min = 1;
  int64_t turns_max = 1;
  /** Mean tokens of each user message and each answer (each uniform in 0.5..1.5 x the mean). */
  int64_t user_tokens = 100;
  int64_t output_tokens = 200;
  /** Mean pause between an answer and the next turn (exponential), seconds. */
  double think_s = 5;
};

struct EngineScenario {
  std::string name;
  std::string description;
  uint64_t seed = 1;
  /** Sessions start over [0, duration_s); figures count the requests that arrive in
   * [warmup_s, duration_s) (the caches start cold). */
  double duration_s = 600;
  double warmup_s = 60;
  /** Width of the chart's time buckets. */
  double bucket_s = 10;
  std::string model = "llama-3.1-8b";
  int64_t replicas = 8;
  EngineParams engine;
  /** Sessions started per second (Poisson). */
  double session_rate_per_s = 1;
  std::vector<Workload> workloads;
  /** Each replica's /metrics is read every scrape_interval_ms (the first read at a random phase)
   * and reaches the router scrape_delay_ms later, stamped with the time it was read. */
  double scrape_interval_ms = 1000;
  double scrape_delay_ms = 20;
  /** Prefix hashes the gateway passes on a pick (the first blocks of the prompt), and the tokens
   * each covers (0: the engine's block_tokens). Larger blocks reach further into long prompts
   * within LLMR_PREFIX_HASHES_MAX. */
  int64_t prefix_hash_blocks = 256;
  int64_t prefix_block_tokens = 0;
  /** The router_settings object of the configuration (strategy replaced per run). */
  std::string router_settings_json = "{}";
  /** What to run when the command line names none. */
  std::vector<std::string> default_runs;

  /** Deployment name of replica i ("<model>-<i>"). */
  std::string ReplicaName(int64_t i) const;
  /** The llmroute configuration for `strategy`, with `affinity_load_factor` when > 0. */
  std::string ConfigJson(const std::string &strategy, double affinity_load_factor) const;
};

/** Whether the file is an engine scenario (a JSON object with "engine_sim"). False when it cannot
 * be read or parsed (the ordinary loader reports why). */
bool IsEngineScenario(const std::string &path);

/** Loads and checks an engine scenario. Throws ScenarioError (scenario.hpp) naming the JSON
 * path. */
EngineScenario LoadEngineScenario(const std::string &path);

}  // namespace sim

#endif  // LLMROUTE_SIM_ENGINE_SCENARIO_HPP
