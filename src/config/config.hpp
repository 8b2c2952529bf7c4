// The JSON configuration (docs/configuration.md): parsing and validation into the core's types.
//
// A configuration describes a whole router: deployments, aliases, fallback chains by kind,
// per-model strategies, and router settings (strategy, breaker, latency, retry budget, tiers,
// slow start, peak EWMA, affinity). Every invalid value is rejected with Code::kConfig and a
// message "<JSON path>: <reason>", for example "$.deployments[2].weight: must be an integer in
// 1..1000000 (got 0)". Parsing has no side effects: callers apply a Document only once it parsed.
//
// This library knows JSON and the core; it knows nothing of C (the C shim wraps it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/configuration.hpp"
#include "core/router_options.hpp"
#include "core/status.hpp"

namespace llmroute::config {

// The router options a configuration can set (router_settings, apart from the strategy, which is
// part of RouterConfiguration because a reload may change it).
enum class Setting : uint8_t {
  kAllOpenPolicy,
  kBreakerConsecutiveFailures,
  kBreakerFailureRatio,
  kBreakerMinRequests,
  kBreakerWindow,
  kBreakerCooldownBase,
  kBreakerCooldownMax,
  kBreakerJitter,
  kBreakerHalfOpenMaxProbes,
  kLatencyEwmaAlpha,
  kLatencyBuffer,
  kLatencyPrior,
  kRetryBudgetMaxTokens,
  kRetryBudgetTokenRatio,
  kTierOverprovisioningFactor,
  kSlowStartWindow,
  kSlowStartAggression,
  kSlowStartMinWeightPercent,
  kPeakEwmaDecay,
  kPeakEwmaFailurePenalty,
  kAffinityLoadFactor,
  // router_settings.shared_state (docs/fleet.md)
  kSharedStateUrl,
  kSharedStateKeyPrefix,
  kSharedStateSyncInterval,
  kSharedStateConnectTimeout,
  kSharedStateCommandTimeout,
  kSharedStateRateBatch,
};

struct Settings {
  RouterOptions values;  // holds the value of each setting listed in `present`
  std::vector<std::pair<Setting, std::string>> present;  // with its JSON path, in file order
};

struct Document {
  Settings settings;
  RouterConfiguration routing;
};

// Most bytes a configuration may have.
constexpr size_t kMaxConfigBytes = 16 * 1024 * 1024;

// Parses and validates `json`. On failure `out` is unspecified and the status is kConfig.
Status Parse(std::string_view json, Document *out);

// Reads the file at `path` and parses it; a file that cannot be read is a kConfig error too.
Status ParseFile(const std::string &path, Document *out);

// Copies the settings the document sets into `options` (others keep their values). Combined
// ranges (cooldown max >= base, ...) are then up to RouterOptions::Validate().
void ApplySettings(const Settings &settings, RouterOptions *options);

// For a reload: router settings other than the strategy are fixed when a router is created.
// Ok when every setting the document sets equals `running`'s; otherwise kConfig naming the first
// that differs.
Status CheckSettingsUnchanged(const Settings &settings, const RouterOptions &running);

}  // namespace llmroute::config
