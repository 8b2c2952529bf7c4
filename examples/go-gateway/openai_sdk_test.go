package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// sdkResult is one line of testdata/openai_client.py.
type sdkResult struct {
	Model        string  `json:"model"`
	Stream       bool    `json:"stream"`
	Text         string  `json:"text"`
	FinishReason *string `json:"finish_reason"`
	Error        *string `json:"error"`
	ErrorType    *string `json:"error_type"`
}

// sdkPython is the interpreter with the openai SDK: LLMR_GATEWAY_PYTHON (CMake sets it to one
// where `import openai` works), else python3 when it has the module.
func sdkPython(t *testing.T) string {
	if p := os.Getenv("LLMR_GATEWAY_PYTHON"); p != "" {
		return p
	}
	if exec.Command("python3", "-c", "import openai").Run() != nil {
		t.Skip("no python3 with the openai SDK (pip install openai; CTest runs this as go-gateway.openai-sdk)")
	}
	return "python3"
}

// TestOpenAISDK: the official openai Python SDK, streaming and not, against the gateway. A
// response the upstream broke after it started must raise in the SDK (it used to return a
// truncated text with finish_reason None and no error); complete ones must not.
func TestOpenAISDK(t *testing.T) {
	python := sdkPython(t)
	tg := brokenUpstreams(t)
	cmd := exec.Command(python, "testdata/openai_client.py", tg.srv.URL,
		"ok:stream", "ok:json", "done:stream", "at-event:stream", "mid-event:stream", "json:json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openai_client.py: %v\n%s", err, stderr.String())
	}
	results := map[string]sdkResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r sdkResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		results[r.Model+map[bool]string{true: ":stream", false: ":json"}[r.Stream]] = r
	}
	if len(results) != 6 {
		t.Fatalf("%d results:\n%s\n%s", len(results), out, stderr.String())
	}
	for _, k := range []string{"ok:stream", "ok:json"} {
		r := results[k]
		if r.Error != nil || r.Text != "hello from ok" || r.FinishReason == nil || *r.FinishReason != "stop" {
			t.Errorf("%s: a complete answer: %+v", k, r)
		}
	}
	if r := results["done:stream"]; r.Error != nil || r.Text != "hello" {
		t.Errorf("done:stream (complete up to [DONE]): %+v", r)
	}
	// Broken at an event boundary: the gateway's error event, raised as an APIError.
	if r := results["at-event:stream"]; r.ErrorType == nil || *r.ErrorType != "APIError" ||
		!strings.Contains(*r.Error, "broke the stream") || r.Text != "hello wor" {
		t.Errorf("at-event:stream: want an APIError after the text so far: %+v", r)
	}
	// Broken inside an event, or a JSON body: the aborted connection, an APIConnectionError.
	for _, k := range []string{"mid-event:stream", "json:json"} {
		if r := results[k]; r.ErrorType == nil || *r.ErrorType != "APIConnectionError" {
			t.Errorf("%s: want an APIConnectionError: %+v", k, r)
		}
	}
}
