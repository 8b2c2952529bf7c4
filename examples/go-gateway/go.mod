// An OpenAI-compatible HTTP gateway embedding llmroute through the Go binding (README.md).
module github.com/llmroute/llmroute/examples/go-gateway

go 1.21

require github.com/llmroute/llmroute/bindings/go/llmroute v0.0.0

replace github.com/llmroute/llmroute/bindings/go/llmroute => ../../bindings/go/llmroute
