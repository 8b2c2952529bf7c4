package llmroute_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// fakeProvider is an adapter written in Go: it fails with a fixed outcome or answers.
type fakeProvider struct {
	name     string
	fail     llmroute.Outcome // OutcomeSuccess: answer
	panicMsg string
	err      error
	calls    atomic.Int64
	released atomic.Int64
}

func (f *fakeProvider) Invoke(a *llmroute.Attempt) (llmroute.Result, error) {
	f.calls.Add(1)
	if f.panicMsg != "" {
		panic(f.panicMsg)
	}
	if f.err != nil {
		return llmroute.Result{}, f.err
	}
	if f.fail != llmroute.OutcomeSuccess {
		return llmroute.Result{Outcome: f.fail, Latency: 5 * time.Millisecond}, nil
	}
	if err := a.SetResponse([]byte(f.name + " answered " + string(a.Request))); err != nil {
		return llmroute.Result{}, err
	}
	return llmroute.Result{Outcome: llmroute.OutcomeSuccess, Latency: 20 * time.Millisecond,
		InputTokens: 3, OutputTokens: 5}, nil
}

func (f *fakeProvider) Released() { f.released.Add(1) }

var fast = &llmroute.CallOptions{BackoffBase: time.Millisecond, BackoffMax: time.Millisecond}

func TestGoAdapterDrivesFailover(t *testing.T) {
	r := newRouter(t, nil, dep("primary", 0, "gpt-4o"), dep("secondary", 1, "gpt-4o"))
	bad := &fakeProvider{name: "primary", fail: llmroute.OutcomeServerError}
	good := &fakeProvider{name: "secondary"}
	if err := r.SetAdapter("primary", bad); err != nil {
		t.Fatal(err)
	}
	if err := r.SetAdapter("secondary", good); err != nil {
		t.Fatal(err)
	}
	res, err := r.Call(context.Background(), "gpt-4o", []byte("hi"), fast)
	if err != nil {
		t.Fatalf("call: %v", err)
	}
	if res.Deployment != "secondary" || string(res.Response) != "secondary answered hi" ||
		len(res.Attempts) != 2 || res.Attempts[0].Deployment != "primary" ||
		res.Attempts[0].Outcome != llmroute.OutcomeServerError || res.Attempts[1].Outcome != llmroute.OutcomeSuccess {
		t.Fatalf("result %+v", res)
	}
	if bad.calls.Load() != 1 || good.calls.Load() != 1 {
		t.Fatalf("calls %d %d", bad.calls.Load(), good.calls.Load())
	}
}

func TestModelFallbackChain(t *testing.T) {
	r := newRouter(t, nil, dep("big", 0, "gpt-4o"), dep("small", 0, "gpt-4o-mini"))
	r.SetAdapter("big", &fakeProvider{name: "big", fail: llmroute.OutcomeRateLimited})
	r.SetAdapter("small", &fakeProvider{name: "small"})
	if err := r.SetFallbacks("gpt-4o", "gpt-4o-mini"); err != nil {
		t.Fatal(err)
	}
	res, err := r.Call(context.Background(), "gpt-4o", []byte("q"), fast)
	if err != nil || !res.UsedFallback || res.Model != "gpt-4o-mini" {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestPanicAndErrorInAdapterBecomeErrorOutcomes(t *testing.T) {
	r := newRouter(t, nil, dep("panics", 0, "m"), dep("errs", 1, "m"), dep("works", 2, "m"))
	p := &fakeProvider{name: "panics", panicMsg: "adapter bug"}
	e := &fakeProvider{name: "errs", err: errors.New("dial tcp: refused")}
	r.SetAdapter("panics", p)
	r.SetAdapter("errs", e)
	r.SetAdapter("works", &fakeProvider{name: "works"})
	res, err := r.Call(context.Background(), "m", []byte("x"), fast)
	if err != nil {
		t.Fatalf("the healthy deployment should answer: %v", err)
	}
	if len(res.Attempts) != 3 || !res.Attempts[0].AdapterFailed || !res.Attempts[1].AdapterFailed ||
		res.Attempts[0].Outcome != llmroute.OutcomeConnectionError || res.Attempts[2].AdapterFailed {
		t.Fatalf("attempts %+v", res.Attempts)
	}
	// With only the panicking adapter the call fails cleanly; the process survives.
	r2 := newRouter(t, nil, dep("panics", 0, "m"))
	r2.SetAdapter("panics", &fakeProvider{name: "panics", panicMsg: "again"})
	_, err = r2.Call(context.Background(), "m", nil, fast)
	var le *llmroute.Error
	if !errors.As(err, &le) || le.Call == nil || !le.Call.Attempts[0].AdapterFailed {
		t.Fatalf("%v", err)
	}
	if h, _ := r2.Health("panics"); h.Failures == 0 {
		t.Fatalf("the adapter failure must count against the deployment: %+v", h)
	}
}

// The C side holds only cgo.Handles: garbage collection while the router holds adapters (whose
// only Go reference is that handle) must not lose them, and the release callback drops each
// handle exactly once.
func TestGCWhileRouterHoldsAdapters(t *testing.T) {
	r := newRouter(t, nil)
	var released atomic.Int64
	const n = 50
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("d%d", i)
		if err := r.AddDeployment(dep(name, 0, "m")); err != nil {
			t.Fatal(err)
		}
		func() { // the adapter is reachable only through the router afterwards
			a := &countingAdapter{released: &released}
			if err := r.SetAdapter(name, a); err != nil {
				t.Fatal(err)
			}
		}()
	}
	for i := 0; i < 5; i++ {
		runtime.GC()
		for j := 0; j < 20; j++ {
			if _, err := r.Call(context.Background(), "m", []byte("gc"), fast); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Replacing an adapter releases the old one; removing a deployment releases its adapter.
	r.SetAdapter("d0", &countingAdapter{released: &released})
	r.RemoveDeployment("d1")
	runtime.GC()
	if got := released.Load(); got != 2 {
		t.Fatalf("released %d, want 2", got)
	}
	r.Close()
	if got := released.Load(); got != n+1 {
		t.Fatalf("after close released %d, want %d", got, n+1)
	}
}

type countingAdapter struct {
	released *atomic.Int64
	payload  [1 << 10]byte // make collection worthwhile
}

func (c *countingAdapter) Invoke(a *llmroute.Attempt) (llmroute.Result, error) {
	return llmroute.Result{Outcome: llmroute.OutcomeSuccess}, nil
}
func (c *countingAdapter) Released() { c.released.Add(1) }

func TestContextCancellationStopsTheCall(t *testing.T) {
	r := newRouter(t, nil, dep("slow", 0, "m"))
	started := make(chan struct{})
	var sawCancel atomic.Bool
	r.SetAdapter("slow", llmroute.AdapterFunc(func(a *llmroute.Attempt) (llmroute.Result, error) {
		close(started)
		for i := 0; i < 5000; i++ { // poll the call's flag, as a streaming adapter would
			if errors.Is(a.Err(), llmroute.ErrCancelled) {
				sawCancel.Store(true)
				return llmroute.Result{Outcome: llmroute.OutcomeTimeout}, nil
			}
			time.Sleep(time.Millisecond)
		}
		return llmroute.Result{Outcome: llmroute.OutcomeSuccess}, nil
	}))
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := r.Call(ctx, "m", nil, fast)
	if !errors.Is(err, llmroute.ErrCancelled) || !errors.Is(err, context.Canceled) || !sawCancel.Load() {
		t.Fatalf("err %v, adapter saw cancel %v", err, sawCancel.Load())
	}
	// An already cancelled context does not call at all.
	if _, err := r.Call(ctx, "m", nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("%v", err)
	}
}

func TestContextDeadlineBecomesTheCallDeadline(t *testing.T) {
	r := newRouter(t, nil, dep("slow", 0, "m"))
	var timeout atomic.Int64
	r.SetAdapter("slow", llmroute.AdapterFunc(func(a *llmroute.Attempt) (llmroute.Result, error) {
		timeout.Store(int64(a.Timeout))
		for a.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		return llmroute.Result{Outcome: llmroute.OutcomeTimeout}, nil
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.Call(ctx, "m", nil, fast)
	if !errors.Is(err, llmroute.ErrDeadlineExceeded) {
		t.Fatalf("%v", err)
	}
	if d := time.Duration(timeout.Load()); d <= 0 || d > 150*time.Millisecond {
		t.Fatalf("attempt timeout %v should be bounded by the context's deadline", d)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("took %v", el)
	}
}

// Calls from many goroutines at once, adapters running concurrently on the callers' goroutines.
func TestConcurrentCalls(t *testing.T) {
	r := newRouter(t, nil, dep("a", 0, "m"), dep("b", 0, "m"))
	var count atomic.Int64
	ad := llmroute.AdapterFunc(func(a *llmroute.Attempt) (llmroute.Result, error) {
		count.Add(1)
		if !strings.HasPrefix(string(a.Request), "req-") {
			return llmroute.Result{}, errors.New("bad request bytes")
		}
		return llmroute.Result{Outcome: llmroute.OutcomeSuccess}, nil
	})
	r.SetAdapter("a", ad)
	r.SetAdapter("b", ad)
	var wg sync.WaitGroup
	var fails atomic.Int64
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if _, err := r.Call(context.Background(), "m", []byte(fmt.Sprintf("req-%d-%d", g, i)), nil); err != nil {
					fails.Add(1)
				}
			}
		}(g)
	}
	wg.Wait()
	if fails.Load() != 0 || count.Load() != 1600 {
		t.Fatalf("fails %d, invocations %d", fails.Load(), count.Load())
	}
}
