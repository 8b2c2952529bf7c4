package bench

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// The model list and model picked by every benchmark of this module (the seed router's own
// benchmark uses the same, router/bench_test.go in its module).
var models = []string{"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "*x"}

const model = "claude-3-5-sonnet"

// ours is a router with strategy s over n deployments p0..p(n-1), all serving models; closed
// when the benchmark ends.
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

// atomicCounter hands out 0, 1, 2... to any number of goroutines.
type atomicCounter struct{ n atomic.Uint64 }

func (c *atomicCounter) next() uint64 { return c.n.Add(1) - 1 }
