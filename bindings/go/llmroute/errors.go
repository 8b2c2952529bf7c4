package llmroute

import (
	"fmt"
	"time"
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
)

var statusNames = map[Status]string{
	OK:                  "LLMR_OK",
	ErrInvalidArgument:  "LLMR_ERR_INVALID_ARGUMENT",
	ErrNoMemory:         "LLMR_ERR_NO_MEMORY",
	ErrNotFound:         "LLMR_ERR_NOT_FOUND",
	ErrAlreadyExists:    "LLMR_ERR_ALREADY_EXISTS",
	ErrNoProvider:       "LLMR_ERR_NO_PROVIDER",
	ErrUnknownModel:     "LLMR_ERR_UNKNOWN_MODEL",
	ErrInvalidTicket:    "LLMR_ERR_INVALID_TICKET",
	ErrTicketDone:       "LLMR_ERR_TICKET_DONE",
	ErrCapacity:         "LLMR_ERR_CAPACITY",
	ErrInternal:         "LLMR_ERR_INTERNAL",
	ErrBufferTooSmall:   "LLMR_ERR_BUFFER_TOO_SMALL",
	ErrRateLimited:      "LLMR_ERR_RATE_LIMITED",
	ErrDeadlineExceeded: "LLMR_ERR_DEADLINE_EXCEEDED",
	ErrCancelled:        "LLMR_ERR_CANCELLED",
	ErrUpstream:         "LLMR_ERR_UPSTREAM",
	ErrConfig:           "LLMR_ERR_CONFIG",
}

// String returns the C name, as llmr_status_str does ("LLMR_ERR_NO_PROVIDER").
func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("LLMR_ERR_UNRECOGNISED(%d)", int32(s))
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
	// cause is the context error behind ErrCancelled / ErrDeadlineExceeded, if any.
	cause error
}

func (e *Error) Error() string {
	if e.Message == "" || e.Message == e.Status.String() {
		return "llmroute: " + e.Status.String()
	}
	return "llmroute: " + e.Status.String() + ": " + e.Message
}

// Unwrap lets errors.Is match the Status (and, for a call stopped by its context, the context's
// error: context.Canceled or context.DeadlineExceeded).
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{e.Status, e.cause}
	}
	return []error{e.Status}
}
