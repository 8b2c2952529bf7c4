package io.llmroute;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The director behind one Router.setEventListener: copies the event, calls the Java listener,
 * swallows what it throws, and stays pinned (strongly reachable) until the router releases it. */
final class EventBridge extends NativeEventListener {
  private static final Set<EventBridge> PINNED = ConcurrentHashMap.newKeySet();
  private final EventListener listener;

  EventBridge(EventListener listener) {
    super();
    this.listener = listener;
  }

  void pin() { PINNED.add(this); }

  void unpin() { PINNED.remove(this); }

  /** Listeners the routers still hold (for tests). */
  static int pinnedCount() { return PINNED.size(); }

  @Override
  public void onEvent(NativeEvent event) {
    try {
      listener.onEvent(new Event(event));
    } catch (Throwable t) {
      // nothing may propagate into the router
    }
  }

  @Override
  public void released() {
    try {
      listener.released();
    } catch (Throwable t) {
      // nothing may propagate into the router
    } finally {
      unpin();
    }
  }
}
