package llmroute_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

var errRefused = errors.New("dial tcp 127.0.0.1:9: connection refused")

type customPanic struct{ code int }

func (c customPanic) Error() string { return "custom panic" }

// The adapters' returned error and panic are the causes of the call's final error, in attempt
// order: errors.Is finds the returned error, errors.As the *AdapterError and the *PanicError.
func TestAdapterErrorsAndPanicsAreTheCallsCauses(t *testing.T) {
	o := llmroute.DefaultOptions()
	r := newRouter(t, &o, dep("errs", 0, "m"), dep("panics", 1, "m"))
	r.SetAdapter("errs", &fakeProvider{name: "errs", err: errRefused})
	r.SetAdapter("panics", llmroute.AdapterFunc(func(*llmroute.Attempt) (llmroute.Result, error) {
		panic(customPanic{code: 7})
	}))
	_, err := r.Call(context.Background(), "m", []byte("x"), &llmroute.CallOptions{MaxAttempts: 2,
		BackoffBase: time.Millisecond, BackoffMax: time.Millisecond})
	var e *llmroute.Error
	if !errors.As(err, &e) || e.Status != llmroute.ErrUpstream {
		t.Fatalf("call: %v", err)
	}
	if !errors.Is(err, errRefused) {
		t.Fatalf("the returned error is not a cause: %v", err)
	}
	var ae *llmroute.AdapterError
	if !errors.As(err, &ae) || ae.Deployment != "errs" || ae.Attempt != 1 || ae.Err != errRefused {
		t.Fatalf("first adapter error: %+v", ae)
	}
	var pe *llmroute.PanicError
	if !errors.As(err, &pe) || pe.Value != (customPanic{code: 7}) || !strings.Contains(string(pe.Stack), "causes_test.go") {
		t.Fatalf("panic cause: %+v", pe)
	}
	var cp customPanic
	if !errors.As(err, &cp) || cp.code != 7 {
		t.Fatalf("a panic(error) value is reachable with errors.As: %v", err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("no context cause expected: %v", err)
	}
	// A call that succeeds after a failed attempt returns no error at all.
	r.SetAdapter("panics", &fakeProvider{name: "panics"})
	if _, err := r.Call(context.Background(), "m", nil, fast); err != nil {
		t.Fatalf("failover to a healthy adapter: %v", err)
	}
}

// The race between the context's deadline and the native deadline derived from it: whichever
// fires first, the error matches context.DeadlineExceeded and ErrDeadlineExceeded, 50 times out
// of 50.
func TestContextDeadlineMapsEveryTime(t *testing.T) {
	r := newRouter(t, nil, dep("slow", 0, "m"))
	r.SetOverride("slow", llmroute.OverrideForceClosed) // 50 timeouts must not trip it
	r.SetAdapter("slow", llmroute.AdapterFunc(func(a *llmroute.Attempt) (llmroute.Result, error) {
		for a.Err() == nil {
			time.Sleep(100 * time.Microsecond)
		}
		return llmroute.Result{Outcome: llmroute.OutcomeTimeout}, nil
	}))
	for i := 0; i < 50; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(2+i%5)*time.Millisecond)
		_, err := r.Call(ctx, "m", nil, fast)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, llmroute.ErrDeadlineExceeded) ||
			errors.Is(err, context.Canceled) {
			t.Fatalf("run %d: %v", i, err)
		}
	}
}

// Cancellation maps to context.Canceled and ErrCancelled every time, also when the cancel comes
// while the adapter is running.
func TestContextCancelMapsEveryTime(t *testing.T) {
	r := newRouter(t, nil, dep("slow", 0, "m"))
	r.SetOverride("slow", llmroute.OverrideForceClosed)
	started := make(chan struct{}, 1)
	r.SetAdapter("slow", llmroute.AdapterFunc(func(a *llmroute.Attempt) (llmroute.Result, error) {
		started <- struct{}{}
		for a.Err() == nil {
			time.Sleep(100 * time.Microsecond)
		}
		return llmroute.Result{Outcome: llmroute.OutcomeTimeout}, nil
	}))
	for i := 0; i < 50; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-started; cancel() }()
		_, err := r.Call(ctx, "m", nil, fast)
		if !errors.Is(err, context.Canceled) || !errors.Is(err, llmroute.ErrCancelled) {
			t.Fatalf("run %d: %v", i, err)
		}
		cancel()
	}
}
