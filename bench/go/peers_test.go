package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kratos/kratos/v2/selector"
	"github.com/go-kratos/kratos/v2/selector/p2c"
	"github.com/go-kratos/kratos/v2/selector/random"
	"github.com/llmroute/llmroute/bindings/go/llmroute"
	"github.com/sony/gobreaker/v2"
)

// One pick and one report per iteration, n=8 backends, for llmroute's binding and for what a Go
// gateway would use instead: sony/gobreaker's breakers behind a round robin, and go-kratos'
// selector (p2c over EWMA-weighted nodes, and random). The cgo pair is the floor every cgo
// binding pays: two calls into C functions that do nothing. Every row runs in the same
// `go test -bench` process, so the ratios between them are what BENCHMARKS.md quotes.

const peerN = 8

// A peer is one row: setup builds its router over peerN backends and returns one iteration
// (a pick and its report), safe to call from several goroutines at once.
type peer struct {
	name  string
	setup func(b *testing.B) func() error
}

// seedPeers are added by seed_test.go when the seed router is built in (tag seedrouter).
var seedPeers []peer

func llmroutePeer(s llmroute.Strategy) func(b *testing.B) func() error {
	return func(b *testing.B) func() error {
		r := ours(b, s, peerN)
		return func() error {
			p, err := r.Pick(model)
			if err != nil {
				return err
			}
			return r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, 100*time.Millisecond)
		}
	}
}

// gobreakerRoundRobin: one two-step breaker per backend (Allow before the call, done after),
// chosen in turn by an atomic cursor, skipping a backend whose breaker refuses.
func gobreakerRoundRobin(b *testing.B) func() error {
	cbs := make([]*gobreaker.TwoStepCircuitBreaker[struct{}], peerN)
	for i := range cbs {
		cbs[i] = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{Name: fmt.Sprintf("p%d", i)})
	}
	var cursor atomic.Uint64
	return func() error {
		var err error
		for try := 0; try < peerN; try++ {
			var done func(error)
			if done, err = cbs[cursor.Add(1)%peerN].Allow(); err == nil {
				done(nil)
				return nil
			}
		}
		return err
	}
}

func kratosPeer(build func() selector.Selector) func(b *testing.B) func() error {
	return func(b *testing.B) func() error {
		sel := build()
		nodes := make([]selector.Node, peerN)
		for i := range nodes {
			nodes[i] = selector.NewNode("http", fmt.Sprintf("10.0.0.%d:80", i+1), nil)
		}
		sel.Apply(nodes)
		ctx := context.Background()
		return func() error {
			_, done, err := sel.Select(ctx)
			if err != nil {
				return err
			}
			done(ctx, selector.DoneInfo{})
			return nil
		}
	}
}

func cgoPair(b *testing.B) func() error {
	return func() error {
		CgoNop()
		CgoNop()
		return nil
	}
}

// cgoPairShaped crosses with the binding's own arguments and results, still doing nothing in C.
func cgoPairShaped(b *testing.B) func() error {
	return func() error {
		CgoPickShape(1, 2, 3)
		CgoReportShape(1, 2)
		return nil
	}
}

func peers() []peer {
	list := []peer{
		{"llmroute/round_robin", llmroutePeer(llmroute.StrategyRoundRobin)},
		{"llmroute/peak_ewma", llmroutePeer(llmroute.StrategyPeakEWMA)},
		{"llmroute/latency", llmroutePeer(llmroute.StrategyLatency)},
		{"gobreaker+round_robin", gobreakerRoundRobin},
		{"kratos/p2c+ewma", kratosPeer(func() selector.Selector { return p2c.New() })},
		{"kratos/random", kratosPeer(func() selector.Selector { return random.New() })},
		{"cgo-nop-pair", cgoPair},
		{"cgo-nop-pair-shaped", cgoPairShaped},
	}
	return append(list, seedPeers...)
}

func BenchmarkPeers(b *testing.B) {
	for _, p := range peers() {
		b.Run(fmt.Sprintf("%s/n=%d", p.name, peerN), func(b *testing.B) {
			step := p.setup(b)
			b.ReportAllocs()
			runtime.LockOSThread() // cpu-ns/op: the CPU time of this thread, which runs every call
			defer runtime.UnlockOSThread()
			b.ResetTimer()
			cpu := ThreadCPUNanos()
			for i := 0; i < b.N; i++ {
				if err := step(); err != nil {
					b.Fatal(err)
				}
			}
			cpu = ThreadCPUNanos() - cpu
			b.StopTimer()
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkPeersParallel: the same iterations from GOMAXPROCS goroutines at once (ns/op is wall
// time over all of them; cpu-ns/op the process's CPU time over all of them).
func BenchmarkPeersParallel(b *testing.B) {
	for _, p := range peers() {
		b.Run(fmt.Sprintf("%s/n=%d", p.name, peerN), func(b *testing.B) {
			step := p.setup(b)
			b.ReportAllocs()
			b.ResetTimer()
			cpu := ProcessCPUNanos()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := step(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			cpu = ProcessCPUNanos() - cpu
			b.StopTimer()
			// The CPU time of every thread (the garbage collector's included) per operation.
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
