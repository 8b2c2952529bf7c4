//go:build seedrouter

package bench

// The seed router (the in-house Go router llmroute replaces; not published, not in this
// repository), built in with -tags seedrouter and a modfile that requires module "seedrouter"
// and replaces it with its directory: scripts/bench-go.sh and bindings/go/CMakeLists.txt write
// that modfile from LLMR_SEEDROUTER_DIR.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
	"seedrouter/router"
)

type fake struct{ models []string }

func (f *fake) SupportedModels() []string { return f.models }

func seed(s router.LoadBalancerStrategy, n int) (*router.Router, []string) {
	r := router.NewRouter(s)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("p%d", i)
		r.RegisterProvider(names[i], &fake{models: models})
	}
	return r, names
}

// seedPeer: the seed's SelectProvider and RecordResult, beside the peers of peers_test.go.
func seedPeer(s router.LoadBalancerStrategy) func(b *testing.B) func() error {
	return func(b *testing.B) func() error {
		r, names := seed(s, peerN)
		ctx := context.Background()
		var i atomicCounter
		return func() error {
			if _, err := r.SelectProvider(ctx, model); err != nil {
				return err
			}
			r.RecordResult(ctx, names[i.next()%peerN], true, 100)
			return nil
		}
	}
}

func init() {
	seedPeers = append(seedPeers,
		peer{"seed/round_robin", seedPeer(router.StrategyRoundRobin)},
		peer{"seed/latency", seedPeer(router.StrategyLatency)})
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

// BenchmarkSeedPickReport: every strategy the seed has, at n=8 and n=64, with the seed's pick
// alone (seed-pick) as the baseline.
func BenchmarkSeedPickReport(b *testing.B) {
	ctx := context.Background()
	for _, s := range strategies {
		for _, n := range []int{8, 64} {
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
