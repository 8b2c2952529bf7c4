package bench

import (
	"runtime"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// BenchmarkPickWith: PickWith with one exclusion and an affinity key (options built once, as a
// retry loop would) and its report, round_robin n=8: the cost of the options path.
func BenchmarkPickWith(b *testing.B) {
	r := ours(b, llmroute.StrategyRoundRobin, peerN)
	opts := &llmroute.PickOptions{Exclude: []string{"p0"}, AffinityKey: "conversation-42"}
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	cpu := ThreadCPUNanos()
	for i := 0; i < b.N; i++ {
		p, err := r.PickWith(model, opts)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, 100*time.Millisecond); err != nil {
			b.Fatal(err)
		}
	}
	cpu = ThreadCPUNanos() - cpu
	b.StopTimer()
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
}
