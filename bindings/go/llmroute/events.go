package llmroute

import (
	"runtime"
	"runtime/cgo"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// Event is something the router reports to its event listener (llmr_event).
type Event struct {
	Kind EventKind
	// EventBreaker: the deployment and the states it left and entered; Cooldown is set when it
	// went to BreakerOpen. EventQuotaExhausted: the deployment, and Cooldown until its quota
	// resets.
	Deployment string
	From, To   BreakerState
	Cooldown   time.Duration
	// EventConfigApplied: the deployments added (in configuration order), removed, and how many
	// stayed.
	Added, Removed []string
	Kept           int
	// EventConfigApplied / EventConfigRejected: configurations applied so far.
	ConfigGeneration uint64
	// EventConfigRejected: why (the JSON path and the reason).
	Message string
}

type eventBox struct{ fn func(Event) }

func (b *eventBox) Event(e *native.GoEvent) {
	b.fn(Event{
		Kind: EventKind(e.Kind), Deployment: e.Deployment, From: BreakerState(e.From),
		To: BreakerState(e.To), Cooldown: ms(e.CooldownMs), Added: e.Added, Removed: e.Removed,
		Kept: e.Kept, ConfigGeneration: e.ConfigGeneration, Message: e.Message,
	})
}

// SetEventListener registers fn as the router's event listener, replacing the previous one (nil
// removes it). fn runs synchronously on the thread whose call caused the event (the goroutine
// whose Report tripped a breaker, whose Pick admitted a half-open probe, whose ApplyConfig
// reloaded), after the router released its locks, so fn may call the router; with fleet shared
// state, another instance's trip is delivered on the router's synchronisation thread, which the
// library started (there, fn must not Close the router: Close stops that thread). fn may run on
// several goroutines at once; keep it short, or hand the event to a channel. A panic in fn is
// recovered and dropped. Events stop when the listener is replaced or the router closed.
func (r *Router) SetEventListener(fn func(Event)) error {
	defer runtime.KeepAlive(r)
	if fn == nil {
		return wrap(r.n.SetGoEventListener(0))
	}
	h := cgo.NewHandle(native.EventSink(&eventBox{fn: fn}))
	if err := r.n.SetGoEventListener(uint(h)); err != nil {
		h.Delete() // not kept: release will not be called
		return wrap(err)
	}
	return nil
}
