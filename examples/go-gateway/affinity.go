package main

// Session affinity from the request: a key that keeps a conversation on one deployment, so the
// deployment's prompt cache is hit. llmroute spreads keys with weighted rendezvous hashing over
// the eligible deployments (llmr_pick_options.affinity_key), so every gateway instance with the
// same deployments sends a key to the same place without sharing any state, as LiteLLM's
// cache-aware routing does by session id (https://docs.litellm.ai/blog/cache-aware-routing).
// The sources follow what gateways read: an X-Session-Id header or a session_id field, else a
// hash of the conversation's opener, the system prompt and the first user message
// (https://docs.merge.dev/merge-gateway/routing/cache-aware-routing).

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// affinityConfig is _gateway.affinity.
type affinityConfig struct {
	// Sources, tried in order; the first that yields a non-empty value is the key:
	//   "header:<name>"   a request header (x-session-id)
	//   "field:<name>"    a top-level string of the body: user, session_id, previous_response_id
	//   "prompt_prefix"   a hash of the leading system (and developer) messages and the first
	//                     prompt_prefix_messages other messages
	Sources []string `json:"sources"`
	// PromptPrefixMessages after the system messages that prompt_prefix hashes (default 1: the
	// system prompt and the first user message, which a conversation repeats every turn).
	PromptPrefixMessages int `json:"prompt_prefix_messages"`
}

const maxAffinityKeyBytes = 256

type affinitySource struct {
	kind string // "header", "field" or "prompt_prefix"
	name string // the header or field
}

// affinityExtractor finds a request's key; a nil *affinityExtractor finds none.
type affinityExtractor struct {
	sources  []affinitySource
	messages int
}

// checkAffinity validates the section; path names it in errors.
func checkAffinity(c *affinityConfig, path string) error {
	if c == nil {
		return nil
	}
	if len(c.Sources) == 0 {
		return fmt.Errorf("%s.sources: at least one source (header:<name>, field:<name>, prompt_prefix)", path)
	}
	for i, s := range c.Sources {
		if _, err := parseAffinitySource(s); err != nil {
			return fmt.Errorf("%s.sources[%d]: %w", path, i, err)
		}
	}
	if c.PromptPrefixMessages < 0 || c.PromptPrefixMessages > 100 {
		return fmt.Errorf("%s.prompt_prefix_messages: must be in 0..100 (got %d)", path, c.PromptPrefixMessages)
	}
	return nil
}

func parseAffinitySource(s string) (affinitySource, error) {
	kind, name, _ := strings.Cut(s, ":")
	switch {
	case kind == "prompt_prefix" && name == "":
		return affinitySource{kind: kind}, nil
	case (kind == "header" || kind == "field") && name != "":
		if kind == "header" {
			name = http.CanonicalHeaderKey(name)
		}
		return affinitySource{kind: kind, name: name}, nil
	}
	return affinitySource{}, fmt.Errorf("unknown source %q (header:<name>, field:<name> or prompt_prefix)", s)
}

// newAffinityExtractor builds the extractor of a checked configuration (nil for none).
func newAffinityExtractor(c *affinityConfig) *affinityExtractor {
	if c == nil {
		return nil
	}
	e := &affinityExtractor{messages: c.PromptPrefixMessages}
	if e.messages == 0 {
		e.messages = 1
	}
	for _, s := range c.Sources {
		src, _ := parseAffinitySource(s)
		e.sources = append(e.sources, src)
	}
	return e
}

// key returns the request's affinity key and the source it came from ("", "" for none). The
// source is part of the key, so that a user id never collides with a session id; values longer
// than maxAffinityKeyBytes are hashed.
func (e *affinityExtractor) key(req *http.Request, c *chatRequest) (key, source string) {
	if e == nil {
		return "", ""
	}
	for _, s := range e.sources {
		var v string
		switch s.kind {
		case "header":
			v = strings.TrimSpace(req.Header.Get(s.name))
			source = "header:" + strings.ToLower(s.name)
		case "field":
			json.Unmarshal(c.members()[s.name], &v) // not a string: no key from it
			source = "field:" + s.name
		case "prompt_prefix":
			v = promptPrefixHash(c.members()["messages"], e.messages)
			source = "prompt_prefix"
		}
		if v == "" {
			continue
		}
		if len(v) > maxAffinityKeyBytes {
			sum := sha256.Sum256([]byte(v))
			v = "sha256:" + hex.EncodeToString(sum[:])
		}
		return source + "=" + v, source
	}
	return "", ""
}

// promptPrefixHash hashes the leading system/developer messages and the next n messages (role and
// content; other members such as name or cache_control do not change the prompt's prefix). ""
// when there are no messages.
func promptPrefixHash(raw json.RawMessage, n int) string {
	var messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	if json.Unmarshal(raw, &messages) != nil || len(messages) == 0 {
		return ""
	}
	h := sha256.New()
	others := 0
	for _, m := range messages {
		if m.Role != "system" && m.Role != "developer" {
			if others == n {
				break
			}
			others++
		}
		var content any
		json.Unmarshal(m.Content, &content)
		canonical, _ := json.Marshal(content) // the same prompt however the client spaced it
		fmt.Fprintf(h, "%d:%s%d:%s", len(m.Role), m.Role, len(canonical), canonical)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
