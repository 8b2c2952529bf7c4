// Status names, error detail, version, enum names.
#include <cstring>

#include "capi/capi_support.hpp"

using llmroute::capi::Fail;
using llmroute::capi::Guarded;

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
  switch (llmroute::capi::RawEnum(strategy)) {
    case LLMR_STRATEGY_DEFAULT:
      return "default";
    case LLMR_STRATEGY_ROUND_ROBIN:
      return "round_robin";
    case LLMR_STRATEGY_WEIGHTED:
      return "weighted";
    case LLMR_STRATEGY_WEIGHTED_RANDOM:
      return "weighted_random";
    case LLMR_STRATEGY_LATENCY:
      return "latency";
    case LLMR_STRATEGY_AVAILABILITY:
      return "availability";
    case LLMR_STRATEGY_LEAST_LOADED:
      return "least_loaded";
    case LLMR_STRATEGY_PEAK_EWMA:
      return "peak_ewma";
    case LLMR_STRATEGY_COST:
      return "cost";
  }
  return nullptr;
}

LLMR_API llmr_status llmr_strategy_from_str(const char *name, llmr_strategy *out) {
  return Guarded([&] {
    if (name == nullptr || out == nullptr) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "name and out must not be NULL");
    }
    for (int value = LLMR_STRATEGY_DEFAULT; value <= LLMR_STRATEGY_COST; ++value) {
      const char *candidate = llmr_strategy_str(static_cast<llmr_strategy>(value));
      if (candidate != nullptr && std::strcmp(candidate, name) == 0) {
        *out = static_cast<llmr_strategy>(value);
        llmroute::capi::ClearErrorMessage();
        return LLMR_OK;
      }
    }
    return Fail(LLMR_ERR_INVALID_ARGUMENT,
                std::string("unknown strategy '") + std::string(name, strnlen(name, 64)) + "'");
  });
}

LLMR_API const char *llmr_outcome_str(llmr_outcome outcome) {
  switch (llmroute::capi::RawEnum(outcome)) {
    case LLMR_OUTCOME_SUCCESS:
      return "success";
    case LLMR_OUTCOME_RATE_LIMITED:
      return "rate_limited";
    case LLMR_OUTCOME_SERVER_ERROR:
      return "server_error";
    case LLMR_OUTCOME_TIMEOUT:
      return "timeout";
    case LLMR_OUTCOME_CONNECTION_ERROR:
      return "connection_error";
    case LLMR_OUTCOME_AUTH_ERROR:
      return "auth_error";
    case LLMR_OUTCOME_BAD_REQUEST:
      return "bad_request";
    case LLMR_OUTCOME_CONTEXT_WINDOW_EXCEEDED:
      return "context_window_exceeded";
    case LLMR_OUTCOME_CONTENT_POLICY:
      return "content_policy";
  }
  return nullptr;
}

LLMR_API const char *llmr_fallback_kind_str(llmr_fallback_kind kind) {
  switch (llmroute::capi::RawEnum(kind)) {
    case LLMR_FALLBACK_GENERAL:
      return "general";
    case LLMR_FALLBACK_CONTEXT_WINDOW:
      return "context_window";
    case LLMR_FALLBACK_CONTENT_POLICY:
      return "content_policy";
  }
  return nullptr;
}

LLMR_API const char *llmr_breaker_state_str(llmr_breaker_state state) {
  switch (llmroute::capi::RawEnum(state)) {
    case LLMR_BREAKER_CLOSED:
      return "closed";
    case LLMR_BREAKER_OPEN:
      return "open";
    case LLMR_BREAKER_HALF_OPEN:
      return "half_open";
  }
  return nullptr;
}

}  // extern "C"
