package llmroute_test

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// racer plays both sides of a hedged call on the injected clock: the first attempt takes 60 ms,
// polls Err (which starts the due hedge at once), then waits to be cancelled; the hedge, invoked
// on a thread the library created, claims the stream and answers.
func racer(clock *fakeClock, firstCancelled, hedges *atomic.Int32) llmroute.AdapterFunc {
	return func(a *llmroute.Attempt) (llmroute.Result, error) {
		if a.IsHedge {
			hedges.Add(1)
			if err := a.Commit(); err != nil {
				return llmroute.Result{}, err
			}
			_ = a.SetResponse([]byte("hedge"))
			return llmroute.Result{Outcome: llmroute.OutcomeSuccess}, nil
		}
		clock.Sleep(60 * time.Millisecond)
		for {
			err := a.Err()
			if errors.Is(err, llmroute.ErrCancelled) {
				firstCancelled.Add(1)
				return llmroute.Result{Outcome: llmroute.OutcomeTimeout}, nil
			}
			if err != nil {
				return llmroute.Result{}, err
			}
			runtime.Gosched()
		}
	}
}

func TestHedgedCallTheHedgeWinsOnALibraryThread(t *testing.T) {
	clock := &fakeClock{}
	clock.now.Store(1_000_000_000)
	o := llmroute.DefaultOptions()
	o.Clock = clock
	r := newRouter(t, &o, dep("a", 0, "m"), dep("b", 0, "m"))
	var firstCancelled, hedges atomic.Int32
	ad := racer(clock, &firstCancelled, &hedges)
	r.SetAdapter("a", ad)
	r.SetAdapter("b", ad)
	res, err := r.Call(context.Background(), "m", []byte("q"), &llmroute.CallOptions{HedgeAfter: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("call: %v", err)
	}
	if string(res.Response) != "hedge" || len(res.Attempts) != 2 {
		t.Fatalf("result %+v", res)
	}
	first, hedge := res.Attempts[0], res.Attempts[1]
	if first.Hedge || !first.Cancelled || !hedge.Hedge || hedge.Cancelled || !hedge.Committed {
		t.Fatalf("attempts %+v", res.Attempts)
	}
	if firstCancelled.Load() != 1 || hedges.Load() != 1 {
		t.Fatalf("first cancelled %d times, %d hedges", firstCancelled.Load(), hedges.Load())
	}
	// The loser's ticket was cancelled: no failure against its deployment.
	h, err := r.Health(first.Deployment)
	if err != nil || h.Failures != 0 || h.InFlight != 0 {
		t.Fatalf("loser's health %+v %v", h, err)
	}
	// Without HedgeAfter nothing is hedged: the first attempt would wait forever, so it is
	// cancelled by the context instead.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	if _, err := r.Call(ctx, "m", nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("unhedged call: %v", err)
	}
	if hedges.Load() != 1 {
		t.Fatalf("a hedge started without HedgeAfter")
	}
	for _, bad := range []llmroute.CallOptions{{HedgeAfter: -time.Millisecond}, {HedgeAfterQuantile: math.NaN()}, {MaxHedges: 5}, {MaxHedges: -1}} {
		if _, err := r.Call(context.Background(), "m", nil, &bad); !errors.Is(err, llmroute.ErrInvalidArgument) {
			t.Fatalf("%+v: %v", bad, err)
		}
	}
}
