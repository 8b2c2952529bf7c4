// The test runner reaches the internal native proxy (native-thread hooks) without them being in
// the public API.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("LlmRouteTests")]
