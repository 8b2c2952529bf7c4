package native

// The hot path without SWIG's stubs (llmroute_go_fast.h): plain values in and out, so cgo passes
// no Go pointer to C and has nothing to check, and nothing is allocated.

/*
#include <stdlib.h>
#include "llmroute_go_fast.h"
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// FastPick is the result of Pick: RawPick's fields and the status (0: success). Message is the
// error's detail when Status is not 0.
type FastPick struct {
	RawPick
	Status        int32
	Message       string
	DeadlineUnmet bool
}

// escapeSink makes the model strings given to Pick escape to the heap (the compiler cannot
// prove escapeAlways false): a heap string never moves, so its address may cross as a uintptr.
// A goroutine stack, where a non-escaping string could live, may move when it grows.
var (
	escapeAlways bool
	escapeSink   string
)

func message(p *C.char) string {
	if p == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(p))
	return C.GoString(p)
}

// PickFast picks for model on the Router at router (SwigcptrRouter's address); the caller keeps the
// Router alive across the call.
func PickFast(router uintptr, model string, out *FastPick) {
	if escapeAlways {
		escapeSink = model
	}
	r := C.llmroute_go_pick(C.uintptr_t(router), C.uintptr_t(uintptr(unsafe.Pointer(unsafe.StringData(model)))),
		C.size_t(len(model)))
	fill(&r, out)
}

// GoPickOptions is llmroute.PickOptions field for field (that package converts a *PickOptions to
// a *GoPickOptions, which compiles only while the two stay identical), read by C in place as
// llmroute_go_pick_options (TestPickOptionsLayout compares the offsets).
type GoPickOptions struct {
	Exclude              []string
	AffinityKey          string
	RequiredTags         []string
	ExpectedInputTokens  int64
	ExpectedOutputTokens int64
	MaxPrice             float64
	Deadline             time.Duration
	PrefixHashes         []uint64
	Priority             Priority
}

// Priority is llmroute.Priority: 0 is the default class (2), else the class + 1, so that the
// zero value of PickOptions keeps the default.
type Priority int64

// Class is the priority class p stands for (the zero value: 2, LLMR_PRIORITY_DEFAULT).
func (p Priority) Class() int {
	if p == 0 {
		return 2
	}
	return int(p - 1)
}

var optionsSink *GoPickOptions

// PickWithFast is PickFast narrowed by opts, in one cgo call. opts crosses as a uintptr: it and
// the strings it holds escape to the heap (optionsSink, as escapeSink for the model), where
// nothing moves, and stay alive until the call returns (KeepAlive).
func PickWithFast(router uintptr, model string, opts *GoPickOptions, out *FastPick) {
	if escapeAlways {
		escapeSink = model
		optionsSink = opts
	}
	r := C.llmroute_go_pick_with(C.uintptr_t(router),
		C.uintptr_t(uintptr(unsafe.Pointer(unsafe.StringData(model)))), C.size_t(len(model)),
		C.uintptr_t(uintptr(unsafe.Pointer(opts))))
	runtime.KeepAlive(opts)
	fill(&r, out)
}

func fill(r *C.llmroute_go_pick_result, out *FastPick) {
	out.Ticket = uint64(r.ticket)
	out.Deployment = uintptr(unsafe.Pointer(r.deployment))
	out.DeploymentLen = int64(r.deployment_len)
	out.Model = uintptr(unsafe.Pointer(r.model))
	out.ModelLen = int64(r.model_len)
	out.RetryAfterMs = int64(r.retry_after_ms)
	out.Tier = uint32(r.tier)
	out.IsProbe = int32(r.is_probe)
	out.IsPanic = int32(r.is_panic)
	out.Status = int32(r.status)
	out.DeadlineUnmet = r.deadline_unmet != 0
	if r.status != 0 {
		out.Message = message(r.message)
	}
}

// PickOptionsLayout returns the C offsets of llmroute_go_pick_options' fields and its size, and
// GoPickOptions' in Go, for the layout test.
func PickOptionsLayout() (c, g [10]int64) {
	var out [10]C.int64_t
	C.llmroute_go_pick_options_layout(&out[0])
	for i := range out {
		c[i] = int64(out[i])
	}
	var o GoPickOptions
	g = [10]int64{int64(unsafe.Offsetof(o.Exclude)), int64(unsafe.Offsetof(o.AffinityKey)),
		int64(unsafe.Offsetof(o.RequiredTags)), int64(unsafe.Offsetof(o.ExpectedInputTokens)),
		int64(unsafe.Offsetof(o.ExpectedOutputTokens)), int64(unsafe.Offsetof(o.MaxPrice)),
		int64(unsafe.Offsetof(o.Deadline)), int64(unsafe.Offsetof(o.PrefixHashes)),
		int64(unsafe.Offsetof(o.Priority)), int64(unsafe.Sizeof(o))}
	return c, g
}

// ReportFast is Router.ReportFull on the Router at router: the status and its message.
func ReportFast(router uintptr, ticket uint64, outcome int32, latencyMs, ttftMs float64, retryAfterMs,
	inputTokens, outputTokens int64) (int32, string) {
	s := C.llmroute_go_report(C.uintptr_t(router), C.uint64_t(ticket), C.int32_t(outcome),
		C.double(latencyMs), C.double(ttftMs), C.int64_t(retryAfterMs), C.int64_t(inputTokens),
		C.int64_t(outputTokens))
	if s.status == 0 {
		return 0, ""
	}
	return int32(s.status), message(s.message)
}

// CancelFast is Router.Cancel on the Router at router.
func CancelFast(router uintptr, ticket uint64) (int32, string) {
	s := C.llmroute_go_cancel(C.uintptr_t(router), C.uint64_t(ticket))
	if s.status == 0 {
		return 0, ""
	}
	return int32(s.status), message(s.message)
}

// ExplainFast is llmr_router_explain (traced false) or a traced pick (traced true) for model,
// with opts (nil: none) read in place as PickWithFast reads them: no SWIG options object is
// built. The explanation fills the SWIG Explanation object at explanation (its Swigcptr);
// out is the pick's result (traced) or only the status and message (explain).
func ExplainFast(router uintptr, model string, opts *GoPickOptions, traced bool, explanation uintptr,
	out *FastPick) {
	if escapeAlways {
		escapeSink = model
		optionsSink = opts
	}
	t := C.int32_t(0)
	if traced {
		t = 1
	}
	r := C.llmroute_go_explain(C.uintptr_t(router),
		C.uintptr_t(uintptr(unsafe.Pointer(unsafe.StringData(model)))), C.size_t(len(model)),
		C.uintptr_t(uintptr(unsafe.Pointer(opts))), t, C.uintptr_t(explanation))
	runtime.KeepAlive(opts)
	fill(&r, out)
}
