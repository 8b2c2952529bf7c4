// llmroute_swig.hpp: the C++ shim that SWIG wraps for Go, Java and C#.
//
// Binding-only: never installed, never part of the C ABI. It gives SWIG what a C API cannot:
//  - RAII classes over the opaque handles (Router, Cancellation);
//  - value classes for the C structs, with std::string / std::vector members;
//  - Status, returned by every fallible method, which carries the llmr_status code AND the
//    detail message read with llmr_error_message() inside the same native call that failed, so
//    a Go goroutine that moves between OS threads, or an async C# continuation, never reads
//    another call's message. The typemaps in llmroute.i turn a non-OK Status into a Go error or
//    a Java/C# exception before the native call returns;
//  - director base classes (Adapter, Clock, Random) that each language subclasses natively.
//    SetAdapter() turns an Adapter into an llmr_adapter whose user_data is the director and whose
//    release calls Adapter::Released() exactly once, when the router no longer needs it: the
//    language layer pins the host object (a strong reference from a static root) before
//    attaching and unpins it in Released(), so the garbage collector cannot take it while native
//    code holds it. Go does not use directors: it passes runtime/cgo.Handle values
//    (SetGoAdapter), and its release deletes the handle.
//  - Nothing thrown in host code or C++ crosses the C ABI: every trampoline catches everything
//    and returns a status.
#ifndef LLMROUTE_SWIG_HPP
#define LLMROUTE_SWIG_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>
#ifndef SWIG
#include <atomic>
#include <condition_variable>
#include <mutex>
#endif

#include "llmroute/llmroute.h"
#include "options_generated.hpp"
#if defined(LLMROUTE_SWIG_GO) && !defined(SWIG)
#include "llmroute_go_fast.h"
#endif

namespace llmroute {
namespace swig {

/** The result of a fallible shim method: the C status and its message, captured together. */
struct Status {
  int code = 0;
  std::string message;
  bool ok() const { return code == 0; }
};

/** Reads the calling thread's llmr_error_message() now, in the native call that failed. */
Status MakeStatus(llmr_status code);

/** The status every Router method returns once Close() has begun: a shim code, not an
 * llmr_status (the C ABI has no closed state; a destroyed llmr_router is simply gone). Chosen far
 * below the header's codes, which are appended downwards from -1. The languages map it to their
 * closed-object error (Go ErrClosed, Java IllegalStateException, C# ObjectDisposedException). */
static const int kStatusClosed = -1000;
/** kStatusClosed, for the host languages (SWIG does not export the constant to all of them). */
int ClosedStatusCode();

/** Static name of a status code ("LLMR_ERR_NO_PROVIDER"). */
std::string StatusName(int code);

/** Header and library versions. */
int32_t LibraryVersion();
std::string LibraryVersionString();
int32_t HeaderVersion();

/** llmr_feature_enabled(name): 1 when the loaded library was built with the optional feature
 * `name` ("redis"), 0 when it was built without it, -1 when it does not know the name. */
int FeatureEnabled(const std::string &name);

// ---------------------------------------------------------------------------------------------
// Directors: injectable clock and random source. The router holds them for its lifetime; the
// language layer keeps them reachable from the Router object.

/** A monotonic clock in nanoseconds, and the sleep that goes with it (backoff between attempts of
 * a call). Called from any thread that calls the router; must not call back into the router. */
class Clock {
 public:
  virtual ~Clock();
  virtual int64_t NowNanos() = 0;
  /** Default: sleeps on the system clock. Override it when NowNanos() is simulated. */
  virtual void SleepNanos(int64_t duration_ns);
};

/** 64 uniformly random bits (returned as a signed value). Called from any thread, concurrently. */
class Random {
 public:
  virtual ~Random();
  virtual int64_t NextBits() = 0;
};

// ---------------------------------------------------------------------------------------------
// Options and value classes.

// RouterOptions (every member of llmr_router_options but the callbacks) and FillOptions are
// generated from the options table: options_generated.hpp.

/** A deployment (llmr_deployment). */
struct Deployment {
  Deployment();
  explicit Deployment(const std::string &name);
  std::string name;
  std::vector<std::string> models;
  std::vector<std::string> tags;
  uint32_t weight;
  uint32_t tier;
  uint32_t rpm_limit;
  int64_t tpm_limit;
  uint32_t max_in_flight;
  /** Price per 1M input / output tokens (llmr_deployment.cost_per_million_*); negative = not
   * configured (the default, -1). */
  double cost_per_million_input;
  double cost_per_million_output;
  /** Priority reserves (llmr_deployment.reserve_*): the last `share` (0..1) of each limit is
   * only for requests of priority `priority` (0..2) or higher. Levels from the highest class
   * down; the library checks them. */
  std::vector<uint32_t> reserve_priorities;
  std::vector<double> reserve_shares;
  void AddModel(const std::string &model) { models.push_back(model); }
  void AddTag(const std::string &tag) { tags.push_back(tag); }
  void AddReserve(uint32_t priority, double share) {
    reserve_priorities.push_back(priority);
    reserve_shares.push_back(share);
  }
  void ClearReserve() {
    reserve_priorities.clear();
    reserve_shares.clear();
  }
};

/** The result of a pick (llmr_pick), with copied strings. */
struct Pick {
  Pick();
  int64_t ticket;
  std::string deployment;
  std::string model;
  uint32_t tier;
  bool is_probe;
  bool is_panic;
  /** On LLMR_ERR_NO_PROVIDER: ms until the earliest deployment recovers (-1: never by itself). */
  int64_t retry_after_ms;
  /** A deadline was given and no deployment's expected latency fits it: this is the fastest. */
  bool deadline_unmet;
};

/** A pick without copies, for Go's hot path: the deployment points at the router's copy and lives
 * until the ticket is reported or cancelled; the model is an alias target the router owns, or,
 * when no alias applied, model_len is -1 and the model is the one the caller asked for. The
 * layout is mirrored by a Go struct. */
struct RawPick {
  uint64_t ticket;
  const char *deployment;
  int64_t deployment_len;
  const char *model;
  int64_t model_len;
  int64_t retry_after_ms;
  uint32_t tier;
  int32_t is_probe;
  int32_t is_panic;
  int32_t reserved;
};

// ---------------------------------------------------------------------------------------------
// Pick options (llmr_pick_options), shared by Go, Java and C#.

/** Options of one pick (llmr_pick_options), with copied strings; the defaults narrow nothing. */
struct PickOptions {
  PickOptions();
  std::vector<std::string> exclude;
  /** Session affinity key; "" = none. */
  std::string affinity_key;
  std::vector<std::string> required_tags;
  /** Expected tokens of the request (0 = unknown). */
  int64_t expected_input_tokens;
  int64_t expected_output_tokens;
  /** > 0: only deployments whose price for the expected tokens is at most this. 0 = no cap. */
  double max_price;
  /** > 0: the request's time left in ms; deployments expected to be slower are skipped (the
   * fastest is picked, deadline_unmet set, when none fits). 0 = none. */
  int64_t deadline_ms;
  /** The prompt's prefix block hashes (PrefixHashes), at most LLMR_PREFIX_HASHES_MAX, for
   * LLMR_STRATEGY_ENGINE_AWARE. Signed 64-bit: the host languages' long; the bits are the hash. */
  std::vector<int64_t> prefix_hashes;
  /** The request's priority class, 0 (highest) .. 3 (lowest); default 2 (llmr_pick_options). */
  int32_t priority;
  void AddPrefixHash(int64_t hash) { prefix_hashes.push_back(hash); }
  void ClearPrefixHashes() { prefix_hashes.clear(); }
  void AddExclude(const std::string &name) { exclude.push_back(name); }
  void AddRequiredTag(const std::string &tag) { required_tags.push_back(tag); }
  void ClearExclude() { exclude.clear(); }
  void ClearRequiredTags() { required_tags.clear(); }
};

/** One entry of llmr_router_fallbacks(). */
struct Candidate {
  std::string deployment;
  std::string model;
};

/** Health of one deployment (llmr_health). */
struct Health {
  Health();
  std::string name;
  llmr_breaker_state state;
  llmr_override override_mode;
  bool eligible;
  double ewma_latency_ms;
  double failure_ratio;
  int64_t in_flight;
  int64_t picks;
  int64_t successes;
  int64_t failures;
  int64_t request_errors;
  int64_t cancels;
  int64_t trips;
  int64_t consecutive_failures;
  int64_t cooldown_remaining_ms;
  uint32_t weight;
  uint32_t tier;
  /** The provider's announced quota as the router holds it (llmr_health's quota_* members):
   * remaining requests and tokens (-1: none announced), ms until each resets, ms until a quota
   * exhaustion ends (0: none) and the lifetime count of exhaustions. */
  int64_t quota_remaining_requests;
  int64_t quota_remaining_tokens;
  int64_t quota_requests_reset_ms;
  int64_t quota_tokens_reset_ms;
  int64_t quota_exhausted_ms;
  int64_t quota_exhaustions;
};

/** One candidate of Router::Explain (llmr_explain_candidate). */
struct ExplainCandidate {
  ExplainCandidate();
  std::string deployment;
  uint32_t tier;
  llmr_breaker_state state;
  llmr_override override_mode;
  int64_t cooldown_remaining_ms;
  int64_t in_flight;
  uint32_t weight;
  /** Limits (0 = unlimited) and their use over the sliding 60 s window. */
  uint32_t rpm_limit;
  int64_t tpm_limit;
  uint32_t max_in_flight;
  int64_t requests_in_window;
  int64_t tokens_in_window;
  /** Negative: no sample. */
  double ewma_latency_ms;
  double failure_ratio;
  /** Negative: no price. */
  double price;
  /** The strategy's measure (Explanation::score_kind); NaN when filtered. */
  double score;
  /** 0 = the strategy's first preference within the tier; -1 when filtered. */
  int32_t rank;
  double tier_share;
  bool filtered;
  /** Why it was filtered; "" when not. */
  std::string reason;
  bool is_probe;
  bool picked;
};

/** A dry-run pick (llmr_router_explain): every candidate and the one a pick would choose. */
struct Explanation {
  Explanation();
  std::string model;
  llmr_strategy strategy;
  std::string score_kind;
  /** What a pick would return (an llmr_status value: 0, NO_PROVIDER or RATE_LIMITED). */
  int32_t status;
  std::string message;
  int64_t retry_after_ms;
  /** The deployment a pick would choose; "" when none (picked_index -1). */
  std::string picked;
  int64_t picked_index;
  bool is_panic;
  bool approximate;
  /** A deadline was given and nothing fits it: `picked` is the fastest. */
  bool deadline_unmet;
  std::vector<ExplainCandidate> candidates;
  /** The same account as JSON (llmr_explanation_json). */
  std::string json;
};

// ---------------------------------------------------------------------------------------------
// Execution.

/** A cancellation flag (llmr_cancel) that any thread may raise. */
class Cancellation {
 public:
  Cancellation();
  ~Cancellation();
  Cancellation(const Cancellation &) = delete;
  Cancellation &operator=(const Cancellation &) = delete;
  Status Trigger();
#ifndef SWIG
  llmr_cancel *handle() const {
    return cancel_;
  }
#endif

 private:
  llmr_cancel *cancel_ = nullptr;
};

/** Options of one call (llmr_call_options). */
struct CallOptions {
  CallOptions();
  int64_t deadline_ms;
  int64_t attempt_timeout_ms;
  uint32_t max_attempts;
  int64_t backoff_base_ms;
  int64_t backoff_max_ms;
  /** Not owned; must outlive the call. May be null. */
  Cancellation *cancel;
  /** Stalled streams: no first byte within this long, or no chunk for this long after it, and
   * Check() says LLMR_ERR_STREAM_STALLED (0 = none). */
  int64_t first_byte_timeout_ms;
  int64_t idle_timeout_ms;
  /** Hedged calls (llmr_call_options.hedge_after_ms): a hedge starts on another deployment when
   * the first attempt produced nothing after hedge_after_ms (0 = off) or the model's
   * hedge_after_quantile latency (0 = off), up to max_hedges (default 1, at most 4). Hedges run
   * on router-owned threads: the adapter must be thread-safe. */
  int64_t hedge_after_ms;
  double hedge_after_quantile;
  uint32_t max_hedges;
  /** Every attempt's priority class, 0 (highest) .. 3 (lowest); default 2. */
  int32_t priority;
};

/** What an adapter's invoke() is given (llmr_invoke_args). Valid only during that invoke(). */
class InvokeArgs {
 public:
#ifndef SWIG
  explicit InvokeArgs(const llmr_invoke_args *args) : args_(args) {}
#endif
  std::string Deployment() const;
  std::string Model() const;
  /** The request bytes (a copy; the languages map it to a string or a byte array). */
  std::string Request() const;
  int64_t RequestLength() const;
  uint32_t Attempt() const;
  /** Milliseconds this attempt may take; -1 when unbounded. */
  int64_t TimeoutMs() const;
  /** Stores the response bytes for the call report. */
  Status SetResponse(const std::string &response);
  /** LLMR_OK while the call may go on, LLMR_ERR_CANCELLED, LLMR_ERR_DEADLINE_EXCEEDED or
   * LLMR_ERR_STREAM_STALLED. */
  llmr_status Check() const;
  /** A chunk of the response arrived (llmr_call_progress): restarts the stall clock. */
  void Progress() const;
  /** The call's stall limits in ms (0 = none). */
  int64_t FirstByteTimeoutMs() const;
  int64_t IdleTimeoutMs() const;
  /** Whether this attempt is a hedge (it runs on a router-owned thread beside the first). */
  bool IsHedge() const;
  /** Claims the client's stream before sending it a byte (llmr_call_commit): LLMR_OK when this
   * attempt may send, LLMR_ERR_CANCELLED when another attempt of the hedged call won. */
  llmr_status Commit() const;

 private:
  const llmr_invoke_args *args_;
};

/** What an adapter reports about its attempt (llmr_attempt_result). Valid only during invoke(). */
class AttemptResult {
 public:
#ifndef SWIG
  explicit AttemptResult(llmr_attempt_result *result) : result_(result) {}
#endif
  llmr_outcome GetOutcome() const {
    return result_->outcome;
  }
  void SetOutcome(llmr_outcome outcome) {
    result_->outcome = outcome;
  }
  double GetLatencyMs() const {
    return result_->latency_ms;
  }
  void SetLatencyMs(double v) {
    result_->latency_ms = v;
  }
  double GetTtftMs() const {
    return result_->ttft_ms;
  }
  void SetTtftMs(double v) {
    result_->ttft_ms = v;
  }
  int64_t GetRetryAfterMs() const {
    return result_->retry_after_ms;
  }
  void SetRetryAfterMs(int64_t v) {
    result_->retry_after_ms = v;
  }
  int64_t GetInputTokens() const {
    return result_->input_tokens;
  }
  void SetInputTokens(int64_t v) {
    result_->input_tokens = v;
  }
  int64_t GetOutputTokens() const {
    return result_->output_tokens;
  }
  void SetOutputTokens(int64_t v) {
    result_->output_tokens = v;
  }
  bool GetCommitted() const {
    return result_->committed != 0;
  }
  void SetCommitted(bool v) {
    result_->committed = v ? 1 : 0;
  }

 private:
  llmr_attempt_result *result_;
};

/** A provider adapter implemented in the host language (director). DoInvoke() returns an
 * llmr_status: LLMR_OK, or an error when the adapter itself failed (the language layers return
 * LLMR_ERR_INTERNAL for an exception or panic they caught); the router then records a connection
 * error. Released() is called exactly once per SetAdapter() that succeeded, when the router no
 * longer needs the adapter. */
class Adapter {
 public:
  virtual ~Adapter();
  virtual int DoInvoke(InvokeArgs &args, AttemptResult &attempt) = 0;
  virtual void Released();
};

/** One attempt of a call (llmr_attempt_info). */
struct AttemptInfo {
  AttemptInfo();
  std::string deployment;
  std::string model;
  llmr_outcome outcome;
  double latency_ms;
  int64_t backoff_ms;
  bool committed;
  bool adapter_failed;
  /** A hedge; cancelled because another attempt of the call won. */
  bool hedge;
  bool cancelled;
};

/** The report of a call (llmr_call_report), copied. */
struct CallResult {
  CallResult();
  llmr_status status;
  llmr_outcome final_outcome;
  std::string deployment;
  std::string model;
  bool used_fallback;
  int64_t retry_after_ms;
  int64_t total_ms;
  std::string response;
  std::string detail;
  std::vector<AttemptInfo> attempts;
  /** False when the call returned no report (invalid arguments). */
  bool has_report;
};

// ---------------------------------------------------------------------------------------------
// Statistics (llmr_router_stats) and fleet shared state, shared by Go, Java and C#.

/** One deployment of a statistics snapshot (llmr_deployment_stats), copied. */
struct DeploymentStats {
  DeploymentStats();
  std::string name;
  llmr_breaker_state state;
  bool eligible;
  int64_t in_flight;
  int64_t picks;
  int64_t successes;
  int64_t rate_limited;
  int64_t server_errors;
  int64_t timeouts;
  int64_t connection_errors;
  int64_t auth_errors;
  int64_t bad_requests;
  int64_t context_window_exceeded;
  int64_t content_policy;
  int64_t cancels;
  int64_t input_tokens;
  int64_t output_tokens;
  double ewma_latency_ms;
  int64_t latency_count;
  double latency_sum_ms;
  double latency_p50_ms;
  double latency_p90_ms;
  double latency_p99_ms;
  int64_t breaker_opened;
  int64_t breaker_half_opened;
  int64_t breaker_closed;
  int64_t cooldown_remaining_ms;
};

/** One model of a statistics snapshot (llmr_model_stats). */
struct ModelStats {
  ModelStats();
  std::string model;
  int64_t picks;
  int64_t fallbacks;
};

/** A statistics snapshot (llmr_router_stats), copied out of the native one, which is freed. */
struct RouterStats {
  RouterStats();
  std::vector<DeploymentStats> deployments;
  std::vector<ModelStats> models;
  int64_t configs_applied;
  int64_t configs_rejected;
  /** The same snapshot in the Prometheus text format (llmr_stats_metrics_text). */
  std::string metrics_text;
};

/** llmr_shared_state_status, with the last error copied. */
struct SharedStateStatus {
  SharedStateStatus();
  bool enabled;
  bool connected;
  int64_t last_sync_age_ms;
  int64_t syncs;
  int64_t sync_failures;
  int64_t connections;
  int64_t remote_opens;
  int64_t remote_closes;
  std::string last_error;
  /** 0 one server, 1 Sentinel, 2 Redis Cluster; times the state moved to another server; the
   * server in use ("host:port", "" while not connected). */
  int32_t topology;
  int64_t failovers;
  std::string server;
};

/** The fleet shared state members of llmr_router_options (docs/fleet.md), given to the router
 * with Router::UseSharedState() before Open. Kept apart from RouterOptions, whose members come
 * from the option table. The constructor applies llmr_router_options_init()'s defaults. */
struct SharedStateOptions {
  SharedStateOptions();
  /** "redis://[[user]:password@]host[:port][/db]"; "" = off. */
  std::string url;
  /** "" = the library's default prefix. */
  std::string key_prefix;
  int64_t sync_interval_ms;
  int64_t connect_timeout_ms;
  int64_t command_timeout_ms;
  double rate_batch;
};

/** Text the library produced (the Prometheus exposition of MetricsText()). */
struct TextBuffer {
  std::string text;
};

/** Checks a JSON configuration (docs/configuration.md) without creating anything
 * (llmr_config_validate): OK, or LLMR_ERR_CONFIG with the JSON path and the reason. */
Status ValidateConfig(const std::string &json);

/** llmr_prefix_hashes over the bytes of `text`: the first min(len / block_bytes, cap) hashes
 * replace `out`'s contents (as signed 64-bit values with the hash's bits). long long, not
 * int64_t: SWIG takes int64_t for long long, and a std::vector<long> behind its long long
 * accessors returned references to temporaries. */
Status PrefixHashes(const std::string &text, uint32_t block_bytes, int64_t cap,
                    std::vector<long long> &out);

// ---------------------------------------------------------------------------------------------
// Java and C# only: the event listener director, the enum names, creation
// from a configuration. Go has its own entry points; keeping these out of its
// build leaves the Go generated code untouched.
#if !defined(SWIGGO) && !defined(LLMROUTE_SWIG_GO)

/** One event (llmr_event), copied: it stays valid after the callback. */
struct EventInfo {
  EventInfo();
  llmr_event_kind kind;
  std::string deployment;
  llmr_breaker_state from_state;
  llmr_breaker_state to_state;
  int64_t cooldown_ms;
  std::vector<std::string> added;
  std::vector<std::string> removed;
  int64_t kept_count;
  int64_t config_generation;
  /** LLMR_EVENT_CONFIG_REJECTED: why; empty otherwise. */
  std::string message;
};

/** An event listener implemented in the host language (director). OnEvent runs on the thread
 * whose call caused the event, or on the router's shared-state thread (one the host did not
 * start). Released() is called exactly once per SetEventListener() that succeeded. */
class EventListener {
 public:
  virtual ~EventListener();
  virtual void OnEvent(const EventInfo &event) = 0;
  virtual void Released();
};

/** Static names of enum values (llmr_*_str); empty for a value that does not exist. */
std::string StrategyName(llmr_strategy strategy);
std::string OutcomeName(llmr_outcome outcome);
std::string BreakerStateName(llmr_breaker_state state);
std::string FallbackKindName(llmr_fallback_kind kind);
std::string EventKindName(llmr_event_kind kind);
/** llmr_strategy_from_str: the strategy's value, or -1 for an unknown name. */
int StrategyFromName(const std::string &name);

#endif  // Java and C# only

// ---------------------------------------------------------------------------------------------
// The router.

/** RAII owner of an llmr_router. Every method may be called from any thread at once, Close()
 * included (Open excepted: call it once, before sharing the object).
 *
 * Close from any thread (see CloseGuard in llmroute_swig.cpp): each call enters by incrementing
 * one of kSlots in-flight counters (the calling thread's slot, on its own cache line; no lock is
 * taken, nothing is shared between threads on different slots) and checks the closing flag;
 * Close() raises the flag, and whichever leaves last (Close itself, or the last call in flight)
 * destroys the native router. Calls that entered before the flag finish normally; later ones
 * return kStatusClosed without touching it. Close() returns once the router is destroyed, unless
 * it was called from inside a call on the same router on the same thread (an adapter or an
 * event listener closing its own router): then that outermost call destroys it as it returns.
 *
 * The destructor closes. Freeing the object itself (delete, SWIG's delete_Router) must wait until
 * no thread can still call it: the host languages free it from their GC safety net (Go cleanup,
 * Java Cleaner, C# SafeHandle), after the last reference is gone, and let close() only Close(). */
class Router {
 public:
  Router();
  ~Router();
  Router(const Router &) = delete;
  Router &operator=(const Router &) = delete;

  /** Creates the native router. `clock` and `random` may be null; they must outlive the router. */
  Status Open(const RouterOptions &options, Clock *clock, Random *random);
  /** Destroys the native router (releasing every adapter) once the calls in flight return;
   * later calls return kStatusClosed. Idempotent; safe from any thread at any time. */
  void Close();
  bool IsOpen() const;

  Status AddDeployment(const Deployment &deployment);
  Status UpdateDeployment(const Deployment &deployment);
  Status RemoveDeployment(const std::string &name);
  Status SetAlias(const std::string &alias, const std::string &model);
  Status RemoveAlias(const std::string &alias);
  Status SetFallbacks(const std::string &model, const std::vector<std::string> &fallback_models);
  Status SetFallbacksFor(const std::string &model, llmr_fallback_kind kind,
                         const std::vector<std::string> &fallback_models);
  Status SetModelStrategy(const std::string &model, llmr_strategy strategy);
  Status SetOverride(const std::string &name, llmr_override mode);

  /** Picks a deployment; `out` is filled (retry_after_ms also on LLMR_ERR_NO_PROVIDER). */
  Status PickInto(const char *model, Pick &out);
  Status PickExcluding(const std::string &model, const std::vector<std::string> &exclude,
                       Pick &out);
  /** Picks with every llmr_pick_options field (exclusions, affinity key, required tags,
   * expected tokens, price cap). */
  Status PickWith(const std::string &model, const PickOptions &options, Pick &out);
  /** Go's pick: no copy and no allocation (the model name goes through a stack buffer). */
  Status PickRaw(const char *model, size_t model_len, RawPick *out);

  Status Report(int64_t ticket, llmr_outcome outcome, double latency_ms);
  Status ReportFull(int64_t ticket, llmr_outcome outcome, double latency_ms, double ttft_ms,
                    int64_t retry_after_ms, int64_t input_tokens, int64_t output_tokens);
  /** ReportFull with the provider's announced quota (llmr_report's quota_* members: remaining
   * counts -1 = not announced, resets in ms from now, 0 = not announced). */
  Status ReportQuota(int64_t ticket, llmr_outcome outcome, double latency_ms, double ttft_ms,
                     int64_t retry_after_ms, int64_t input_tokens, int64_t output_tokens,
                     int64_t quota_remaining_requests, int64_t quota_remaining_tokens,
                     int64_t quota_requests_reset_ms, int64_t quota_tokens_reset_ms);
  Status Cancel(int64_t ticket);
  /** What the deployment's inference engine reports (llmr_router_report_load); read_at_ns 0 =
   * now, on the router's clock. */
  Status ReportLoad(const std::string &deployment, int64_t waiting, int64_t running,
                    double kv_cache_utilization, int64_t read_at_ns);

  Status Fallbacks(const std::string &model, const std::vector<std::string> &exclude,
                   std::vector<Candidate> &out);
  /** A dry-run pick with every llmr_pick_options field: nothing is picked or counted. */
  Status Explain(const std::string &model, const PickOptions &options, Explanation &out);
  /** A real pick, as PickWith, that also explains itself (llmr_pick_options.trace): `trace` is
   * the explanation of this pick (its `picked` the deployment `out` names), filled also when the
   * pick fails with LLMR_ERR_NO_PROVIDER or LLMR_ERR_RATE_LIMITED, cleared otherwise. */
  Status PickTraced(const std::string &model, const PickOptions &options, Pick &out,
                    Explanation &trace);
  Status HealthOf(const std::string &name, Health &out);
  Status HealthList(std::vector<Health> &out);

  /** Hot reload from a JSON configuration, all or nothing (llmr_router_apply_config and
   * llmr_router_apply_config_file); LLMR_ERR_CONFIG names the offending value. */
  Status ApplyConfig(const std::string &json);
  Status ApplyConfigFile(const std::string &path);
  /** The router's statistics in the Prometheus text format (llmr_router_metrics_text). */
  Status MetricsText(TextBuffer &out);

  /** A statistics snapshot: every deployment and model, configuration counts and the Prometheus
   * text of the same moment (llmr_router_stats). */
  Status Stats(RouterStats &out);
  /** The fleet shared state's status (llmr_router_shared_state_status). */
  Status SharedState(SharedStateStatus &out);
  /** Sets the shared state options that the next Open / OpenGo / OpenGoFromConfig passes to the
   * library. Call it before Open, on one thread (like Open). */
  Status UseSharedState(const SharedStateOptions &options);

  /** Attaches a host adapter (null detaches). On failure the adapter is not kept and
   * Released() is not called. */
  Status SetAdapter(const std::string &deployment, Adapter *adapter);

  /** Drives one request through the adapters. `out` receives the report whenever there is one. */
  Status Call(const std::string &model, const std::string &request, const CallOptions &options,
              CallResult &out);

  /** Runs `count` pick + report pairs on a new native thread (one the host runtime did not
   * start) and joins it; returns the first failure. Exercises host callbacks (clock, random)
   * from a foreign thread: the Java binding's attach-once test uses it. */
  Status PickReportOnNativeThread(const std::string &model, int32_t count);
  /** Runs `count` calls on a new native thread; adapters then run on that thread. */
  Status CallOnNativeThread(const std::string &model, const std::string &request, int32_t count);

#if !defined(SWIGGO) && !defined(LLMROUTE_SWIG_GO)
  // Java and C# only (see the block above the class).
  /** Like Open, from a JSON configuration (llmr_router_create_from_config); `options` supplies
   * what the configuration leaves out (and UseSharedState() the shared state), `clock` and
   * `random` as in Open. */
  Status OpenFromConfig(const std::string &json, const RouterOptions &options, Clock *clock,
                        Random *random);
  /** Like OpenFromConfig, reading the file at `path` (llmr_router_create_from_config_file). */
  Status OpenFromConfigFile(const std::string &path, const RouterOptions &options, Clock *clock,
                            Random *random);
  /** Registers a host listener (null removes it). On failure Released() is not called. */
  Status SetEventListener(EventListener *listener);
#endif

#if defined(SWIGGO) || defined(LLMROUTE_SWIG_GO)
  /** Go: like Open, with runtime/cgo.Handle values (0 = none) for the clock and random source. */
  Status OpenGo(const RouterOptions &options, uintptr_t clock_handle, uintptr_t random_handle);
  /** Go: like OpenGo, from a JSON configuration (llmr_router_create_from_config); `options`
   * supplies the settings the configuration leaves out. */
  Status OpenGoFromConfig(const char *config, size_t config_len, const RouterOptions &options,
                          uintptr_t clock_handle, uintptr_t random_handle);
  /** Go: like OpenGoFromConfig, from the file at `path` (llmr_router_create_from_config_file). */
  Status OpenGoFromConfigFile(const std::string &path, const RouterOptions &options,
                              uintptr_t clock_handle, uintptr_t random_handle);
  /** Go: attaches the adapter behind a runtime/cgo.Handle (0 detaches). On success the router
   * owns the handle and deletes it through the release callback; on failure the caller does. */
  Status SetGoAdapter(const std::string &deployment, uintptr_t handle);
  /** Go: registers the event listener behind a runtime/cgo.Handle (0 removes it). On success the
   * router owns the handle and releases it (llmrouteGoRelease) once the listener is replaced, or
   * the router destroyed, and its last event has returned; on failure the caller deletes it. */
  Status SetGoEventListener(uintptr_t handle);
  /** Go: a call with the request as raw bytes. `call_handle` (a runtime/cgo.Handle, 0 = none)
   * is handed to every Go adapter invoked for this call on this thread, so that the adapter's
   * returned error or panic can become the cause of the call's error. */
  Status CallRaw(const std::string &model, const char *request, size_t request_len,
                 const CallOptions &options, CallResult &out, uintptr_t call_handle);
#endif

#if defined(LLMROUTE_SWIG_GO) && !defined(SWIG)
  /** Go's SWIG-less hot path (llmroute_go_fast.h). `model` is `model_len` bytes, not
   * NUL-terminated; `options` may be null. Every member of `out` is written, and nothing is
   * allocated unless the pick fails (then `out->message` is a malloc'd copy of its message). */
  void GoPick(const char *model, size_t model_len, const llmr_pick_options *options,
              llmroute_go_pick_result *out);
  /** Go: llmr_router_report / llmr_router_cancel; the message is malloc'd only on failure. */
  llmroute_go_status GoReport(llmr_ticket ticket, const llmr_report &report);
  llmroute_go_status GoCancel(llmr_ticket ticket);
  /** Go's Explain and traced pick (llmroute_go_fast.h): `options` is llmr_pick_options already
   * built from Go's own layout; a traced pick when `traced`. */
  void GoExplain(const char *model, size_t model_len, const llmr_pick_options *options, bool traced,
                 llmroute_go_pick_result *pick, Explanation &out);
#endif

 private:
#ifndef SWIG
  class Entry;
  friend class Entry;
  /** Calls in flight, spread over cache-line-sized slots (a thread always uses its own). */
  static const int kSlots = 64;
  struct alignas(64) Slot {
    std::atomic<int64_t> active{0};
  };
  int64_t ActiveCalls() const;
  /** Destroys the native router when nothing is in flight and it was not destroyed yet. */
  void DestroyIfIdle();
  /** DestroyIfIdle(), or on a thread of its own when called from an event listener on a thread
   * inside no call of this router (the shared-state thread, which destroying joins). */
  void DestroyWhenIdle();
  /** True when this thread is inside a call on this router (Close must not wait for itself). */
  bool InsideOnThisThread() const;
  /** Copies shared_state_ into c when UseSharedState() was called. */
  void ApplySharedState(llmr_router_options *c) const;

  llmr_router *router_ = nullptr;  // set by Open, before the object is shared
  std::atomic<bool> closing_{false};
  std::atomic<bool> destroyed_{false};
  std::mutex close_mu_;
  std::condition_variable close_cv_;
  bool close_done_ = false;  // under close_mu_
  /** Go: runtime/cgo.Handle values of the clock and random source, released after destroy. */
  SharedStateOptions shared_state_;
  bool use_shared_state_ = false;
  uintptr_t go_clock_ = 0;
  uintptr_t go_random_ = 0;
  Slot slots_[kSlots];
#endif
};

}  // namespace swig
}  // namespace llmroute

#endif  // LLMROUTE_SWIG_HPP
