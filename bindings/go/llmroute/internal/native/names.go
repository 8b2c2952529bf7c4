package native

// The library's static names of enum values (llmr_*_str) and llmr_strategy_from_str, called
// directly through cgo: they take no router and return static strings.

/*
#include <stdlib.h>
#include <string.h>
#include "llmroute/llmroute.h"

// The message is read in the same cgo call as the failure (the next one may run on another
// thread) and copied, since the library's copy lives only until its next call on this thread.
static llmr_status llmroute_go_strategy_from(const char *name, llmr_strategy *out, char **message) {
  llmr_status rc = llmr_strategy_from_str(name, out);
  *message = rc != LLMR_OK ? strdup(llmr_error_message()) : NULL;
  return rc;
}
*/
import "C"

import "unsafe"

func static(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// StrategyName is llmr_strategy_str.
func StrategyName(v int) string { return static(C.llmr_strategy_str(C.llmr_strategy(v))) }

// OutcomeName is llmr_outcome_str.
func OutcomeName(v int) string { return static(C.llmr_outcome_str(C.llmr_outcome(v))) }

// BreakerStateName is llmr_breaker_state_str.
func BreakerStateName(v int) string {
	return static(C.llmr_breaker_state_str(C.llmr_breaker_state(v)))
}

// FallbackKindName is llmr_fallback_kind_str.
func FallbackKindName(v int) string {
	return static(C.llmr_fallback_kind_str(C.llmr_fallback_kind(v)))
}

// EventKindName is llmr_event_kind_str ("" for a value that does not exist).
func EventKindName(v int) string { return static(C.llmr_event_kind_str(C.llmr_event_kind(v))) }

// StrategyFromName is llmr_strategy_from_str: the value and 0, or a status and the message.
func StrategyFromName(name string) (int, int, string) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var out C.llmr_strategy
	var msg *C.char
	if rc := C.llmroute_go_strategy_from(cs, &out, &msg); rc != 0 {
		defer C.free(unsafe.Pointer(msg))
		return 0, int(rc), static(msg)
	}
	return int(out), 0, ""
}
