package main

// A request's priority class from its x-llmroute-priority header: 0 (highest) .. 3 (lowest), as
// llmroute's PickOptions.Priority takes it; without the header the library's default class (2).
// A deployment's "reserve" (docs/priority.md) keeps the last share of its limits for the higher
// classes, so that, say, batch traffic sent with priority 3 cannot use up what interactive
// traffic needs.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

const priorityHeader = "X-LLMRoute-Priority"

func requestPriority(req *http.Request) (llmroute.Priority, error) {
	v := strings.TrimSpace(req.Header.Get(priorityHeader))
	if v == "" {
		return llmroute.PriorityDefault, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 3 {
		return 0, fmt.Errorf("%s must be 0 (highest) .. 3 (lowest), got %q", priorityHeader, v)
	}
	return llmroute.ClassPriority(n), nil
}
