package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The gateway's handler and a plain httputil.ReverseProxy in front of the same fake upstream,
// under the same parallel client, in one process (go test -run '^$' -bench . -count 5; add
// -cpuprofile to see where the gateway's time goes). bench/run.sh measures the binaries.

const benchBody = `{"model":"m","messages":[{"role":"user","content":"Say hello"}]}`

func benchmarkTarget(b *testing.B, url string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(benchBody))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

func benchUpstream(b *testing.B) *fakeUpstream {
	return newFake(b, "up", 0, nil)
}

func BenchmarkGateway(b *testing.B) {
	up := benchUpstream(b)
	tg := startInProcess(b, map[string]*fakeUpstream{"up": up}, map[string][]string{"up": {"m"}}, nil)
	tg.gw.access = nil
	benchmarkTarget(b, tg.srv.URL)
}

func BenchmarkGatewayAccessLog(b *testing.B) {
	up := benchUpstream(b)
	tg := startInProcess(b, map[string]*fakeUpstream{"up": up}, map[string][]string{"up": {"m"}}, nil)
	lines := newLineBuffer(io.Discard, 100*time.Millisecond)
	defer lines.Close()
	tg.gw.access = newAccessLog(lines, false)
	benchmarkTarget(b, tg.srv.URL)
}

func BenchmarkReverseProxy(b *testing.B) {
	up := benchUpstream(b)
	u, _ := url.Parse(up.srv.URL)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}
	srv := httptest.NewServer(rp)
	defer srv.Close()
	benchmarkTarget(b, srv.URL)
}
