package io.llmroute;

/** A call on a router that was closed (from this thread or another). getStatus() is null: the
 * code (-1000) is the binding's, not a C llmr_status. */
public class RouterClosedException extends LlmrouteException {
  private static final long serialVersionUID = 1L;

  /** Called from the JNI wrapper (llmroute.i): keep the signature. */
  public RouterClosedException(int code, String message) {
    super(code, message);
  }
}
