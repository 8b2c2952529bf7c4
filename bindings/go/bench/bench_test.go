package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
	"seedrouter/router"
)

// One pick (select) and one report (record result) per iteration, for the seed router and for
// llmroute through the Go binding, same model list and provider counts as the seed's own
// benchmark (router/bench_test.go in its module).

type fake struct{ models []string }

func (f *fake) SupportedModels() []string { return f.models }

var models = []string{"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "*x"}

const model = "claude-3-5-sonnet"

func seed(s router.LoadBalancerStrategy, n int) (*router.Router, []string) {
	r := router.NewRouter(s)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("p%d", i)
		r.RegisterProvider(names[i], &fake{models: models})
	}
	return r, names
}

func ours(b *testing.B, s llmroute.Strategy, n int) *llmroute.Router {
	o := llmroute.DefaultOptions()
	o.Strategy = s
	r, err := llmroute.New(&o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	for i := 0; i < n; i++ {
		if err := r.AddDeployment(llmroute.Deployment{Name: fmt.Sprintf("p%d", i), Models: models}); err != nil {
			b.Fatal(err)
		}
	}
	return r
}

var strategies = []struct {
	name string
	seed router.LoadBalancerStrategy
	ours llmroute.Strategy
}{
	{"latency", router.StrategyLatency, llmroute.StrategyLatency},
	{"round_robin", router.StrategyRoundRobin, llmroute.StrategyRoundRobin},
	{"weighted", router.StrategyWeighted, llmroute.StrategyWeighted},
	{"availability", router.StrategyAvailability, llmroute.StrategyAvailability},
}

func BenchmarkPickReport(b *testing.B) {
	ctx := context.Background()
	for _, s := range strategies {
		for _, n := range []int{8, 64} {
			// The seed's pick alone: the baseline of the targets (llmroute's pick +
			// report against it).
			b.Run(fmt.Sprintf("seed-pick/%s/n=%d", s.name, n), func(b *testing.B) {
				r, _ := seed(s.seed, n)
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, err := r.SelectProvider(ctx, model); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("seed/%s/n=%d", s.name, n), func(b *testing.B) {
				r, names := seed(s.seed, n)
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, err := r.SelectProvider(ctx, model); err != nil {
						b.Fatal(err)
					}
					r.RecordResult(ctx, names[i%n], true, 100)
				}
			})
			b.Run(fmt.Sprintf("llmroute/%s/n=%d", s.name, n), func(b *testing.B) {
				r := ours(b, s.ours, n)
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					p, err := r.Pick(model)
					if err != nil {
						b.Fatal(err)
					}
					if err := r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, 100*time.Millisecond); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkPickReportParallel(b *testing.B) {
	ctx := context.Background()
	b.Run("seed/latency/n=8", func(b *testing.B) {
		r, names := seed(router.StrategyLatency, 8)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				r.SelectProvider(ctx, model)
				r.RecordResult(ctx, names[i&7], true, 100)
				i++
			}
		})
	})
	b.Run("llmroute/latency/n=8", func(b *testing.B) {
		r := ours(b, llmroute.StrategyLatency, 8)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p, err := r.Pick(model)
				if err != nil {
					b.Error(err)
					return
				}
				r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, 100*time.Millisecond)
			}
		})
	})
}
