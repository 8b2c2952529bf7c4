package io.llmroute;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A router: deployments, their health and the routing state (llmr_router). Thread-safe: every
 * method may be called from any number of threads at once, including {@link #close()}, which
 * lets calls already inside the library finish and makes later ones throw a
 * {@link LlmrouteException}. A router that is dropped without close() is released by a
 * {@link java.lang.ref.Cleaner} once it is unreachable (see NativeLifetime).
 */
public final class Router implements AutoCloseable {
  static {
    NativeLoader.load();
  }

  /** Prometheus text exposition content type for {@link #metricsText()}. */
  public static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final NativeRouter nativeRouter;
  private final NativeLifetime.Handle lifetime;

  private Router(NativeRouter nativeRouter, Clock clock, RandomSource random) {
    this.nativeRouter = nativeRouter;
    this.lifetime = NativeLifetime.register(this, nativeRouter, clock, random);
  }

  /** How one factory opens the native router (create, fromConfig, fromConfigFile). */
  private interface Opener {
    void open(NativeRouter n);
  }

  private static NativeRouter openNative(Opener opener) {
    NativeLifetime.beforeCreate();
    NativeRouter n = new NativeRouter();
    try {
      opener.open(n);
    } catch (RuntimeException e) {
      n.delete();
      throw e;
    }
    return n;
  }

  /** A router with the default options. */
  public static Router create() {
    return create(new RouterOptions(), null, null);
  }

  /** A router with these options. */
  public static Router create(RouterOptions options) {
    return create(options, null, null);
  }

  /**
   * A router with these options and an injected clock and random source (either may be null).
   * The router keeps them reachable for as long as it needs them.
   */
  public static Router create(RouterOptions options, Clock clock, RandomSource random) {
    return create(options, null, clock, random);
  }

  /**
   * A router that shares breaker state and rate limits with a fleet through Redis
   * (docs/fleet.md): {@code sharedState} (may be null) gives the URL, key prefix and timings.
   */
  public static Router create(RouterOptions options, SharedStateOptions sharedState, Clock clock,
      RandomSource random) {
    return new Router(openNative(n -> {
      if (sharedState != null) n.useSharedState(sharedState);
      n.openNative(options == null ? new RouterOptions() : options, clock, random);
    }), clock, random);
  }

  /** Same as {@link #create(RouterOptions)}. */
  public Router(RouterOptions options) {
    this(options, null, null);
  }

  /** Same as {@link #create(RouterOptions, Clock, RandomSource)}. */
  public Router(RouterOptions options, Clock clock, RandomSource random) {
    this(openNative(n -> n.openNative(options == null ? new RouterOptions() : options, clock, random)),
        clock, random);
  }

  /**
   * A router built from a JSON configuration (docs/configuration.md), router_settings included
   * (llmr_router_create_from_config). Throws LlmrouteException with status CONFIG, the message
   * naming the offending JSON path.
   */
  public static Router fromConfig(String json) {
    return fromConfig(json, null, null, null);
  }

  /**
   * Like {@link #fromConfig(String)}; {@code base} (may be null) supplies the settings the
   * configuration leaves out, and the clock and random source (either may be null).
   */
  public static Router fromConfig(String json, RouterOptions base, Clock clock, RandomSource random) {
    requireNonNull(json, "json");
    return new Router(openNative(n -> n.openFromConfig(json, base == null ? new RouterOptions() : base, clock, random)),
        clock, random);
  }

  /** Like {@link #fromConfig(String)}, reading the file at {@code path}. */
  public static Router fromConfigFile(String path) {
    return fromConfigFile(path, null, null, null);
  }

  /** Like {@link #fromConfig(String, RouterOptions, Clock, RandomSource)}, from a file. */
  public static Router fromConfigFile(String path, RouterOptions base, Clock clock, RandomSource random) {
    requireNonNull(path, "path");
    return new Router(openNative(n -> n.openFromConfigFile(path, base == null ? new RouterOptions() : base, clock, random)),
        clock, random);
  }

  /** Checks a configuration without creating anything (llmr_config_validate). */
  public static void validateConfig(String json) {
    requireNonNull(json, "json");
    Native.validateConfig(json);
  }

  /**
   * Destroys the native router and releases every adapter and the event listener. Idempotent;
   * safe from any thread while others use the router: calls in progress finish, later ones throw
   * LlmrouteException.
   */
  @Override
  public void close() {
    try {
      nativeRouter.close();
    } catch (LlmrouteException alreadyDeleted) {
      // the proxy was deleted underneath: closed already
    } finally {
      lifetime.closed();
      Reference.reachabilityFence(this);
    }
  }

  /** True until {@link #close()}. */
  public boolean isOpen() {
    try {
      return nativeRouter.isOpen();
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Deployments, aliases, fallbacks, overrides.

  public void addDeployment(Deployment deployment) {
    try {
      nativeRouter.addDeployment(requireNonNull(deployment, "deployment"));
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  public void updateDeployment(Deployment deployment) {
    try {
      nativeRouter.updateDeployment(requireNonNull(deployment, "deployment"));
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  public void removeDeployment(String name) {
    try {
      nativeRouter.removeDeployment(name);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  public void setAlias(String alias, String model) {
    try {
      nativeRouter.setAlias(alias, model);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  public void removeAlias(String alias) {
    try {
      nativeRouter.removeAlias(alias);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** The general fallback chain of {@code model}; an empty list clears it. */
  public void setFallbacks(String model, List<String> fallbackModels) {
    try {
      nativeRouter.setFallbacks(model, strings(fallbackModels));
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** One of the fallback chains of {@code model} (general, context window, content policy). */
  public void setFallbacks(String model, FallbackKind kind, List<String> fallbackModels) {
    try {
      nativeRouter.setFallbacksFor(model, requireNonNull(kind, "kind"), strings(fallbackModels));
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  public void setModelStrategy(String model, Strategy strategy) {
    try {
      nativeRouter.setModelStrategy(model, requireNonNull(strategy, "strategy"));
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  public void setOverride(String deployment, OverrideMode mode) {
    try {
      nativeRouter.setOverride(deployment, requireNonNull(mode, "mode"));
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Pick and report.

  /** Picks a deployment for model; throws LlmrouteException (with retryAfterMs on NO_PROVIDER). */
  public Pick pick(String model) {
    Pick p = new Pick();
    pick(model, p);
    return p;
  }

  /** Picks into a reusable Pick. */
  public void pick(String model, Pick out) {
    try {
      nativeRouter.pickNative(model, requireNonNull(out, "out"));
    } catch (LlmrouteException e) {
      e.setRetryAfterMs(out.getRetryAfterMs());
      throw e;
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** Picks with per-pick options (exclude, affinity key, required tags, expected tokens, max price). */
  public Pick pick(String model, PickOptions options) {
    Pick p = new Pick();
    pick(model, options, p);
    return p;
  }

  /** Like {@link #pick(String, PickOptions)}, into a reusable Pick. */
  public void pick(String model, PickOptions options, Pick out) {
    if (options == null) {
      pick(model, out);
      return;
    }
    try {
      nativeRouter.pickWith(model, options, requireNonNull(out, "out"));
    } catch (LlmrouteException e) {
      e.setRetryAfterMs(out.getRetryAfterMs());
      throw e;
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** Reports how the call behind {@code ticket} went (latency in ms; negative when unknown). */
  public void report(long ticket, Outcome outcome, double latencyMs) {
    try {
      nativeRouter.report(ticket, requireNonNull(outcome, "outcome"), latencyMs);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /**
   * Reports with every detail: time to first token (negative: unknown), the provider's
   * Retry-After for RATE_LIMITED (0: none), and token usage.
   */
  public void report(long ticket, Outcome outcome, double latencyMs, double ttftMs,
      long retryAfterMs, long inputTokens, long outputTokens) {
    try {
      nativeRouter.reportFull(ticket, requireNonNull(outcome, "outcome"), latencyMs, ttftMs,
          retryAfterMs, inputTokens, outputTokens);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /**
   * Reports with the provider's announced quota as well (x-ratelimit-remaining-requests /
   * -tokens and x-ratelimit-reset-requests / -tokens; anthropic-ratelimit-*): remaining requests
   * and tokens (-1: not announced) and the milliseconds from now until each resets (0: not
   * announced). The router does not pick the deployment while the remaining counts cannot take a
   * request, spreads load by the remaining headroom, and takes a RATE_LIMITED report whose reset
   * lies beyond the router's quota horizon as a quota exhaustion (no pick until the reset, an
   * {@code EventKind.QUOTA_EXHAUSTED} event). Out-of-range values throw with
   * {@code Status.LLMR_ERR_INVALID_ARGUMENT} and a message naming the field.
   */
  public void reportQuota(long ticket, Outcome outcome, double latencyMs, double ttftMs,
      long retryAfterMs, long inputTokens, long outputTokens, long remainingRequests,
      long remainingTokens, long requestsResetMs, long tokensResetMs) {
    try {
      nativeRouter.reportQuota(ticket, requireNonNull(outcome, "outcome"), latencyMs, ttftMs,
          retryAfterMs, inputTokens, outputTokens, remainingRequests, remainingTokens,
          requestsResetMs, tokensResetMs);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /**
   * Stores what a deployment's inference engine reports, for Strategy.ENGINE_AWARE
   * (llmr_router_report_load): requests waiting and running (>= 0), KV-cache utilisation 0..1,
   * and when they were read on the router's clock in ns (0 = now). A bad value throws
   * LlmrouteException (INVALID_ARGUMENT naming the field, NOT_FOUND for an unknown deployment)
   * and stores nothing.
   */
  public void reportLoad(String deployment, long waiting, long running, double kvCacheUtilization,
                         long readAtNanos) {
    requireNonNull(deployment, "deployment");
    try {
      nativeRouter.reportLoad(deployment, waiting, running, kvCacheUtilization, readAtNanos);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** reportLoad read now. */
  public void reportLoad(String deployment, long waiting, long running, double kvCacheUtilization) {
    reportLoad(deployment, waiting, running, kvCacheUtilization, 0);
  }

  /** LLMR_PREFIX_HASHES_MAX: the most prefix hashes one pick may carry. */
  public static final int PREFIX_HASHES_MAX = 256;

  /**
   * The prefix block hashes of {@code text} (its UTF-8 bytes) for PickOptions.prefixHashes
   * (llmr_prefix_hashes): blocks of {@code blockBytes} bytes (whole blocks only), hash i chained
   * over blocks 0..i with FNV-1a 64, the same values in every binding (docs/engines.md); at most
   * {@code cap}. The longs carry the unsigned hashes' bits. Throws LlmrouteException
   * (INVALID_ARGUMENT) for a block size of 0 or above 1 MiB.
   */
  public static long[] prefixHashes(String text, int blockBytes, int cap) {
    requireNonNull(text, "text");
    if (blockBytes < 0 || cap < 0) {
      throw new LlmrouteException(Status.INVALID_ARGUMENT.swigValue(),
                                  "blockBytes and cap must be >= 0");
    }
    Int64Vector out = new Int64Vector();
    try {
      Native.prefixHashes(text, blockBytes, cap, out);
      long[] hashes = new long[out.size()];
      for (int i = 0; i < hashes.length; i++) hashes[i] = out.get(i);
      return hashes;
    } finally {
      out.delete();
    }
  }

  /** Gives a ticket back without an outcome. */
  public void cancel(long ticket) {
    try {
      nativeRouter.cancel(ticket);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** The eligible candidates for model in preference order, then those of its fallback chain. */
  public List<Candidate> fallbacks(String model, List<String> exclude) {
    CandidateVector v = new CandidateVector();
    try {
      nativeRouter.fallbacks(model, strings(exclude), v);
    } finally {
      Reference.reachabilityFence(this);
    }
    return Collections.unmodifiableList(new ArrayList<>(v));
  }

  public List<Candidate> fallbacks(String model, String... exclude) {
    return fallbacks(model, Arrays.asList(exclude));
  }

  /**
   * A dry-run pick (llmr_router_explain): every deployment serving {@code model} with its tier,
   * breaker state, cooldown, limits, strategy score and rank, whether it was filtered and why, and
   * the one a pick with {@code options} (may be null) would choose. Picks, admits and counts
   * nothing, and never blocks picks. Throws LlmrouteException UNKNOWN_MODEL when no deployment
   * serves the model; nothing eligible is no error ({@code getStatus()} says what a pick would
   * return). {@code getJson()} holds the same account as JSON.
   */
  public Explanation explain(String model, PickOptions options) {
    Explanation e = new Explanation();
    try {
      nativeRouter.explain(model, options == null ? new PickOptions() : options, e);
    } finally {
      Reference.reachabilityFence(this);
    }
    return e;
  }

  /**
   * A real pick, as {@link #pick(String, PickOptions)} (options may be null), that also explains
   * itself (llmr_pick_options.trace) into {@code trace}: every candidate as the pick saw it just
   * before it picked, and as {@code getPicked()} the deployment this pick took ({@code
   * getApproximate()} is false: it is what happened). When the pick throws NO_PROVIDER or
   * RATE_LIMITED, {@code trace} says why; on other errors it is left empty. Costs what an explain
   * costs: for sampled requests and debugging; the other picks never do this work.
   */
  public Pick pickTraced(String model, PickOptions options, Explanation trace) {
    requireNonNull(trace, "trace");
    Pick p = new Pick();
    try {
      nativeRouter.pickTraced(model, options == null ? new PickOptions() : options, p, trace);
    } catch (LlmrouteException e) {
      e.setRetryAfterMs(p.getRetryAfterMs());
      throw e;
    } finally {
      Reference.reachabilityFence(this);
    }
    return p;
  }

  /** Health of one deployment. */
  public Health health(String deployment) {
    Health h = new Health();
    try {
      nativeRouter.healthOf(deployment, h);
    } finally {
      Reference.reachabilityFence(this);
    }
    return h;
  }

  /** Health of every deployment, in the order they were added. */
  public List<Health> healthList() {
    HealthVector v = new HealthVector();
    try {
      nativeRouter.healthList(v);
    } finally {
      Reference.reachabilityFence(this);
    }
    return Collections.unmodifiableList(new ArrayList<>(v));
  }

  // -------------------------------------------------------------------------------------------
  // Configuration, statistics, fleet state.

  /** Hot reload, all or nothing (llmr_router_apply_config). */
  public void applyConfig(String json) {
    try {
      nativeRouter.applyConfig(json);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  public void applyConfigFile(String path) {
    try {
      nativeRouter.applyConfigFile(path);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** The router's statistics in the Prometheus text format (serve as {@link #METRICS_CONTENT_TYPE}). */
  public String metricsText() {
    TextBuffer b = new TextBuffer();
    try {
      nativeRouter.metricsText(b);
      return b.getText();
    } finally {
      b.delete();
      Reference.reachabilityFence(this);
    }
  }

  /** A statistics snapshot: every deployment and model, configuration counts, metrics text. */
  public RouterStats stats() {
    RouterStats s = new RouterStats();
    try {
      nativeRouter.stats(s);
    } finally {
      Reference.reachabilityFence(this);
    }
    return s;
  }

  /** The fleet shared-state status (enabled false without a shared state URL). */
  public SharedStateStatus sharedStateStatus() {
    SharedStateStatus s = new SharedStateStatus();
    try {
      nativeRouter.sharedState(s);
    } finally {
      Reference.reachabilityFence(this);
    }
    return s;
  }

  // -------------------------------------------------------------------------------------------
  // Adapters, events, execution.

  /**
   * Attaches an adapter implemented in Java to a deployment (null detaches). The router keeps it
   * reachable until it no longer needs it (replaced, deployment removed, or router closed).
   */
  public void setAdapter(String deployment, Adapter adapter) {
    try {
      if (adapter == null) {
        nativeRouter.setNativeAdapter(deployment, null);
        return;
      }
      AdapterBridge bridge = new AdapterBridge(adapter);
      bridge.pin();
      try {
        nativeRouter.setNativeAdapter(deployment, bridge);
      } catch (RuntimeException e) {
        bridge.unpin();
        throw e;
      }
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /**
   * Registers the listener (null removes it), replacing the previous one. It runs on the thread
   * whose call caused the event, or on the router's shared-state thread; an exception it throws
   * is dropped.
   */
  public void setEventListener(EventListener listener) {
    try {
      if (listener == null) {
        nativeRouter.setEventListener(null);
        return;
      }
      EventBridge bridge = new EventBridge(listener);
      bridge.pin();
      try {
        nativeRouter.setEventListener(bridge);
      } catch (RuntimeException e) {
        bridge.unpin();
        throw e;
      }
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /**
   * Drives one request through the adapters (on this thread). Throws LlmrouteException on
   * failure: its getCallResult() holds the call report when there is one, and when an adapter
   * threw, its getCause() is that exception (the last attempt's; earlier ones are suppressed).
   */
  public CallResult call(String model, String request, CallOptions options) {
    CallResult out = new CallResult();
    AdapterBridge.Failures failures = AdapterBridge.beginCall();
    try {
      nativeRouter.callNative(model, request, options == null ? new CallOptions() : options, out);
    } catch (LlmrouteException e) {
      if (out.getHasReport()) e.setCallResult(out);
      failures.attachTo(e);
      throw e;
    } finally {
      AdapterBridge.endCall(failures);
      Reference.reachabilityFence(this);
    }
    return out;
  }

  public CallResult call(String model, String request) {
    return call(model, request, null);
  }

  /** For tests in this package only: the generated proxy (native-thread hooks). */
  NativeRouter nativeRouter() {
    return nativeRouter;
  }

  // -------------------------------------------------------------------------------------------

  private static StringVector strings(List<String> values) {
    if (values == null) return new StringVector();
    for (String v : values) requireNonNull(v, "list element");
    return new StringVector(values);
  }

  private static <T> T requireNonNull(T value, String what) {
    if (value == null) throw new LlmrouteException(Status.INVALID_ARGUMENT.code(), what + " is null");
    return value;
  }

  /**
   * Whether the loaded library was built with the optional feature {@code name}
   * (llmr_feature_enabled; "redis": fleet shared state).
   *
   * @throws LlmrouteException INVALID_ARGUMENT for a name the library does not know
   */
  public static boolean featureEnabled(String name) {
    java.util.Objects.requireNonNull(name, "name");
    int v = Native.featureEnabled(name);
    if (v < 0) {
      throw new LlmrouteException(Status.INVALID_ARGUMENT.code(), "unknown feature '" + name + "'");
    }
    return v == 1;
  }

  /** Version of the loaded library ("1.0.0"). */
  public static String libraryVersion() {
    return Native.libraryVersionString();
  }
}
