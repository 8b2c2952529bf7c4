//go:build go1.24

package llmroute

import (
	"runtime"

	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// setSafetyNet closes and frees n once r is unreachable. runtime.AddCleanup (Go 1.24) rather than
// a finalizer: it does not resurrect r, runs even if r is part of a cycle, and r can carry other
// cleanups.
func setSafetyNet(r *Router, n native.Router) {
	runtime.AddCleanup(r, releaseNative, n)
}
