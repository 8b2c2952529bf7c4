package io.llmroute;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The director object behind one Router.setAdapter: forwards to the Java Adapter, turns any
 * Throwable into an adapter-failure status, and stays strongly reachable (pinned in a static
 * set) from attachment until the router's release callback, so that the garbage collector can
 * never take it while native code holds it (research: a collected director proxy is a SIGSEGV). */
final class AdapterBridge extends NativeAdapter {
  private static final Set<AdapterBridge> PINNED = ConcurrentHashMap.newKeySet();
  private final Adapter adapter;

  AdapterBridge(Adapter adapter) {
    super();
    this.adapter = adapter;
  }

  void pin() { PINNED.add(this); }

  void unpin() { PINNED.remove(this); }

  /** Attachments the router still holds (for tests). */
  static int pinnedCount() { return PINNED.size(); }

  @Override
  public int doInvoke(InvokeArgs args, AttemptResult result) {
    try {
      adapter.invoke(args, result);
      return Status.OK.code();
    } catch (Throwable t) {
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
