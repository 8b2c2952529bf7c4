/* C wrappers that let the C++ fuzz harness pass arbitrary ints where the API takes enums. */
#ifndef LLMROUTE_FUZZ_C_CALLS_H
#define LLMROUTE_FUZZ_C_CALLS_H

#include <llmroute/llmroute.h>

#ifdef __cplusplus
extern "C" {
#endif

llmr_status fuzz_set_override(llmr_router *router, const char *name, int mode);
llmr_status fuzz_set_fallbacks_for(llmr_router *router, const char *model, int kind,
                                   const char *const *chain, size_t count);
llmr_status fuzz_set_model_strategy(llmr_router *router, const char *model, int strategy);
const char *fuzz_status_str(int value);
const char *fuzz_strategy_str(int value);
const char *fuzz_outcome_str(int value);
const char *fuzz_breaker_state_str(int value);
const char *fuzz_fallback_kind_str(int value);

/* Defined by the C++ harness: an adapter's invoke returning its status as an int. */
int fuzz_invoke(void *user_data, const llmr_invoke_args *args, llmr_attempt_result *result);
/* The llmr_invoke_fn handed to the router: returns fuzz_invoke's int as an llmr_status. */
llmr_status fuzz_invoke_c(void *user_data, const llmr_invoke_args *args,
                          llmr_attempt_result *result);

#ifdef __cplusplus
}
#endif

#endif
