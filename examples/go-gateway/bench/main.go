// bench: the pieces of the gateway's overhead benchmark (run.sh): a fast fake upstream, a plain
// httputil.ReverseProxy to compare the gateway with, and a bounded load generator. Everything
// listens on and sends to 127.0.0.1 only.
//
//	bench upstream -listen 127.0.0.1:9001
//	bench proxy    -listen 127.0.0.1:9002 -target http://127.0.0.1:9001
//	bench load     -url http://127.0.0.1:9002/v1/chat/completions -c 32 -d 5s [-rate 300]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench upstream|proxy|load [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "upstream":
		err = upstream(os.Args[2:])
	case "proxy":
		err = proxy(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// loopback refuses anything but 127.0.0.0/8 and [::1]: the benchmark must never send traffic
// elsewhere.
func loopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s: only loopback addresses (127.0.0.1) are allowed", hostport)
	}
	return nil
}

// completion is what the fake upstream answers: the size of a short OpenAI chat completion.
var completion = []byte(`{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",` +
	`"choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],` +
	`"usage":{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18}}` + "\n")

func upstream(args []string) error {
	fs := flag.NewFlagSet("upstream", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:9001", "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopback(*listen); err != nil {
		return err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(completion)
	})
	return serve(*listen, h)
}

func proxy(args []string) error {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:9002", "")
	target := fs.String("target", "http://127.0.0.1:9001", "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*target)
	if err != nil {
		return err
	}
	if err := loopback(*listen); err != nil {
		return err
	}
	if err := loopback(u.Host); err != nil {
		return err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	// The gateway's pool size (gateway.go), so that both keep their upstream connections.
	rp.Transport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}
	return serve(*listen, rp)
}

func serve(addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "listening on", ln.Addr())
	return (&http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}).Serve(ln)
}

const requestBody = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}`

// load sends requests for -d: closed-loop with -c connections, or at a fixed -rate (open loop,
// at most -c in flight), and prints the throughput and latency percentiles.
func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	target := fs.String("url", "", "the chat completions URL")
	conns := fs.Int("c", 32, "connections (closed loop) or the most requests in flight (with -rate)")
	duration := fs.Duration("d", 5*time.Second, "how long, at most 60s")
	rate := fs.Float64("rate", 0, "requests per second (0: as fast as the connections go)")
	label := fs.String("label", "", "the name printed with the figures")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-url %q: %v", *target, err)
	}
	if err := loopback(u.Host); err != nil {
		return err
	}
	if *duration <= 0 || *duration > time.Minute || *conns < 1 || *conns > 1024 {
		return errors.New("-d must be in (0, 60s] and -c in 1..1024")
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, IdleConnTimeout: time.Minute}}
	one := func() (time.Duration, error) {
		start := time.Now()
		resp, err := client.Post(*target, "application/json", strings.NewReader(requestBody))
		if err != nil {
			return 0, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"choices"`)) {
			return 0, fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
		}
		return time.Since(start), nil
	}
	// Warm up the connections, not counted.
	for i := 0; i < *conns; i++ {
		if _, err := one(); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}

	var mu sync.Mutex
	var samples []time.Duration
	var failures atomic.Int64
	var firstErr atomic.Value
	record := func(d time.Duration, err error) {
		if err != nil {
			failures.Add(1)
			firstErr.CompareAndSwap(nil, err.Error())
			return
		}
		mu.Lock()
		samples = append(samples, d)
		mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	if *rate <= 0 {
		for i := 0; i < *conns; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					record(one())
				}
			}()
		}
	} else {
		slots := make(chan struct{}, *conns)
		interval := time.Duration(float64(time.Second) / *rate)
		t := time.NewTicker(interval)
	send:
		for {
			select {
			case <-ctx.Done():
				break send
			case <-t.C:
				select {
				case slots <- struct{}{}:
				default:
					failures.Add(1) // the target fell behind the rate by -c requests
					firstErr.CompareAndSwap(nil, "more than -c requests in flight")
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					record(one())
					<-slots
				}()
			}
		}
		t.Stop()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	pct := func(p float64) float64 {
		if len(samples) == 0 {
			return 0
		}
		return float64(samples[min(len(samples)-1, int(p*float64(len(samples))))].Microseconds()) / 1000
	}
	fmt.Printf("%-22s %8.0f rps  p50 %7.3f ms  p90 %7.3f ms  p99 %7.3f ms  (%d requests, %d failed)\n",
		*label, float64(len(samples))/elapsed.Seconds(), pct(0.50), pct(0.90), pct(0.99), len(samples), failures.Load())
	if e := firstErr.Load(); e != nil {
		fmt.Fprintln(os.Stderr, "first failure:", e)
	}
	return nil
}
