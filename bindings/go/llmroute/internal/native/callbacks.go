package native

// Callbacks from the library into Go. The router stores only runtime/cgo.Handle values (never Go
// pointers) in C memory; the release callback deletes the handle. Every callback recovers panics:
// nothing unwinds through the C++ frames below it.

/*
#include <stdint.h>
#include <stdlib.h>
#include "llmroute/llmroute.h"
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// GoInvokeArgs is a copy of llmr_invoke_args; Context is valid only during the invoke.
type GoInvokeArgs struct {
	Deployment string
	Model      string
	Request    []byte
	Attempt    uint32
	TimeoutMs  int64
	Context    uintptr
	// The call's stall limits (llmr_invoke_args.first_byte_timeout_ms, idle_timeout_ms; 0: none).
	FirstByteTimeoutMs int64
	IdleTimeoutMs      int64
	// IsHedge: llmr_invoke_args.is_hedge (the attempt runs on a library thread).
	IsHedge bool
	// Call is the runtime/cgo.Handle the Go caller gave CallRaw (0: none, for example a call
	// made on a native thread).
	Call uintptr
}

// GoAttemptOutcome mirrors llmr_attempt_result.
type GoAttemptOutcome struct {
	Outcome      int32
	LatencyMs    float64
	TtftMs       float64
	RetryAfterMs int64
	InputTokens  int64
	OutputTokens int64
	Committed    bool
}

// Invoker is what a cgo.Handle given to SetGoAdapter must hold. It returns an llmr_status.
type Invoker interface {
	Invoke(args *GoInvokeArgs, result *GoAttemptOutcome) int32
}

// TimeSource is what a clock handle given to OpenGo must hold.
type TimeSource interface {
	NowNanos() int64
	SleepNanos(ns int64)
}

// BitSource is what a random handle given to OpenGo must hold.
type BitSource interface {
	NextBits() int64
}

const statusInternal = -10

//export llmrouteGoInvoke
func llmrouteGoInvoke(handle, call C.uintptr_t, args *C.llmr_invoke_args, result *C.llmr_attempt_result) (status C.int32_t) {
	status = statusInternal
	defer func() {
		if recover() != nil {
			status = statusInternal
		}
	}()
	inv, ok := cgo.Handle(handle).Value().(Invoker)
	if !ok {
		return statusInternal
	}
	a := GoInvokeArgs{
		Deployment: C.GoString(args.deployment),
		Model:      C.GoString(args.model),
		Attempt:    uint32(args.attempt),
		TimeoutMs:  int64(args.timeout_ms),
		Context:    uintptr(unsafe.Pointer(args.context)),
		Call:       uintptr(call),
	}
	// The library fills every member (its own struct_size); these came with stall detection.
	if uintptr(args.struct_size) >= unsafe.Offsetof(args.idle_timeout_ms)+8 {
		a.FirstByteTimeoutMs = int64(args.first_byte_timeout_ms)
		a.IdleTimeoutMs = int64(args.idle_timeout_ms)
	}
	if uintptr(args.struct_size) >= unsafe.Offsetof(args.is_hedge)+4 {
		a.IsHedge = args.is_hedge != 0
	}
	if args.request != nil && args.request_len > 0 {
		a.Request = C.GoBytes(args.request, C.int(args.request_len))
	}
	out := GoAttemptOutcome{
		Outcome:      int32(result.outcome),
		LatencyMs:    float64(result.latency_ms),
		TtftMs:       float64(result.ttft_ms),
		RetryAfterMs: int64(result.retry_after_ms),
		InputTokens:  int64(result.input_tokens),
		OutputTokens: int64(result.output_tokens),
		Committed:    result.committed != 0,
	}
	rc := inv.Invoke(&a, &out)
	result.outcome = C.llmr_outcome(out.Outcome)
	result.latency_ms = C.double(out.LatencyMs)
	result.ttft_ms = C.double(out.TtftMs)
	result.retry_after_ms = C.int64_t(out.RetryAfterMs)
	result.input_tokens = C.int64_t(out.InputTokens)
	result.output_tokens = C.int64_t(out.OutputTokens)
	if out.Committed {
		result.committed = 1
	} else {
		result.committed = 0
	}
	return C.int32_t(rc)
}

//export llmrouteGoRelease
func llmrouteGoRelease(handle C.uintptr_t) {
	defer func() { _ = recover() }()
	h := cgo.Handle(handle)
	if r, ok := h.Value().(interface{ Released() }); ok {
		r.Released()
	}
	h.Delete()
}

//export llmrouteGoClockNow
func llmrouteGoClockNow(handle C.uintptr_t) (now C.int64_t) {
	defer func() {
		if recover() != nil {
			now = 0
		}
	}()
	return C.int64_t(cgo.Handle(handle).Value().(TimeSource).NowNanos())
}

//export llmrouteGoClockSleep
func llmrouteGoClockSleep(handle C.uintptr_t, ns C.int64_t) {
	defer func() { _ = recover() }()
	cgo.Handle(handle).Value().(TimeSource).SleepNanos(int64(ns))
}

//export llmrouteGoRandom
func llmrouteGoRandom(handle C.uintptr_t) (bits C.int64_t) {
	defer func() {
		if recover() != nil {
			bits = 0x5851f42d4c957f2d
		}
	}()
	return C.int64_t(cgo.Handle(handle).Value().(BitSource).NextBits())
}

// SetResponse stores the attempt's response bytes (llmr_call_set_response); only during invoke.
func SetResponse(context uintptr, data []byte) int32 {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return int32(C.llmr_call_set_response((*C.llmr_call_context)(unsafe.Pointer(context)), p, C.size_t(len(data))))
}

// Check is llmr_call_check: 0 while the call may go on.
func Check(context uintptr) int32 {
	return int32(C.llmr_call_check((*C.llmr_call_context)(unsafe.Pointer(context))))
}

// Progress is llmr_call_progress: a chunk of the response arrived; only during invoke.
func Progress(context uintptr) int32 {
	return int32(C.llmr_call_progress((*C.llmr_call_context)(unsafe.Pointer(context))))
}

// Commit is llmr_call_commit: claims the client's stream for the attempt; only during invoke.
func Commit(context uintptr) int32 {
	return int32(C.llmr_call_commit((*C.llmr_call_context)(unsafe.Pointer(context))))
}

// ErrorMessage is llmr_error_message of the calling thread: only meaningful inside a callback,
// which runs on the thread of the native call.
func ErrorMessage() string { return C.GoString(C.llmr_error_message()) }

// GoEvent is a copy of llmr_event, made during the callback.
type GoEvent struct {
	Kind             int32
	Deployment       string
	From, To         int32
	CooldownMs       int64
	Added, Removed   []string
	Kept             int
	ConfigGeneration uint64
	Message          string
}

// EventSink is what a cgo.Handle given to SetGoEventListener must hold.
type EventSink interface {
	Event(e *GoEvent)
}

func goStrings(p **C.char, n C.size_t) []string {
	if p == nil || n == 0 {
		return nil
	}
	out := make([]string, int(n))
	for i, s := range unsafe.Slice(p, int(n)) {
		out[i] = C.GoString(s)
	}
	return out
}

//export llmrouteGoEvent
func llmrouteGoEvent(handle C.uintptr_t, e *C.llmr_event) {
	defer func() { _ = recover() }() // nothing unwinds into the library
	sink, ok := cgo.Handle(handle).Value().(EventSink)
	if !ok {
		return
	}
	ev := GoEvent{
		Kind:             int32(e.kind),
		From:             int32(e.from),
		To:               int32(e.to),
		CooldownMs:       int64(e.cooldown_ms),
		Added:            goStrings((**C.char)(unsafe.Pointer(e.added)), e.added_count),
		Removed:          goStrings((**C.char)(unsafe.Pointer(e.removed)), e.removed_count),
		Kept:             int(e.kept_count),
		ConfigGeneration: uint64(e.config_generation),
	}
	if e.deployment != nil {
		ev.Deployment = C.GoString(e.deployment)
	}
	if e.message != nil {
		ev.Message = C.GoString(e.message)
	}
	sink.Event(&ev)
}
