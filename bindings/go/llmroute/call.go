package llmroute

import (
	"context"
	"math"
	"runtime"
	"runtime/cgo"
	"time"
	"unsafe"

	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// CallOptions tune one Router.Call. The overall deadline and cancellation come from the
// context. Zero values take the library's defaults.
type CallOptions struct {
	AttemptTimeout time.Duration
	MaxAttempts    int
	BackoffBase    time.Duration
	BackoffMax     time.Duration
	// FirstByteTimeout and IdleTimeout: an attempt with no first byte (Attempt.Progress) within
	// FirstByteTimeout, or no further chunk within IdleTimeout, is stalled. Before commit the call
	// fails over as after a timeout; after commit it fails with ErrStreamStalled (end the client's
	// stream with an error). Zero: no limit; negative: ErrInvalidArgument.
	FirstByteTimeout time.Duration
	IdleTimeout      time.Duration
	// Hedged calls (llmr_call_options.hedge_after_ms): when the first attempt has produced
	// nothing (no Attempt.Progress, no Attempt.Commit, no answer) after HedgeAfter, or after the
	// model's HedgeAfterQuantile latency (e.g. 0.95; never below HedgeAfter), a hedge starts on
	// another deployment, up to MaxHedges (zero: 1; at most 4). The first attempt to succeed or to
	// Commit wins; the others see ErrCancelled from Attempt.Err. Hedges run on threads the library
	// creates: cgo runs the adapter on a goroutine bound to that thread, so the adapter must be
	// safe for concurrent use. Zero: no hedging; negative or NaN: ErrInvalidArgument.
	HedgeAfter         time.Duration
	HedgeAfterQuantile float64
	MaxHedges          int
	// Priority: every attempt's class (PickOptions.Priority; zero value: class 2).
	Priority Priority
}

// AttemptInfo is one attempt of a call.
type AttemptInfo struct {
	Deployment    string
	Model         string
	Outcome       Outcome
	Latency       time.Duration
	Backoff       time.Duration
	Committed     bool
	AdapterFailed bool
	// Hedge: the attempt was a hedge. Cancelled: it lost to another attempt of the call and was
	// cancelled (not counted against its deployment).
	Hedge     bool
	Cancelled bool
}

// CallResult is the report of a call.
type CallResult struct {
	Status       Status
	FinalOutcome Outcome
	Deployment   string
	Model        string
	UsedFallback bool
	RetryAfter   time.Duration
	Total        time.Duration
	Response     []byte
	Detail       string
	Attempts     []AttemptInfo
}

// Call drives one request through the adapters: pick, invoke, classify, retry or fall back.
// The context's deadline becomes the call's deadline and its cancellation raises the call's
// llmr_cancel (from a goroutine watching ctx.Done()): a backoff ends at once and no further
// attempt starts; adapters see it through Attempt.Err. On failure the error is an *Error whose
// Call field holds the report. A call that failed once its context was done matches
// context.Canceled or context.DeadlineExceeded (errors.Is), every time, whichever deadline fired
// first; the errors and panics of its adapters are kept as *AdapterError causes (errors.As).
func (r *Router) Call(ctx context.Context, model string, request []byte, opts *CallOptions) (*CallResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, ctxError(err)
	}
	defer runtime.KeepAlive(r)

	o := native.NewCallOptions()
	defer native.DeleteCallOptions(o)
	if opts != nil {
		if opts.AttemptTimeout > 0 {
			o.SetAttempt_timeout_ms(ceilMs(opts.AttemptTimeout))
		}
		if opts.MaxAttempts > 0 {
			o.SetMax_attempts(uint(opts.MaxAttempts))
		}
		if opts.BackoffBase > 0 {
			o.SetBackoff_base_ms(toMs(opts.BackoffBase))
		}
		if opts.BackoffMax > 0 {
			o.SetBackoff_max_ms(toMs(opts.BackoffMax))
		}
		o.SetFirst_byte_timeout_ms(stallMs(opts.FirstByteTimeout))
		o.SetIdle_timeout_ms(stallMs(opts.IdleTimeout))
		o.SetHedge_after_ms(stallMs(opts.HedgeAfter))
		o.SetHedge_after_quantile(opts.HedgeAfterQuantile)
		if opts.MaxHedges < 0 || opts.MaxHedges > math.MaxUint32 {
			o.SetMax_hedges(math.MaxUint32) // out of range: the library names the field
		} else if opts.MaxHedges > 0 {
			o.SetMax_hedges(uint(opts.MaxHedges))
		}
		o.SetPriority(opts.Priority.Class())
	}
	if deadline, ok := ctx.Deadline(); ok {
		left := time.Until(deadline)
		if left <= 0 {
			return nil, ctxError(context.DeadlineExceeded)
		}
		o.SetDeadline_ms(ceilMs(left))
	}
	if ctx.Done() != nil {
		c := native.NewCancellation()
		defer native.DeleteCancellation(c)
		o.SetCancel(c)
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			_ = c.Trigger()
			close(fired)
		})
		defer func() {
			if !stop() {
				<-fired // the trigger runs before the flag is destroyed
			}
		}()
	}

	out := native.NewCallResult()
	defer native.DeleteCallResult(out)
	var req string
	if len(request) > 0 {
		req = unsafe.String(&request[0], len(request)) // read by C during the call only
	}
	failures := &callFailures{}
	fh := cgo.NewHandle(failures)
	defer fh.Delete()
	err := r.n.CallRaw(model, req, o, out, uint(fh))
	var res *CallResult
	if out.GetHas_report() {
		res = callResultFrom(out)
	}
	if err == nil {
		return res, nil
	}
	e := wrap(err).(*Error)
	e.Call = res
	if res != nil {
		e.RetryAfter = res.RetryAfter
	}
	if cerr := contextCause(ctx); cerr != nil {
		// Whichever fired first, the context's deadline or the native deadline derived from it
		// (rounded up to a millisecond, so never earlier), the call ended because of the context.
		e.causes = append(e.causes, cerr)
		if cerr == context.DeadlineExceeded {
			e.Status = ErrDeadlineExceeded
		} else if e.Status != ErrDeadlineExceeded {
			e.Status = ErrCancelled
		}
	}
	failures.mu.Lock()
	e.causes = append(e.causes, failures.errs...)
	failures.mu.Unlock()
	return res, e
}

// contextCause is ctx.Err(), or context.DeadlineExceeded once ctx's deadline has passed even
// though its timer has not fired yet (the native deadline, derived from it, may fire first).
func contextCause(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

func ceilMs(d time.Duration) int64 {
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

func ctxError(err error) error {
	if err == context.DeadlineExceeded {
		return &Error{Status: ErrDeadlineExceeded, Message: "context deadline exceeded", causes: []error{err}}
	}
	return &Error{Status: ErrCancelled, Message: "context canceled", causes: []error{err}}
}

func callResultFrom(n native.CallResult) *CallResult {
	res := &CallResult{
		Status:       Status(n.GetStatus()),
		FinalOutcome: Outcome(n.GetFinal_outcome()),
		Deployment:   n.GetDeployment(),
		Model:        n.GetModel(),
		UsedFallback: n.GetUsed_fallback(),
		RetryAfter:   ms(n.GetRetry_after_ms()),
		Total:        ms(n.GetTotal_ms()),
		Detail:       n.GetDetail(),
	}
	if resp := n.GetResponse(); resp != "" {
		res.Response = []byte(resp)
	}
	v := n.GetAttempts()
	res.Attempts = make([]AttemptInfo, v.Size())
	for i := range res.Attempts {
		a := v.Get(i)
		res.Attempts[i] = AttemptInfo{
			Deployment: a.GetDeployment(), Model: a.GetModel(), Outcome: Outcome(a.GetOutcome()),
			Latency: msf(a.GetLatency_ms()), Backoff: ms(a.GetBackoff_ms()),
			Committed: a.GetCommitted(), AdapterFailed: a.GetAdapter_failed(),
			Hedge: a.GetHedge(), Cancelled: a.GetCancelled(),
		}
	}
	return res
}

// stallMs is a stall limit in whole milliseconds, rounded up (a positive limit never becomes 0,
// "none"); a negative one stays negative, for the library to reject.
func stallMs(d time.Duration) int64 {
	if d > 0 {
		return ceilMs(d)
	}
	return int64(d / time.Millisecond)
}
