package llmroute

import (
	"runtime"

	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// NewFromConfig creates a router from a JSON configuration (docs/configuration.md in the
// repository; examples/config.json is a complete one). The configuration's router_settings win;
// what it leaves out comes from opts (nil: DefaultOptions()), and so do Clock and Random, which a
// configuration cannot set. A rejected configuration is an *Error with Status ErrConfig whose
// Message starts with the JSON path of the offending value:
//
//	$.deployments[2].weight: must be an integer in 1..1000000 (got 0)
func NewFromConfig(config []byte, opts *Options) (*Router, error) {
	return open(opts, func(n native.Router, o native.RouterOptions, clock, random uint) error {
		return n.OpenGoFromConfig(string(config), o, clock, random)
	})
}

// NewFromConfigFile is NewFromConfig with the configuration read from the file at path by the
// library (llmr_router_create_from_config_file): a file that cannot be read is ErrConfig.
func NewFromConfigFile(path string, opts *Options) (*Router, error) {
	return open(opts, func(n native.Router, o native.RouterOptions, clock, random uint) error {
		return n.OpenGoFromConfigFile(path, o, clock, random)
	})
}

// ApplyConfig hot-reloads the router from a JSON configuration, all or nothing: concurrent
// picks see the old configuration or the new one, never a mix. Deployments are matched by name;
// those that stay keep their health and statistics, new ones start closed and without an
// adapter. Router settings other than the strategy cannot change on a running router (ErrConfig).
func (r *Router) ApplyConfig(config []byte) error {
	defer runtime.KeepAlive(r)
	return wrap(r.n.ApplyConfig(string(config)))
}

// ApplyConfigFile is ApplyConfig with the configuration read from the file at path (by the
// library: a file that cannot be read is ErrConfig).
func (r *Router) ApplyConfigFile(path string) error {
	defer runtime.KeepAlive(r)
	return wrap(r.n.ApplyConfigFile(path))
}

// ValidateConfig checks a JSON configuration without creating anything (a lint for CI): nil, or
// an *Error with Status ErrConfig.
func ValidateConfig(config []byte) error {
	return wrap(native.ValidateConfig(string(config)))
}

// MetricsContentType is the Content-Type to serve MetricsText with.
const MetricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// MetricsText returns the router's statistics in the Prometheus text exposition format
// (llmroute_deployment_picks_total, llmroute_deployment_requests_total{outcome},
// llmroute_deployment_breaker_state{state}, ...), ready to serve at /metrics with
// MetricsContentType.
func (r *Router) MetricsText() (string, error) {
	defer runtime.KeepAlive(r)
	t := native.NewTextBuffer()
	defer native.DeleteTextBuffer(t)
	if err := r.n.MetricsText(t); err != nil {
		return "", wrap(err)
	}
	return t.GetText(), nil
}
