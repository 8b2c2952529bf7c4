// Package llmroute is the Go binding of llmroute, a provider router for LLM API gateways.
//
// It links the C library through cgo with nothing but pkg-config (`#cgo pkg-config: llmroute`):
// point PKG_CONFIG_PATH at the directory holding llmroute.pc of an installed llmroute.
//
//	r, err := llmroute.New(nil)                      // defaults: round robin, breaker on
//	defer r.Close()
//	r.AddDeployment(llmroute.Deployment{Name: "azure-eu", Models: []string{"gpt-4o*"}})
//	p, err := r.Pick("gpt-4o-mini")                  // errors.Is(err, llmroute.ErrNoProvider)
//	// ... call p.Deployment yourself ...
//	r.Report(p.Ticket, llmroute.Report{Outcome: llmroute.OutcomeSuccess, Latency: 840 * time.Millisecond})
//
// Every method may be called from any number of goroutines at once; Close waits for calls in
// progress. Errors are *Error values wrapping the integer Status.
package llmroute

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/cgo"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// Clock is an injectable monotonic clock (nanoseconds) with the sleep that goes with it (used
// for backoff between attempts of Router.Call). Called from any goroutine, concurrently.
type Clock interface {
	NowNanos() int64
	Sleep(d time.Duration)
}

// Random is an injectable source of 64 uniformly random bits. Called concurrently.
type Random interface {
	Uint64() uint64
}

// Options, DefaultOptions and fillNative are generated from the options table:
// options_generated.go.

func ms(v int64) time.Duration    { return time.Duration(v) * time.Millisecond }
func msf(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
func toMs(d time.Duration) int64  { return int64(d / time.Millisecond) }
func toMsf(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

// Router routes requests over deployments. Create it with New and Close it when done.
//
// Close may be called from any goroutine while others use the router: calls already in progress
// finish, later ones fail with ErrClosed. The synchronisation lives in the native shim shared by
// every SWIG binding (a per-thread-slot in-flight count, no lock on the pick path). A Router that
// becomes unreachable without Close is closed and freed by a runtime cleanup (see New).
type Router struct {
	n     native.Router
	ptr   uintptr // n's address, for the SWIG-less hot path (internal/native/fast.go)
	live  *liveRouter
	names nameCache // Go strings of the router's deployment and model names (names.go)
}

type clockBox struct{ c Clock }

func (b clockBox) NowNanos() int64     { return b.c.NowNanos() }
func (b clockBox) SleepNanos(ns int64) { b.c.Sleep(time.Duration(ns)) }

type randomBox struct{ r Random }

func (b randomBox) NextBits() int64 { return int64(b.r.Uint64()) }

// New creates a router; opts nil means DefaultOptions().
//
// Close it when done. As a safety net, a Router that becomes unreachable without Close is closed
// and its native memory freed by a runtime.AddCleanup callback (a finalizer before Go 1.24) after a garbage
// collection, releasing its adapters, clock, random source and event listener; but the collector
// sees only the small Go object, not the native memory behind it, so relying on it lets native
// memory grow between collections. Values a router keeps (adapters, the clock, the random
// source, the event listener) must not refer to the Router, or it never becomes unreachable.
func New(opts *Options) (*Router, error) {
	return open(opts, func(n native.Router, o native.RouterOptions, clock, random uint) error {
		return n.OpenGo(o, clock, random)
	})
}

// open creates a router with opts (nil: DefaultOptions()) through create, which opens the
// native router with the options and the clock and random handles (0: none).
func open(opts *Options, create func(native.Router, native.RouterOptions, uint, uint) error) (*Router, error) {
	o := DefaultOptions()
	if opts != nil {
		o = *opts
	}
	nopts := native.NewRouterOptions()
	defer native.DeleteRouterOptions(nopts)
	fillNative(&o, nopts)

	n := native.NewRouter()
	var clockH, randH cgo.Handle
	if o.Clock != nil {
		clockH = cgo.NewHandle(native.TimeSource(clockBox{o.Clock}))
	}
	if o.Random != nil {
		randH = cgo.NewHandle(native.BitSource(randomBox{o.Random}))
	}
	if err := create(n, nopts, uint(clockH), uint(randH)); err != nil {
		native.DeleteRouter(n)
		// Not kept by the shim: the handles are still ours.
		if clockH != 0 {
			clockH.Delete()
		}
		if randH != 0 {
			randH.Delete()
		}
		return nil, wrap(err)
	}
	// On success the shim owns the handles and releases them once the native router is destroyed.
	r := &Router{n: n, ptr: n.Swigcptr(), live: trackRouter(n)}
	setSafetyNet(r, r.live)
	return r, nil
}

// Close destroys the native router once the calls in progress on other goroutines return;
// adapters, the clock, the random source and the event listener are released. Later calls fail
// with ErrClosed. Idempotent, and safe from any goroutine at any time; called from inside an
// adapter or event listener of this router, it returns at once and the router is destroyed when
// that call returns.
func (r *Router) Close() error {
	r.live.close()
	runtime.KeepAlive(r)
	return nil
}

// ErrClosed is matched (errors.Is) by the error of every call on a closed Router. The *Error's
// Status is ErrInvalidArgument, as before this sentinel existed.
var ErrClosed = errors.New("llmroute: router is closed")

var closedCode = native.ClosedStatusCode()

// wrap turns the generated layer's *native.StatusError into *Error.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	var se *native.StatusError
	if errors.As(err, &se) {
		return statusError(se.Code, se.Message)
	}
	return &Error{Status: ErrInternal, Message: err.Error()}
}

// statusError is the *Error of a shim status and its message.
func statusError(code int, message string) *Error {
	if code == closedCode {
		return &Error{Status: ErrInvalidArgument, Message: message, causes: []error{ErrClosed}}
	}
	return &Error{Status: Status(code), Message: message}
}

// Deployment is one upstream endpoint serving one or more models.
type Deployment struct {
	Name string
	// Models: exact names, "*", or glob patterns ("gpt-4o*"). At least one.
	Models []string
	// Weight for the weighted strategies, 1..1000000; 0 means the default, 1.
	Weight uint32
	// Tier: priority tier, 0 first.
	Tier        uint32
	Tags        []string
	RPMLimit    uint32
	TPMLimit    uint64
	MaxInFlight uint32
	// Cost is the deployment's price, for StrategyCost and PickOptions.MaxPrice; nil: not
	// configured (the library's default).
	Cost *Cost
	// Reserve keeps shares of the limits above for the higher priority classes
	// (llmr_deployment.reserve_*, docs/priority.md): levels from the highest class down.
	Reserve []ReserveLevel
}

// ReserveLevel keeps the last Share (0..1) of each of a deployment's limits (RPMLimit,
// TPMLimit, MaxInFlight) for requests of class Class (0..2) or higher: a lower class is refused
// there while only the reserve is left. Levels' classes increase and their shares do not
// decrease; anything else is ErrInvalidArgument naming reserve[i].
type ReserveLevel struct {
	Class uint32
	Share float64
}

// Priority is a pick's priority class (PickOptions.Priority, CallOptions.Priority). The zero
// value is PriorityDefault, the library's default class 2 (the lowest but one); ClassPriority
// gives the others, and Priority.Class the class a value stands for. (Defined beside the
// options' C layout, which PickOptions must match type for type.)
type Priority = native.Priority

const (
	// PriorityDefault is class 2 (LLMR_PRIORITY_DEFAULT).
	PriorityDefault Priority = 0
	// PriorityHighest is class 0: it may use every deployment's reserves.
	PriorityHighest Priority = 1
	// PriorityLowest is class 3 (LLMR_PRIORITY_LOWEST).
	PriorityLowest Priority = 4
)

// ClassPriority is the Priority of class 0 (highest) .. 3 (lowest); another class gives a
// Priority that picks reject with ErrInvalidArgument.
func ClassPriority(class int) Priority {
	if class < 0 {
		return -1 // not the zero value, which is the default class
	}
	return Priority(class + 1)
}

// Cost is a deployment's price per million input and output tokens, in any currency as long as
// every deployment uses the same one (llmr_deployment.cost_per_million_input/_output).
type Cost struct {
	PerMillionInput  float64
	PerMillionOutput float64
}

func (d *Deployment) native() native.Deployment {
	n := native.NewDeployment(d.Name)
	for _, m := range d.Models {
		n.AddModel(m)
	}
	for _, t := range d.Tags {
		n.AddTag(t)
	}
	if d.Weight != 0 {
		n.SetWeight(uint(d.Weight))
	}
	n.SetTier(uint(d.Tier))
	n.SetRpm_limit(uint(d.RPMLimit))
	n.SetTpm_limit(int64(d.TPMLimit))
	n.SetMax_in_flight(uint(d.MaxInFlight))
	if d.Cost != nil {
		n.SetCost_per_million_input(d.Cost.PerMillionInput)
		n.SetCost_per_million_output(d.Cost.PerMillionOutput)
	}
	for _, level := range d.Reserve {
		n.AddReserve(uint(level.Class), level.Share)
	}
	return n
}

// AddDeployment adds a deployment (ErrAlreadyExists when the name is taken).
func (r *Router) AddDeployment(d Deployment) error {
	defer runtime.KeepAlive(r)
	n := d.native()
	defer native.DeleteDeployment(n)
	return wrap(r.n.AddDeployment(n))
}

// UpdateDeployment replaces models, weight, tier, tags and limits, keeping health (ErrNotFound).
func (r *Router) UpdateDeployment(d Deployment) error {
	defer runtime.KeepAlive(r)
	n := d.native()
	defer native.DeleteDeployment(n)
	return wrap(r.n.UpdateDeployment(n))
}

// RemoveDeployment removes a deployment; its outstanding tickets stay valid.
func (r *Router) RemoveDeployment(name string) error {
	defer runtime.KeepAlive(r)
	return wrap(r.n.RemoveDeployment(name))
}

// SetAlias maps the public model name alias to model.
func (r *Router) SetAlias(alias, model string) error {
	defer runtime.KeepAlive(r)
	return wrap(r.n.SetAlias(alias, model))
}

// RemoveAlias removes an alias (ErrNotFound).
func (r *Router) RemoveAlias(alias string) error {
	defer runtime.KeepAlive(r)
	return wrap(r.n.RemoveAlias(alias))
}

func stringVector(v []string) native.StringVector {
	n := native.NewStringVector()
	for _, s := range v {
		n.Add(s)
	}
	return n
}

// SetFallbacks sets the general fallback chain of model (none clears it).
func (r *Router) SetFallbacks(model string, fallbacks ...string) error {
	defer runtime.KeepAlive(r)
	v := stringVector(fallbacks)
	defer native.DeleteStringVector(v)
	return wrap(r.n.SetFallbacks(model, v))
}

// SetFallbacksFor sets one of model's fallback chains (none clears it).
func (r *Router) SetFallbacksFor(model string, kind FallbackKind, fallbacks ...string) error {
	defer runtime.KeepAlive(r)
	v := stringVector(fallbacks)
	defer native.DeleteStringVector(v)
	return wrap(r.n.SetFallbacksFor(model, native.Llmr_fallback_kind(kind), v))
}

// SetModelStrategy sets model's strategy (StrategyDefault: the router's).
func (r *Router) SetModelStrategy(model string, s Strategy) error {
	defer runtime.KeepAlive(r)
	return wrap(r.n.SetModelStrategy(model, native.Llmr_strategy(s)))
}

// SetOverride forces a deployment open or closed, or returns it to its breaker.
func (r *Router) SetOverride(name string, mode Override) error {
	defer runtime.KeepAlive(r)
	return wrap(r.n.SetOverride(name, native.Llmr_override(mode)))
}

// Ticket identifies one pick until it is reported or cancelled.
type Ticket uint64

// Pick is the deployment chosen for one request.
type Pick struct {
	// Ticket: report or cancel it exactly once.
	Ticket     Ticket
	Deployment string
	// Model is the model routed as, after alias resolution.
	Model string
	Tier  uint32
	// Probe: a half-open probe of a recovering deployment. Panic: chosen by the panic policy.
	Probe bool
	Panic bool
	// DeadlineUnmet: PickOptions.Deadline was set and no deployment's expected latency fits it;
	// this is the fastest one instead (PickWith only).
	DeadlineUnmet bool
}

// routedModel is the model a pick was routed as: the one asked for (ModelLen -1: the shim's
// buffer is gone once it returns), or an alias target the router owns.
func (r *Router) routedModel(asked string, raw *native.FastPick) string {
	if raw.ModelLen < 0 {
		return asked
	}
	return r.names.get(raw.Model, raw.ModelLen)
}

// Pick chooses a deployment for model (an alias, an exact name, or a name a glob matches).
// Errors: ErrUnknownModel, ErrNoProvider (with Error.RetryAfter), ErrRateLimited.
func (r *Router) Pick(model string) (Pick, error) {
	var raw native.FastPick
	native.PickFast(r.ptr, model, &raw) // plain values only: no Go pointer reaches C
	runtime.KeepAlive(r)
	if raw.Status != 0 {
		return Pick{}, pickError(&raw)
	}
	// Built here rather than in a helper: the Pick is then written once, not copied (perf showed
	// the copy of a returned Pick as a store-forwarding stall).
	return Pick{
		Ticket:     Ticket(raw.Ticket),
		Deployment: r.names.get(raw.Deployment, raw.DeploymentLen),
		Model:      r.routedModel(model, &raw),
		Tier:       raw.Tier,
		Probe:      raw.IsProbe != 0,
		Panic:      raw.IsPanic != 0,
	}, nil
}

// pickError is the *Error of a failed pick.
func pickError(raw *native.FastPick) error {
	e := statusError(int(raw.Status), raw.Message)
	e.RetryAfter = ms(raw.RetryAfterMs)
	return e
}

// PickOptions narrow one pick (llmr_pick_options). The zero value narrows nothing.
type PickOptions struct {
	// Exclude: deployments not to pick (for example those a retry already tried).
	Exclude []string
	// AffinityKey: requests with the same key (a conversation or user id) go to the same
	// deployment while it stays eligible, so its prompt cache is hit ("" = none). The key is
	// spread with weighted rendezvous hashing over the eligible deployments of its tier.
	AffinityKey string
	// RequiredTags: only deployments carrying every one of these tags are eligible.
	RequiredTags []string
	// ExpectedInputTokens and ExpectedOutputTokens: the request's expected size (0 = unknown);
	// StrategyCost ranks by the request's price when they are given, and MaxPrice needs them.
	ExpectedInputTokens  int64
	ExpectedOutputTokens int64
	// MaxPrice > 0: only deployments whose Cost for the expected tokens is at most this are
	// eligible (deployments without a Cost are not). 0 = no cap.
	MaxPrice float64
	// Deadline > 0: the time the request has left (whole milliseconds; a positive value below
	// 1 ms counts as 1 ms). Deployments whose expected latency (their latency EWMA, see
	// Health.EWMALatencyMs) exceeds it are skipped; when none fits the fastest is picked and
	// Pick.DeadlineUnmet says so. 0 = none; negative is ErrInvalidArgument.
	Deadline time.Duration
	// PrefixHashes: the prompt's prefix block hashes (PrefixHashes), at most PrefixHashesMax;
	// StrategyEngineAware prefers the deployment recently sent the longest prefix, and every
	// pick carrying them records them in the chosen deployment's prefix index.
	PrefixHashes []uint64
	// Priority: the request's class (zero value: class 2). A deployment with only a Reserve for
	// higher classes left is not eligible; when none is, ErrRateLimited with RetryAfter.
	Priority Priority
}

// PickExcluding is Pick without the named deployments (those a retry already tried).
func (r *Router) PickExcluding(model string, exclude ...string) (Pick, error) {
	return r.PickWith(model, &PickOptions{Exclude: exclude})
}

// PickWith is Pick narrowed by opts (nil: like Pick). Errors as Pick's, and ErrInvalidArgument
// naming the field of a bad option (a negative token count, MaxPrice without expected tokens).
//
// One cgo call that reads opts in place: opts escapes to the heap (a &PickOptions{} built for
// the call is one allocation), and the binding allocates nothing more on success.
func (r *Router) PickWith(model string, opts *PickOptions) (Pick, error) {
	if opts == nil {
		return r.Pick(model)
	}
	var raw native.FastPick
	// The conversion compiles only while PickOptions and native.GoPickOptions have the same
	// fields, which is what lets C read opts as llmroute_go_pick_options.
	native.PickWithFast(r.ptr, model, (*native.GoPickOptions)(opts), &raw)
	runtime.KeepAlive(r)
	if raw.Status != 0 {
		return Pick{}, pickError(&raw)
	}
	return Pick{
		Ticket:        Ticket(raw.Ticket),
		Deployment:    r.names.get(raw.Deployment, raw.DeploymentLen),
		Model:         r.routedModel(model, &raw),
		Tier:          raw.Tier,
		Probe:         raw.IsProbe != 0,
		Panic:         raw.IsPanic != 0,
		DeadlineUnmet: raw.DeadlineUnmet,
	}, nil
}

// deadlineMs is d in whole milliseconds for llmr_pick_options.deadline_ms: a positive d below
// 1 ms is 1 ms rather than 0, which would mean "no deadline"; a negative one stays negative, for
// the library to reject.
func deadlineMs(d time.Duration) int64 {
	if d > 0 && d < time.Millisecond {
		return 1
	}
	return int64(d / time.Millisecond)
}

// Report is how a picked call went. Zero durations mean "unknown".
type Report struct {
	Outcome Outcome
	Latency time.Duration
	// TTFT: time to first token of a stream; when set it feeds the latency EWMA.
	TTFT time.Duration
	// RetryAfter: the provider's Retry-After of a 429.
	RetryAfter   time.Duration
	InputTokens  int64
	OutputTokens int64
	// Quota: the provider's announced quota on this response (nil: none announced). See
	// examples/go-gateway for parsing the OpenAI, Azure OpenAI and Anthropic headers into it.
	Quota *Quota
}

// Quota is what a provider announced about a deployment's quota on one response
// (x-ratelimit-remaining-requests / -tokens and x-ratelimit-reset-requests / -tokens;
// anthropic-ratelimit-requests-remaining and -reset, ...). The router does not pick the
// deployment while the remaining counts cannot take a request, spreads load by the remaining
// headroom, and takes a rate-limited report whose reset lies beyond the router's quota horizon
// as a quota exhaustion (no pick until the reset). Out-of-range values make Report fail with
// ErrInvalidArgument naming the field.
type Quota struct {
	// Remaining counts; -1 (or NoQuotaCount) when that count was not announced.
	RemainingRequests int64
	RemainingTokens   int64
	// Time from now until each count resets; 0 when not announced, never negative.
	RequestsReset time.Duration
	TokensReset   time.Duration
}

// NoQuotaCount marks a Quota count the provider did not announce.
const NoQuotaCount int64 = -1

func unknownIfZero(d time.Duration) float64 {
	if d == 0 {
		return -1
	}
	return toMsf(d)
}

// Report tells the router how the call behind ticket went; exactly once per ticket
// (ErrTicketDone after that).
func (r *Router) Report(t Ticket, rep Report) error {
	if rep.Quota != nil {
		return r.reportQuota(t, rep)
	}
	rc, msg := native.ReportFast(r.ptr, uint64(t), int32(rep.Outcome), unknownIfZero(rep.Latency),
		unknownIfZero(rep.TTFT), toMs(rep.RetryAfter), rep.InputTokens, rep.OutputTokens)
	runtime.KeepAlive(r)
	if rc != 0 {
		return statusError(int(rc), msg)
	}
	return nil
}

// reportQuota is Report with an announced quota, through the SWIG shim (the fast path carries
// no quota).
func (r *Router) reportQuota(t Ticket, rep Report) error {
	defer runtime.KeepAlive(r)
	q := rep.Quota
	err := r.n.ReportQuota(int64(t), native.Llmr_outcome(rep.Outcome), unknownIfZero(rep.Latency),
		unknownIfZero(rep.TTFT), toMs(rep.RetryAfter), rep.InputTokens, rep.OutputTokens,
		q.RemainingRequests, q.RemainingTokens, signedMs(q.RequestsReset), signedMs(q.TokensReset))
	return wrap(err)
}

// signedMs is d in whole milliseconds, rounded up, keeping the sign (a negative reset is
// refused by the library with a message naming the field rather than silently clamped).
func signedMs(d time.Duration) int64 {
	if d < 0 {
		return -toMs(-d)
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// ReportOutcome is Report with only an outcome and a latency.
func (r *Router) ReportOutcome(t Ticket, o Outcome, latency time.Duration) error {
	return r.Report(t, Report{Outcome: o, Latency: latency})
}

// Cancel gives a ticket back without an outcome.
func (r *Router) Cancel(t Ticket) error {
	rc, msg := native.CancelFast(r.ptr, uint64(t))
	runtime.KeepAlive(r)
	if rc != 0 {
		return statusError(int(rc), msg)
	}
	return nil
}

// Candidate is one entry of Fallbacks.
type Candidate struct {
	Deployment string
	Model      string
}

// Fallbacks lists the eligible deployments of model in the strategy's order, without exclude,
// then those of the model's fallback chain.
func (r *Router) Fallbacks(model string, exclude ...string) ([]Candidate, error) {
	defer runtime.KeepAlive(r)
	v := stringVector(exclude)
	defer native.DeleteStringVector(v)
	out := native.NewCandidateVector()
	defer native.DeleteCandidateVector(out)
	if err := r.n.Fallbacks(model, v, out); err != nil {
		return nil, wrap(err)
	}
	list := make([]Candidate, out.Size())
	for i := range list {
		c := out.Get(i)
		list[i] = Candidate{Deployment: c.GetDeployment(), Model: c.GetModel()}
	}
	return list, nil
}

// Health is one deployment's health at one moment.
type Health struct {
	Name                string
	State               BreakerState
	Override            Override
	Eligible            bool
	EWMALatencyMs       float64 // negative: no sample yet
	FailureRatio        float64
	InFlight            int64
	Picks               int64
	Successes           int64
	Failures            int64
	RequestErrors       int64
	Cancels             int64
	Trips               int64
	ConsecutiveFailures int64
	CooldownRemaining   time.Duration
	Weight              uint32
	Tier                uint32
	// The provider's announced quota as the router holds it: remaining requests and tokens (-1:
	// none announced), time until each resets, time until a quota exhaustion ends (0: none) and
	// the lifetime count of exhaustions.
	QuotaRemainingRequests int64
	QuotaRemainingTokens   int64
	QuotaRequestsReset     time.Duration
	QuotaTokensReset       time.Duration
	QuotaExhausted         time.Duration
	QuotaExhaustions       int64
}

func healthFrom(h native.Health) Health {
	return Health{
		Name: h.GetName(), State: BreakerState(h.GetState()), Override: Override(h.GetOverride_mode()),
		Eligible: h.GetEligible(), EWMALatencyMs: h.GetEwma_latency_ms(), FailureRatio: h.GetFailure_ratio(),
		InFlight: h.GetIn_flight(), Picks: h.GetPicks(), Successes: h.GetSuccesses(),
		Failures: h.GetFailures(), RequestErrors: h.GetRequest_errors(), Cancels: h.GetCancels(),
		Trips: h.GetTrips(), ConsecutiveFailures: h.GetConsecutive_failures(),
		CooldownRemaining: ms(h.GetCooldown_remaining_ms()), Weight: uint32(h.GetWeight()),
		Tier:                   uint32(h.GetTier()),
		QuotaRemainingRequests: h.GetQuota_remaining_requests(),
		QuotaRemainingTokens:   h.GetQuota_remaining_tokens(),
		QuotaRequestsReset:     ms(h.GetQuota_requests_reset_ms()),
		QuotaTokensReset:       ms(h.GetQuota_tokens_reset_ms()),
		QuotaExhausted:         ms(h.GetQuota_exhausted_ms()),
		QuotaExhaustions:       h.GetQuota_exhaustions(),
	}
}

// Health returns the named deployment's health (ErrNotFound).
func (r *Router) Health(name string) (Health, error) {
	defer runtime.KeepAlive(r)
	h := native.NewHealth()
	defer native.DeleteHealth(h)
	if err := r.n.HealthOf(name, h); err != nil {
		return Health{}, wrap(err)
	}
	return healthFrom(h), nil
}

// HealthList returns every deployment's health, in the order they were added.
func (r *Router) HealthList() ([]Health, error) {
	defer runtime.KeepAlive(r)
	v := native.NewHealthVector()
	defer native.DeleteHealthVector(v)
	if err := r.n.HealthList(v); err != nil {
		return nil, wrap(err)
	}
	out := make([]Health, v.Size())
	for i := range out {
		out[i] = healthFrom(v.Get(i))
	}
	return out, nil
}

// LibraryVersion is the linked library's version ("1.0.0", llmr_version_string).
func LibraryVersion() string { return native.LibraryVersionString() }

// FeatureEnabled reports whether the loaded library was built with the optional feature name
// (llmr_feature_enabled; "redis": fleet shared state, docs/fleet.md). A name the library does not
// know is an ErrInvalidArgument error.
func FeatureEnabled(name string) (bool, error) {
	switch native.FeatureEnabled(name) {
	case 1:
		return true, nil
	case 0:
		return false, nil
	}
	return false, &Error{Status: ErrInvalidArgument, Message: fmt.Sprintf("unknown feature %q", name)}
}

// LibraryVersionNumber is the linked library's version as major*1000000 + minor*1000 + patch
// (llmr_version); HeaderVersionNumber is the one the binding was compiled against. They differ
// when the binding runs against another library than its headers'.
func LibraryVersionNumber() int32 { return int32(native.LibraryVersion()) }

// HeaderVersionNumber is LLMR_VERSION_NUMBER of the header the binding was compiled with.
func HeaderVersionNumber() int32 { return int32(native.HeaderVersion()) }
