package io.llmroute;

/** A provider adapter written in Java: performs one attempt of a Router.call against a
 * deployment. Runs on the thread that called Router.call, possibly concurrently for different
 * calls. An exception thrown here never crosses into native code: it marks the attempt as a
 * failure of the adapter (the router records a connection error and may fail over). The
 * arguments are valid only during the call. */
public interface Adapter {
  void invoke(InvokeArgs args, AttemptResult result) throws Exception;

  /** Called once when the router no longer needs this attachment (replaced, deployment
   * removed, router closed). */
  default void released() {}
}
