// Benchmarks of the Go binding beside the seed router it replaces, in one `go test -bench` run.
// A separate module so that the binding's own module needs nothing but the standard library.
// The seed router (the in-house Go router llmroute replaces; not published) is not part of this
// repository: CMake adds it at configure time, given -DLLMR_SEEDROUTER_DIR=<its module>, by
// writing a copy of this file with a require and a replace for module "seedrouter" and running
// `go test -modfile=<that copy>` (bindings/go/CMakeLists.txt).
module github.com/llmroute/llmroute/bindings/go/bench

go 1.21

require github.com/llmroute/llmroute/bindings/go/llmroute v0.0.0

replace github.com/llmroute/llmroute/bindings/go/llmroute => ../llmroute
