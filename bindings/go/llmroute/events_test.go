package llmroute_test

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// recorder is an event listener that notes each event with the OS thread it ran on.
type recorder struct {
	mu     sync.Mutex
	events []llmroute.Event
	tids   []int
}

func (rec *recorder) listen(e llmroute.Event) {
	rec.mu.Lock()
	rec.events = append(rec.events, e)
	rec.tids = append(rec.tids, syscall.Gettid())
	rec.mu.Unlock()
}

func (rec *recorder) snapshot() ([]llmroute.Event, []int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]llmroute.Event(nil), rec.events...), append([]int(nil), rec.tids...)
}

func breakerEvents(events []llmroute.Event) []llmroute.Event {
	var out []llmroute.Event
	for _, e := range events {
		if e.Kind == llmroute.EventBreaker {
			out = append(out, e)
		}
	}
	return out
}

// A trip, the half-open probe after the cooldown (injected clock) and its success arrive as
// breaker events on the goroutine whose call caused them.
func TestBreakerEventsOnTheCallingThread(t *testing.T) {
	clock := &fakeClock{}
	clock.now.Store(1_000_000_000)
	o := llmroute.DefaultOptions()
	o.Clock, o.BreakerJitter, o.BreakerConsecutiveFailures = clock, 0, 2
	r := newRouter(t, &o, dep("a", 0, "m"))
	rec := &recorder{}
	if err := r.SetEventListener(rec.listen); err != nil {
		t.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	me := syscall.Gettid()
	for i := 0; i < 2; i++ {
		p, _ := r.Pick("m")
		r.ReportOutcome(p.Ticket, llmroute.OutcomeServerError, time.Millisecond)
	}
	clock.Sleep(o.BreakerCooldownBase)
	p, err := r.Pick("m")
	if err != nil || !p.Probe {
		t.Fatalf("probe: %+v %v", p, err)
	}
	r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, time.Millisecond)
	events, tids := rec.snapshot()
	got := breakerEvents(events)
	want := []llmroute.Event{
		{Kind: llmroute.EventBreaker, Deployment: "a", From: llmroute.BreakerClosed, To: llmroute.BreakerOpen, Cooldown: o.BreakerCooldownBase},
		{Kind: llmroute.EventBreaker, Deployment: "a", From: llmroute.BreakerOpen, To: llmroute.BreakerHalfOpen},
		{Kind: llmroute.EventBreaker, Deployment: "a", From: llmroute.BreakerHalfOpen, To: llmroute.BreakerClosed},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events\n got %+v\nwant %+v", got, want)
	}
	for _, tid := range tids {
		if tid != me {
			t.Fatalf("event on thread %d, the caller is %d", tid, me)
		}
	}
	// Removing the listener stops the events.
	if err := r.SetEventListener(nil); err != nil {
		t.Fatal(err)
	}
	r.SetOverride("a", llmroute.OverrideAuto)
	for i := 0; i < 2; i++ {
		p, _ := r.Pick("m")
		r.ReportOutcome(p.Ticket, llmroute.OutcomeServerError, time.Millisecond)
	}
	if after, _ := rec.snapshot(); len(after) != len(events) {
		t.Fatalf("events after removal: %+v", after[len(events):])
	}
}

func TestConfigEvents(t *testing.T) {
	r, err := llmroute.NewFromConfig([]byte(twoDeployments), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rec := &recorder{}
	r.SetEventListener(rec.listen)
	if err := r.ApplyConfig([]byte(`{"deployments": [{"name": "b", "models": ["gpt-4o"]}, {"name": "c", "models": ["x"]}]}`)); err != nil {
		t.Fatal(err)
	}
	if err := r.ApplyConfig([]byte(`{"deployments": [{"name": "b", "models": []}]}`)); !errors.Is(err, llmroute.ErrConfig) {
		t.Fatalf("bad config: %v", err)
	}
	events, _ := rec.snapshot()
	if len(events) != 2 {
		t.Fatalf("events %+v", events)
	}
	applied, rejected := events[0], events[1]
	if applied.Kind != llmroute.EventConfigApplied || !reflect.DeepEqual(applied.Added, []string{"c"}) ||
		!reflect.DeepEqual(applied.Removed, []string{"a"}) || applied.Kept != 1 || applied.ConfigGeneration != 2 {
		t.Fatalf("applied %+v", applied)
	}
	if rejected.Kind != llmroute.EventConfigRejected || rejected.Message == "" || rejected.ConfigGeneration != 2 {
		t.Fatalf("rejected %+v", rejected)
	}
	st, err := r.Stats()
	if err != nil || st.ConfigsApplied != 2 || st.ConfigsRejected != 1 {
		t.Fatalf("stats %+v %v", st, err)
	}
}

// Calls made on a thread that the Go runtime did not start (a std::thread of the native shim)
// trip a breaker there: the Go listener runs on that foreign thread, and the adapters too.
func TestEventsFromAForeignThread(t *testing.T) {
	o := llmroute.DefaultOptions()
	o.BreakerConsecutiveFailures, o.BreakerJitter = 3, 0
	r := newRouter(t, &o, dep("bad", 0, "m"), dep("good", 1, "m"))
	var adapterTids sync.Map
	r.SetAdapter("bad", llmroute.AdapterFunc(func(a *llmroute.Attempt) (llmroute.Result, error) {
		adapterTids.Store(syscall.Gettid(), true)
		return llmroute.Result{Outcome: llmroute.OutcomeServerError}, nil
	}))
	r.SetAdapter("good", &fakeProvider{name: "good"})
	rec := &recorder{}
	r.SetEventListener(rec.listen)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	me := syscall.Gettid()
	if err := llmroute.CallOnNativeThread(r, "m", 5); err != nil {
		t.Fatal(err)
	}
	events, tids := rec.snapshot()
	trips := breakerEvents(events)
	if len(trips) != 1 || trips[0].Deployment != "bad" || trips[0].To != llmroute.BreakerOpen {
		t.Fatalf("events %+v", events)
	}
	if tids[0] == me {
		t.Fatal("the event ran on the test's thread, not the native one")
	}
	if _, ok := adapterTids.Load(tids[0]); !ok {
		t.Fatal("the event and the adapters should share the native thread")
	}
	// The router is still fine to use from Go afterwards.
	if _, err := r.Call(context.Background(), "m", nil, fast); err != nil {
		t.Fatal(err)
	}
}

// A listener that panics is contained; one that closes the router from inside the report that
// tripped the breaker does not deadlock.
func TestListenerPanicAndCloseFromListener(t *testing.T) {
	o := llmroute.DefaultOptions()
	o.BreakerConsecutiveFailures = 1
	r := newRouter(t, &o, dep("a", 0, "m"))
	r.SetEventListener(func(llmroute.Event) { panic("listener bug") })
	p, _ := r.Pick("m")
	if err := r.ReportOutcome(p.Ticket, llmroute.OutcomeServerError, time.Millisecond); err != nil {
		t.Fatalf("a panicking listener broke the report: %v", err)
	}
	r2 := newRouter(t, &o, dep("a", 0, "m"))
	r2.SetEventListener(func(llmroute.Event) { r2.Close() })
	p, _ = r2.Pick("m")
	if err := r2.ReportOutcome(p.Ticket, llmroute.OutcomeServerError, time.Millisecond); err != nil {
		t.Fatalf("report whose listener closed the router: %v", err)
	}
	if _, err := r2.Pick("m"); !errors.Is(err, llmroute.ErrClosed) {
		t.Fatalf("pick after the listener closed the router: %v", err)
	}
}
