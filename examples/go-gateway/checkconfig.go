package main

import (
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// checkConfigFile is -check-config: the file is read as the gateway would read it at start or
// on SIGHUP, the gateway's section and then llmroute's (llmr_config_validate, which creates
// nothing and connects to nothing), so a deployment pipeline can reject a bad file before it
// reaches a running gateway. Prints "<path>: ok ..." to out, or returns the first error, which
// names the field ($._gateway.upstreams['x'].base_url, $.deployments[2].rpm_limit, ...).
// An api_key_env variable missing from this environment is a warning, not an error: the check
// may run where the keys are not.
func checkConfigFile(path string, out io.Writer) error {
	c, err := loadConfig(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := llmroute.ValidateConfig(c.raw); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	names := make([]string, 0, len(c.gateway.Upstreams))
	for name := range c.gateway.Upstreams {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if env := c.gateway.Upstreams[name].APIKeyEnv; env != "" && os.Getenv(env) == "" {
			fmt.Fprintf(out, "%s: warning: $._gateway.upstreams['%s'].api_key_env: %s is not set here\n", path, name, env)
		}
	}
	fmt.Fprintf(out, "%s: ok (%d deployments, %d model names)\n", path, len(names), len(c.models))
	return nil
}
