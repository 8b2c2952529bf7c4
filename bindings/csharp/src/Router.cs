using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace LlmRoute {

/// <summary>A router: deployments, their health and the routing state (llmr_router).
/// Thread-safe: every member may be used from any number of threads at once, Dispose included:
/// calls in progress finish, later ones throw ObjectDisposedException. A router never disposed
/// is released by its SafeHandle's finalizer (see RouterHandle).</summary>
public sealed class Router : IDisposable {
  /// <summary>Content type of MetricsText() (Prometheus text exposition 0.0.4).</summary>
  public const string MetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

  readonly RouterHandle handle;

  Router(RouterHandle handle) { this.handle = handle; }

  delegate void Opener(NativeRouter n);

  static RouterHandle Open(Opener open, Clock clock, RandomSource random) {
    RouterHandle.BeforeCreate();
    var n = new NativeRouter();
    try {
      open(n);
    } catch {
      n.Dispose();
      throw;
    }
    return new RouterHandle(n, clock, random);
  }

  /// <summary>A router with these options (null: the defaults) and an injected clock and random
  /// source (either may be null); the router keeps them alive as long as it needs them.</summary>
  public static Router Create(RouterOptions options = null, Clock clock = null, RandomSource random = null) {
    return new Router(Open(n => n.OpenNative(options ?? new RouterOptions(), clock, random), clock, random));
  }

  /// <summary>A router that shares breaker state and rate limits with a fleet through Redis
  /// (docs/fleet.md): `sharedState` gives the URL, key prefix and timings.</summary>
  public static Router Create(RouterOptions options, SharedStateOptions sharedState, Clock clock = null, RandomSource random = null) {
    return new Router(Open(n => {
      if (sharedState != null) n.UseSharedState(sharedState);
      n.OpenNative(options ?? new RouterOptions(), clock, random);
    }, clock, random));
  }

  public Router(RouterOptions options) : this(options, null, null) {}

  public Router(RouterOptions options, Clock clock, RandomSource random)
      : this(Open(n => n.OpenNative(options ?? new RouterOptions(), clock, random), clock, random)) {}

  /// <summary>A router built from a JSON configuration (docs/configuration.md), router_settings
  /// included. `baseOptions` (may be null) supplies what the configuration leaves out. Throws
  /// LlmRouteException with Status.CONFIG naming the offending JSON path.</summary>
  public static Router FromConfig(string json, RouterOptions baseOptions = null, Clock clock = null, RandomSource random = null) {
    if (json == null) throw new ArgumentNullException("json");
    return new Router(Open(n => n.OpenFromConfig(json, baseOptions ?? new RouterOptions(), clock, random), clock, random));
  }

  /// <summary>Like FromConfig, reading the file at `path`.</summary>
  public static Router FromConfigFile(string path, RouterOptions baseOptions = null, Clock clock = null, RandomSource random = null) {
    if (path == null) throw new ArgumentNullException("path");
    return new Router(Open(n => n.OpenFromConfigFile(path, baseOptions ?? new RouterOptions(), clock, random), clock, random));
  }

  /// <summary>Checks a configuration without creating anything (llmr_config_validate).</summary>
  /// <summary>Whether the loaded library was built with the optional feature <paramref name="name"/>
  /// (llmr_feature_enabled; "redis": fleet shared state). LlmRouteException for an unknown name.</summary>
  public static bool FeatureEnabled(string name) {
    if (name == null) throw new ArgumentNullException(nameof(name));
    int v = Native.FeatureEnabled(name);
    if (v < 0) throw new LlmRouteException((int)Status.INVALID_ARGUMENT, "unknown feature '" + name + "'");
    return v == 1;
  }

  public static void ValidateConfig(string json) {
    if (json == null) throw new ArgumentNullException("json");
    Native.ValidateConfig(json);
  }

  /// <summary>Releases the native router once no call is using it (at once when none is).
  /// Idempotent; safe from any thread, also from inside an adapter or a listener.</summary>
  public void Dispose() {
    disposed = true;
    handle.Dispose();
  }

  /// <summary>Same as Dispose.</summary>
  public void Close() { Dispose(); }

  /// <summary>True once Dispose was called.</summary>
  public bool IsDisposed { get { return disposed; } }

  // Set before the handle is disposed. The flag is checked after taking the reference: Mono's
  // SafeHandle keeps granting references after Dispose while others are outstanding, so a
  // router under constant load would otherwise never be released.
  volatile bool disposed;

  // Every native call holds a reference on the handle (the release waits for the last one);
  // after Dispose the call fails with ObjectDisposedException instead.
  NativeRouter Enter(ref bool added) {
    handle.DangerousAddRef(ref added);
    if (disposed) {
      handle.DangerousRelease();
      added = false;
      throw new ObjectDisposedException("Router", "the router is disposed");
    }
    return handle.Native;
  }

  void Run(Action<NativeRouter> f) {
    bool added = false;
    try {
      f(Enter(ref added));
    } finally {
      if (added) handle.DangerousRelease();
    }
  }

  T Get<T>(Func<NativeRouter, T> f) {
    bool added = false;
    try {
      return f(Enter(ref added));
    } finally {
      if (added) handle.DangerousRelease();
    }
  }

  static StringVector Strings(IEnumerable<string> values) {
    var v = new StringVector();
    if (values == null) return v;
    foreach (var s in values) {
      if (s == null) throw new ArgumentNullException("values", "a list element is null");
      v.Add(s);
    }
    return v;
  }

  // --------------------------------------------------------------------------------------------
  // Deployments, aliases, fallbacks, overrides.

  public void AddDeployment(Deployment deployment) {
    if (deployment == null) throw new ArgumentNullException("deployment");
    Run(n => n.AddDeployment(deployment));
  }

  public void UpdateDeployment(Deployment deployment) {
    if (deployment == null) throw new ArgumentNullException("deployment");
    Run(n => n.UpdateDeployment(deployment));
  }

  public void RemoveDeployment(string name) { Run(n => n.RemoveDeployment(name)); }
  public void SetAlias(string alias, string model) { Run(n => n.SetAlias(alias, model)); }
  public void RemoveAlias(string alias) { Run(n => n.RemoveAlias(alias)); }

  /// <summary>The general fallback chain of `model`; empty clears it.</summary>
  public void SetFallbacks(string model, IEnumerable<string> fallbackModels) {
    var v = Strings(fallbackModels);
    Run(n => n.SetFallbacks(model, v));
  }

  /// <summary>One of the fallback chains of `model` (general, context window, content policy).</summary>
  public void SetFallbacks(string model, FallbackKind kind, IEnumerable<string> fallbackModels) {
    var v = Strings(fallbackModels);
    Run(n => n.SetFallbacksFor(model, kind, v));
  }

  public void SetModelStrategy(string model, Strategy strategy) { Run(n => n.SetModelStrategy(model, strategy)); }
  public void SetOverride(string deployment, OverrideMode mode) { Run(n => n.SetOverride(deployment, mode)); }

  // --------------------------------------------------------------------------------------------
  // Pick and report (no delegate on these paths).

  /// <summary>Picks a deployment for model; throws LlmRouteException (RetryAfterMs set on NoProvider).</summary>
  public PickResult Pick(string model) {
    var p = new PickResult();
    Pick(model, null, p);
    return p;
  }

  /// <summary>Picks into a reusable PickResult.</summary>
  public void Pick(string model, PickResult output) { Pick(model, null, output); }

  /// <summary>Picks with per-pick options (exclude, affinity key, required tags, expected tokens, max price).</summary>
  public PickResult Pick(string model, PickOptions options) {
    var p = new PickResult();
    Pick(model, options, p);
    return p;
  }

  public void Pick(string model, PickOptions options, PickResult output) {
    if (output == null) throw new ArgumentNullException("output");
    bool added = false;
    try {
      var n = Enter(ref added);
      if (options == null) n.PickNative(model, output);
      else n.PickWith(model, options, output);
    } catch (LlmRouteException e) {
      e.RetryAfterMs = output.RetryAfterMs;
      throw;
    } finally {
      if (added) handle.DangerousRelease();
    }
  }

  /// <summary>Reports how the call behind `ticket` went (latency in ms, negative when unknown).</summary>
  public void Report(long ticket, Outcome outcome, double latencyMs) {
    bool added = false;
    try {
      Enter(ref added).Report(ticket, outcome, latencyMs);
    } finally {
      if (added) handle.DangerousRelease();
    }
  }

  /// <summary>Reports with time to first token (negative: unknown), the provider's Retry-After
  /// (RATE_LIMITED; 0: none) and token usage.</summary>
  public void Report(long ticket, Outcome outcome, double latencyMs, double ttftMs, long retryAfterMs,
                     long inputTokens, long outputTokens) {
    bool added = false;
    try {
      Enter(ref added).ReportFull(ticket, outcome, latencyMs, ttftMs, retryAfterMs, inputTokens, outputTokens);
    } finally {
      if (added) handle.DangerousRelease();
    }
  }

  /// <summary>Reports with the provider's announced quota as well (x-ratelimit-remaining-requests
  /// / -tokens and x-ratelimit-reset-requests / -tokens; anthropic-ratelimit-*): remaining requests
  /// and tokens (-1: not announced) and the milliseconds from now until each resets (0: not
  /// announced). The router does not pick the deployment while the remaining counts cannot take a
  /// request, spreads load by the remaining headroom, and takes a RATE_LIMITED report whose reset
  /// lies beyond the router's quota horizon as a quota exhaustion (no pick until the reset, an
  /// EventKind.QUOTA_EXHAUSTED event). Out-of-range values throw LlmRouteException with
  /// LLMR_ERR_INVALID_ARGUMENT and a message naming the field.</summary>
  public void ReportQuota(long ticket, Outcome outcome, double latencyMs, double ttftMs, long retryAfterMs,
                          long inputTokens, long outputTokens, long remainingRequests, long remainingTokens,
                          long requestsResetMs, long tokensResetMs) {
    bool added = false;
    try {
      Enter(ref added).ReportQuota(ticket, outcome, latencyMs, ttftMs, retryAfterMs, inputTokens, outputTokens,
                                   remainingRequests, remainingTokens, requestsResetMs, tokensResetMs);
    } finally {
      if (added) handle.DangerousRelease();
    }
  }

  /// <summary>Stores what a deployment's inference engine reports, for Strategy.ENGINE_AWARE
  /// (llmr_router_report_load): requests waiting and running (&gt;= 0), KV-cache utilisation 0..1,
  /// and when they were read on the router's clock in ns (0 = now). A bad value throws
  /// LlmRouteException (INVALID_ARGUMENT naming the field, NOT_FOUND for an unknown deployment)
  /// and stores nothing.</summary>
  public void ReportLoad(string deployment, long waiting, long running, double kvCacheUtilization,
                         long readAtNanos = 0) {
    if (deployment == null) throw new ArgumentNullException("deployment");
    Run(n => n.ReportLoad(deployment, waiting, running, kvCacheUtilization, readAtNanos));
  }

  /// <summary>LLMR_PREFIX_HASHES_MAX: the most prefix hashes one pick may carry.</summary>
  public const int PrefixHashesMax = 256;

  /// <summary>The prefix block hashes of <paramref name="text"/> (its UTF-8 bytes) for
  /// PickOptions.AddPrefixHash (llmr_prefix_hashes): blocks of blockBytes bytes (whole blocks
  /// only), hash i chained over blocks 0..i with FNV-1a 64, the same values in every binding
  /// (docs/engines.md); at most cap. The longs carry the unsigned hashes' bits.</summary>
  public static long[] PrefixHashes(string text, uint blockBytes, int cap = PrefixHashesMax) {
    if (text == null) throw new ArgumentNullException("text");
    if (cap < 0) throw new ArgumentOutOfRangeException("cap");
    using (var output = new Int64Vector()) {
      Native.PrefixHashes(text, blockBytes, cap, output);
      var hashes = new long[output.Count];
      for (int i = 0; i < hashes.Length; i++) hashes[i] = output[i];
      return hashes;
    }
  }

  /// <summary>Gives a ticket back without an outcome.</summary>
  public void Cancel(long ticket) {
    bool added = false;
    try {
      Enter(ref added).Cancel(ticket);
    } finally {
      if (added) handle.DangerousRelease();
    }
  }

  /// <summary>The eligible candidates for model in preference order, then its fallback chain's.</summary>
  public IReadOnlyList<Candidate> Fallbacks(string model, params string[] exclude) {
    var v = new CandidateVector();
    var ex = Strings(exclude);
    Run(n => n.Fallbacks(model, ex, v));
    return v.ToList().AsReadOnly();
  }

  /// <summary>A dry-run pick (llmr_router_explain): every deployment serving the model with its
  /// tier, breaker state, cooldown, limits, strategy score and rank, whether it was filtered and
  /// why, and the one a pick with these options (may be null) would choose. Picks, admits and counts
  /// nothing, and never blocks picks. LlmRouteException UNKNOWN_MODEL when no deployment serves
  /// the model; nothing eligible is no error (Status says what a pick would return). Json holds the
  /// same account as JSON.</summary>
  public Explanation Explain(string model, PickOptions options = null) {
    var e = new Explanation();
    var o = options ?? new PickOptions();
    Run(n => n.Explain(model, o, e));
    return e;
  }

  /// <summary>A real pick, as Pick(model, options) (options may be null), that also explains
  /// itself (llmr_pick_options.trace) into <paramref name="trace"/>: every candidate as the pick
  /// saw it just before it picked, and as Picked the deployment this pick took (Approximate is
  /// false: it is what happened). When the pick throws NoProvider or RateLimited, trace says why;
  /// on other errors it is left empty. Costs what an Explain costs: for sampled requests and
  /// debugging; the other picks never do this work.</summary>
  public PickResult PickTraced(string model, PickOptions options, Explanation trace) {
    if (trace == null) throw new ArgumentNullException("trace");
    var p = new PickResult();
    var o = options ?? new PickOptions();
    bool added = false;
    try {
      Enter(ref added).PickTraced(model, o, p, trace);
    } catch (LlmRouteException e) {
      e.RetryAfterMs = p.RetryAfterMs;
      throw;
    } finally {
      if (added) handle.DangerousRelease();
    }
    return p;
  }

  /// <summary>Health of one deployment.</summary>
  public Health GetHealth(string deployment) {
    var h = new Health();
    Run(n => n.HealthOf(deployment, h));
    return h;
  }

  /// <summary>Health of every deployment, in the order they were added (a snapshot).</summary>
  public IReadOnlyList<Health> HealthList {
    get {
      var v = new HealthVector();
      Run(n => n.HealthList(v));
      return v.ToList().AsReadOnly();
    }
  }

  // --------------------------------------------------------------------------------------------
  // Configuration, statistics, fleet state.

  public void ApplyConfig(string json) { Run(n => n.ApplyConfig(json)); }
  public void ApplyConfigFile(string path) { Run(n => n.ApplyConfigFile(path)); }

  /// <summary>The router's statistics in the Prometheus text format (MetricsContentType).</summary>
  public string MetricsText() {
    using (var b = new TextBuffer()) {
      Run(n => n.MetricsText(b));
      return b.Text;
    }
  }

  /// <summary>A statistics snapshot: every deployment and model, configuration counts, metrics text.</summary>
  public RouterStats Stats {
    get {
      var s = new RouterStats();
      Run(n => n.Stats(s));
      return s;
    }
  }

  /// <summary>The fleet shared-state status (Enabled false without a shared state URL).</summary>
  public SharedStateStatus SharedStateStatus {
    get {
      var s = new SharedStateStatus();
      Run(n => n.SharedState(s));
      return s;
    }
  }

  // --------------------------------------------------------------------------------------------
  // Adapters, events, execution.

  /// <summary>Attaches an adapter (null detaches). The router keeps it alive until it releases it.</summary>
  public void SetAdapter(string deployment, Adapter adapter) {
    if (adapter == null) { Run(n => n.SetNativeAdapter(deployment, null)); return; }
    adapter.Pin();
    try {
      Run(n => n.SetNativeAdapter(deployment, adapter));
    } catch {
      adapter.Unpin();
      throw;
    }
  }

  /// <summary>Attaches a delegate as the adapter: `invoke` performs one attempt (send
  /// args.Request to args.Deployment, fill result); `onReleased` (may be null) runs once when the
  /// router lets go of it.</summary>
  public void SetAdapter(string deployment, Action<InvokeArgs, AttemptResult> invoke, Action onReleased = null) {
    if (invoke == null) throw new ArgumentNullException("invoke");
    SetAdapter(deployment, Adapter.FromDelegate(invoke, onReleased));
  }

  /// <summary>Registers the listener (null removes it), replacing the previous one. It runs on
  /// the thread whose call caused the event, or on the router's shared-state thread (one .NET did
  /// not start); an exception it throws is dropped.</summary>
  public void SetEventListener(Action<Event> listener, Action onReleased = null) {
    if (listener == null) { Run(n => n.SetEventListener(null)); return; }
    var bridge = new EventBridge(listener, onReleased);
    bridge.Pin();
    try {
      Run(n => n.SetEventListener(bridge));
    } catch {
      bridge.Unpin();
      throw;
    }
  }

  /// <summary>Drives one request through the adapters on this thread. Throws LlmRouteException
  /// (its CallResult holds the call report; when an adapter threw, InnerException is that
  /// exception).</summary>
  public CallResult Call(string model, string request, CallOptions options = null) {
    var output = new CallResult();
    var failures = Adapter.BeginCall();
    bool added = false;
    try {
      Enter(ref added).CallNative(model, request, options ?? new CallOptions(), output);
    } catch (LlmRouteException e) {
      if (output.HasReport) e.CallResult = output;
      Exception inner = failures.Last;
      if (inner == null) throw;
      throw new LlmRouteException(e.Code, e.Message, inner) { CallResult = e.CallResult, RetryAfterMs = e.RetryAfterMs };
    } finally {
      if (added) handle.DangerousRelease();
      Adapter.EndCall(failures);
    }
    return output;
  }

  /// <summary>Call on a thread-pool thread; cancelling the token raises the call's llmr_cancel
  /// (the backoff ends, no further attempt starts, adapters see Status.CANCELLED from
  /// args.Check()) and the task ends with OperationCanceledException. The token takes the place
  /// of options.Cancel, which must then be null.</summary>
  public Task<CallResult> CallAsync(string model, string request, CallOptions options = null,
                                    CancellationToken cancellationToken = default(CancellationToken)) {
    if (!cancellationToken.CanBeCanceled) return Task.Run(() => Call(model, request, options));
    if (options != null && options.Cancel != null)
      throw new ArgumentException("options.Cancel and a CancellationToken cannot both be given", "options");
    cancellationToken.ThrowIfCancellationRequested();
    var opts = new CallOptions();
    if (options != null) {
      opts.DeadlineMs = options.DeadlineMs;
      opts.AttemptTimeoutMs = options.AttemptTimeoutMs;
      opts.MaxAttempts = options.MaxAttempts;
      opts.BackoffBaseMs = options.BackoffBaseMs;
      opts.BackoffMaxMs = options.BackoffMaxMs;
    }
    return Task.Run(() => {
      using (var cancel = new Cancellation())
      using (cancellationToken.Register(() => cancel.Trigger())) {
        opts.Cancel = cancel;
        try {
          return Call(model, request, opts);
        } catch (LlmRouteException e) when (e.Status == Status.CANCELLED && cancellationToken.IsCancellationRequested) {
          throw new OperationCanceledException("the call was cancelled", e, cancellationToken);
        } finally {
          opts.Cancel = null;
        }
      }
    }, cancellationToken);
  }

  /// <summary>For the test runner only (InternalsVisibleTo): the native-thread hooks.</summary>
  internal NativeRouter NativeForTests { get { return handle.Native; } }
  internal RouterHandle HandleForTests { get { return handle; } }
}

}
