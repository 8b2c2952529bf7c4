package io.llmroute;

/** A failed llmroute call: the C status code and the library's detail message, read inside the
 * same native call that failed. */
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
  public int code() { return code; }

  /** The status, or null for a code this binding does not know (a newer library). */
  public Status status() { return Status.fromCode(code); }

  /** For NO_PROVIDER and RATE_LIMITED: ms until capacity returns (-1: not by itself). */
  public long retryAfterMs() { return retryAfterMs; }

  void setRetryAfterMs(long ms) { this.retryAfterMs = ms; }

  /** The call report of a failed Router.call, or null. */
  public CallResult callResult() { return callResult; }

  void setCallResult(CallResult r) {
    this.callResult = r;
    this.retryAfterMs = r.getRetryAfterMs();
  }

  @Override
  public String toString() {
    Status s = status();
    return "LlmrouteException[" + (s != null ? s : String.valueOf(code)) + "]: " + getMessage();
  }
}
