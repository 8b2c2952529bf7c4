// How a call to a deployment ended, and whether that says anything about the deployment.
#pragma once

#include <cstdint>

namespace llmroute {

// Values equal llmr_outcome's (static_assert in src/capi/enum_ties.cpp).
enum class Outcome : uint8_t {
  kSuccess = 0,
  kRateLimited = 1,
  kServerError = 2,
  kTimeout = 3,
  kConnectionError = 4,
  kAuthError = 5,
  kBadRequest = 6,
  kContextWindowExceeded = 7,
  kContentPolicy = 8,
};

constexpr int kOutcomeCount = 9;

// The request's own fault: the deployment answered correctly, so it says nothing against it
// (LiteLLM likewise does not cool down on 400s; the seed counted them as outages).
constexpr bool IsRequestFault(Outcome o) {
  return o == Outcome::kBadRequest || o == Outcome::kContextWindowExceeded ||
         o == Outcome::kContentPolicy;
}

// Counts against the deployment's health.
constexpr bool IsFailure(Outcome o) {
  return o != Outcome::kSuccess && !IsRequestFault(o);
}

}  // namespace llmroute
