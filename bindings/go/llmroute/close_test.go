package llmroute_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// okOrClosed is nil for an error a call racing Close may legitimately return.
func okOrClosed(err error) error {
	if err == nil || errors.Is(err, llmroute.ErrClosed) {
		return nil
	}
	return err
}

// Four goroutines pick, report, cancel and call while a fifth closes the router, 50 rounds: no
// crash, every error is ErrClosed, and once Close has returned every call fails with ErrClosed.
func TestCloseWhileFourGoroutinesPickReportAndCall(t *testing.T) {
	const rounds, workers = 50, 4
	for round := 0; round < rounds; round++ {
		r, err := llmroute.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"a", "b", "c"} {
			if err := r.AddDeployment(dep(name, 0, "m")); err != nil {
				t.Fatal(err)
			}
			if err := r.SetAdapter(name, &fakeProvider{name: name}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		var ops atomic.Int64
		unexpected := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ; i++ {
					var err error
					switch (w + i) % 4 {
					case 0, 1:
						var p llmroute.Pick
						p, err = r.Pick("m")
						if err == nil {
							if i%2 == 0 {
								err = r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, time.Millisecond)
							} else {
								err = r.Cancel(p.Ticket)
							}
						}
					case 2:
						_, err = r.Call(context.Background(), "m", []byte("q"), fast)
					case 3:
						_, err = r.HealthList()
					}
					ops.Add(1)
					if errors.Is(err, llmroute.ErrClosed) {
						return
					}
					if err != nil {
						unexpected <- err
						return
					}
				}
			}(w)
		}
		for ops.Load() < int64(20+round) { // let them get going
			time.Sleep(50 * time.Microsecond)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Pick("m"); !errors.Is(err, llmroute.ErrClosed) {
			t.Fatalf("round %d: pick after Close returned: %v", round, err)
		}
		wg.Wait()
		close(unexpected)
		for err := range unexpected {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}

// A call in flight when Close is called finishes normally; Close returns only after it, and the
// adapter is released only then.
func TestCloseWaitsForTheCallInFlight(t *testing.T) {
	r, err := llmroute.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	r.AddDeployment(dep("slow", 0, "m"))
	entered, proceed := make(chan struct{}), make(chan struct{})
	var released atomic.Int64
	ad := &releasingAdapter{fn: func(a *llmroute.Attempt) (llmroute.Result, error) {
		close(entered)
		<-proceed
		return llmroute.Result{Outcome: llmroute.OutcomeSuccess}, a.SetResponse([]byte("done"))
	}, released: &released}
	if err := r.SetAdapter("slow", ad); err != nil {
		t.Fatal(err)
	}
	type callOut struct {
		res *llmroute.CallResult
		err error
	}
	done := make(chan callOut, 1)
	go func() {
		res, err := r.Call(context.Background(), "m", nil, nil)
		done <- callOut{res, err}
	}()
	<-entered
	closed := make(chan struct{})
	go func() { r.Close(); close(closed) }()
	// Later calls are refused as soon as Close has begun; wait for that to be visible.
	for {
		if _, err := r.Pick("m"); errors.Is(err, llmroute.ErrClosed) {
			break
		}
		time.Sleep(100 * time.Microsecond)
	}
	select {
	case <-closed:
		t.Fatal("Close returned while a call was in flight")
	default:
	}
	if released.Load() != 0 {
		t.Fatal("adapter released while its call was in flight")
	}
	close(proceed)
	out := <-done
	if out.err != nil || string(out.res.Response) != "done" {
		t.Fatalf("the call in flight should finish: %+v %v", out.res, out.err)
	}
	<-closed
	if released.Load() != 1 {
		t.Fatalf("released %d times", released.Load())
	}
}

type releasingAdapter struct {
	fn       func(a *llmroute.Attempt) (llmroute.Result, error)
	released *atomic.Int64
}

func (a *releasingAdapter) Invoke(at *llmroute.Attempt) (llmroute.Result, error) { return a.fn(at) }
func (a *releasingAdapter) Released()                                            { a.released.Add(1) }

// An adapter that closes its own router: Close returns at once (it cannot wait for the call it
// is in), the call finishes, and the router is destroyed when the call returns.
func TestCloseFromInsideAnAdapter(t *testing.T) {
	r, err := llmroute.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	r.AddDeployment(dep("a", 0, "m"))
	var released atomic.Int64
	var pickInside error
	r.SetAdapter("a", &releasingAdapter{fn: func(a *llmroute.Attempt) (llmroute.Result, error) {
		r.Close()
		_, pickInside = r.Pick("m")
		return llmroute.Result{Outcome: llmroute.OutcomeSuccess}, nil
	}, released: &released})
	if _, err := r.Call(context.Background(), "m", nil, nil); err != nil {
		t.Fatalf("the call that closed its router: %v", err)
	}
	if !errors.Is(pickInside, llmroute.ErrClosed) {
		t.Fatalf("pick after Close inside the adapter: %v", pickInside)
	}
	if released.Load() != 1 {
		t.Fatalf("adapter released %d times after the call returned", released.Load())
	}
	var e *llmroute.Error
	if _, err := r.Call(context.Background(), "m", nil, nil); !errors.As(err, &e) || !errors.Is(err, llmroute.ErrClosed) ||
		e.Status != llmroute.ErrInvalidArgument {
		t.Fatalf("call after close: %v", err)
	}
}
