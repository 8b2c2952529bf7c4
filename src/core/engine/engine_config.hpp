// Settings of the engine_aware strategy, its load signals and its prefix index (router options
// engine_*, prefix_index_*; src/options/router_options.def documents each default's anchor).
#pragma once

#include <cstdint>

#include "core/option_defaults.hpp"

namespace llmroute {

struct EngineAwareConfig {
  // Weights of the three scorers, summed (the llm-d / GIE endpoint picker's default profile:
  // queue-scorer 2, kv-cache-utilization-scorer 2, prefix-cache-scorer 3).
  double weight_queue = option_defaults::engine_weight_queue;
  double weight_kv = option_defaults::engine_weight_kv;
  double weight_prefix = option_defaults::engine_weight_prefix;
  // SGLang's cache-aware load-imbalance guard: when max load - min load > abs AND max load >
  // rel x min load, the least loaded deployment is chosen whatever the prefix match.
  double balance_abs_threshold = option_defaults::engine_balance_abs_threshold;
  double balance_rel_threshold = option_defaults::engine_balance_rel_threshold;
  // A load report older than this is ignored (the deployment counts as unreported).
  int64_t load_stale_ns = option_defaults::Ns(option_defaults::engine_load_stale_ms);
  // The prefix index of each deployment: blocks remembered, and how long an entry matches.
  uint32_t prefix_index_capacity = static_cast<uint32_t>(option_defaults::prefix_index_capacity);
  int64_t prefix_index_ttl_ns = option_defaults::Ns(option_defaults::prefix_index_ttl_ms);
};

}  // namespace llmroute
