package llmroute

import (
	"fmt"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// Status is the library's integer status code (llmr_status). Its values are those of the C
// header, fixed forever. A Status is itself an error, so it serves as the sentinel for errors.Is:
//
//	if errors.Is(err, llmroute.ErrNoProvider) { ... }
type Status int32

// The C header's llmr_status values.
const (
	OK                  Status = 0
	ErrInvalidArgument  Status = -1
	ErrNoMemory         Status = -2
	ErrNotFound         Status = -3
	ErrAlreadyExists    Status = -4
	ErrNoProvider       Status = -5 // the seed router's ROUTER_NO_PROVIDER_AVAILABLE
	ErrUnknownModel     Status = -6
	ErrInvalidTicket    Status = -7
	ErrTicketDone       Status = -8
	ErrCapacity         Status = -9
	ErrInternal         Status = -10
	ErrBufferTooSmall   Status = -11
	ErrRateLimited      Status = -12
	ErrDeadlineExceeded Status = -13
	ErrCancelled        Status = -14
	ErrUpstream         Status = -15
	ErrConfig           Status = -16 // a configuration was rejected; nothing of it was applied
	// ErrStreamStalled: a committed stream stalled (CallOptions.IdleTimeout); end the client's
	// stream with an error rather than let it look complete.
	ErrStreamStalled Status = -18
)

// String returns the C name, as llmr_status_str gives it ("LLMR_ERR_NO_PROVIDER"); a value the
// library does not know gets its number appended.
func (s Status) String() string {
	n := native.StatusName(int(s))
	if n == "" || n == "LLMR_ERR_UNRECOGNISED" {
		return fmt.Sprintf("LLMR_ERR_UNRECOGNISED(%d)", int32(s))
	}
	return n
}

// Error makes a Status usable as a sentinel error.
func (s Status) Error() string { return "llmroute: " + s.String() }

// Error is a failed llmroute call: the status, and the library's detail message, read inside
// the same native call that failed (so it is right even when the goroutine changes threads).
type Error struct {
	Status  Status
	Message string
	// RetryAfter is set for ErrNoProvider and ErrRateLimited: the time until capacity returns
	// (negative when it will not return by itself).
	RetryAfter time.Duration
	// Call is the call report of a failed Router.Call, when there is one.
	Call *CallResult
	// causes: the context's error behind ErrCancelled / ErrDeadlineExceeded, ErrClosed, and the
	// errors (*AdapterError) of the adapters that failed during a Router.Call, in attempt order.
	causes []error
}

func (e *Error) Error() string {
	if e.Message == "" || e.Message == e.Status.String() {
		return "llmroute: " + e.Status.String()
	}
	return "llmroute: " + e.Status.String() + ": " + e.Message
}

// Unwrap lets errors.Is and errors.As see the Status and the causes: for a call stopped by its
// context, context.Canceled or context.DeadlineExceeded; for a closed router, ErrClosed; for a
// call whose adapters failed, each *AdapterError, and through it the adapter's own error or its
// *PanicError.
func (e *Error) Unwrap() []error {
	return append([]error{e.Status}, e.causes...)
}

// AdapterError is an attempt whose adapter returned an error or panicked (the router counted it
// as a connection error of the deployment). It is one of the causes of the Call's *Error.
type AdapterError struct {
	Deployment string
	Attempt    int
	// Err is what Invoke returned, or a *PanicError.
	Err error
}

func (e *AdapterError) Error() string {
	return fmt.Sprintf("llmroute: adapter of %s (attempt %d): %v", e.Deployment, e.Attempt, e.Err)
}

func (e *AdapterError) Unwrap() error { return e.Err }

// PanicError is an adapter's recovered panic.
type PanicError struct {
	Value any
	// Stack is the panicking goroutine's stack (runtime/debug.Stack).
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap is the panic value when it is an error (panic(err)).
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}
