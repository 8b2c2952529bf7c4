//go:build go1.24

package llmroute

import "runtime"

// setSafetyNet closes and frees lr once r is unreachable. runtime.AddCleanup (Go 1.24) rather than
// a finalizer: it does not resurrect r, runs even if r is part of a cycle, and r can carry other
// cleanups.
func setSafetyNet(r *Router, lr *liveRouter) {
	runtime.AddCleanup(r, releaseNative, lr)
}
