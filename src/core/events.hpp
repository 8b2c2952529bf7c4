// Router events: breaker transitions and configuration changes, delivered to one listener the
// host registers. An event runs on the thread whose call caused it (a report trips a breaker, a
// pick admits the first half-open probe, an apply replaces the configuration), after the router
// has let go of every lock and snapshot that picks, reports or writers need, so a listener may
// call back into the router (it must not destroy it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/health/breaker.hpp"

namespace llmroute {

// Values equal llmr_event_kind's (static_assert in src/capi/enum_ties.cpp).
enum class EventKind : uint8_t {
  kBreaker = 0,         // a deployment's breaker changed state
  kConfigApplied = 1,   // a whole configuration replaced the previous one
  kConfigRejected = 2,  // a configuration was rejected; nothing of it was applied
  kQuotaExhausted = 3,  // a provider's quota ran out until a reset beyond the horizon
  // The fleet shared state moved to another server (a Sentinel failover, a cluster slot's new
  // owner); `message` says from where to where. On the synchronisation thread.
  kSharedStateFailover = 4,
  // llmr_router_call started a hedge (execution/hedged_attempt.hpp): `deployment` is the
  // hedge's, `message` says which hedge of which attempt after how long.
  kHedgeStarted = 5,
};

// The string views point at NUL-terminated strings (the C shim hands them on without copying, so
// that delivering a breaker event from a pick allocates nothing).
struct Event {
  EventKind kind = EventKind::kBreaker;
  // kBreaker, kQuotaExhausted and kHedgeStarted.
  std::string_view deployment;
  BreakerState from = BreakerState::kClosed;
  BreakerState to = BreakerState::kClosed;
  int64_t cooldown_ms = 0;  // to kOpen: how long it stays open; kQuotaExhausted: until the reset
  // kConfigApplied: deployments added and removed by name, and how many stayed.
  const std::vector<std::string> *added = nullptr;
  const std::vector<std::string> *removed = nullptr;
  size_t kept = 0;
  // kConfig*: configurations applied so far, this one included.
  uint64_t generation = 0;
  // kConfigRejected: why. kSharedStateFailover: what moved where.
  std::string_view message;
};

class EventListener {
 public:
  virtual ~EventListener() = default;
  // Must not throw. May run on many threads at once.
  virtual void OnEvent(const Event &event) noexcept = 0;
};

}  // namespace llmroute
