package llmroute_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// streamer streams chunks after the given gaps on the injected clock, reporting each with
// Progress and polling Err every 100 ms as a read loop would; commitAfter chunks reach the client.
func streamer(clock *fakeClock, commitAfter int, gaps ...time.Duration) llmroute.AdapterFunc {
	return func(a *llmroute.Attempt) (llmroute.Result, error) {
		committed := false
		for i, gap := range gaps {
			for waited := time.Duration(0); waited < gap; waited += 100 * time.Millisecond {
				clock.Sleep(min(100*time.Millisecond, gap-waited))
				if errors.Is(a.Err(), llmroute.ErrStreamStalled) {
					return llmroute.Result{Outcome: llmroute.OutcomeTimeout, Committed: committed}, nil
				}
			}
			if err := a.Progress(); err != nil {
				return llmroute.Result{}, err
			}
			committed = committed || i+1 >= commitAfter
		}
		return llmroute.Result{Outcome: llmroute.OutcomeSuccess, Committed: committed}, nil
	}
}

func TestStalledStreamFailsOverBeforeCommitAndFailsAfter(t *testing.T) {
	clock := &fakeClock{}
	clock.now.Store(1_000_000_000)
	o := llmroute.DefaultOptions()
	o.Clock = clock
	r := newRouter(t, &o, dep("a", 0, "m"), dep("b", 0, "m"))
	var limits []time.Duration
	a := streamer(clock, 1, 10*time.Millisecond, 3*time.Second)
	r.SetAdapter("a", llmroute.AdapterFunc(func(at *llmroute.Attempt) (llmroute.Result, error) {
		limits = append(limits, at.FirstByteTimeout, at.IdleTimeout)
		return a(at)
	}))
	r.SetAdapter("b", streamer(clock, 1, 10*time.Millisecond))
	opts := &llmroute.CallOptions{FirstByteTimeout: 5 * time.Second, IdleTimeout: time.Second, BackoffBase: time.Nanosecond}
	// a is first in the rotation or second: call until a has been tried once.
	var err error
	var res *llmroute.CallResult
	for len(limits) == 0 {
		res, err = r.Call(context.Background(), "m", nil, opts)
	}
	// a committed after its first chunk and then stalled: the call fails, distinctly, unretried.
	if !errors.Is(err, llmroute.ErrStreamStalled) || len(res.Attempts) != 1 {
		t.Fatalf("stall after commit: %v %+v", err, res)
	}
	if limits[0] != 5*time.Second || limits[1] != time.Second {
		t.Fatalf("the adapter saw the limits %v", limits)
	}
	// Before commit (a now stalls before its first chunk) the call fails over to b.
	r.SetAdapter("a", streamer(clock, 1, 10*time.Second))
	for i := 0; i < 2; i++ {
		res, err = r.Call(context.Background(), "m", nil, opts)
		if err != nil || res.Deployment != "b" {
			t.Fatalf("stall before commit: %v %+v", err, res)
		}
	}
	if _, err := r.Call(context.Background(), "m", nil, &llmroute.CallOptions{IdleTimeout: -time.Second}); !errors.Is(err, llmroute.ErrInvalidArgument) {
		t.Fatalf("negative idle timeout: %v", err)
	}
}
