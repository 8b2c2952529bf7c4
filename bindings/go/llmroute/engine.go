package llmroute

import (
	"runtime"

	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// PrefixHashesMax is LLMR_PREFIX_HASHES_MAX: the most prefix hashes one pick may carry.
const PrefixHashesMax = 256

// EngineLoad is what a deployment's inference engine reports (llmr_engine_load), for example
// scraped from vLLM's /metrics: vllm:num_requests_waiting, vllm:num_requests_running and
// vllm:kv_cache_usage_perc.
type EngineLoad struct {
	// Waiting and Running: requests queued and running in the engine, >= 0.
	Waiting int64
	Running int64
	// KVCacheUtilization: 0..1 (1 = full).
	KVCacheUtilization float64
	// ReadAt: when the values were read, as the router's clock's nanoseconds (Options.Clock, or
	// the monotonic clock); 0 = now. Reports older than Options.EngineLoadStaleMs are ignored.
	ReadAtNs int64
}

// ReportLoad stores what deployment's engine reports, for StrategyEngineAware
// (llmr_router_report_load). Errors: ErrInvalidArgument naming the field (a negative count, a
// utilisation outside 0..1 or NaN, a future ReadAtNs), ErrNotFound for an unknown deployment;
// nothing is stored then. Lock-free; any goroutine.
func (r *Router) ReportLoad(deployment string, load EngineLoad) error {
	defer runtime.KeepAlive(r)
	return wrap(r.n.ReportLoad(deployment, load.Waiting, load.Running, load.KVCacheUtilization,
		load.ReadAtNs))
}

// PrefixHashes computes the prefix block hashes of text for PickOptions.PrefixHashes
// (llmr_prefix_hashes): text cut into blocks of blockBytes bytes (whole blocks only), hash i
// chained over blocks 0..i with FNV-1a 64, the same values in every binding and every gateway
// instance. At most max hashes (the prompt's first blocks). ErrInvalidArgument for a blockBytes
// of 0 or above 1 MiB, or a negative max.
func PrefixHashes(text []byte, blockBytes uint32, max int) ([]uint64, error) {
	v := native.NewInt64Vector()
	defer native.DeleteInt64Vector(v)
	if err := native.PrefixHashes(string(text), uint(blockBytes), int64(max), v); err != nil {
		return nil, wrap(err)
	}
	out := make([]uint64, v.Size())
	for i := range out {
		out[i] = uint64(v.Get(i))
	}
	return out, nil
}
