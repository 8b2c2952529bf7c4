package main

// -quickstart: the gateway in front of a fake OpenAI-compatible upstream in the same process, so
// that a newcomer sees a request routed and answered in one step, without keys or a
// configuration file:
//
//	go run . -quickstart

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// quickstartModel is the model the quickstart's configuration serves.
const quickstartModel = "gpt-4o-mini"

// startQuickstartUpstreams starts two fake upstreams on 127.0.0.1 and returns the configuration
// that routes quickstartModel over them, and a function that stops them.
func startQuickstartUpstreams() (*config, func(), error) {
	var servers []*http.Server
	stop := func() {
		for _, s := range servers {
			s.Close()
		}
	}
	upstreams := map[string]any{}
	var deployments []any
	for _, name := range []string{"local-a", "local-b"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			stop()
			return nil, nil, err
		}
		srv := &http.Server{Handler: fakeUpstreamHandler(name), ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go srv.Serve(ln)
		upstreams[name] = map[string]any{"base_url": "http://" + ln.Addr().String() + "/v1"}
		deployments = append(deployments, map[string]any{"name": name, "models": []string{quickstartModel}})
	}
	raw, _ := json.Marshal(map[string]any{
		"_comment":        "go-gateway -quickstart: two fake upstreams in the gateway's own process",
		"_gateway":        map[string]any{"upstreams": upstreams},
		"router_settings": map[string]any{"strategy": "round_robin"},
		"deployments":     deployments,
	})
	c, err := parseConfig(raw)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return c, stop, nil
}

// quickstartDemo sends one request through the gateway at base and prints what happened and how
// to try more.
func quickstartDemo(base string, out io.Writer) error {
	body := `{"model":"` + quickstartModel + `","messages":[{"role":"user","content":"Say hello"}]}`
	resp, err := http.Post(base+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct {
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &answer) != nil || len(answer.Choices) == 0 {
		return fmt.Errorf("the first request failed: %d %s", resp.StatusCode, b)
	}
	fmt.Fprintf(out, `
quickstart: POST %s/v1/chat/completions -> %d, answered by deployment %s: %q

Try it yourself (two fake upstreams, local-a and local-b, take turns):

  curl -s %[1]s/v1/chat/completions -H 'Content-Type: application/json' \
    -d '{"model":"%[5]s","messages":[{"role":"user","content":"hi"}]}'
  curl -sN %[1]s/v1/chat/completions -H 'Content-Type: application/json' \
    -d '{"model":"%[5]s","stream":true,"messages":[{"role":"user","content":"hi"}]}'
  curl -s %[1]s/readyz
  curl -s %[1]s/metrics | grep -E '^(gateway|llmroute_deployment_picks)'

Then route real providers: copy gateway.example.json and run go-gateway -config FILE.
Ctrl-C stops the gateway.
`, base, resp.StatusCode, resp.Header.Get("X-LLMRoute-Deployment"), answer.Choices[0].Message.Content, quickstartModel)
	return nil
}
