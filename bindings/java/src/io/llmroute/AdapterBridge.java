package io.llmroute;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The director object behind one Router.setAdapter: forwards to the Java Adapter, turns any
 * Throwable into an adapter-failure status (remembering it for the call's final error), and stays
 * strongly reachable (pinned in a static set) from attachment until the router's release
 * callback, so that the garbage collector can never take it while native code holds it (a
 * collected director proxy is a SIGSEGV). */
final class AdapterBridge extends NativeAdapter {
  private static final Set<AdapterBridge> PINNED = ConcurrentHashMap.newKeySet();
  /** The Router.call running on this thread (adapters run on the caller's thread). */
  private static final ThreadLocal<Failures> CURRENT_CALL = new ThreadLocal<>();
  private final Adapter adapter;

  AdapterBridge(Adapter adapter) {
    super();
    this.adapter = adapter;
  }

  void pin() { PINNED.add(this); }

  void unpin() { PINNED.remove(this); }

  /** Attachments the router still holds (for tests). */
  static int pinnedCount() { return PINNED.size(); }

  /** What the adapters of one Router.call threw, in order. */
  static final class Failures {
    final Failures outer; // a call made from inside an adapter restores the outer one
    final List<Throwable> thrown = new ArrayList<>(1);

    Failures(Failures outer) { this.outer = outer; }

    /** The last exception becomes the cause; earlier ones are suppressed on it. */
    void attachTo(LlmrouteException e) {
      if (thrown.isEmpty() || e.getCause() != null) return;
      e.initCause(thrown.get(thrown.size() - 1));
      for (int i = 0; i < thrown.size() - 1; i++) e.addSuppressed(thrown.get(i));
    }
  }

  static Failures beginCall() {
    Failures f = new Failures(CURRENT_CALL.get());
    CURRENT_CALL.set(f);
    return f;
  }

  static void endCall(Failures f) {
    if (f.outer == null) CURRENT_CALL.remove();
    else CURRENT_CALL.set(f.outer);
  }

  @Override
  public int doInvoke(InvokeArgs args, AttemptResult result) {
    try {
      adapter.invoke(args, result);
      return Status.OK.code();
    } catch (Throwable t) {
      Failures f = CURRENT_CALL.get();
      if (f != null) f.thrown.add(t);
      return Status.INTERNAL.code();
    }
  }

  @Override
  public void released() {
    try {
      adapter.released();
    } catch (Throwable t) {
      // nothing may propagate into the router
    } finally {
      unpin();
    }
  }
}
