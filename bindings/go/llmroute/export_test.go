package llmroute

// LiveNativeRouters is, for the tests, how many native routers are not closed yet.
func LiveNativeRouters() int64 { return nativeRouters.live.Load() }

// CallOnNativeThread runs n calls of model on a thread the Go runtime did not start (the shim's
// std::thread), so that adapters and event listeners run there.
func CallOnNativeThread(r *Router, model string, n int) error {
	return wrap(r.n.CallOnNativeThread(model, "", n))
}
