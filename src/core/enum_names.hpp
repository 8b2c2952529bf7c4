// Names of the core's enumerations as configurations and metrics spell them ("round_robin",
// "rate_limited", "half_open", "context_window"); the C API's *_str() return these.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/health/breaker.hpp"
#include "core/health/outcome.hpp"
#include "core/snapshot.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute {

// Empty for a value that does not exist.
std::string_view StrategyName(StrategyKind kind);
std::string_view OutcomeName(Outcome outcome);
std::string_view BreakerStateName(BreakerState state);
std::string_view FallbackKindName(FallbackKind kind);

// The strategy a name spells, or nullopt. "default" is StrategyKind::kDefault's name but names no
// strategy ("inherit" is the absence of a setting), so it is not accepted: this one list is what
// a configuration's "strategy" and llmr_strategy_from_str() take alike.
std::optional<StrategyKind> ParseStrategy(std::string_view name);
// The names ParseStrategy accepts, comma-separated, for error messages.
std::string KnownStrategyNames();

}  // namespace llmroute
