module github.com/llmroute/llmroute/bindings/go/llmroute

go 1.21
