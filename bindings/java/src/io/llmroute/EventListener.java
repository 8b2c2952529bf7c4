package io.llmroute;

/**
 * Receives router events (Router.setEventListener). Runs on the thread whose call caused the
 * event (a report that trips a breaker, an applyConfig), or on the router's shared-state thread,
 * which Java did not start; possibly on several threads at once: keep it short. It may call the
 * router. An exception it throws is dropped (it never reaches native code).
 */
@FunctionalInterface
public interface EventListener {
  void onEvent(Event event);

  /** Called once when the router no longer needs this listener (replaced or router closed). */
  default void released() {}
}
