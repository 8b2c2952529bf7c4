// Status names, error detail, version, enum names.
#include <cstring>

#include "capi/capi_support.hpp"
#include "core/enum_names.hpp"

using llmroute::capi::Fail;
using llmroute::capi::Guarded;

namespace {

// The core's spelling (core/enum_names.hpp, whose enums have the C values) of a C enum value, or
// NULL for a value outside [first, last]: read as an int, since any int is a legal C enum value.
template <typename Core, typename CEnum, typename Name>
const char *NameOf(CEnum value, int32_t first, int32_t last, Name name) {
  const int32_t raw = llmroute::capi::RawEnum(value);
  if (raw < first || raw > last) return nullptr;
  const std::string_view spelling = name(static_cast<Core>(raw));
  return spelling.empty() ? nullptr : spelling.data();  // views of NUL-terminated literals
}

}  // namespace

extern "C" {

LLMR_API const char *llmr_status_str(llmr_status status) {
  switch (llmroute::capi::RawEnum(status)) {
    case LLMR_OK:
      return "LLMR_OK";
    case LLMR_ERR_INVALID_ARGUMENT:
      return "LLMR_ERR_INVALID_ARGUMENT";
    case LLMR_ERR_NO_MEMORY:
      return "LLMR_ERR_NO_MEMORY";
    case LLMR_ERR_NOT_FOUND:
      return "LLMR_ERR_NOT_FOUND";
    case LLMR_ERR_ALREADY_EXISTS:
      return "LLMR_ERR_ALREADY_EXISTS";
    case LLMR_ERR_NO_PROVIDER:
      return "LLMR_ERR_NO_PROVIDER";
    case LLMR_ERR_UNKNOWN_MODEL:
      return "LLMR_ERR_UNKNOWN_MODEL";
    case LLMR_ERR_INVALID_TICKET:
      return "LLMR_ERR_INVALID_TICKET";
    case LLMR_ERR_TICKET_DONE:
      return "LLMR_ERR_TICKET_DONE";
    case LLMR_ERR_CAPACITY:
      return "LLMR_ERR_CAPACITY";
    case LLMR_ERR_INTERNAL:
      return "LLMR_ERR_INTERNAL";
    case LLMR_ERR_BUFFER_TOO_SMALL:
      return "LLMR_ERR_BUFFER_TOO_SMALL";
    case LLMR_ERR_RATE_LIMITED:
      return "LLMR_ERR_RATE_LIMITED";
    case LLMR_ERR_DEADLINE_EXCEEDED:
      return "LLMR_ERR_DEADLINE_EXCEEDED";
    case LLMR_ERR_CANCELLED:
      return "LLMR_ERR_CANCELLED";
    case LLMR_ERR_UPSTREAM:
      return "LLMR_ERR_UPSTREAM";
    case LLMR_ERR_CONFIG:
      return "LLMR_ERR_CONFIG";
    case LLMR_ERR_STREAM_STALLED:
      return "LLMR_ERR_STREAM_STALLED";
  }
  return "LLMR_ERR_UNRECOGNISED";
}

LLMR_API const char *llmr_error_message(void) {
  return llmroute::capi::ErrorMessage();
}

LLMR_API int32_t llmr_version(void) {
  return LLMR_VERSION_NUMBER;
}

LLMR_API const char *llmr_version_string(void) {
  return LLMR_VERSION_STRING;
}

LLMR_API const char *llmr_strategy_str(llmr_strategy strategy) {
  return NameOf<llmroute::StrategyKind>(strategy, LLMR_STRATEGY_DEFAULT, LLMR_STRATEGY_ENGINE_AWARE,
                                        llmroute::StrategyName);
}

LLMR_API llmr_status llmr_strategy_from_str(const char *name, llmr_strategy *out) {
  return Guarded([&] {
    if (name == nullptr || out == nullptr) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "name and out must not be NULL");
    }
    if (const auto kind = llmroute::ParseStrategy(name)) {
      *out = static_cast<llmr_strategy>(*kind);
      llmroute::capi::ClearErrorMessage();
      return LLMR_OK;
    }
    return Fail(LLMR_ERR_INVALID_ARGUMENT, std::string("unknown strategy '") +
                                               std::string(name, strnlen(name, 64)) +
                                               "' (known: " + llmroute::KnownStrategyNames() + ")");
  });
}

LLMR_API const char *llmr_outcome_str(llmr_outcome outcome) {
  return NameOf<llmroute::Outcome>(outcome, LLMR_OUTCOME_SUCCESS, LLMR_OUTCOME_CONTENT_POLICY,
                                   llmroute::OutcomeName);
}

LLMR_API const char *llmr_fallback_kind_str(llmr_fallback_kind kind) {
  return NameOf<llmroute::FallbackKind>(kind, LLMR_FALLBACK_GENERAL, LLMR_FALLBACK_CONTENT_POLICY,
                                        llmroute::FallbackKindName);
}

LLMR_API const char *llmr_breaker_state_str(llmr_breaker_state state) {
  return NameOf<llmroute::BreakerState>(state, LLMR_BREAKER_CLOSED, LLMR_BREAKER_HALF_OPEN,
                                        llmroute::BreakerStateName);
}

}  // extern "C"
