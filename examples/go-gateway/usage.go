package main

import (
	"bytes"
	"encoding/json"
)

// usageScanner finds the token usage in a response without holding it: the last "usage" object
// of a JSON body (kept up to 4 MiB), or of an SSE stream's data lines. done: the stream's
// "data: [DONE]" line went by.
type usageScanner struct {
	stream bool
	buf    []byte
	in     int64
	out    int64
	done   bool
}

type usageJSON struct {
	Usage *struct {
		PromptTokens     int64 `json:"prompt_tokens"`
		CompletionTokens int64 `json:"completion_tokens"`
	} `json:"usage"`
}

func (s *usageScanner) feed(b []byte) {
	if !s.stream {
		if len(s.buf)+len(b) <= 4<<20 {
			s.buf = append(s.buf, b...)
		} else {
			s.buf = nil
		}
		return
	}
	s.buf = append(s.buf, b...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			if len(s.buf) > 1<<20 {
				s.buf = s.buf[:0] // a line this long is not usage
			}
			return
		}
		line := bytes.TrimSpace(s.buf[:i])
		s.buf = s.buf[i+1:]
		data, ok := bytes.CutPrefix(line, []byte("data:"))
		if !ok {
			continue
		}
		data = bytes.TrimSpace(data)
		if bytes.Contains(data, []byte(`"usage"`)) {
			s.parse(data)
		} else if string(data) == "[DONE]" {
			s.done = true
		}
	}
}

func (s *usageScanner) parse(b []byte) {
	var u usageJSON
	if json.Unmarshal(b, &u) == nil && u.Usage != nil {
		s.in, s.out = u.Usage.PromptTokens, u.Usage.CompletionTokens
	}
}

func (s *usageScanner) tokens() (int64, int64) {
	if !s.stream && len(s.buf) > 0 {
		var u struct {
			PromptTokens     int64 `json:"prompt_tokens"`
			CompletionTokens int64 `json:"completion_tokens"`
		}
		if v := lastUsageValue(s.buf); v != nil && json.Unmarshal(v, &u) == nil {
			s.in, s.out = u.PromptTokens, u.CompletionTokens
		}
	}
	return s.in, s.out
}

// lastUsageValue is the value of the body's last "usage" member: a completion's usage
// is a top-level member at its end, and decoding that value alone costs a fraction of decoding
// the whole body. The quoted word inside a string would be escaped (\"usage\"), so it is only
// ever found as a member name. nil when there is none.
func lastUsageValue(b []byte) []byte {
	key := []byte(`"usage"`)
	for end := len(b); ; {
		i := bytes.LastIndex(b[:end], key)
		if i < 0 {
			return nil
		}
		j := skipSpace(b, i+len(key))
		if j < len(b) && b[j] == ':' {
			j = skipSpace(b, j+1)
			return b[j:valueEnd(b, j)]
		}
		end = i
	}
}
