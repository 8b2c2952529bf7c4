package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

func chatBody(t testing.TB, messages ...map[string]any) *chatRequest {
	raw, _ := json.Marshal(map[string]any{"model": "m", "messages": messages})
	cr, err := parseChatRequest(raw)
	if err != nil {
		t.Fatal(err)
	}
	return cr
}

func msg(role string, content any) map[string]any {
	return map[string]any{"role": role, "content": content}
}

// The hashes are llmr_prefix_hashes over the documented canonical form, whatever the JSON
// spacing or the content's shape, and a conversation's next turn extends its previous one's.
func TestPromptPrefixHashesFollowTheCanonicalForm(t *testing.T) {
	system := strings.Repeat("You are a careful assistant. ", 10)
	cr := chatBody(t, msg("system", system), msg("user", "What is a KV cache?"))
	want, _ := llmroute.PrefixHashes([]byte("system\x00"+system+"\x00user\x00What is a KV cache?\x00"), 64, 256)
	got := promptPrefixHashes(cr)
	if len(got) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("hashes %x, want %x", got, want)
	}
	// The same prompt spaced otherwise, with the user's text as content parts and other
	// members beside: the same hashes.
	spaced := `{ "model" : "m", "messages" : [ {"role":"system", "name":"x", "content": ` +
		mustJSON(system) + `},
	  {"content": [{"type":"text","text":"What is a "},{"type":"text","text":"KV cache?"}], "role": "user"} ] }`
	cr2, err := parseChatRequest([]byte(spaced))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(promptPrefixHashes(cr2)) != fmt.Sprint(want) {
		t.Fatal("the canonical form depends on spacing, member order or content shape")
	}
	// An image part counts by its type only.
	withImage := chatBody(t, msg("user", []any{map[string]any{"type": "text", "text": system},
		map[string]any{"type": "image_url", "image_url": map[string]any{"url": "https://x/1.png"}}}))
	img, _ := llmroute.PrefixHashes([]byte("user\x00"+system+"\x1fimage_url\x1f\x00"), 64, 256)
	if fmt.Sprint(promptPrefixHashes(withImage)) != fmt.Sprint(img) {
		t.Fatal("an image part is not hashed as its type")
	}
	// The next turn repeats the conversation: its hashes start with this turn's.
	next := promptPrefixHashes(chatBody(t, msg("system", system), msg("user", "What is a KV cache?"),
		msg("assistant", "The attention keys and values of the tokens so far."), msg("user", "And its block size?")))
	if len(next) <= len(got) || fmt.Sprint(next[:len(got)]) != fmt.Sprint(got) {
		t.Fatalf("the next turn's hashes %x do not extend %x", next, got)
	}
	// Bounded: a 100 KiB prompt gives the most a pick carries; no prompt, or one shorter
	// than a block, gives none.
	if n := len(promptPrefixHashes(chatBody(t, msg("user", strings.Repeat("a", 100<<10))))); n != llmroute.PrefixHashesMax {
		t.Fatalf("%d hashes for a 100 KiB prompt, want %d", n, llmroute.PrefixHashesMax)
	}
	if h := promptPrefixHashes(chatBody(t, msg("user", "hi"))); h != nil {
		t.Fatalf("a prompt shorter than a block gave %x", h)
	}
	if cr, _ := parseChatRequest([]byte(`{"model":"m","prompt":"x"}`)); promptPrefixHashes(cr) != nil {
		t.Fatal("a request without messages gave hashes")
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Through the gateway, with engine upstreams and engine_aware: requests sharing a system prompt
// follow the first one's replica (without the hashes the picks would scatter: all replicas look
// alike), while the gateway without engines passes none.
func TestSharedSystemPromptLandsOnTheSameReplica(t *testing.T) {
	const replicas = 4
	fakes := map[string]*fakeUpstream{}
	ups := map[string]any{}
	var deps []any
	var names []string
	for i := 0; i < replicas; i++ {
		name := fmt.Sprintf("vllm-%d", i)
		fakes[name] = newFake(t, name, 0, nil)
		ups[name] = map[string]any{"base_url": fakes[name].url(), "engine": "vllm"}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		deps = append(deps, map[string]any{"name": name, "models": []string{"m"}})
	}
	raw, _ := json.Marshal(map[string]any{"_gateway": map[string]any{"upstreams": ups},
		"router_settings": map[string]any{"strategy": "engine_aware"}, "deployments": deps})
	c, err := parseConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	r, err := llmroute.NewFromConfig(c.raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	g := newGateway(r, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if !g.state.Load().prefixHashes {
		t.Fatal("a configuration with engines does not hash prompts")
	}
	srv := httptest.NewServer(g.handler())
	defer srv.Close()

	counts := map[string]int64{}
	served := func() string { // the replica whose request count just went up
		t.Helper()
		for _, name := range names {
			if n := fakes[name].requests.Load(); n != counts[name] {
				counts[name] = n
				return name
			}
		}
		t.Fatal("no replica served the request")
		return ""
	}
	for group := 0; group < 3; group++ {
		system := fmt.Sprintf("System prompt %d. ", group) + strings.Repeat("Answer briefly and cite sources. ", 60)
		first := ""
		for turn := 0; turn < 6; turn++ {
			body, _ := json.Marshal(map[string]any{"model": "m", "messages": []any{msg("system", system),
				msg("user", fmt.Sprintf("question %d of group %d", turn, group))}})
			resp, text := post(t, srv.URL, string(body))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, text)
			}
			got := served()
			if first == "" {
				first = got
			} else if got != first {
				t.Fatalf("group %d turn %d went to %s, its system prompt to %s", group, turn, got, first)
			}
		}
	}

	noEngines, _ := parseConfig([]byte(`{"_gateway":{"upstreams":{"a":{"base_url":"http://127.0.0.1:1/v1"}}},
	  "deployments":[{"name":"a","models":["m"]}]}`))
	if hashesPrompts(noEngines) {
		t.Fatal("a configuration without engines hashes prompts")
	}
}

// What hashing costs on the request path: a 16 KiB+ chat prompt (the most that is hashed),
// against parsing the request alone (what every request costs anyway).
func BenchmarkPromptPrefixHashes(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(strings.Repeat("You are a careful assistant who answers briefly. ", 400))
	raw := chatBody(b, msg("system", buf.String()), msg("user", "What is a KV cache?")).body
	b.Run("parse_only", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := parseChatRequest(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse_and_hash", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			c, _ := parseChatRequest(raw)
			if len(promptPrefixHashes(c)) != llmroute.PrefixHashesMax {
				b.Fatal("short")
			}
		}
	})
}
