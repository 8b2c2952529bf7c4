package llmroute

import (
	"runtime"
	"runtime/cgo"
	"runtime/debug"
	"sync"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// Adapter performs one attempt of a Router.Call against a deployment. Invoke runs on the
// goroutine that called Router.Call, possibly concurrently for different calls; a hedge
// (CallOptions.HedgeAfter) runs on a thread the library creates, concurrently with the call's
// first attempt, so an adapter used with hedging must be safe for concurrent use. Returning an
// error, or panicking, marks the attempt as a failure of the adapter itself: the router records a
// connection error for the deployment and may fail over. A panic never crosses into C: it is
// recovered here.
type Adapter interface {
	Invoke(a *Attempt) (Result, error)
}

// AdapterFunc adapts a function to Adapter.
type AdapterFunc func(a *Attempt) (Result, error)

// Invoke calls f.
func (f AdapterFunc) Invoke(a *Attempt) (Result, error) { return f(a) }

// Attempt is what an adapter is given. It is valid only during Invoke.
type Attempt struct {
	Deployment string
	Model      string
	Request    []byte
	// Number is 1 for the first attempt of the call, 2 for the next, ...
	Number int
	// Timeout is how long this attempt may take; negative when unbounded. The adapter enforces it.
	Timeout time.Duration
	// FirstByteTimeout and IdleTimeout are the call's stall limits (CallOptions; 0: none), for the
	// adapter's own read timeouts. A streaming adapter calls Progress for each chunk and polls
	// Err, which becomes ErrStreamStalled once a limit passed.
	FirstByteTimeout time.Duration
	IdleTimeout      time.Duration
	// IsHedge: this attempt is a hedge, started beside the call's first (CallOptions.HedgeAfter).
	IsHedge bool
	ctx     uintptr
}

// Commit claims the client's stream for this attempt before its first byte is sent
// (llmr_call_commit): nil when it may send; ErrCancelled when another attempt of the hedged call
// already won, and the adapter then sends nothing and returns. Once committed the attempt is
// never retried and no hedge starts.
func (a *Attempt) Commit() error {
	if a.ctx == 0 {
		return &Error{Status: ErrInvalidArgument, Message: "attempt is over"}
	}
	if rc := native.Commit(a.ctx); rc != 0 {
		return Status(rc)
	}
	return nil
}

// Progress tells the router a chunk of the response arrived (llmr_call_progress): it ends the
// wait for the first byte and restarts the idle clock.
func (a *Attempt) Progress() error {
	if a.ctx == 0 {
		return &Error{Status: ErrInvalidArgument, Message: "attempt is over"}
	}
	if rc := native.Progress(a.ctx); rc != 0 {
		return Status(rc)
	}
	return nil
}

// SetResponse stores the response bytes for the call's result.
func (a *Attempt) SetResponse(b []byte) error {
	if a.ctx == 0 {
		return &Error{Status: ErrInvalidArgument, Message: "attempt is over"}
	}
	if rc := native.SetResponse(a.ctx, b); rc != 0 {
		return &Error{Status: Status(rc), Message: native.ErrorMessage()}
	}
	return nil
}

// Err is nil while the call may go on, ErrCancelled once it was cancelled, ErrDeadlineExceeded
// once its deadline passed, ErrStreamStalled once the attempt stalled (no Progress within the
// call's FirstByteTimeout or IdleTimeout). Long-running adapters poll it.
func (a *Attempt) Err() error {
	if a.ctx == 0 {
		return &Error{Status: ErrInvalidArgument, Message: "attempt is over"}
	}
	if rc := native.Check(a.ctx); rc != 0 {
		return Status(rc)
	}
	return nil
}

// Result is what an adapter reports about its attempt.
type Result struct {
	Outcome Outcome
	// Latency: zero lets the router measure the attempt with its own clock.
	Latency time.Duration
	// TTFT: time to first token of a stream; zero when unknown.
	TTFT time.Duration
	// RetryAfter: the provider's Retry-After of a 429.
	RetryAfter   time.Duration
	InputTokens  int64
	OutputTokens int64
	// Committed: bytes already reached the client; the router never retries after that.
	Committed bool
}

// Releaser is optionally implemented by an Adapter that wants to know when the router no
// longer needs it (replaced, deployment removed, router closed). Called exactly once per
// successful SetAdapter.
type Releaser interface {
	Released()
}

// adapterBox is what the cgo.Handle holds.
type adapterBox struct {
	a Adapter
}

// Released is called by the library's release callback, just before the handle is deleted.
func (b *adapterBox) Released() {
	if r, ok := b.a.(Releaser); ok {
		r.Released()
	}
}

func (b *adapterBox) Invoke(args *native.GoInvokeArgs, out *native.GoAttemptOutcome) (rc int32) {
	at := &Attempt{
		Deployment: args.Deployment,
		Model:      args.Model,
		Request:    args.Request,
		Number:     int(args.Attempt),
		Timeout:    -1,
		ctx:        args.Context,

		FirstByteTimeout: ms(args.FirstByteTimeoutMs),
		IdleTimeout:      ms(args.IdleTimeoutMs),
		IsHedge:          args.IsHedge,
	}
	if args.TimeoutMs >= 0 {
		at.Timeout = ms(args.TimeoutMs)
	}
	defer func() {
		at.ctx = 0
		if v := recover(); v != nil {
			// The panic ends here; the router records an adapter failure, and the call's error
			// carries the panic as its cause.
			rc = int32(ErrInternal)
			noteAdapterFailure(args, &PanicError{Value: v, Stack: debug.Stack()})
		}
	}()
	res, err := b.a.Invoke(at)
	if err != nil {
		noteAdapterFailure(args, err)
		return int32(ErrInternal)
	}
	out.Outcome = int32(res.Outcome)
	out.LatencyMs = unknownIfZero(res.Latency)
	out.TtftMs = unknownIfZero(res.TTFT)
	out.RetryAfterMs = toMs(res.RetryAfter)
	out.InputTokens = res.InputTokens
	out.OutputTokens = res.OutputTokens
	out.Committed = res.Committed
	return 0
}

// callFailures collects the adapter failures of one Router.Call; the native call hands its
// cgo.Handle to every adapter it invokes on the caller's thread.
type callFailures struct {
	mu   sync.Mutex
	errs []error
}

func noteAdapterFailure(args *native.GoInvokeArgs, err error) {
	if args.Call == 0 {
		return // a call without a Go caller (on a native thread)
	}
	cf, ok := cgo.Handle(args.Call).Value().(*callFailures)
	if !ok {
		return
	}
	cf.mu.Lock()
	cf.errs = append(cf.errs, &AdapterError{Deployment: args.Deployment, Attempt: int(args.Attempt), Err: err})
	cf.mu.Unlock()
}

// SetAdapter attaches an adapter to a deployment (nil detaches). The router keeps it until it no
// longer needs it (replaced, deployment removed, router closed) and then drops it; the C side
// holds only a runtime/cgo.Handle, never a Go pointer.
func (r *Router) SetAdapter(deployment string, a Adapter) error {
	defer runtime.KeepAlive(r)
	if a == nil {
		return wrap(r.n.SetGoAdapter(deployment, 0))
	}
	h := cgo.NewHandle(native.Invoker(&adapterBox{a: a}))
	if err := r.n.SetGoAdapter(deployment, uint(h)); err != nil {
		h.Delete() // not kept: release will not be called
		return wrap(err)
	}
	return nil
}
