package llmroute_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// admitted is how many picks of "m" at priority p succeed in a row (each reported at once).
func admitted(t *testing.T, r *llmroute.Router, p llmroute.Priority) int {
	t.Helper()
	n := 0
	for ; n < 100; n++ {
		pick, err := r.PickWith("m", &llmroute.PickOptions{Priority: p})
		if err != nil {
			break
		}
		if err := r.Report(pick.Ticket, llmroute.Report{Outcome: llmroute.OutcomeSuccess}); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// A deployment's Reserve keeps the last share of its rpm for the higher classes: the default
// class is refused (ErrRateLimited with RetryAfter) once only the reserve is left, the highest
// uses it, the window's rollover frees it, and bad levels and priorities fail naming the field
// (injected clock).
func TestPriorityReserve(t *testing.T) {
	clock := &fakeClock{}
	clock.now.Store(1_000_000_000)
	o := llmroute.DefaultOptions()
	o.Clock = clock
	r := newRouter(t, &o, llmroute.Deployment{Name: "a", Models: []string{"m"}, RPMLimit: 10,
		Reserve: []llmroute.ReserveLevel{{Class: 1, Share: 0.2}}})

	if got := admitted(t, r, llmroute.PriorityDefault); got != 8 {
		t.Fatalf("the default class got %d of 10, want 8 (20%% reserved for class <= 1)", got)
	}
	_, err := r.PickWith("m", &llmroute.PickOptions{Priority: llmroute.PriorityLowest})
	var e *llmroute.Error
	if !errors.As(err, &e) || e.Status != llmroute.ErrRateLimited || e.RetryAfter != time.Minute {
		t.Fatalf("the lowest class on the reserve: %v", err)
	}
	if got := admitted(t, r, llmroute.ClassPriority(1)); got != 2 {
		t.Fatalf("class 1 got %d of the reserve, want 2", got)
	}
	clock.Sleep(time.Minute)
	if got := admitted(t, r, llmroute.PriorityDefault); got != 8 {
		t.Fatalf("after the window rolled over the default class got %d, want 8", got)
	}
	if got := admitted(t, r, llmroute.PriorityHighest); got != 2 {
		t.Fatalf("the highest class got %d, want the 2 left", got)
	}

	for _, bad := range []llmroute.Priority{llmroute.ClassPriority(4), llmroute.ClassPriority(-1)} {
		_, err := r.PickWith("m", &llmroute.PickOptions{Priority: bad})
		if !errors.As(err, &e) || e.Status != llmroute.ErrInvalidArgument ||
			!strings.Contains(e.Message, "priority") {
			t.Fatalf("priority class %d: %v", bad.Class(), err)
		}
	}
	err = r.AddDeployment(llmroute.Deployment{Name: "b", Models: []string{"m"}, RPMLimit: 10,
		Reserve: []llmroute.ReserveLevel{{Class: 1, Share: 0.2}, {Class: 0, Share: 0.3}}})
	if !errors.As(err, &e) || e.Status != llmroute.ErrInvalidArgument ||
		!strings.Contains(e.Message, "reserve[1].priority") {
		t.Fatalf("levels out of order: %v", err)
	}
	if _, err := r.Health("b"); err == nil {
		t.Fatal("the rejected deployment was added")
	}
}
