package main

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// counters are the gateway's own metrics, served after llmroute's at /metrics.
type counters struct {
	// responses by status code (net/http only relays 100..999), counted without a lock: every
	// request adds to it.
	responses      [1000]atomic.Int64
	failovers      atomic.Int64
	disconnects    atomic.Int64
	reloadsOK      atomic.Int64
	reloadsFailed  atomic.Int64
	brokenStreams  atomic.Int64
	noUpstreamPick atomic.Int64
	overhead       histogram
}

func (c *counters) response(code int) {
	if code >= 0 && code < len(c.responses) {
		c.responses[code].Add(1)
	}
}

// overheadBuckets (seconds) of gateway_overhead_seconds: the gateway's own share of a request is
// tens of microseconds when all is well, so the buckets start far below Prometheus' default
// (5 ms) and end where something is clearly wrong.
var overheadBuckets = []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1}

// histogram is a Prometheus histogram over overheadBuckets, lock-free to observe.
type histogram struct {
	counts [12]atomic.Int64 // per bucket, not cumulative; the last one is +Inf
	sumNs  atomic.Int64
}

func (h *histogram) observe(d time.Duration) {
	s := d.Seconds()
	i := sort.SearchFloat64s(overheadBuckets, s) // the first bucket with le >= s
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
}

func (h *histogram) write(b *strings.Builder, name, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name)
	var total int64
	for i, le := range overheadBuckets {
		total += h.counts[i].Load()
		fmt.Fprintf(b, "%s_bucket{le=\"%s\"} %d\n", name, strconv.FormatFloat(le, 'g', -1, 64), total)
	}
	total += h.counts[len(overheadBuckets)].Load()
	fmt.Fprintf(b, "%s_bucket{le=\"+Inf\"} %d\n", name, total)
	fmt.Fprintf(b, "%s_sum %s\n%s_count %d\n", name,
		strconv.FormatFloat(time.Duration(h.sumNs.Load()).Seconds(), 'g', -1, 64), name, total)
}

// metrics serves llmroute's statistics, then the gateway's own.
func (g *gateway) metrics(w http.ResponseWriter, req *http.Request) {
	text, err := g.router.MetricsText()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var b strings.Builder
	b.WriteString(text)
	b.WriteString("# HELP gateway_responses_total Responses sent to clients, by HTTP status.\n")
	b.WriteString("# TYPE gateway_responses_total counter\n")
	for code := range g.stats.responses {
		if n := g.stats.responses[code].Load(); n > 0 {
			fmt.Fprintf(&b, "gateway_responses_total{code=\"%d\"} %d\n", code, n)
		}
	}
	for _, m := range []struct {
		name, help string
		v          int64
	}{
		{"gateway_failovers_total", "Attempts after the first, on another deployment.", g.stats.failovers.Load()},
		{"gateway_client_disconnects_total", "Requests whose client went away.", g.stats.disconnects.Load()},
		{"gateway_broken_streams_total", "Responses whose upstream failed after they started (the client's response is aborted).", g.stats.brokenStreams.Load()},
		{"gateway_no_upstream_picks_total", "Picks of a deployment the gateway had no upstream for (during a reload); cancelled and picked again.", g.stats.noUpstreamPick.Load()},
	} {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", m.name, m.help, m.name, m.name, m.v)
	}
	b.WriteString("# HELP gateway_config_reloads_total Configuration reloads (SIGHUP), by result.\n")
	b.WriteString("# TYPE gateway_config_reloads_total counter\n")
	fmt.Fprintf(&b, "gateway_config_reloads_total{result=\"ok\"} %d\n", g.stats.reloadsOK.Load())
	fmt.Fprintf(&b, "gateway_config_reloads_total{result=\"rejected\"} %d\n", g.stats.reloadsFailed.Load())
	g.stats.overhead.write(&b, "gateway_overhead_seconds",
		"The gateway's own latency per chat request: from the request body read to the response committed, less the time spent waiting on upstreams.")
	g.writeSharedStateMetrics(&b)
	w.Header().Set("Content-Type", llmroute.MetricsContentType)
	io.WriteString(w, b.String())
}
