#include "core/enum_names.hpp"

namespace llmroute {

std::string_view StrategyName(StrategyKind kind) {
  switch (kind) {
    case StrategyKind::kDefault:
      return "default";
    case StrategyKind::kRoundRobin:
      return "round_robin";
    case StrategyKind::kWeighted:
      return "weighted";
    case StrategyKind::kWeightedRandom:
      return "weighted_random";
    case StrategyKind::kLatency:
      return "latency";
    case StrategyKind::kAvailability:
      return "availability";
    case StrategyKind::kLeastLoaded:
      return "least_loaded";
    case StrategyKind::kPeakEwma:
      return "peak_ewma";
    case StrategyKind::kCost:
      return "cost";
    case StrategyKind::kEngineAware:
      return "engine_aware";
  }
  return {};
}

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess:
      return "success";
    case Outcome::kRateLimited:
      return "rate_limited";
    case Outcome::kServerError:
      return "server_error";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kConnectionError:
      return "connection_error";
    case Outcome::kAuthError:
      return "auth_error";
    case Outcome::kBadRequest:
      return "bad_request";
    case Outcome::kContextWindowExceeded:
      return "context_window_exceeded";
    case Outcome::kContentPolicy:
      return "content_policy";
  }
  return {};
}

std::string_view BreakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return {};
}

std::string_view FallbackKindName(FallbackKind kind) {
  switch (kind) {
    case FallbackKind::kGeneral:
      return "general";
    case FallbackKind::kContextWindow:
      return "context_window";
    case FallbackKind::kContentPolicy:
      return "content_policy";
  }
  return {};
}

std::optional<StrategyKind> ParseStrategy(std::string_view name) {
  for (int value = 1; value < kStrategyKindCount; ++value) {  // 0 is kDefault: not a strategy
    const auto kind = static_cast<StrategyKind>(value);
    if (StrategyName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string KnownStrategyNames() {
  std::string list;
  for (int value = 1; value < kStrategyKindCount; ++value) {
    if (!list.empty()) list += ", ";
    list += StrategyName(static_cast<StrategyKind>(value));
  }
  return list;
}

}  // namespace llmroute
