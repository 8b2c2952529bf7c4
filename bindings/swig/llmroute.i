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
%ignore llmroute::swig::PickOptions::prefix_hashes;
%ignore llmroute::swig::Deployment::reserve_priorities;
%ignore llmroute::swig::Deployment::reserve_shares;

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
%rename(NativeRouter) llmroute::swig::Router;
%rename(NativeEventListener) llmroute::swig::EventListener;
%rename(NativeEvent) llmroute::swig::EventInfo;
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
  /* A closed router's calls throw the subclass RouterClosedException. */
  jclass cls = jenv->FindClass(code == llmroute::swig::kStatusClosed ? "io/llmroute/RouterClosedException"
                                                                      : "io/llmroute/LlmrouteException");
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
%typemap(out) llmroute::swig::Status %{
  if ($1.code != 0) { llmroute_java_throw(jenv, $1.code, $1.message); return $null; }
%}
%typemap(javaout) llmroute::swig::Status { $jnicall; }
/* A deleted proxy must fail like a closed router (LlmrouteException), not crash or throw a
 * NullPointerException. */
%typemap(check) llmroute::swig::Router *self %{
  if (!$1) { llmroute_java_throw(jenv, llmroute::swig::kStatusClosed, "router is closed"); return $null; }
%}

/* No finalize(): every proxy that owns its native object registers it with a
 * java.lang.ref.Cleaner (NativeCleaner.java); delete() frees at once, giving ownership away
 * (swigRelease, a director disconnected by C++) disarms the Cleaner. */
%typemap(javafinalize) SWIGTYPE ""
%typemap(javabody) SWIGTYPE %{
  private transient long swigCPtr;
  protected transient boolean swigCMemOwn;
  private transient NativeCleaner.Owned swigOwned;

  protected $javaclassname(long cPtr, boolean cMemoryOwn) {
    swigCMemOwn = cMemoryOwn;
    swigCPtr = cPtr;
    if (cMemoryOwn && cPtr != 0) swigOwned = NativeCleaner.register(this, cPtr, NativeJNI::delete_$javaclassname);
  }

  protected static long getCPtr($javaclassname obj) {
    return (obj == null) ? 0 : obj.swigCPtr;
  }

  protected static long swigRelease($javaclassname obj) {
    long ptr = 0;
    if (obj != null) {
      if (!obj.swigCMemOwn)
        throw new RuntimeException("Cannot release ownership as memory is not owned");
      ptr = obj.swigCPtr;
      obj.swigCMemOwn = false;
      obj.delete();
    }
    return ptr;
  }
%}
%typemap(javadestruct, methodname="delete", methodmodifiers="public synchronized", parameters="") SWIGTYPE {
    if (swigCPtr != 0) {
      if (swigCMemOwn) {
        swigCMemOwn = false;
        if (swigOwned != null) swigOwned.run();
        else $jnicall;
      } else if (swigOwned != null) {
        swigOwned.disown();
      }
      swigCPtr = 0;
    }
  }
/* A proxy handed out by reference (CallResult.getAttempts(), a vector's get(i), the statistics'
 * lists) points into its parent's native memory: it keeps the parent reachable, so that the
 * Cleaner cannot free the parent while the child is in use (SWIG documents this pattern:
 * "Java garbage collection and premature C++ object deletion"). */
%define LLMR_JAVA_CHILD(TYPE)
%typemap(javacode) TYPE %{
  private Object swigParent;
  void swigSetParent(Object parent) { swigParent = parent; }
%}
%typemap(javaout) TYPE *, TYPE &, const TYPE & {
    long cPtr = $jnicall;
    $javaclassname ret = null;
    if (cPtr != 0) {
      ret = new $javaclassname(cPtr, $owner);
      if (!$owner) ret.swigSetParent(this);
    }
    return ret;
  }
%enddef
LLMR_JAVA_CHILD(llmroute::swig::AttemptInfo)
LLMR_JAVA_CHILD(std::vector<llmroute::swig::AttemptInfo>)
LLMR_JAVA_CHILD(llmroute::swig::DeploymentStats)
LLMR_JAVA_CHILD(std::vector<llmroute::swig::DeploymentStats>)
LLMR_JAVA_CHILD(llmroute::swig::ModelStats)
LLMR_JAVA_CHILD(std::vector<llmroute::swig::ModelStats>)
LLMR_JAVA_CHILD(llmroute::swig::Candidate)
LLMR_JAVA_CHILD(llmroute::swig::Health)
LLMR_JAVA_CHILD(std::vector<std::string>)
/* The SWIG proxy of the shim's Router is package-private (NativeRouter): the public
 * io.llmroute.Router (src/) wraps it, owns its lifetime with a java.lang.ref.Cleaner instead of
 * finalize(), and keeps the test hooks (pickReportOnNativeThread, callOnNativeThread) out of the
 * public API. */
%typemap(javaclassmodifiers) llmroute::swig::Router "final class"
/* Getters, as CallResult and Pick have them. */
%rename(getDeployment) llmroute::swig::InvokeArgs::Deployment;
%rename(getModel) llmroute::swig::InvokeArgs::Model;
%rename(getRequest) llmroute::swig::InvokeArgs::Request;
%rename(getRequestLength) llmroute::swig::InvokeArgs::RequestLength;
%rename(getAttempt) llmroute::swig::InvokeArgs::Attempt;
%rename(getTimeoutMs) llmroute::swig::InvokeArgs::TimeoutMs;
%rename(setNativeAdapter) llmroute::swig::Router::SetAdapter;
%rename(openNative) llmroute::swig::Router::Open;
%rename(callNative) llmroute::swig::Router::Call;
%rename(pickNative) llmroute::swig::Router::PickInto;
%typemap(javacode) llmroute::swig::Router %{
  static { NativeLoader.load(); }
%}
/* Events reach Java through the package-private director NativeEventListener and are copied
 * into io.llmroute.Event (src/) before the listener sees them. */
%typemap(javaclassmodifiers) llmroute::swig::EventListener "abstract class"
%typemap(javaclassmodifiers) llmroute::swig::EventInfo "final class"
%typemap(javacode) llmroute::swig::EventListener %{
  static { NativeLoader.load(); }
%}
%typemap(javacode) llmroute::swig::PickOptions %{
  /** Deployments not to pick (for example the ones a retry already tried). */
  public PickOptions exclude(java.util.List<String> names) {
    clearExclude();
    for (String n : names) addExclude(n);
    return this;
  }
  public PickOptions exclude(String... names) { return exclude(java.util.Arrays.asList(names)); }
  /** Only deployments carrying every one of these tags are eligible. */
  public PickOptions requiredTags(java.util.List<String> tags) {
    clearRequiredTags();
    for (String t : tags) addRequiredTag(t);
    return this;
  }
  public PickOptions requiredTags(String... tags) { return requiredTags(java.util.Arrays.asList(tags)); }
  /** Session affinity: the same key goes to the same deployment while it is eligible. */
  public PickOptions affinityKey(String key) { setAffinityKey(key); return this; }
  /** Expected tokens of the request (for the cost strategy and maxPrice). */
  public PickOptions expectedTokens(long input, long output) {
    setExpectedInputTokens(input);
    setExpectedOutputTokens(output);
    return this;
  }
  /** Only deployments whose price for the expected tokens is at most this. */
  public PickOptions maxPrice(double price) { setMaxPrice(price); return this; }
  /** The request's time left in ms: deployments expected to be slower are skipped. */
  public PickOptions deadlineMs(long ms) { setDeadlineMs(ms); return this; }
  /** The request's priority class, 0 (highest) .. 3 (lowest); the default is 2. */
  public PickOptions priority(int priority) { setPriority(priority); return this; }
  /** The prompt's prefix block hashes (Router.prefixHashes), for the engine_aware strategy. */
  public PickOptions prefixHashes(long[] hashes) {
    clearPrefixHashes();
    for (long h : hashes) addPrefixHash(h);
    return this;
  }
%}
%typemap(javacode) llmroute::swig::Deployment %{
  /** The models served, as a List. */
  public java.util.List<String> getModels() {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (long i = 0; i < modelCount(); i++) out.add(modelAt(i));
    return java.util.Collections.unmodifiableList(out);
  }
  /** The tags, as a List. */
  public java.util.List<String> getTags() {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (long i = 0; i < tagCount(); i++) out.add(tagAt(i));
    return java.util.Collections.unmodifiableList(out);
  }
%}
%pragma(java) jniclasscode=%{
  static { NativeLoader.load(); }
%}
/* The library's names of enum values ("round_robin", "rate_limited", "half_open", ...). */
%define LLMR_JAVA_LABEL(ctype, jtype, fn)
%typemap(javacode) ctype %{
  /** The library's name of this value (as in configurations and metrics). */
  public String label() { return Native.fn(this); }
%}
%enddef
LLMR_JAVA_LABEL(llmr_outcome, Outcome, outcomeName)
LLMR_JAVA_LABEL(llmr_breaker_state, BreakerState, breakerStateName)
LLMR_JAVA_LABEL(llmr_fallback_kind, FallbackKind, fallbackKindName)
LLMR_JAVA_LABEL(llmr_event_kind, EventKind, eventKindName)
%typemap(javacode) llmr_strategy %{
  /** The library's name of this value ("round_robin"). */
  public String label() { return Native.strategyName(this); }
  /** The strategy named as a configuration names it; throws LlmrouteException for an unknown name. */
  public static Strategy fromLabel(String name) {
    int v = name == null ? -1 : Native.strategyFromName(name);
    if (v < 0) throw new LlmrouteException(Status.INVALID_ARGUMENT.code(), "unknown strategy '" + name + "'");
    return swigToEnum(v);
  }
%}
%typemap(javacode) llmr_status %{
  /** The C integer code (LLMR_ERR_NO_PROVIDER is -5). */
  public int code() { return swigValue; }
  /** The status with this C code, or null for a code this binding does not know. */
  public static Status fromCode(int code) {
    for (Status s : values()) if (s.swigValue == code) return s;
    return null;
  }
  /** The library's name ("LLMR_ERR_NO_PROVIDER"). */
  public String label() { return Native.statusName(swigValue); }
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
      // A closed router is a disposed object in .NET terms.
      if (code == Native.ClosedStatusCode()) SWIGPendingException.Set(new global::System.ObjectDisposedException("Router", message));
      else SWIGPendingException.Set(new LlmRouteException(code, message));
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
%typemap(out, null="", canthrow=1) llmroute::swig::Status %{
  if ($1.code != 0) { llmroute_csharp_set_pending($1.code, $1.message.c_str()); return $null; }
%}
%typemap(csout, excode=SWIGEXCODE) llmroute::swig::Status {
    $imcall;$excode
  }
%typemap(check, canthrow=1) llmroute::swig::Router *self %{
  if (!$1) { SWIG_CSharpSetPendingExceptionArgument(SWIG_CSharpArgumentNullException, "router is disposed", "self"); return $null; }
%}

/* A class named like the method Router.Pick would shadow it inside Router. */
%rename(PickResult) llmroute::swig::Pick;
/* The SWIG proxy of the shim's Router is internal (NativeRouter): the public LlmRoute.Router
 * (src/Router.cs) wraps it in a SafeHandle, which counts the calls in flight and releases the
 * native router on Dispose or finalization, and keeps the test hooks out of the public API. */
%typemap(csclassmodifiers) llmroute::swig::Router "internal class"
%typemap(csdispose) llmroute::swig::Router %{
  public void Dispose() { Dispose(true); }
%}
%typemap(csclassmodifiers) llmroute::swig::EventListener "internal abstract class"
%typemap(csclassmodifiers) llmroute::swig::EventInfo "internal class"
%rename(SetNativeAdapter) llmroute::swig::Router::SetAdapter;
%rename(OpenNative) llmroute::swig::Router::Open;
%rename(CallNative) llmroute::swig::Router::Call;
%rename(PickNative) llmroute::swig::Router::PickInto;
%csmethodmodifiers llmroute::swig::Adapter::DoInvoke "public virtual";
/* Properties instead of getter and setter methods. */
%define LLMR_CS_INTERNAL(name)
%rename(Native ## name) llmroute::swig::InvokeArgs::name;
%csmethodmodifiers llmroute::swig::InvokeArgs::name "internal";
%enddef
LLMR_CS_INTERNAL(Deployment)
LLMR_CS_INTERNAL(Model)
LLMR_CS_INTERNAL(Request)
LLMR_CS_INTERNAL(RequestLength)
LLMR_CS_INTERNAL(Attempt)
LLMR_CS_INTERNAL(TimeoutMs)
%typemap(cscode) llmroute::swig::InvokeArgs %{
  /// <summary>The deployment and model (after aliases and fallbacks) this attempt goes to.</summary>
  public string Deployment { get { return NativeDeployment(); } }
  public string Model { get { return NativeModel(); } }
  /// <summary>The request as the caller handed it to Router.Call.</summary>
  public string Request { get { return NativeRequest(); } }
  public long RequestLength { get { return NativeRequestLength(); } }
  /// <summary>1 for the first attempt of the call, 2 for the next, ...</summary>
  public uint Attempt { get { return NativeAttempt(); } }
  /// <summary>Milliseconds this attempt may take; -1 when unbounded.</summary>
  public long TimeoutMs { get { return NativeTimeoutMs(); } }
%}
%define LLMR_CS_PROPERTY(type, name)
%rename(NativeGet ## name) llmroute::swig::AttemptResult::Get ## name;
%rename(NativeSet ## name) llmroute::swig::AttemptResult::Set ## name;
%csmethodmodifiers llmroute::swig::AttemptResult::Get ## name "internal";
%csmethodmodifiers llmroute::swig::AttemptResult::Set ## name "internal";
%enddef
LLMR_CS_PROPERTY(Outcome, Outcome)
LLMR_CS_PROPERTY(double, LatencyMs)
LLMR_CS_PROPERTY(double, TtftMs)
LLMR_CS_PROPERTY(long, RetryAfterMs)
LLMR_CS_PROPERTY(long, InputTokens)
LLMR_CS_PROPERTY(long, OutputTokens)
LLMR_CS_PROPERTY(bool, Committed)
%typemap(cscode) llmroute::swig::AttemptResult %{
  public Outcome Outcome { get { return NativeGetOutcome(); } set { NativeSetOutcome(value); } }
  public double LatencyMs { get { return NativeGetLatencyMs(); } set { NativeSetLatencyMs(value); } }
  public double TtftMs { get { return NativeGetTtftMs(); } set { NativeSetTtftMs(value); } }
  public long RetryAfterMs { get { return NativeGetRetryAfterMs(); } set { NativeSetRetryAfterMs(value); } }
  public long InputTokens { get { return NativeGetInputTokens(); } set { NativeSetInputTokens(value); } }
  public long OutputTokens { get { return NativeGetOutputTokens(); } set { NativeSetOutputTokens(value); } }
  public bool Committed { get { return NativeGetCommitted(); } set { NativeSetCommitted(value); } }
%}
%typemap(cscode) llmroute::swig::Deployment %{
  /// <summary>A deployment serving these models.</summary>
  public Deployment(string name, params string[] models) : this(name) {
    foreach (string m in models) AddModel(m);
  }
  /// <summary>The models served.</summary>
  public global::System.Collections.Generic.IReadOnlyList<string> Models {
    get {
      var l = new global::System.Collections.Generic.List<string>();
      for (uint i = 0; i < ModelCount(); i++) l.Add(ModelAt(i));
      return l;
    }
  }
  /// <summary>The tags.</summary>
  public global::System.Collections.Generic.IReadOnlyList<string> Tags {
    get {
      var l = new global::System.Collections.Generic.List<string>();
      for (uint i = 0; i < TagCount(); i++) l.Add(TagAt(i));
      return l;
    }
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
%feature("director") llmroute::swig::EventListener;
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
%template(Int64Vector) std::vector<long long>;
%template(CandidateVector) std::vector<llmroute::swig::Candidate>;
%template(HealthVector) std::vector<llmroute::swig::Health>;
%template(ExplainCandidateVector) std::vector<llmroute::swig::ExplainCandidate>;
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
%include "options_generated.hpp"
%include "llmroute_swig.hpp"
