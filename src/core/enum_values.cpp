#include "core/enum_values.hpp"

#include <string>

namespace llmroute {

Status NoSuchValue(const char *what, int64_t raw) {
  return {Code::kInvalidArgument,
          std::string(what) + " " + std::to_string(raw) + " does not exist"};
}

namespace {

// `raw` in [lo, hi], or the error naming it.
template <typename E>
Status FromInt(int64_t raw, int lo, int hi, const char *what, E *out) {
  if (raw < lo || raw > hi) return NoSuchValue(what, raw);
  *out = static_cast<E>(raw);
  return Status::Ok();
}

}  // namespace

Status OutcomeFromInt(int64_t raw, Outcome *out, const char *what) {
  return FromInt(raw, 0, kOutcomeCount - 1, what, out);
}

Status StrategyFromInt(int64_t raw, bool allow_default, StrategyKind *out, const char *what) {
  return FromInt(raw, allow_default ? 0 : 1, kStrategyKindCount - 1, what, out);
}

Status OverrideFromInt(int64_t raw, Override *out, const char *what) {
  return FromInt(raw, static_cast<int>(Override::kAuto), static_cast<int>(Override::kForceClosed),
                 what, out);
}

Status FallbackKindFromInt(int64_t raw, FallbackKind *out, const char *what) {
  return FromInt(raw, static_cast<int>(FallbackKind::kGeneral),
                 static_cast<int>(FallbackKind::kContentPolicy), what, out);
}

}  // namespace llmroute
