//go:build !go1.24

package llmroute

import (
	"runtime"

	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// setSafetyNet closes and frees n once r is unreachable; before Go 1.24 (no runtime.AddCleanup)
// through a finalizer.
func setSafetyNet(r *Router, n native.Router) {
	runtime.SetFinalizer(r, func(*Router) { releaseNative(n) })
}
