package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkChatCompletion: one non-streamed request through the handler to a fake upstream, both
// on httptest servers (go test -run '^$' -bench ChatCompletion -cpuprofile cpu.out). bench/run.sh
// measures the binary against a plain reverse proxy.
func BenchmarkChatCompletion(b *testing.B) {
	t := &testing.T{}
	up := newFake(t, "up", 0, nil)
	tg := startInProcess(t, map[string]*fakeUpstream{"up": up}, map[string][]string{"up": {"m"}}, nil)
	tg.gw.access = nil
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	body := `{"model":"m","messages":[{"role":"user","content":"Say hello"}]}`
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(tg.srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
