package llmroute_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// headerPath is the C header the binding must agree with: $LLMROUTE_HEADER (CTest sets it) or
// the one in this repository.
func headerPath(t testing.TB) string {
	if p := os.Getenv("LLMROUTE_HEADER"); p != "" {
		return p
	}
	p, err := filepath.Abs("../../../include/llmroute/llmroute.h")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// headerEnums parses `typedef enum name { A = 1, ... } name;` blocks of the header.
func headerEnums(t testing.TB) map[string]map[string]int {
	src, err := os.ReadFile(headerPath(t))
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(src), "")
	out := map[string]map[string]int{}
	for _, m := range regexp.MustCompile(`(?s)typedef\s+enum\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;`).FindAllStringSubmatch(text, -1) {
		items := map[string]int{}
		for _, it := range regexp.MustCompile(`(\w+)\s*=\s*(-?\d+)`).FindAllStringSubmatch(m[2], -1) {
			v, _ := strconv.Atoi(it[2])
			items[it[1]] = v
		}
		out[m[3]] = items
	}
	if len(out) < 7 {
		t.Fatalf("parsed only %d enums from %s", len(out), headerPath(t))
	}
	return out
}

// goName converts LLMR_ERR_NO_PROVIDER (enum llmr_status) to the Go identifier's value table key.
func TestEveryEnumValueEqualsTheHeader(t *testing.T) {
	enums := headerEnums(t)
	type table map[string]int
	goValues := map[string]table{
		"llmr_status": {
			"LLMR_OK": int(llmroute.OK), "LLMR_ERR_INVALID_ARGUMENT": int(llmroute.ErrInvalidArgument),
			"LLMR_ERR_NO_MEMORY": int(llmroute.ErrNoMemory), "LLMR_ERR_NOT_FOUND": int(llmroute.ErrNotFound),
			"LLMR_ERR_ALREADY_EXISTS": int(llmroute.ErrAlreadyExists), "LLMR_ERR_NO_PROVIDER": int(llmroute.ErrNoProvider),
			"LLMR_ERR_UNKNOWN_MODEL": int(llmroute.ErrUnknownModel), "LLMR_ERR_INVALID_TICKET": int(llmroute.ErrInvalidTicket),
			"LLMR_ERR_TICKET_DONE": int(llmroute.ErrTicketDone), "LLMR_ERR_CAPACITY": int(llmroute.ErrCapacity),
			"LLMR_ERR_INTERNAL": int(llmroute.ErrInternal), "LLMR_ERR_BUFFER_TOO_SMALL": int(llmroute.ErrBufferTooSmall),
			"LLMR_ERR_RATE_LIMITED": int(llmroute.ErrRateLimited), "LLMR_ERR_DEADLINE_EXCEEDED": int(llmroute.ErrDeadlineExceeded),
			"LLMR_ERR_CANCELLED": int(llmroute.ErrCancelled), "LLMR_ERR_UPSTREAM": int(llmroute.ErrUpstream),
			"LLMR_ERR_CONFIG": int(llmroute.ErrConfig), "LLMR_ERR_STREAM_STALLED": int(llmroute.ErrStreamStalled),
		},
		"llmr_strategy": {
			"LLMR_STRATEGY_DEFAULT": int(llmroute.StrategyDefault), "LLMR_STRATEGY_ROUND_ROBIN": int(llmroute.StrategyRoundRobin),
			"LLMR_STRATEGY_WEIGHTED": int(llmroute.StrategyWeighted), "LLMR_STRATEGY_WEIGHTED_RANDOM": int(llmroute.StrategyWeightedRandom),
			"LLMR_STRATEGY_LATENCY": int(llmroute.StrategyLatency), "LLMR_STRATEGY_AVAILABILITY": int(llmroute.StrategyAvailability),
			"LLMR_STRATEGY_LEAST_LOADED": int(llmroute.StrategyLeastLoaded), "LLMR_STRATEGY_PEAK_EWMA": int(llmroute.StrategyPeakEWMA),
			"LLMR_STRATEGY_COST": int(llmroute.StrategyCost), "LLMR_STRATEGY_ENGINE_AWARE": int(llmroute.StrategyEngineAware),
		},
		"llmr_outcome": {
			"LLMR_OUTCOME_SUCCESS": int(llmroute.OutcomeSuccess), "LLMR_OUTCOME_RATE_LIMITED": int(llmroute.OutcomeRateLimited),
			"LLMR_OUTCOME_SERVER_ERROR": int(llmroute.OutcomeServerError), "LLMR_OUTCOME_TIMEOUT": int(llmroute.OutcomeTimeout),
			"LLMR_OUTCOME_CONNECTION_ERROR": int(llmroute.OutcomeConnectionError), "LLMR_OUTCOME_AUTH_ERROR": int(llmroute.OutcomeAuthError),
			"LLMR_OUTCOME_BAD_REQUEST":             int(llmroute.OutcomeBadRequest),
			"LLMR_OUTCOME_CONTEXT_WINDOW_EXCEEDED": int(llmroute.OutcomeContextWindowExceeded),
			"LLMR_OUTCOME_CONTENT_POLICY":          int(llmroute.OutcomeContentPolicy),
		},
		"llmr_breaker_state": {
			"LLMR_BREAKER_CLOSED": int(llmroute.BreakerClosed), "LLMR_BREAKER_OPEN": int(llmroute.BreakerOpen),
			"LLMR_BREAKER_HALF_OPEN": int(llmroute.BreakerHalfOpen),
		},
		"llmr_override": {
			"LLMR_OVERRIDE_AUTO": int(llmroute.OverrideAuto), "LLMR_OVERRIDE_FORCE_OPEN": int(llmroute.OverrideForceOpen),
			"LLMR_OVERRIDE_FORCE_CLOSED": int(llmroute.OverrideForceClosed),
		},
		"llmr_all_open_policy": {
			"LLMR_ALL_OPEN_FAIL_FAST": int(llmroute.AllOpenFailFast), "LLMR_ALL_OPEN_PANIC": int(llmroute.AllOpenPanic),
		},
		"llmr_event_kind": {
			"LLMR_EVENT_BREAKER": int(llmroute.EventBreaker), "LLMR_EVENT_CONFIG_APPLIED": int(llmroute.EventConfigApplied),
			"LLMR_EVENT_CONFIG_REJECTED":       int(llmroute.EventConfigRejected),
			"LLMR_EVENT_QUOTA_EXHAUSTED":       int(llmroute.EventQuotaExhausted),
			"LLMR_EVENT_SHARED_STATE_FAILOVER": int(llmroute.EventSharedStateFailover),
			"LLMR_EVENT_HEDGE_STARTED":         int(llmroute.EventHedgeStarted),
		},
		"llmr_fallback_kind": {
			"LLMR_FALLBACK_GENERAL": int(llmroute.FallbackGeneral), "LLMR_FALLBACK_CONTEXT_WINDOW": int(llmroute.FallbackContextWindow),
			"LLMR_FALLBACK_CONTENT_POLICY": int(llmroute.FallbackContentPolicy),
		},
	}
	for enum, items := range enums {
		g, ok := goValues[enum]
		if !ok {
			t.Errorf("header enum %s has no Go type", enum)
			continue
		}
		for name, v := range items {
			gv, ok := g[name]
			if !ok {
				t.Errorf("%s.%s = %d has no Go constant", enum, name, v)
			} else if gv != v {
				t.Errorf("%s: Go has %d, header has %d", name, gv, v)
			}
		}
		for name := range g {
			if _, ok := items[name]; !ok {
				t.Errorf("Go constant for %s.%s is not in the header", enum, name)
			}
		}
	}
	// The values compiled into the generated layer (read from the C enums at init) agree too.
	if int(native.Llmr_status_LLMR_ERR_NO_PROVIDER) != int(llmroute.ErrNoProvider) ||
		int(native.Llmr_status_LLMR_ERR_UPSTREAM) != int(llmroute.ErrUpstream) ||
		int(native.Llmr_outcome_LLMR_OUTCOME_CONTENT_POLICY) != int(llmroute.OutcomeContentPolicy) ||
		int(native.Llmr_strategy_LLMR_STRATEGY_COST) != int(llmroute.StrategyCost) {
		t.Error("generated enum values differ from the Go constants")
	}
	// Status names are the header's enumerator names (through llmr_status_str).
	for name, v := range enums["llmr_status"] {
		if got := llmroute.Status(v).String(); got != name {
			t.Errorf("status %d: Go names it %q, the header %q", v, got, name)
		}
	}
	if got := llmroute.Status(-999).String(); got != "LLMR_ERR_UNRECOGNISED(-999)" {
		t.Errorf("unknown status: %q", got)
	}
}

func TestRawPickLayoutMatchesCxx(t *testing.T) {
	var p native.RawPick
	if unsafe.Sizeof(p) != 64 || unsafe.Offsetof(p.RetryAfterMs) != 40 || unsafe.Offsetof(p.Tier) != 48 {
		t.Fatalf("RawPick layout: size %d", unsafe.Sizeof(p))
	}
}

func newRouter(t testing.TB, opts *llmroute.Options, deployments ...llmroute.Deployment) *llmroute.Router {
	t.Helper()
	r, err := llmroute.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	for _, d := range deployments {
		if err := r.AddDeployment(d); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func dep(name string, tier uint32, models ...string) llmroute.Deployment {
	return llmroute.Deployment{Name: name, Models: models, Tier: tier}
}

func TestPickedModelIsTheOneAskedForOrTheAliasTarget(t *testing.T) {
	r := newRouter(t, nil, dep("a", 0, "gpt-4o"))
	if err := r.SetAlias("smart", "gpt-4o"); err != nil {
		t.Fatal(err)
	}
	// Many picks with models built at run time (not literals), so that a string read from freed
	// memory would show as a wrong or garbled name.
	for i := 0; i < 1000; i++ {
		asked := string([]byte("gpt-4o"))
		if i%2 == 1 {
			asked = string([]byte("smart"))
		}
		p, err := r.Pick(asked)
		if err != nil {
			t.Fatal(err)
		}
		if p.Model != "gpt-4o" {
			t.Fatalf("pick %d of %q routed as %q", i, asked, p.Model)
		}
		if err := r.Cancel(p.Ticket); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPickReportAndErrors(t *testing.T) {
	r := newRouter(t, nil, dep("azure-eu", 0, "gpt-4o*"), dep("openai", 0, "gpt-4o*"))
	p, err := r.Pick("gpt-4o-mini")
	if err != nil {
		t.Fatal(err)
	}
	if p.Deployment != "azure-eu" && p.Deployment != "openai" || p.Model != "gpt-4o-mini" || p.Ticket == 0 {
		t.Fatalf("pick %+v", p)
	}
	if err := r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, 120*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	err = r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, time.Millisecond)
	if !errors.Is(err, llmroute.ErrTicketDone) {
		t.Fatalf("second report: %v", err)
	}
	var e *llmroute.Error
	if !errors.As(err, &e) || e.Status != llmroute.ErrTicketDone {
		t.Fatalf("not an *Error: %#v", err)
	}

	_, err = r.Pick("claude-3")
	if !errors.Is(err, llmroute.ErrUnknownModel) || errors.Is(err, llmroute.ErrNoProvider) {
		t.Fatalf("unknown model: %v", err)
	}
	err = r.AddDeployment(dep("openai", 0, "x"))
	if !errors.Is(err, llmroute.ErrAlreadyExists) || !strings.Contains(err.Error(), "openai") {
		t.Fatalf("duplicate: %v", err)
	}
	err = r.RemoveDeployment("nope")
	if !errors.Is(err, llmroute.ErrNotFound) || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("remove: %v (the message must be this call's)", err)
	}

	// All forced open: ErrNoProvider, the seed's ROUTER_NO_PROVIDER_AVAILABLE.
	for _, n := range []string{"azure-eu", "openai"} {
		if err := r.SetOverride(n, llmroute.OverrideForceOpen); err != nil {
			t.Fatal(err)
		}
	}
	_, err = r.Pick("gpt-4o")
	if !errors.Is(err, llmroute.ErrNoProvider) {
		t.Fatalf("forced open: %v", err)
	}
	if errors.As(err, &e); e.RetryAfter >= 0 {
		t.Fatalf("all forced open never recover by themselves; RetryAfter %v", e.RetryAfter)
	}
}

// The message must belong to the call that failed even when goroutines hop threads: many
// goroutines fail with different names at once and each sees its own name.
func TestErrorMessagesStayWithTheirCall(t *testing.T) {
	r := newRouter(t, nil, dep("a", 0, "m"))
	var wg sync.WaitGroup
	var bad atomic.Int64
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				name := fmt.Sprintf("missing-%d-%d", g, i)
				err := r.RemoveDeployment(name)
				if !errors.Is(err, llmroute.ErrNotFound) || !strings.Contains(err.Error(), name) {
					bad.Add(1)
				}
				runtime.Gosched()
			}
		}(g)
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d errors carried another call's message", bad.Load())
	}
}

type fakeClock struct{ now atomic.Int64 }

func (c *fakeClock) NowNanos() int64       { return c.now.Load() }
func (c *fakeClock) Sleep(d time.Duration) { c.now.Add(int64(d)) }

type counterRandom struct{ n atomic.Uint64 }

func (r *counterRandom) Uint64() uint64 { return r.n.Add(0x9e3779b97f4a7c15) }

func TestInjectedClockDrivesRecovery(t *testing.T) {
	clock := &fakeClock{}
	clock.now.Store(1_000_000_000)
	o := llmroute.DefaultOptions()
	o.Clock = clock
	o.Random = &counterRandom{}
	o.BreakerJitter = 0
	r := newRouter(t, &o, dep("only", 0, "m"))
	for i := 0; i < int(o.BreakerConsecutiveFailures); i++ {
		p, err := r.Pick("m")
		if err != nil {
			t.Fatal(err)
		}
		if err := r.ReportOutcome(p.Ticket, llmroute.OutcomeServerError, 10*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	_, err := r.Pick("m")
	var e *llmroute.Error
	if !errors.As(err, &e) || e.Status != llmroute.ErrNoProvider || e.RetryAfter != o.BreakerCooldownBase {
		t.Fatalf("after %d failures: %v", o.BreakerConsecutiveFailures, err)
	}
	h, err := r.Health("only")
	if err != nil || h.State != llmroute.BreakerOpen || h.Trips != 1 {
		t.Fatalf("health %+v %v", h, err)
	}
	clock.Sleep(o.BreakerCooldownBase) // the cooldown passes on the injected clock, no real sleep
	p, err := r.Pick("m")
	if err != nil || !p.Probe {
		t.Fatalf("after the cooldown: %+v %v", p, err)
	}
	if err := r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if h, _ := r.Health("only"); h.State != llmroute.BreakerClosed {
		t.Fatalf("probe success should close: %+v", h)
	}
}

func TestFallbacksAndHealthList(t *testing.T) {
	r := newRouter(t, nil, dep("a", 0, "m"), dep("b", 0, "m"), dep("c", 0, "other"))
	if err := r.SetFallbacks("m", "other"); err != nil {
		t.Fatal(err)
	}
	fb, err := r.Fallbacks("m", "a")
	if err != nil {
		t.Fatal(err)
	}
	if len(fb) != 2 || fb[0] != (llmroute.Candidate{Deployment: "b", Model: "m"}) ||
		fb[1] != (llmroute.Candidate{Deployment: "c", Model: "other"}) {
		t.Fatalf("fallbacks %+v", fb)
	}
	hl, err := r.HealthList()
	if err != nil || len(hl) != 3 || hl[0].Name != "a" || hl[2].Name != "c" || !hl[1].Eligible {
		t.Fatalf("health list %+v %v", hl, err)
	}
	p, err := r.PickExcluding("m", "a")
	if err != nil || p.Deployment != "b" {
		t.Fatalf("excluding a: %+v %v", p, err)
	}
	r.Cancel(p.Ticket)
}

func TestClosedRouterFailsInsteadOfCrashing(t *testing.T) {
	r, err := llmroute.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	r.Close()
	if _, err := r.Pick("m"); !errors.Is(err, llmroute.ErrInvalidArgument) || !errors.Is(err, llmroute.ErrClosed) {
		t.Fatalf("pick after close: %v", err)
	}
}

func TestInvalidOptionsNameTheField(t *testing.T) {
	o := llmroute.DefaultOptions()
	o.BreakerFailureRatio = 7
	_, err := llmroute.New(&o)
	if !errors.Is(err, llmroute.ErrInvalidArgument) || !strings.Contains(err.Error(), "ratio") {
		t.Fatalf("%v", err)
	}
}

// Many goroutines pick and report at once (run with -race); in-flight counts return to zero.
func TestConcurrentPickReport(t *testing.T) {
	var ds []llmroute.Deployment
	for i := 0; i < 8; i++ {
		ds = append(ds, dep(fmt.Sprintf("p%d", i), 0, "gpt-4o", "claude-*"))
	}
	r := newRouter(t, nil, ds...)
	const goroutines, each = 32, 300
	var wg sync.WaitGroup
	var failures atomic.Int64
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				p, err := r.Pick("claude-3-5-sonnet")
				if err != nil {
					failures.Add(1)
					continue
				}
				if !strings.HasPrefix(p.Deployment, "p") {
					failures.Add(1)
				}
				if i%10 == 9 {
					err = r.Cancel(p.Ticket)
				} else {
					err = r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, time.Duration(50+i%7)*time.Millisecond)
				}
				if err != nil {
					failures.Add(1)
				}
			}
		}(g)
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d failures", failures.Load())
	}
	hl, _ := r.HealthList()
	var picks int64
	for _, h := range hl {
		if h.InFlight != 0 {
			t.Errorf("%s in flight %d", h.Name, h.InFlight)
		}
		picks += h.Picks
	}
	if picks != goroutines*each {
		t.Fatalf("picks %d, want %d", picks, goroutines*each)
	}
}
