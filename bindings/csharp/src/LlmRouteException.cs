namespace LlmRoute {

/// <summary>A failed llmroute call: the C status code and the library's detail message, read
/// inside the same native call that failed. A Router.Call whose adapter threw has that exception
/// as InnerException.</summary>
public class LlmRouteException : global::System.Exception {
  /// <summary>Called from the P/Invoke wrapper (llmroute.i): keep the signature.</summary>
  public LlmRouteException(int code, string message) : base(message) {
    Code = code;
  }

  public LlmRouteException(int code, string message, global::System.Exception inner) : base(message, inner) {
    Code = code;
  }

  /// <summary>The C integer code (for example -5).</summary>
  public int Code { get; private set; }

  /// <summary>The status (a code this binding does not know keeps its number).</summary>
  public Status Status { get { return (Status)Code; } }

  /// <summary>For NO_PROVIDER and RATE_LIMITED: ms until capacity returns (-1: not by itself).</summary>
  public long RetryAfterMs { get; internal set; }

  /// <summary>The call report of a failed Router.Call, or null.</summary>
  public CallResult CallResult { get; internal set; }

  public override string ToString() {
    return "LlmRouteException[" + Status + "]: " + Message + (InnerException != null ? " ---> " + InnerException : "");
  }
}

}
