package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func extractor(t *testing.T, sources ...string) *affinityExtractor {
	c := &affinityConfig{Sources: sources}
	if err := checkAffinity(c, "$"); err != nil {
		t.Fatal(err)
	}
	return newAffinityExtractor(c)
}

func affinityKey(t *testing.T, e *affinityExtractor, header http.Header, body string) (string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://x/v1/chat/completions", nil)
	for k, v := range header {
		req.Header[k] = v
	}
	c, err := parseChatRequest([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return e.key(req, c)
}

func TestAffinitySources(t *testing.T) {
	e := extractor(t, "header:x-session-id", "field:user", "field:previous_response_id", "prompt_prefix")
	session := http.Header{"X-Session-Id": {"conv-42"}}
	msgs := `"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"hi"}]`
	for _, c := range []struct {
		header     http.Header
		body       string
		key, label string
	}{
		// The first source that has a value wins.
		{session, `{"model":"m","user":"alice",` + msgs + `}`, "header:x-session-id=conv-42", "header:x-session-id"},
		{nil, `{"model":"m","user":"alice",` + msgs + `}`, "field:user=alice", "field:user"},
		{nil, `{"model":"m","previous_response_id":"resp_1",` + msgs + `}`, "field:previous_response_id=resp_1", "field:previous_response_id"},
		// A field that is not a string, or empty, is no key.
		{nil, `{"model":"m","user":7,"previous_response_id":"",` + msgs + `}`, "prompt_prefix=", "prompt_prefix"},
		{http.Header{"X-Session-Id": {"  "}}, `{"model":"m"}`, "", ""},
	} {
		key, label := affinityKey(t, e, c.header, c.body)
		if label != c.label || !strings.HasPrefix(key, c.key) || (c.key == "") != (key == "") {
			t.Errorf("%v %s: %q from %q, want %q from %q", c.header, c.body, key, label, c.key, c.label)
		}
	}
	// Without a configuration there is never a key.
	var none *affinityExtractor
	if k, l := affinityKey(t, none, session, `{"model":"m","user":"alice"}`); k != "" || l != "" {
		t.Errorf("no affinity configured: %q %q", k, l)
	}
	// Long values are hashed to a bounded key.
	long := strings.Repeat("x", 1000)
	if k, _ := affinityKey(t, e, http.Header{"X-Session-Id": {long}}, `{"model":"m"}`); len(k) > 100 ||
		!strings.HasPrefix(k, "header:x-session-id=sha256:") {
		t.Errorf("long key %q", k)
	}
}

func TestPromptPrefixHash(t *testing.T) {
	e := extractor(t, "prompt_prefix")
	key := func(body string) string {
		k, _ := affinityKey(t, e, nil, body)
		return k
	}
	base := key(`{"model":"m","messages":[{"role":"system","content":"S"},{"role":"user","content":"first"}]}`)
	if base == "" {
		t.Fatal("no key")
	}
	same := []string{
		// later turns of the same conversation
		`{"model":"m","messages":[{"role":"system","content":"S"},{"role":"user","content":"first"},{"role":"assistant","content":"a"},{"role":"user","content":"second"}]}`,
		// spacing, member order and members other than role and content do not matter
		`{"model":"m","temperature":0.2,"messages":[ {"content":"S","role":"system","name":"x"} , {"role":"user","content":"first"}]}`,
	}
	for _, b := range same {
		if k := key(b); k != base {
			t.Errorf("%s: %q, want %q", b, k, base)
		}
	}
	different := []string{
		`{"model":"m","messages":[{"role":"system","content":"T"},{"role":"user","content":"first"}]}`,
		`{"model":"m","messages":[{"role":"system","content":"S"},{"role":"user","content":"other"}]}`,
		`{"model":"m","messages":[{"role":"user","content":"first"}]}`,
		`{"model":"m","messages":[{"role":"system","content":"S"},{"role":"user","content":[{"type":"text","text":"first"}]}]}`,
	}
	for _, b := range different {
		if k := key(b); k == base || k == "" {
			t.Errorf("%s: %q, want a key other than %q", b, k, base)
		}
	}
	for _, b := range []string{`{"model":"m"}`, `{"model":"m","messages":[]}`, `{"model":"m","messages":"x"}`} {
		if k := key(b); k != "" {
			t.Errorf("%s: %q, want no key", b, k)
		}
	}
	// prompt_prefix_messages: 2 includes the second user turn.
	c := &affinityConfig{Sources: []string{"prompt_prefix"}, PromptPrefixMessages: 2}
	e2 := newAffinityExtractor(c)
	k1, _ := affinityKey(t, e2, nil, same[0])
	k2, _ := affinityKey(t, e2, nil, `{"model":"m","messages":[{"role":"system","content":"S"},{"role":"user","content":"first"},{"role":"assistant","content":"b"}]}`)
	if k1 == k2 {
		t.Errorf("prompt_prefix_messages 2 ignored the second message")
	}
}

func TestAffinityConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  affinityConfig
		want string
	}{
		{affinityConfig{}, "$.sources: at least one source"},
		{affinityConfig{Sources: []string{"header:"}}, `$.sources[0]: unknown source "header:"`},
		{affinityConfig{Sources: []string{"prompt_prefix", "cookie:s"}}, `$.sources[1]: unknown source "cookie:s"`},
		{affinityConfig{Sources: []string{"prompt_prefix:x"}}, `$.sources[0]: unknown source`},
		{affinityConfig{Sources: []string{"prompt_prefix"}, PromptPrefixMessages: -1}, "$.prompt_prefix_messages: must be in 0..100"},
	} {
		if err := checkAffinity(&c.cfg, "$"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}

// TestAffinityKeepsASessionOnOneDeployment: round robin would alternate; with the header as the
// affinity source, each session stays on one deployment, and sessions spread over several.
func TestAffinityKeepsASessionOnOneDeployment(t *testing.T) {
	fakes := map[string]*fakeUpstream{}
	models := map[string][]string{}
	for _, n := range []string{"d1", "d2", "d3", "d4"} {
		fakes[n] = newFake(t, n, 0, nil)
		models[n] = []string{"m"}
	}
	tg := startInProcess(t, fakes, models, map[string]any{
		"affinity": map[string]any{"sources": []string{"header:x-session-id", "field:user"}}})
	send := func(header, user string) string {
		body := `{"model":"m","messages":[{"role":"user","content":"hi"}]`
		if user != "" {
			body += `,"user":"` + user + `"`
		}
		req, _ := http.NewRequest(http.MethodPost, tg.srv.URL+"/v1/chat/completions", strings.NewReader(body+"}"))
		if header != "" {
			req.Header.Set("X-Session-Id", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("X-LLMRoute-Deployment")
	}
	used := map[string]bool{}
	for s := 0; s < 16; s++ {
		session := fmt.Sprintf("session-%d", s)
		first := send(session, "")
		used[first] = true
		for i := 0; i < 5; i++ {
			if d := send(session, ""); d != first {
				t.Fatalf("%s moved from %s to %s", session, first, d)
			}
		}
	}
	if len(used) < 2 {
		t.Errorf("16 sessions all went to %v", used)
	}
	// The user field when there is no header; the header wins over it.
	u := send("", "alice")
	for i := 0; i < 5; i++ {
		if d := send("", "alice"); d != u {
			t.Fatalf("user alice moved from %s to %s", u, d)
		}
	}
	// Without a key, round robin spreads the requests (its cursor is per thread, so not
	// necessarily over all four in 16 requests).
	spread := map[string]bool{}
	for i := 0; i < 16; i++ {
		spread[send("", "")] = true
	}
	if len(spread) < 2 {
		t.Errorf("requests without a key went to %v", spread)
	}
	if l := tg.logLines(t, "request")[0]; l["affinity"] != "header:x-session-id" {
		t.Errorf("the access log does not name the affinity source: %v", l)
	}
}
