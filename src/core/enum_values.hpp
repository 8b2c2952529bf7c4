// The core's enums from raw integers (what a C caller stored in an enum member, whatever it is):
// the one range check of each, so that the C shim only translates.
#pragma once

#include <cstdint>

#include "core/health/breaker.hpp"
#include "core/health/outcome.hpp"
#include "core/snapshot.hpp"
#include "core/status.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute {

// kInvalidArgument "<what> <raw> does not exist".
Status NoSuchValue(const char *what, int64_t raw);

// For the report path, which must not build a Status when all is well: true when `raw` is an
// outcome.
inline bool IsOutcome(int64_t raw) {
  return raw >= 0 && raw < kOutcomeCount;
}

// The others: kInvalidArgument "<what> <raw> does not exist" for a value without an enumerator.
Status OutcomeFromInt(int64_t raw, Outcome *out, const char *what = "outcome");
// Excludes kDefault when `allow_default` is false.
Status StrategyFromInt(int64_t raw, bool allow_default, StrategyKind *out,
                       const char *what = "strategy");
Status OverrideFromInt(int64_t raw, Override *out, const char *what = "mode");
Status FallbackKindFromInt(int64_t raw, FallbackKind *out, const char *what = "kind");

}  // namespace llmroute
