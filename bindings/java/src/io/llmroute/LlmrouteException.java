package io.llmroute;

/** A failed llmroute call: the C status code and the library's detail message, read inside the
 * same native call that failed. A Router.call whose adapter threw has that exception as its
 * cause. */
public class LlmrouteException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int code;
  private long retryAfterMs;
  private transient CallResult callResult;

  /** Called from the JNI wrapper (llmroute.i): keep the signature. */
  public LlmrouteException(int code, String message) {
    super(message);
    this.code = code;
  }

  /** The C integer code (for example -5). */
  public int getCode() { return code; }

  /** The status, or null for a code this binding does not know (a newer library). */
  public Status getStatus() { return Status.fromCode(code); }

  /** For NO_PROVIDER and RATE_LIMITED: ms until capacity returns (-1: not by itself). */
  public long getRetryAfterMs() { return retryAfterMs; }

  void setRetryAfterMs(long ms) { this.retryAfterMs = ms; }

  /** The call report of a failed Router.call, or null. */
  public CallResult getCallResult() { return callResult; }

  void setCallResult(CallResult r) {
    this.callResult = r;
    this.retryAfterMs = r.getRetryAfterMs();
  }

  @Override
  public String toString() {
    Status s = getStatus();
    return "LlmrouteException[" + (s != null ? s : String.valueOf(code)) + "]: " + getMessage();
  }
}
