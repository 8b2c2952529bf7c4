/* llmroute.i: one SWIG interface for the Go, Java and C# bindings.
 *
 * SWIG wraps the C++ shim in llmroute_swig.hpp (RAII classes, value classes, director base
 * classes), not the raw C functions: a C callback table with void *user_data cannot be subclassed
 * in a host language, a C++ virtual class can. SWIG sees the C header's enums through
 * llmroute_enums.i, which regenerate.sh derives from llmroute.h (SWIG must see llmr_status, or a
 * by-value enum return becomes a leaked heap box).
 *
 * Errors: every fallible shim method returns llmroute::swig::Status {code, message}, where the
 * message was read with llmr_error_message() inside the same native call. The typemaps below turn
 * it, still inside that call, into
 *   Java: a thrown io.llmroute.LlmrouteException(code, message)  (method returns void)
 *   C#:   a pending LlmRoute.LlmRouteException(code, message), thrown on return from P/Invoke
 *   Go:   an `error` result (nil on success; the status travels as a Go string, no allocation
 *         on success), converted by the idiomatic layer into *llmroute.Error.
 *
 * Regenerate everything with bindings/swig/regenerate.sh (generated code is committed).
 */

#if defined(SWIGJAVA) || defined(SWIGCSHARP)
%module(directors="1") Native
#else
%module llmroute
#endif

%{
#if defined(SWIGGO) && !defined(LLMROUTE_SWIG_GO)
#define LLMROUTE_SWIG_GO 1
#endif
#include "llmroute_swig.hpp"
%}

#if defined(SWIGJAVA)
%include <enums.swg> /* proper Java enums */
#endif
%include <stdint.i>
%include <std_string.i>
%include <std_vector.i>

/* ---------------------------------------------------------------------------------------- */
/* What to hide: every raw C entry point and struct (the shim replaces them).                */

%rename("$ignore", regextarget=1, %$isfunction) "^llmr_";
%rename("$ignore", regextarget=1, %$isclass) "^llmr_";
%ignore LLMR_API;
%ignore LLMR_NAME_MAX;
%ignore LLMR_LIST_MAX;
%ignore llmroute::swig::MakeStatus;
%ignore llmroute::swig::Status;
%ignore llmroute::swig::Cancellation::handle;
%ignore llmroute::swig::RawPick;
%nodefaultctor llmroute::swig::InvokeArgs;
%nodefaultctor llmroute::swig::AttemptResult;
%ignore llmroute::swig::Deployment::models;
%ignore llmroute::swig::Deployment::tags;
%ignore llmroute::swig::PickOptions::exclude;
%ignore llmroute::swig::PickOptions::required_tags;

#if !defined(SWIGGO)
/* Go-only fast paths. */
%ignore llmroute::swig::Router::PickRaw;
#endif

/* uint64 would be a BigInteger in Java; tickets and random bits travel as signed 64-bit. */

/* ---------------------------------------------------------------------------------------- */
/* Names.                                                                                     */

#if defined(SWIGJAVA) || defined(SWIGCSHARP)
/* Enum names: see enums_from_header.py (Status, Outcome, ... with LLMR_*_ prefixes dropped). */
%rename(NativeAdapter) llmroute::swig::Adapter;
%rename(RandomSource) llmroute::swig::Random;
#endif

#if defined(SWIGJAVA)
%rename("%(lowercamelcase)s", %$isfunction) "";
%rename("%(lowercamelcase)s", %$isvariable) "";
#endif
#if defined(SWIGCSHARP)
%rename("%(camelcase)s", %$isvariable) "";
#endif

/* ---------------------------------------------------------------------------------------- */
/* Status -> error, per language.                                                             */

#if defined(SWIGJAVA)
%{
static void llmroute_java_throw(JNIEnv *jenv, int code, const std::string &message) {
  if (jenv->ExceptionCheck()) return;
  jclass cls = jenv->FindClass("io/llmroute/LlmrouteException");
  if (cls == nullptr) return; /* NoClassDefFoundError is pending */
  jmethodID ctor = jenv->GetMethodID(cls, "<init>", "(ILjava/lang/String;)V");
  if (ctor != nullptr) {
    jstring jmsg = jenv->NewStringUTF(message.c_str());
    jobject ex = jenv->NewObject(cls, ctor, (jint)code, jmsg);
    if (ex != nullptr) jenv->Throw((jthrowable)ex);
    jenv->DeleteLocalRef(jmsg);
    if (ex != nullptr) jenv->DeleteLocalRef(ex);
  }
  jenv->DeleteLocalRef(cls);
}
%}
%typemap(jni) llmroute::swig::Status "void"
%typemap(jtype) llmroute::swig::Status "void"
%typemap(jstype) llmroute::swig::Status "void"
/* A closed router's kStatusClosed reaches Java as INVALID_ARGUMENT ("router is closed"), the
 * status the Java layer has always seen for it; ClosedStatusCode() exposes the shim code
 * for a layer that maps it to IllegalStateException instead. */
%typemap(out) llmroute::swig::Status %{
  if ($1.code != 0) {
    llmroute_java_throw(jenv, $1.code == llmroute::swig::kStatusClosed ? (int)LLMR_ERR_INVALID_ARGUMENT : $1.code, $1.message);
    return $null;
  }
%}
%typemap(javaout) llmroute::swig::Status { $jnicall; }
/* A closed (deleted) proxy must fail, not crash. */
%typemap(check) llmroute::swig::Router *self %{
  if (!$1) { SWIG_JavaThrowException(jenv, SWIG_JavaNullPointerException, "router is deleted"); return $null; }
%}

/* Directors: keep the Java objects reachable (see AdapterBridge.java and Router below). */
%typemap(javainterfaces) llmroute::swig::Router "AutoCloseable"
%rename(setNativeAdapter) llmroute::swig::Router::SetAdapter;
%rename(openNative) llmroute::swig::Router::Open;
%rename(callNative) llmroute::swig::Router::Call;
%rename(pickNative) llmroute::swig::Router::PickInto;
%javamethodmodifiers llmroute::swig::Router::SetAdapter "private";
%javamethodmodifiers llmroute::swig::Router::Open "private";
%javamethodmodifiers llmroute::swig::Router::Router "private";
%typemap(javacode) llmroute::swig::Router %{
  static { NativeLoader.load(); }
  private Clock clockRef;
  private RandomSource randomRef;

  /** A router with the default options. */
  public static Router create() { return new Router(new RouterOptions(), null, null); }

  /** A router with these options. */
  public Router(RouterOptions options) { this(options, null, null); }

  /** A router with these options and an injected clock and random source (either may be null).
   * The router keeps them reachable until it is closed. */
  public Router(RouterOptions options, Clock clock, RandomSource random) {
    this();
    this.clockRef = clock;
    this.randomRef = random;
    openNative(options, clock, random);
  }

  /** Picks a deployment for model; throws LlmrouteException (with retryAfterMs on NO_PROVIDER). */
  public Pick pick(String model) {
    Pick p = new Pick();
    pick(model, p);
    return p;
  }

  /** Picks into a reusable Pick. */
  public void pick(String model, Pick out) {
    try {
      pickNative(model, out);
    } catch (LlmrouteException e) {
      e.setRetryAfterMs(out.getRetryAfterMs());
      throw e;
    }
  }

  /** Attaches an adapter implemented in Java to a deployment (null detaches). The router keeps it
   * reachable until it no longer needs it (replaced, deployment removed, or router closed). */
  public void setAdapter(String deployment, Adapter adapter) {
    if (adapter == null) {
      setNativeAdapter(deployment, null);
      return;
    }
    AdapterBridge bridge = new AdapterBridge(adapter);
    bridge.pin();
    try {
      setNativeAdapter(deployment, bridge);
    } catch (RuntimeException e) {
      bridge.unpin();
      throw e;
    }
  }

  /** Drives one request through the adapters. Throws LlmrouteException on failure; its
   * getCallResult() holds the call report when there is one. */
  public CallResult call(String model, String request, CallOptions options) {
    CallResult out = new CallResult();
    try {
      callNative(model, request, options == null ? new CallOptions() : options, out);
    } catch (LlmrouteException e) {
      if (out.getHasReport()) e.setCallResult(out);
      throw e;
    }
    return out;
  }

  public CallResult call(String model, String request) { return call(model, request, null); }
%}
%pragma(java) jniclasscode=%{
  static { NativeLoader.load(); }
%}
%typemap(javacode) llmr_status %{
  /** The C integer code (LLMR_ERR_NO_PROVIDER is -5). */
  public int code() { return swigValue; }
  /** The status with this C code, or null for a code this binding does not know. */
  public static Status fromCode(int code) {
    for (Status s : values()) if (s.swigValue == code) return s;
    return null;
  }
%}
#endif /* SWIGJAVA */

#if defined(SWIGCSHARP)
%insert(runtime) %{
typedef void (SWIGSTDCALL *LlmRouteExceptionCallback_t)(int, const char *);
static LlmRouteExceptionCallback_t llmroute_csharp_exception_callback = 0;
extern "C" SWIGEXPORT void SWIGSTDCALL LlmRouteRegisterExceptionCallback(LlmRouteExceptionCallback_t cb) {
  llmroute_csharp_exception_callback = cb;
}
static void llmroute_csharp_set_pending(int code, const char *message) {
  if (llmroute_csharp_exception_callback) llmroute_csharp_exception_callback(code, message);
}
%}
%pragma(csharp) imclasscode=%{
  class LlmRouteExceptionHelper {
    public delegate void ExceptionDelegate(int code, string message);
    static ExceptionDelegate callback = new ExceptionDelegate(SetPending);

    [global::System.Runtime.InteropServices.DllImport("$dllimport", EntryPoint="LlmRouteRegisterExceptionCallback")]
    public static extern void LlmRouteRegisterExceptionCallback(ExceptionDelegate cb);

    static void SetPending(int code, string message) {
      SWIGPendingException.Set(new LlmRouteException(code, message));
    }

    static LlmRouteExceptionHelper() {
      LlmRouteRegisterExceptionCallback(callback);
    }
  }
  static LlmRouteExceptionHelper exceptionHelper = new LlmRouteExceptionHelper();
%}
%typemap(ctype) llmroute::swig::Status "void"
%typemap(imtype) llmroute::swig::Status "void"
%typemap(cstype) llmroute::swig::Status "void"
/* As in Java, kStatusClosed reaches C# as INVALID_ARGUMENT ("router is closed"). */
%typemap(out, null="", canthrow=1) llmroute::swig::Status %{
  if ($1.code != 0) {
    llmroute_csharp_set_pending($1.code == llmroute::swig::kStatusClosed ? (int)LLMR_ERR_INVALID_ARGUMENT : $1.code, $1.message.c_str());
    return $null;
  }
%}
%typemap(csout, excode=SWIGEXCODE) llmroute::swig::Status {
    $imcall;$excode
  }
%typemap(check, canthrow=1) llmroute::swig::Router *self %{
  if (!$1) { SWIG_CSharpSetPendingExceptionArgument(SWIG_CSharpArgumentNullException, "router is disposed", "self"); return $null; }
%}

/* A class named like the method Router.Pick would shadow it inside Router. */
%rename(PickResult) llmroute::swig::Pick;
%rename(SetNativeAdapter) llmroute::swig::Router::SetAdapter;
%rename(OpenNative) llmroute::swig::Router::Open;
%rename(CallNative) llmroute::swig::Router::Call;
%rename(PickNative) llmroute::swig::Router::PickInto;
%csmethodmodifiers llmroute::swig::Router::SetAdapter "private";
%csmethodmodifiers llmroute::swig::Router::Open "private";
%csmethodmodifiers llmroute::swig::Router::Router "private";
%csmethodmodifiers llmroute::swig::Adapter::DoInvoke "public virtual";
%typemap(cscode) llmroute::swig::Router %{
  private Clock clockRef;
  private RandomSource randomRef;

  /** A router with the default options. */
  public static Router Create() { return new Router(new RouterOptions(), null, null); }

  public Router(RouterOptions options) : this(options, null, null) {}

  /** A router with these options and an injected clock and random source (either may be null). */
  public Router(RouterOptions options, Clock clock, RandomSource random) : this() {
    clockRef = clock;
    randomRef = random;
    OpenNative(options, clock, random);
  }

  /** Picks a deployment for model; throws LlmRouteException (RetryAfterMs set on NoProvider). */
  public PickResult Pick(string model) {
    PickResult p = new PickResult();
    Pick(model, p);
    return p;
  }

  /** Picks into a reusable PickResult. */
  public void Pick(string model, PickResult output) {
    try {
      PickNative(model, output);
    } catch (LlmRouteException e) {
      e.RetryAfterMs = output.RetryAfterMs;
      throw;
    }
  }

  /** Attaches an adapter (null detaches). The router keeps it alive until it releases it. */
  public void SetAdapter(string deployment, Adapter adapter) {
    if (adapter == null) { SetNativeAdapter(deployment, null); return; }
    adapter.Pin();
    try {
      SetNativeAdapter(deployment, adapter);
    } catch {
      adapter.Unpin();
      throw;
    }
  }

  /** Drives one request through the adapters; throws LlmRouteException (with CallResult). */
  public CallResult Call(string model, string request, CallOptions options = null) {
    CallResult output = new CallResult();
    try {
      CallNative(model, request, options ?? new CallOptions(), output);
    } catch (LlmRouteException e) {
      if (output.HasReport) e.CallResult = output;
      throw;
    }
    return output;
  }
%}
#endif /* SWIGCSHARP */

#if defined(SWIGGO)
%go_import("errors", "strconv", "strings")
%typemap(gotype) llmroute::swig::Status "error"
%typemap(imtype) llmroute::swig::Status "string"
%typemap(out) llmroute::swig::Status %{
  if ($1.code == 0) {
    $result.p = 0;
    $result.n = 0;
  } else {
    std::string wire = std::to_string($1.code) + ":" + $1.message;
    $result = Swig_AllocateString(wire.data(), wire.size());
  }
%}
%typemap(goout, fragment="CopyString") llmroute::swig::Status %{
  $result = nil
  if len($1) != 0 {
    $result = statusFromWire(swigCopyString($1))
  }
%}
%insert(go_wrapper) %{
// StatusError is a failed native call: the llmr_status code and the message read in that call.
type StatusError struct {
	Code    int
	Message string
}

func (e *StatusError) Error() string { return e.Message }

func statusFromWire(s string) error {
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return errors.New(s)
	}
	code, err := strconv.Atoi(s[:i])
	if err != nil {
		return errors.New(s)
	}
	return &StatusError{Code: code, Message: s[i+1:]}
}
%}

/* Zero-copy pick: Go passes a pointer to a Go struct with the C++ layout (no Go pointers in it). */
%typemap(gotype) llmroute::swig::RawPick * "*RawPick"
%typemap(imtype) llmroute::swig::RawPick * "unsafe.Pointer"
%typemap(goin) llmroute::swig::RawPick * "$result = unsafe.Pointer($input)"
%typemap(in) llmroute::swig::RawPick * %{ $1 = (llmroute::swig::RawPick *)$input; %}
%insert(go_wrapper) %{
// RawPick mirrors llmroute::swig::RawPick; Deployment and Model point at the router's copies.
type RawPick struct {
	Ticket        uint64
	Deployment    uintptr
	DeploymentLen int64
	Model         uintptr
	ModelLen      int64
	RetryAfterMs  int64
	Tier          uint32
	IsProbe       int32
	IsPanic       int32
	Reserved      int32
}
%}

%apply (char *STRING, size_t LENGTH) { (const char *request, size_t request_len) };
%apply (char *STRING, size_t LENGTH) { (const char *model, size_t model_len) };
%apply (char *STRING, size_t LENGTH) { (const char *config, size_t config_len) };
#endif /* SWIGGO */

/* ---------------------------------------------------------------------------------------- */
/* Directors.                                                                                 */

#if defined(SWIGJAVA) || defined(SWIGCSHARP)
%feature("director") llmroute::swig::Adapter;
%feature("director") llmroute::swig::Clock;
%feature("director") llmroute::swig::Random;
#endif
#if defined(SWIGJAVA)
/* The director proxies load the JNI library too. */
%typemap(javacode) llmroute::swig::Adapter %{
  static { NativeLoader.load(); }
%}
#endif

/* ---------------------------------------------------------------------------------------- */
/* Containers.                                                                                */

%template(StringVector) std::vector<std::string>;
%template(CandidateVector) std::vector<llmroute::swig::Candidate>;
%template(HealthVector) std::vector<llmroute::swig::Health>;
%template(AttemptInfoVector) std::vector<llmroute::swig::AttemptInfo>;
%template(DeploymentStatsVector) std::vector<llmroute::swig::DeploymentStats>;
%template(ModelStatsVector) std::vector<llmroute::swig::ModelStats>;

/* Deployment's models and tags as list accessors (the vectors themselves are hidden). */
%extend llmroute::swig::Deployment {
  size_t ModelCount() const { return $self->models.size(); }
  std::string ModelAt(size_t i) const { return i < $self->models.size() ? $self->models[i] : std::string(); }
  size_t TagCount() const { return $self->tags.size(); }
  std::string TagAt(size_t i) const { return i < $self->tags.size() ? $self->tags[i] : std::string(); }
}

/* The header's enums, declared as scoped enums (see enums_from_header.py). */
#if defined(SWIGJAVA)
%javaconst(1);
#elif defined(SWIGCSHARP)
%csconst(1);
#endif
%include "llmroute_enums.i"
%include "llmroute_swig.hpp"
