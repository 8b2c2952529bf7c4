// A program using the Go binding, as a user would write it. The install test builds it against
// an installed llmroute with nothing but pkg-config (PKG_CONFIG_PATH=<prefix>/lib/pkgconfig).
module github.com/llmroute/llmroute/bindings/go/example

go 1.21

require github.com/llmroute/llmroute/bindings/go/llmroute v0.0.0

replace github.com/llmroute/llmroute/bindings/go/llmroute => ../llmroute
