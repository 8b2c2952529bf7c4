// What a request costs on a deployment, from its configured price per 1M input / output tokens.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "core/deployment.hpp"

namespace llmroute {

// A deployment is priced when either of its prices is configured (>= 0); the other then counts
// as free.
inline bool HasPrice(const DeploymentSpec &spec) {
  return spec.cost_per_million_input >= 0 || spec.cost_per_million_output >= 0;
}

// The price of a request with the expected token counts, or +infinity when the deployment has no
// price. Without any expected tokens (both 0) it is the sum of the two prices per 1M tokens, as
// LiteLLM's cost routing ranks (input + output cost per token): good enough to order deployments.
inline double RequestPrice(const DeploymentSpec &spec, int64_t input_tokens,
                           int64_t output_tokens) {
  if (!HasPrice(spec)) return std::numeric_limits<double>::infinity();
  const double input = std::max(spec.cost_per_million_input, 0.0);
  const double output = std::max(spec.cost_per_million_output, 0.0);
  if (input_tokens <= 0 && output_tokens <= 0) return input + output;
  return (static_cast<double>(std::max<int64_t>(input_tokens, 0)) * input +
          static_cast<double>(std::max<int64_t>(output_tokens, 0)) * output) /
         1e6;
}

}  // namespace llmroute
