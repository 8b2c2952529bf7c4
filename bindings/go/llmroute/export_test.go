package llmroute

// LiveNativeRouters is, for the tests, how many native routers are not closed yet.
func LiveNativeRouters() int64 { return nativeRouters.live.Load() }
