package main

import (
	"encoding/json"
	"testing"
)

func TestTopLevelMember(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"model":"m"}`, `"m"`},
		{` { "a" : {"model":"inner"} , "model" : "m" , "b":[1,"x]}",{"c":"}"}] } `, `"m"`},
		{`{"messages":[{"role":"user","content":"\"model\":\"x\""}],"model":"gpt-4o"}`, `"gpt-4o"`},
		{`{"model":"a","model":"b"}`, `"b"`}, // the last, as encoding/json
		{`{"mod\u0065l":"escaped"}`, `"escaped"`},
		{`{"model":5}`, `5`},
		{`{"model":{"x":[1,2]}}`, `{"x":[1,2]}`},
		{`{"Model":"m"}`, ``}, // exact names, as the upstream reads them
		{`{"other":"m"}`, ``},
		{`["model","m"]`, ``},
		{`"model"`, ``},
	} {
		if !json.Valid([]byte(c.body)) {
			t.Fatalf("not JSON: %s", c.body)
		}
		if got := string(topLevelMember([]byte(c.body), "model")); got != c.want {
			t.Errorf("%s: %q, want %q", c.body, got, c.want)
		}
	}
}

func TestValueEndOnBrokenInput(t *testing.T) {
	// Upstream bodies are not validated: a truncated one must not panic.
	for _, b := range []string{`{"a":"unterminated`, `{"a":[1,2`, `"x\`, `tru`, `{`, ``} {
		if end := valueEnd([]byte(b), 0); end != len(b) {
			t.Errorf("%q: %d, want %d", b, end, len(b))
		}
	}
	if v := lastUsageValue([]byte(`{"usage":{"prompt_tokens":1`)); string(v) != `{"prompt_tokens":1` {
		t.Errorf("%q", v)
	}
}

func TestParseChatRequest(t *testing.T) {
	for body, want := range map[string]string{
		`{"model":"gpt-4o","messages":[]}`: "",
		`not json`:                         "invalid_json: the body must be a JSON object: invalid character",
		`[1,2]`:                            "invalid_json: the body must be a JSON object",
		`{"messages":[]}`:                  "missing_model",
		`{"model":""}`:                     "missing_model",
		`{"model":7}`:                      "missing_model",
		`{"model":"m",}`:                   "invalid_json",
	} {
		c, err := parseChatRequest([]byte(body))
		switch {
		case want == "" && (err != nil || c.model != "gpt-4o"):
			t.Errorf("%s: %v", body, err)
		case want != "" && (err == nil || len(err.Error()) < len(want) || err.Error()[:len(want)] != want):
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}
