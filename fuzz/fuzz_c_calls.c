/* The calls of fuzz_c_api that pass enum values as a C host can: any int. In C an enum argument
 * holding a value outside its enumerators is well defined; in the C++ harness it would not be,
 * so these wrappers are C. Compiled with -fexceptions: the harness's adapter may throw through
 * fuzz_invoke_c (the library must contain that). */
#include <llmroute/llmroute.h>

#include "fuzz_c_calls.h"

llmr_status fuzz_set_override(llmr_router *router, const char *name, int mode) {
  return llmr_router_set_override(router, name, (llmr_override)mode);
}

llmr_status fuzz_set_fallbacks_for(llmr_router *router, const char *model, int kind,
                                   const char *const *chain, size_t count) {
  return llmr_router_set_fallbacks_for(router, model, (llmr_fallback_kind)kind, chain, count);
}

llmr_status fuzz_set_model_strategy(llmr_router *router, const char *model, int strategy) {
  return llmr_router_set_model_strategy(router, model, (llmr_strategy)strategy);
}

const char *fuzz_status_str(int value) {
  return llmr_status_str((llmr_status)value);
}
const char *fuzz_strategy_str(int value) {
  return llmr_strategy_str((llmr_strategy)value);
}
const char *fuzz_outcome_str(int value) {
  return llmr_outcome_str((llmr_outcome)value);
}
const char *fuzz_breaker_state_str(int value) {
  return llmr_breaker_state_str((llmr_breaker_state)value);
}
const char *fuzz_fallback_kind_str(int value) {
  return llmr_fallback_kind_str((llmr_fallback_kind)value);
}

llmr_status fuzz_invoke_c(void *user_data, const llmr_invoke_args *args,
                          llmr_attempt_result *result) {
  return (llmr_status)fuzz_invoke(user_data, args, result);
}
