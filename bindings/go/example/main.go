// Command example routes a request over two deployments with a Go adapter, failing over from a
// broken one, then does a pick + report by hand.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

func main() {
	r, err := llmroute.New(nil) // defaults: round robin, circuit breaker on
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	r.AddDeployment(llmroute.Deployment{Name: "azure-eu", Models: []string{"gpt-4o*"}})
	r.AddDeployment(llmroute.Deployment{Name: "openai", Models: []string{"gpt-4o*"}, Tier: 1})

	// The router drives the call through adapters: azure-eu answers 503, openai answers.
	r.SetAdapter("azure-eu", llmroute.AdapterFunc(func(a *llmroute.Attempt) (llmroute.Result, error) {
		return llmroute.Result{Outcome: llmroute.OutcomeServerError}, nil
	}))
	r.SetAdapter("openai", llmroute.AdapterFunc(func(a *llmroute.Attempt) (llmroute.Result, error) {
		a.SetResponse([]byte(`{"choices":[]}`))
		return llmroute.Result{Outcome: llmroute.OutcomeSuccess, Latency: 120 * time.Millisecond}, nil
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := r.Call(ctx, "gpt-4o-mini", []byte(`{"messages":[]}`),
		&llmroute.CallOptions{BackoffBase: time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("call: %d attempts, answered by %s: %s\n", len(res.Attempts), res.Deployment, res.Response)

	// Pick and report: the host makes the HTTP call itself.
	p, err := r.Pick("gpt-4o")
	if errors.Is(err, llmroute.ErrNoProvider) {
		log.Fatal("every deployment is cooling down")
	} else if err != nil {
		log.Fatal(err)
	}
	r.Report(p.Ticket, llmroute.Report{Outcome: llmroute.OutcomeSuccess, Latency: 840 * time.Millisecond})
	fmt.Printf("pick: %s (%s), llmroute %s\n", p.Deployment, p.Model, llmroute.LibraryVersion())
}
