// Benchmarks of the Go binding beside the seed router it replaces, in one `go test -bench` run.
// A separate module so that the binding's own module needs nothing but the standard library:
// the seed router is only referenced here, by path (../shared/peers/seedrouter from the repo).
module github.com/llmroute/llmroute/bindings/go/bench

go 1.21

require (
	github.com/llmroute/llmroute/bindings/go/llmroute v0.0.0
	seedrouter v0.0.0
)

replace github.com/llmroute/llmroute/bindings/go/llmroute => ../llmroute

replace seedrouter => ../../../../shared/peers/seedrouter
