// Settings of the fleet shared state (docs/fleet.md): where the state lives (a Redis URL and a
// key prefix), how often it is exchanged, the network timeouts, and the share of a rate limit an
// instance may admit between two exchanges (the bound on overshoot).
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/option_defaults.hpp"
#include "core/status.hpp"

namespace llmroute {

struct SharedStateConfig {
  // "redis://[[user]:password@]host[:port][/db]"; empty: no shared state (the default).
  std::string url;
  // Prefix of every key; routers share state when URL, prefix and deployment names match.
  std::string key_prefix = option_defaults::shared_state_key_prefix;
  // An exchange every interval (LiteLLM re-reads cooldowns from Redis every second,
  // DEFAULT_COOLDOWN_REDIS_READ_INTERVAL_SECONDS), earlier when a breaker moves or a batch is
  // used up.
  int64_t sync_interval_ns = option_defaults::Ns(option_defaults::shared_state_sync_interval_ms);
  int64_t connect_timeout_ns =
      option_defaults::Ns(option_defaults::shared_state_connect_timeout_ms);
  int64_t command_timeout_ns =
      option_defaults::Ns(option_defaults::shared_state_command_timeout_ms);
  // Share of a deployment's rpm limit this instance may admit between two exchanges (at least
  // one request). Over a fleet of N instances the fleet may admit at most (N - 1) x batch
  // requests more than the limit.
  double rate_batch = option_defaults::shared_state_rate_batch;

  bool enabled() const { return !url.empty(); }
  // The ranges (the URL's syntax included) are checked with the other router options
  // (RouterOptions::Validate, from the options table).
};

// The batch of a limit: max(1, floor(limit x rate_batch)).
uint64_t RateBatch(uint64_t limit, double rate_batch);

}  // namespace llmroute
