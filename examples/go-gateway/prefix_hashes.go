package main

// Prompt prefix hashes for engine_aware (docs/engines.md): the router scores each self-hosted
// engine replica by how much of the request's prompt it was recently sent, block by block. Every
// gateway instance must compute the same hashes for the same prompt, so the prompt is first
// written in one canonical form, then cut into blocks and hashed with llmr_prefix_hashes
// (chained FNV-1a 64, the same in every binding).
//
// The canonical form, message after message in request order:
//
//	role  NUL  content  NUL
//
// where content is a string content's UTF-8 bytes, or for an array of parts the text of its
// "text" parts one after the other, and each other part as its "type" between two US (0x1f)
// bytes (an image counts as "image_url", whatever its URL: only the text a gateway can see
// identically is hashed). Other message members (name, tool_calls, cache_control) are left
// out. Only the first prefixHashBlocks blocks of prefixBlockBytes bytes are hashed, so the cost
// is bounded whatever the prompt's size. A conversation's next turn repeats its messages and
// appends new ones, so its hashes start with the previous turn's.

import (
	"bytes"
	"encoding/json"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

const (
	// 64-byte blocks: the Gateway API Inference Extension's default block size for text
	// (https://gateway-api-inference-extension.sigs.k8s.io/, prefix-cache-scorer blockSize).
	prefixBlockBytes = 64
	// The most a pick carries (LLMR_PREFIX_HASHES_MAX): the first 16 KiB of the prompt.
	prefixHashBlocks = llmroute.PrefixHashesMax
)

// canonicalPrompt writes the canonical form of the messages (raw: the request's "messages"
// member) to buf, stopping once it holds limit bytes: the messages are decoded one at a time, so
// a long conversation costs no more than its first limit bytes. false when messages is not an
// array of objects (the request has no prompt to hash).
func canonicalPrompt(buf *bytes.Buffer, raw []byte, limit int) bool {
	if len(raw) == 0 {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return false
	}
	for dec.More() && buf.Len() < limit {
		var m struct {
			Role    string `json:"role"`
			Content any    `json:"content"`
		}
		if dec.Decode(&m) != nil {
			return false
		}
		buf.WriteString(m.Role)
		buf.WriteByte(0)
		writeContent(buf, m.Content)
		buf.WriteByte(0)
	}
	return true
}

func writeContent(buf *bytes.Buffer, content any) {
	switch c := content.(type) {
	case string:
		buf.WriteString(c)
	case []any:
		for _, part := range c {
			p, _ := part.(map[string]any)
			kind, _ := p["type"].(string)
			if kind == "text" {
				text, _ := p["text"].(string)
				buf.WriteString(text)
				continue
			}
			buf.WriteByte(0x1f)
			buf.WriteString(kind)
			buf.WriteByte(0x1f)
		}
	}
}

// promptPrefixHashes are the prefix hashes of the request's prompt (nil when it has none or it
// is shorter than one block).
func promptPrefixHashes(cr *chatRequest) []uint64 {
	var buf bytes.Buffer
	limit := prefixBlockBytes * prefixHashBlocks
	// The member found by scanning, not by decoding the whole body into a map.
	if !canonicalPrompt(&buf, topLevelMember(cr.body, "messages"), limit) || buf.Len() < prefixBlockBytes {
		return nil
	}
	text := buf.Bytes()
	if len(text) > limit {
		text = text[:limit]
	}
	h, err := llmroute.PrefixHashes(text, prefixBlockBytes, prefixHashBlocks)
	if err != nil {
		return nil // not reachable with these constants; a pick without hashes still routes
	}
	return h
}

// hashesPrompts says whether requests need prefix hashes: when an upstream is a self-hosted
// engine ("engine": "vllm"), the only place engine_aware's prefix score helps.
func hashesPrompts(c *config) bool {
	for _, u := range c.gateway.Upstreams {
		if u.Engine != "" {
			return true
		}
	}
	return false
}
