// What a pick makes of its request before it looks at any deployment: the strategy's environment
// (expected tokens, prefix hashes, whether a slow-start ramp runs), the request's filter and its
// affinity key. One definition for the real pick (pick_path.cpp) and the dry run
// (explain/explain.cpp), so that an explanation cannot read a request differently from the pick it
// explains. Inline: the pick's fast path pays no call for it.
#pragma once

#include "core/router.hpp"

namespace llmroute {

// The affinity key alone: all a simple request needs (the fast path, pick_path.cpp).
inline void Router::SetUpAffinity(const PickRequest &request, Affinity *affinity) const {
  if (!request.affinity_key.empty()) {
    affinity->active = true;
    affinity->key_hash = AffinityHash(request.affinity_key);
    affinity->load_factor = options_.affinity_load_factor;
  }
}

// The strategy's environment and the request's filter (Router::PickWithOptions).
inline RequestFilter Router::SetUpEnvAndFilter(const PickRequest &request, PickEnv &env) {
  env.input_tokens = request.expected_input_tokens;
  env.output_tokens = request.expected_output_tokens;
  env.prefix_hashes = request.prefix_hashes;
  env.prefix_hash_count = static_cast<uint32_t>(request.prefix_hash_count);
  env.slow_start = slow_start_.MayBeActive() && slow_start_.Active(env.Now());
  return FilterOf(request);
}

inline RequestFilter Router::SetUpPick(const PickRequest &request, PickEnv &env,
                                       Affinity *affinity) {
  SetUpAffinity(request, affinity);
  return SetUpEnvAndFilter(request, env);
}

}  // namespace llmroute
