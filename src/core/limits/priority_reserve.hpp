// Priority classes and the reserves kept for them (docs/priority.md).
//
// A request carries a priority, 0 (highest) .. 3 (lowest); the default is 2, the lowest but one,
// so that a host can mark background work 3 without touching the rest (the Gateway API Inference
// Extension's criticality bands put the default, Standard, between Critical and Sheddable,
// https://gateway-api-inference-extension.sigs.k8s.io/; LiteLLM's scheduler also takes lower
// numbers first, https://docs.litellm.ai/docs/scheduler).
//
// A deployment may keep a share of each of its limits (rpm, tpm, in flight) for the requests at
// or above a priority: the level {priority p, share s} means that only requests of priority <= p
// may use the last s of each limit. Levels are listed from the highest class down (p strictly
// increasing) with shares that do not decrease (what is kept for p <= 1 includes what is kept
// for p <= 0). The share of a limit is rounded to the nearest whole request, token or call.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/status.hpp"

namespace llmroute {

constexpr uint32_t kPriorityCount = 4;
constexpr uint32_t kDefaultPriority = 2;
// A level for the lowest class would keep the reserve for everyone.
constexpr uint32_t kMaxReservePriority = kPriorityCount - 2;

struct ReserveLevel {
  uint32_t priority = 0;  // the reserve is for requests of this priority or a higher one
  double share = 0;       // 0..1 of each limit
};

// At most one level per priority that can hold one.
constexpr size_t kMaxReserveLevels = kMaxReservePriority + 1;

// Checks the levels; the message names the field (`field` is its prefix, "reserve").
Status ValidateReserve(const std::vector<ReserveLevel> &reserve, const char *field = "reserve");

// What each class may use of a limit of `limit` (0: unlimited, then every class gets 0 too).
std::array<uint64_t, kPriorityCount> UsablePerClass(uint64_t limit,
                                                    const std::vector<ReserveLevel> &reserve);

// Checks a request's priority; the message names `field`.
Status ValidatePriority(int64_t priority, const char *field = "priority");

}  // namespace llmroute
