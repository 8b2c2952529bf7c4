// A whole routing configuration as one value: what Router::ApplyConfiguration installs in one
// step (hot reload). It names deployments but holds no live state: the router matches them to
// the deployments it has by name, keeping the state (health, statistics, in-flight calls,
// adapter) of those that stay.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/deployment.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute {

struct RouterConfiguration {
  std::vector<DeploymentSpec> deployments;                   // in this order
  std::vector<std::pair<std::string, std::string>> aliases;  // alias -> model
  // Chains by FallbackKind (general, context window, content policy): model -> models to try.
  std::array<std::vector<std::pair<std::string, std::vector<std::string>>>, 3> fallbacks;
  std::vector<std::pair<std::string, StrategyKind>> model_strategies;
  // The router's strategy; nullopt: the one it was created with (RouterOptions::strategy).
  std::optional<StrategyKind> strategy;
};

// What an applied configuration changed.
struct ConfigurationChange {
  std::vector<std::string> added;    // deployments new to the router, in configuration order
  std::vector<std::string> removed;  // deployments it no longer has, in their previous order
  size_t kept = 0;                   // deployments that stayed, with their state
  uint64_t generation = 0;           // configurations applied so far, this one included
};

// Checks names, ranges, duplicates and self-references; the message names the offender.
Status ValidateConfiguration(const RouterConfiguration &config);

}  // namespace llmroute
