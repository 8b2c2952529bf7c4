module github.com/llmroute/llmroute/bench/go

go 1.22.0

require (
	github.com/go-kratos/kratos/v2 v2.8.3
	github.com/llmroute/llmroute/bindings/go/llmroute v0.0.0
	github.com/sony/gobreaker/v2 v2.4.0
)

require (
	github.com/golang/protobuf v1.5.4 // indirect
	golang.org/x/sys v0.18.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20240102182953-50ed04b92917 // indirect
	google.golang.org/grpc v1.61.1 // indirect
	google.golang.org/protobuf v1.33.0 // indirect
)

replace github.com/llmroute/llmroute/bindings/go/llmroute => ../../bindings/go/llmroute
