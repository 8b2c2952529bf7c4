//go:build !go1.24

package llmroute

import "runtime"

// setSafetyNet closes and frees lr once r is unreachable; before Go 1.24 (no runtime.AddCleanup)
// through a finalizer.
func setSafetyNet(r *Router, lr *liveRouter) {
	runtime.SetFinalizer(r, func(*Router) { releaseNative(lr) })
}
