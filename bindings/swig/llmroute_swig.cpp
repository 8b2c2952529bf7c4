// llmroute_swig.cpp: implementation of the binding shim (see llmroute_swig.hpp).
#include "llmroute_swig.hpp"

#if defined(LLMROUTE_SWIG_GO)
#include "llmroute_go_fast.h"
#endif

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <thread>

#if defined(LLMROUTE_SWIG_GO)
// Defined with //export in the Go package (internal/native/callbacks.go).
extern "C" {
int32_t llmrouteGoInvoke(uintptr_t handle, uintptr_t call, llmr_invoke_args *args,
                         llmr_attempt_result *result);
void llmrouteGoRelease(uintptr_t handle);
int64_t llmrouteGoClockNow(uintptr_t handle);
void llmrouteGoClockSleep(uintptr_t handle, int64_t duration_ns);
int64_t llmrouteGoRandom(uintptr_t handle);
void llmrouteGoEvent(uintptr_t handle, llmr_event *event);
}
#endif

namespace llmroute {
namespace swig {

Status MakeStatus(llmr_status code) {
  Status s;
  s.code = static_cast<int>(code);
  if (code != LLMR_OK) {
    const char *message = llmr_error_message();
    s.message = (message != nullptr && *message != '\0') ? message : llmr_status_str(code);
  }
  return s;
}

/** Event callbacks running on this thread (Close() must not destroy the router from its own
 * shared-state thread, which would join itself). */
static thread_local int tl_event_depth = 0;

static Status Invalid(const std::string &message) {
  Status s;
  s.code = LLMR_ERR_INVALID_ARGUMENT;
  s.message = message;
  return s;
}

static Status NotOpen() {
  Status s;
  s.code = LLMR_ERR_INVALID_ARGUMENT;
  s.message = "router is not open";
  return s;
}

static Status Closed() {
  Status s;
  s.code = kStatusClosed;
  s.message = "router is closed";
  return s;
}

int ClosedStatusCode() {
  return kStatusClosed;
}

std::string StatusName(int code) {
  if (code == kStatusClosed) return "LLMROUTE_ERR_CLOSED";
  return llmr_status_str(static_cast<llmr_status>(code));
}
int32_t LibraryVersion() {
  return llmr_version();
}
std::string LibraryVersionString() {
  return llmr_version_string();
}
int32_t HeaderVersion() {
  return LLMR_VERSION_NUMBER;
}
int FeatureEnabled(const std::string &name) {
  if (llmr_feature_enabled(name.c_str()) == 1) return 1;
  // 0 for both "built without" and "unknown name": only the latter leaves a message.
  const char *message = llmr_error_message();
  return message != nullptr && message[0] != '\0' ? -1 : 0;
}

// ---------------------------------------------------------------------------------------------

Clock::~Clock() = default;
void Clock::SleepNanos(int64_t duration_ns) {
  if (duration_ns > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(duration_ns));
}
Random::~Random() = default;
Adapter::~Adapter() = default;
void Adapter::Released() {}

namespace {

// Trampolines: nothing may unwind through the C library, whatever the host code does.
int64_t ClockTrampoline(void *user_data) noexcept {
  try {
    return static_cast<Clock *>(user_data)->NowNanos();
  } catch (...) {
    return 0;
  }
}

void SleepTrampoline(void *user_data, int64_t duration_ns) noexcept {
  try {
    static_cast<Clock *>(user_data)->SleepNanos(duration_ns);
  } catch (...) {
  }
}

uint64_t RandomTrampoline(void *user_data) noexcept {
  try {
    return static_cast<uint64_t>(static_cast<Random *>(user_data)->NextBits());
  } catch (...) {
    return 0x9e3779b97f4a7c15ULL;
  }
}

llmr_status InvokeTrampoline(void *user_data, const llmr_invoke_args *args,
                             llmr_attempt_result *result) noexcept {
  try {
    InvokeArgs a(args);
    AttemptResult r(result);
    const int status = static_cast<Adapter *>(user_data)->DoInvoke(a, r);
    return static_cast<llmr_status>(status);
  } catch (...) {
    return LLMR_ERR_INTERNAL;
  }
}

void ReleaseTrampoline(void *user_data) noexcept {
  try {
    static_cast<Adapter *>(user_data)->Released();
  } catch (...) {
  }
}

#if defined(LLMROUTE_SWIG_GO)
// The Go call on this thread (CallRaw's call_handle): llmr_router_call() runs adapters on the
// thread that called it, and a Go goroutine stays on its thread for a cgo call and the callbacks
// inside it. Saved and restored around each call, so an adapter that calls a router nests.
thread_local uintptr_t tl_go_call = 0;

llmr_status GoInvokeTrampoline(void *user_data, const llmr_invoke_args *args,
                               llmr_attempt_result *result) noexcept {
  return static_cast<llmr_status>(llmrouteGoInvoke(reinterpret_cast<uintptr_t>(user_data),
                                                   tl_go_call, const_cast<llmr_invoke_args *>(args),
                                                   result));
}
void GoReleaseTrampoline(void *user_data) noexcept {
  llmrouteGoRelease(reinterpret_cast<uintptr_t>(user_data));
}
int64_t GoClockTrampoline(void *user_data) noexcept {
  return llmrouteGoClockNow(reinterpret_cast<uintptr_t>(user_data));
}
void GoSleepTrampoline(void *user_data, int64_t duration_ns) noexcept {
  llmrouteGoClockSleep(reinterpret_cast<uintptr_t>(user_data), duration_ns);
}
uint64_t GoRandomTrampoline(void *user_data) noexcept {
  return static_cast<uint64_t>(llmrouteGoRandom(reinterpret_cast<uintptr_t>(user_data)));
}
void GoEventTrampoline(void *user_data, const llmr_event *event) noexcept {
  ++tl_event_depth;
  llmrouteGoEvent(reinterpret_cast<uintptr_t>(user_data), const_cast<llmr_event *>(event));
  --tl_event_depth;
}
#endif

std::vector<const char *> CStrings(const std::vector<std::string> &v) {
  std::vector<const char *> out;
  out.reserve(v.size());
  for (const std::string &s : v) out.push_back(s.c_str());
  return out;
}

std::string Str(const char *s) {
  return s != nullptr ? std::string(s) : std::string();
}

void FillHealth(const llmr_health &h, Health &out) {
  out.name = Str(h.name);
  out.state = h.state;
  out.override_mode = h.override_mode;
  out.eligible = h.eligible != 0;
  out.ewma_latency_ms = h.ewma_latency_ms;
  out.failure_ratio = h.failure_ratio;
  out.in_flight = h.in_flight;
  out.picks = h.picks;
  out.successes = h.successes;
  out.failures = h.failures;
  out.request_errors = h.request_errors;
  out.cancels = h.cancels;
  out.trips = h.trips;
  out.consecutive_failures = h.consecutive_failures;
  out.cooldown_remaining_ms = h.cooldown_remaining_ms;
  out.weight = h.weight;
  out.tier = h.tier;
  out.quota_remaining_requests = h.quota_remaining_requests;
  out.quota_remaining_tokens = h.quota_remaining_tokens;
  out.quota_requests_reset_ms = h.quota_requests_reset_ms;
  out.quota_tokens_reset_ms = h.quota_tokens_reset_ms;
  out.quota_exhausted_ms = h.quota_exhausted_ms;
  out.quota_exhaustions = h.quota_exhaustions;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Deployment::Deployment() {
  llmr_deployment c;
  llmr_deployment_init(&c, sizeof c);
  weight = c.weight;
  tier = c.tier;
  rpm_limit = c.rpm_limit;
  tpm_limit = static_cast<int64_t>(c.tpm_limit);
  max_in_flight = c.max_in_flight;
  cost_per_million_input = c.cost_per_million_input;
  cost_per_million_output = c.cost_per_million_output;
}

Deployment::Deployment(const std::string &n) : Deployment() {
  name = n;
}

PickOptions::PickOptions() {
  llmr_pick_options c;
  llmr_pick_options_init(&c, sizeof c);
  expected_input_tokens = c.expected_input_tokens;
  expected_output_tokens = c.expected_output_tokens;
  max_price = c.max_price;
  deadline_ms = c.deadline_ms;
  priority = c.priority;
}

Pick::Pick()
    : ticket(0),
      tier(0),
      is_probe(false),
      is_panic(false),
      retry_after_ms(0),
      deadline_unmet(false) {}

ExplainCandidate::ExplainCandidate()
    : tier(0),
      state(LLMR_BREAKER_CLOSED),
      override_mode(LLMR_OVERRIDE_AUTO),
      cooldown_remaining_ms(0),
      in_flight(0),
      weight(0),
      rpm_limit(0),
      tpm_limit(0),
      max_in_flight(0),
      requests_in_window(0),
      tokens_in_window(0),
      ewma_latency_ms(-1),
      failure_ratio(0),
      price(-1),
      score(0),
      rank(-1),
      tier_share(0),
      filtered(false),
      is_probe(false),
      picked(false) {}

Explanation::Explanation()
    : strategy(LLMR_STRATEGY_DEFAULT),
      status(0),
      retry_after_ms(0),
      picked_index(-1),
      is_panic(false),
      approximate(false),
      deadline_unmet(false) {}

Health::Health()
    : state(LLMR_BREAKER_CLOSED),
      override_mode(LLMR_OVERRIDE_AUTO),
      eligible(false),
      ewma_latency_ms(-1),
      failure_ratio(0),
      in_flight(0),
      picks(0),
      successes(0),
      failures(0),
      request_errors(0),
      cancels(0),
      trips(0),
      consecutive_failures(0),
      cooldown_remaining_ms(0),
      weight(0),
      tier(0),
      quota_remaining_requests(-1),
      quota_remaining_tokens(-1),
      quota_requests_reset_ms(0),
      quota_tokens_reset_ms(0),
      quota_exhausted_ms(0),
      quota_exhaustions(0) {}

AttemptInfo::AttemptInfo()
    : outcome(LLMR_OUTCOME_SUCCESS),
      latency_ms(0),
      backoff_ms(0),
      committed(false),
      adapter_failed(false),
      hedge(false),
      cancelled(false) {}

CallResult::CallResult()
    : status(LLMR_OK),
      final_outcome(LLMR_OUTCOME_SUCCESS),
      used_fallback(false),
      retry_after_ms(0),
      total_ms(0),
      has_report(false) {}

CallOptions::CallOptions() : cancel(nullptr) {
  llmr_call_options c;
  llmr_call_options_init(&c, sizeof c);
  deadline_ms = c.deadline_ms;
  attempt_timeout_ms = c.attempt_timeout_ms;
  max_attempts = c.max_attempts;
  backoff_base_ms = c.backoff_base_ms;
  backoff_max_ms = c.backoff_max_ms;
  first_byte_timeout_ms = c.first_byte_timeout_ms;
  idle_timeout_ms = c.idle_timeout_ms;
  hedge_after_ms = c.hedge_after_ms;
  hedge_after_quantile = c.hedge_after_quantile;
  max_hedges = c.max_hedges;
  priority = c.priority;
}

Cancellation::Cancellation() {
  llmr_cancel_create(&cancel_);
}
Cancellation::~Cancellation() {
  llmr_cancel_destroy(cancel_);
}
Status Cancellation::Trigger() {
  if (cancel_ == nullptr) return Invalid("cancellation could not be created");
  return MakeStatus(llmr_cancel_trigger(cancel_));
}

std::string InvokeArgs::Deployment() const {
  return Str(args_->deployment);
}
std::string InvokeArgs::Model() const {
  return Str(args_->model);
}
std::string InvokeArgs::Request() const {
  if (args_->request == nullptr) return std::string();
  return std::string(static_cast<const char *>(args_->request), args_->request_len);
}
int64_t InvokeArgs::RequestLength() const {
  return static_cast<int64_t>(args_->request_len);
}
uint32_t InvokeArgs::Attempt() const {
  return args_->attempt;
}
int64_t InvokeArgs::TimeoutMs() const {
  return args_->timeout_ms;
}
Status InvokeArgs::SetResponse(const std::string &response) {
  return MakeStatus(llmr_call_set_response(args_->context, response.data(), response.size()));
}
void InvokeArgs::Progress() const {
  llmr_call_progress(args_->context);
}

int64_t InvokeArgs::FirstByteTimeoutMs() const {
  return args_->struct_size > offsetof(llmr_invoke_args, first_byte_timeout_ms)
             ? args_->first_byte_timeout_ms
             : 0;
}

int64_t InvokeArgs::IdleTimeoutMs() const {
  return args_->struct_size > offsetof(llmr_invoke_args, idle_timeout_ms) ? args_->idle_timeout_ms
                                                                          : 0;
}

bool InvokeArgs::IsHedge() const {
  return args_->struct_size > offsetof(llmr_invoke_args, is_hedge) && args_->is_hedge != 0;
}

llmr_status InvokeArgs::Commit() const {
  return llmr_call_commit(args_->context);
}

llmr_status InvokeArgs::Check() const {
  return llmr_call_check(args_->context);
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// CloseGuard: what makes Router::Close() safe against calls on other threads (see the class
// comment in llmroute_swig.hpp). The protocol is Dekker's: a call increments its slot, then reads
// closing_; Close() writes closing_, then sums the slots. With sequentially consistent operations
// on both sides, either the call sees closing_ (and backs out without touching the router) or
// the sum sees the call (and the router outlives it). Whoever finds the sum at zero after the
// flag is up destroys, once (destroyed_). On x86 a pick pays two uncontended locked increments on
// a cache line of its own thread's slot; the RWMutex the Go binding used before paid two on one
// line that every thread shared.

namespace {

/** What a thread knows about its calls: its slot, and the routers it is inside (innermost last).
 * Zero-initialised plain data, so the thread_local needs no initialisation guard. */
struct ThreadCalls {
  static const unsigned kTracked = 8;
  const void *inside[kTracked];
  unsigned depth;
  unsigned slot;
  bool has_slot;
};
thread_local ThreadCalls tl_calls;
std::atomic<unsigned> next_slot{0};

}  // namespace

class Router::Entry {
 public:
  explicit Entry(Router &r) : r_(r) {
    ThreadCalls &t = tl_calls;
    if (!t.has_slot) {
      t.slot = next_slot.fetch_add(1, std::memory_order_relaxed) % kSlots;
      t.has_slot = true;
    }
    slot_ = &r.slots_[t.slot];
    slot_->active.fetch_add(1, std::memory_order_seq_cst);
    if (r.closing_.load(std::memory_order_seq_cst) || r.router_ == nullptr) {
      Leave();
      return;
    }
    entered_ = true;
    if (t.depth < ThreadCalls::kTracked) t.inside[t.depth] = &r;
    ++t.depth;
  }
  ~Entry() {
    if (!entered_) return;
    --tl_calls.depth;
    Leave();
  }
  Entry(const Entry &) = delete;
  Entry &operator=(const Entry &) = delete;
  explicit operator bool() const { return entered_; }
  /** Why the call did not enter. */
  Status Refusal() const { return r_.closing_.load() ? Closed() : NotOpen(); }

 private:
  void Leave() {
    slot_->active.fetch_sub(1, std::memory_order_seq_cst);
    if (r_.closing_.load(std::memory_order_seq_cst)) r_.DestroyWhenIdle();
  }
  Router &r_;
  Slot *slot_ = nullptr;
  bool entered_ = false;
};

int64_t Router::ActiveCalls() const {
  int64_t sum = 0;
  for (const Slot &s : slots_) sum += s.active.load(std::memory_order_seq_cst);
  return sum;
}

bool Router::InsideOnThisThread() const {
  const ThreadCalls &t = tl_calls;
  const unsigned n = t.depth < ThreadCalls::kTracked ? t.depth : ThreadCalls::kTracked;
  for (unsigned i = 0; i < n; ++i)
    if (t.inside[i] == this) return true;
  return false;
}

void Router::DestroyIfIdle() {
  if (ActiveCalls() != 0) return;
  if (destroyed_.exchange(true, std::memory_order_seq_cst)) return;
  llmr_router_destroy(router_);  // releases every adapter and the event listener
#if defined(LLMROUTE_SWIG_GO)
  // The clock and random source are needed until the router is gone, which is only now when
  // Close() was called from inside a call.
  if (go_clock_ != 0) llmrouteGoRelease(go_clock_);
  if (go_random_ != 0) llmrouteGoRelease(go_random_);
#endif
  // Notified under the lock: once a waiting Close() can return, and the object be freed, this
  // thread no longer touches it.
  std::lock_guard<std::mutex> lock(close_mu_);
  close_done_ = true;
  close_cv_.notify_all();
}

void Router::DestroyWhenIdle() {
  if (tl_event_depth > 0 && !InsideOnThisThread()) {
    // An event listener on a thread that is inside no call of this router: the router's own
    // shared-state thread, which llmr_router_destroy() joins. Destroy from a thread of our own
    // instead (it waits in the join until this event returns).
    if (ActiveCalls() == 0 && !destroyed_.load()) std::thread([this] { DestroyIfIdle(); }).detach();
    return;
  }
  DestroyIfIdle();
}

bool Router::IsOpen() const {
  return router_ != nullptr && !closing_.load();
}

void Router::Close() {
  closing_.store(true, std::memory_order_seq_cst);
  if (router_ == nullptr) return;  // never opened
  DestroyWhenIdle();
  // From inside a call on this thread, the outermost call destroys the router on return; from
  // an event listener on the shared-state thread, the thread DestroyWhenIdle() started does.
  if (InsideOnThisThread() || tl_event_depth > 0)
    return;  // the outermost call on this thread destroys it on return
  std::unique_lock<std::mutex> lock(close_mu_);
  close_cv_.wait(lock, [this] { return close_done_; });
}

Router::Router() = default;
Router::~Router() {
  Close();
}

Status Router::Open(const RouterOptions &options, Clock *clock, Random *random) {
  if (closing_.load()) return Closed();
  if (router_ != nullptr) return Invalid("router is already open");
  llmr_router_options c;
  FillOptions(options, &c);
  ApplySharedState(&c);
  if (clock != nullptr) {
    c.clock = &ClockTrampoline;
    c.clock_user_data = clock;
    c.sleep = &SleepTrampoline;
    c.sleep_user_data = clock;
  }
  if (random != nullptr) {
    c.random = &RandomTrampoline;
    c.random_user_data = random;
  }
  return MakeStatus(llmr_router_create(&c, &router_));
}

namespace {
Status DeploymentCall(llmr_router *router, const Deployment &d, bool update) {
  std::vector<const char *> models = CStrings(d.models);
  std::vector<const char *> tags = CStrings(d.tags);
  llmr_deployment c;
  llmr_deployment_init(&c, sizeof c);
  c.name = d.name.c_str();
  c.models = models.data();
  c.model_count = models.size();
  c.tags = tags.empty() ? nullptr : tags.data();
  c.tag_count = tags.size();
  c.weight = d.weight;
  c.tier = d.tier;
  c.rpm_limit = d.rpm_limit;
  c.tpm_limit = d.tpm_limit < 0 ? 0 : static_cast<uint64_t>(d.tpm_limit);
  c.max_in_flight = d.max_in_flight;
  c.cost_per_million_input = d.cost_per_million_input;
  c.cost_per_million_output = d.cost_per_million_output;
  // Filled in pairs by AddReserve (the hosts do not reach the vectors themselves).
  c.reserve_priorities = d.reserve_priorities.empty() ? nullptr : d.reserve_priorities.data();
  c.reserve_shares = d.reserve_shares.empty() ? nullptr : d.reserve_shares.data();
  c.reserve_count = std::min(d.reserve_priorities.size(), d.reserve_shares.size());
  return MakeStatus(update ? llmr_router_update_deployment(router, &c)
                           : llmr_router_add_deployment(router, &c));
}
}  // namespace

Status Router::AddDeployment(const Deployment &deployment) {
  Entry in(*this);
  if (!in) return in.Refusal();
  return DeploymentCall(router_, deployment, false);
}

Status Router::UpdateDeployment(const Deployment &deployment) {
  Entry in(*this);
  if (!in) return in.Refusal();
  return DeploymentCall(router_, deployment, true);
}

Status Router::RemoveDeployment(const std::string &name) {
  Entry in(*this);
  if (!in) return in.Refusal();
  return MakeStatus(llmr_router_remove_deployment(router_, name.c_str()));
}

Status Router::SetAlias(const std::string &alias, const std::string &model) {
  Entry in(*this);
  if (!in) return in.Refusal();
  return MakeStatus(llmr_router_set_alias(router_, alias.c_str(), model.c_str()));
}

Status Router::RemoveAlias(const std::string &alias) {
  Entry in(*this);
  if (!in) return in.Refusal();
  return MakeStatus(llmr_router_remove_alias(router_, alias.c_str()));
}

Status Router::SetFallbacks(const std::string &model, const std::vector<std::string> &fallbacks) {
  Entry in(*this);
  if (!in) return in.Refusal();
  std::vector<const char *> c = CStrings(fallbacks);
  return MakeStatus(
      llmr_router_set_fallbacks(router_, model.c_str(), c.empty() ? nullptr : c.data(), c.size()));
}

Status Router::SetFallbacksFor(const std::string &model, llmr_fallback_kind kind,
                               const std::vector<std::string> &fallbacks) {
  Entry in(*this);
  if (!in) return in.Refusal();
  std::vector<const char *> c = CStrings(fallbacks);
  return MakeStatus(llmr_router_set_fallbacks_for(router_, model.c_str(), kind,
                                                  c.empty() ? nullptr : c.data(), c.size()));
}

Status Router::SetModelStrategy(const std::string &model, llmr_strategy strategy) {
  Entry in(*this);
  if (!in) return in.Refusal();
  return MakeStatus(llmr_router_set_model_strategy(router_, model.c_str(), strategy));
}

Status Router::SetOverride(const std::string &name, llmr_override mode) {
  Entry in(*this);
  if (!in) return in.Refusal();
  return MakeStatus(llmr_router_set_override(router_, name.c_str(), mode));
}

namespace {
Status DoPick(llmr_router *router, const char *model, const llmr_pick_options *opts, Pick &out) {
  llmr_pick p;
  llmr_pick_init(&p, sizeof p);
  const llmr_status rc = llmr_router_pick(router, model, opts, &p);
  Status s = MakeStatus(rc);
  out.ticket = static_cast<int64_t>(p.ticket);
  out.retry_after_ms = p.retry_after_ms;
  if (rc == LLMR_OK) {
    // Into the caller's reused strings' buffers, without a temporary std::string per pick.
    out.deployment.assign(p.deployment != nullptr ? p.deployment : "");
    out.model.assign(p.model != nullptr ? p.model : "");
    out.tier = p.tier;
    out.is_probe = p.is_probe != 0;
    out.is_panic = p.is_panic != 0;
    out.deadline_unmet = p.deadline_unmet != 0;
  } else {
    out.deployment.clear();
    out.model.clear();
    out.tier = 0;
    out.is_probe = out.is_panic = out.deadline_unmet = false;
  }
  return s;
}
}  // namespace

Status Router::PickInto(const char *model, Pick &out) {
  Entry in(*this);
  if (!in) return in.Refusal();
  return DoPick(router_, model, nullptr, out);
}

Status Router::PickExcluding(const std::string &model, const std::vector<std::string> &exclude,
                             Pick &out) {
  Entry in(*this);
  if (!in) return in.Refusal();
  std::vector<const char *> c = CStrings(exclude);
  llmr_pick_options o;
  llmr_pick_options_init(&o, sizeof o);
  o.exclude = c.empty() ? nullptr : c.data();
  o.exclude_count = c.size();
  return DoPick(router_, model.c_str(), &o, out);
}

namespace {
// PickOptions as llmr_pick_options; the C strings point into `options`, which must outlive `o`.
struct CPickOptions {
  explicit CPickOptions(const PickOptions &options)
      : exclude(CStrings(options.exclude)), tags(CStrings(options.required_tags)) {
    llmr_pick_options_init(&o, sizeof o);
    o.exclude = exclude.empty() ? nullptr : exclude.data();
    o.exclude_count = exclude.size();
    o.affinity_key = options.affinity_key.empty() ? nullptr : options.affinity_key.c_str();
    o.required_tags = tags.empty() ? nullptr : tags.data();
    o.required_tag_count = tags.size();
    o.expected_input_tokens = options.expected_input_tokens;
    o.expected_output_tokens = options.expected_output_tokens;
    o.max_price = options.max_price;
    o.deadline_ms = options.deadline_ms;
    // int64_t and uint64_t share their representation: the host's signed values are the hashes.
    o.prefix_hashes = options.prefix_hashes.empty()
                          ? nullptr
                          : reinterpret_cast<const uint64_t *>(options.prefix_hashes.data());
    o.prefix_hash_count = options.prefix_hashes.size();
    o.priority = options.priority;
  }
  std::vector<const char *> exclude;
  std::vector<const char *> tags;
  llmr_pick_options o;
};

void FillExplainCandidate(const llmr_explain_candidate &c, ExplainCandidate &out) {
  out.deployment = c.deployment != nullptr ? c.deployment : "";
  out.tier = c.tier;
  out.state = c.state;
  out.override_mode = c.override_mode;
  out.cooldown_remaining_ms = c.cooldown_remaining_ms;
  out.in_flight = c.in_flight;
  out.weight = c.weight;
  out.rpm_limit = c.rpm_limit;
  out.tpm_limit = static_cast<int64_t>(c.tpm_limit);
  out.max_in_flight = c.max_in_flight;
  out.requests_in_window = static_cast<int64_t>(c.requests_in_window);
  out.tokens_in_window = static_cast<int64_t>(c.tokens_in_window);
  out.ewma_latency_ms = c.ewma_latency_ms;
  out.failure_ratio = c.failure_ratio;
  out.price = c.price;
  out.score = c.score;
  out.rank = c.rank;
  out.tier_share = c.tier_share;
  out.filtered = c.filtered != 0;
  out.reason = c.reason != nullptr ? c.reason : "";
  out.is_probe = c.is_probe != 0;
  out.picked = c.picked != 0;
}
}  // namespace

Status Router::PickWith(const std::string &model, const PickOptions &options, Pick &out) {
  Entry in(*this);
  if (!in) return in.Refusal();
  const CPickOptions c(options);
  return DoPick(router_, model.c_str(), &c.o, out);
}

namespace {
// Copies the library's explanation `e` into `out`, then frees it.
void FillExplanation(llmr_explanation *e, Explanation &out) {
  llmr_explain_summary summary;
  llmr_explain_summary_init(&summary, sizeof summary);
  llmr_explanation_summary(e, &summary);
  out.model = summary.model;
  out.strategy = summary.strategy;
  out.score_kind = summary.score_kind;
  out.status = summary.status;
  out.message = summary.message;
  out.retry_after_ms = summary.retry_after_ms;
  out.picked = summary.picked != nullptr ? summary.picked : "";
  out.picked_index = summary.picked_index;
  out.is_panic = summary.is_panic != 0;
  out.approximate = summary.approximate != 0;
  out.deadline_unmet = summary.deadline_unmet != 0;
  out.candidates.resize(llmr_explanation_candidate_count(e));
  for (size_t i = 0; i < out.candidates.size(); ++i) {
    llmr_explain_candidate candidate;
    llmr_explain_candidate_init(&candidate, sizeof candidate);
    if (llmr_explanation_candidate(e, i, &candidate) == LLMR_OK)
      FillExplainCandidate(candidate, out.candidates[i]);
  }
  const char *text = nullptr;
  size_t len = 0;
  if (llmr_explanation_json(e, &text, &len) == LLMR_OK) out.json.assign(text, len);
  llmr_explanation_free(e);
}
}  // namespace

Status Router::Explain(const std::string &model, const PickOptions &options, Explanation &out) {
  out = Explanation();
  Entry in(*this);
  if (!in) return in.Refusal();
  const CPickOptions c(options);
  llmr_explanation *e = nullptr;
  const llmr_status rc = llmr_router_explain(router_, model.c_str(), &c.o, &e);
  if (rc != LLMR_OK) return MakeStatus(rc);
  FillExplanation(e, out);
  return Status();
}

Status Router::PickTraced(const std::string &model, const PickOptions &options, Pick &out,
                          Explanation &trace) {
  trace = Explanation();
  Entry in(*this);
  if (!in) return in.Refusal();
  CPickOptions c(options);
  llmr_explanation *e = nullptr;
  c.o.trace = 1;
  c.o.trace_out = &e;
  Status s = DoPick(router_, model.c_str(), &c.o, out);
  if (e != nullptr) FillExplanation(e, trace);
  return s;
}

Status Router::PickRaw(const char *model, size_t model_len, RawPick *out) {
  Entry in(*this);
  if (!in) return in.Refusal();
  if (out == nullptr) return Invalid("out is null");
  // Go strings are not NUL-terminated: copy into a stack buffer (names are at most LLMR_NAME_MAX
  // bytes; a longer one is passed truncated by one byte so that the library rejects it by length).
  char name[LLMR_NAME_MAX + 2];
  const size_t n = model_len < sizeof name - 1 ? model_len : sizeof name - 1;
  if (n > 0) std::memcpy(name, model, n);
  name[n] = '\0';
  // The hot path: every member is written here, so no llmr_pick_init() call (an exported call,
  // a memset and a memcpy: 8% of a Go pick + report under perf).
  llmr_pick p{};
  p.struct_size = sizeof p;
  const llmr_status rc = llmr_router_pick(router_, name, nullptr, &p);
  std::memset(out, 0, sizeof *out);
  out->retry_after_ms = p.retry_after_ms;
  if (rc == LLMR_OK) {
    out->ticket = p.ticket;
    out->deployment = p.deployment;
    out->deployment_len =
        p.deployment != nullptr ? static_cast<int64_t>(std::strlen(p.deployment)) : 0;
    if (p.model == name) {
      // Not an alias: the library hands back our own stack buffer, dead once we return. -1 tells
      // the caller "the model it asked for" instead.
      out->model = nullptr;
      out->model_len = -1;
    } else {
      out->model = p.model;  // an alias target: router-owned
      out->model_len = p.model != nullptr ? static_cast<int64_t>(std::strlen(p.model)) : 0;
    }
    out->tier = p.tier;
    out->is_probe = p.is_probe;
    out->is_panic = p.is_panic;
    Status ok;
    return ok;
  }
  return MakeStatus(rc);
}

Status Router::Report(int64_t ticket, llmr_outcome outcome, double latency_ms) {
  return ReportFull(ticket, outcome, latency_ms, -1, 0, 0, 0);
}

Status Router::ReportFull(int64_t ticket, llmr_outcome outcome, double latency_ms, double ttft_ms,
                          int64_t retry_after_ms, int64_t input_tokens, int64_t output_tokens) {
  return ReportQuota(ticket, outcome, latency_ms, ttft_ms, retry_after_ms, input_tokens,
                     output_tokens, -1, -1, 0, 0);
}

Status Router::ReportQuota(int64_t ticket, llmr_outcome outcome, double latency_ms, double ttft_ms,
                           int64_t retry_after_ms, int64_t input_tokens, int64_t output_tokens,
                           int64_t quota_remaining_requests, int64_t quota_remaining_tokens,
                           int64_t quota_requests_reset_ms, int64_t quota_tokens_reset_ms) {
  Entry in(*this);
  if (!in) return in.Refusal();
  llmr_report r{};  // every member set below: no llmr_report_init() call on the hot path
  r.struct_size = sizeof r;
  r.outcome = outcome;
  r.latency_ms = latency_ms;
  r.ttft_ms = ttft_ms;
  r.retry_after_ms = retry_after_ms;
  r.input_tokens = input_tokens;
  r.output_tokens = output_tokens;
  // -1 and 0: not announced (a zeroed remaining count would announce a used-up quota).
  r.quota_remaining_requests = quota_remaining_requests;
  r.quota_remaining_tokens = quota_remaining_tokens;
  r.quota_requests_reset_ms = quota_requests_reset_ms;
  r.quota_tokens_reset_ms = quota_tokens_reset_ms;
  const llmr_status rc = llmr_router_report(router_, static_cast<llmr_ticket>(ticket), &r);
  if (rc == LLMR_OK) return Status();
  return MakeStatus(rc);
}

Status Router::Cancel(int64_t ticket) {
  Entry in(*this);
  if (!in) return in.Refusal();
  return MakeStatus(llmr_router_cancel(router_, static_cast<llmr_ticket>(ticket)));
}

Status Router::Fallbacks(const std::string &model, const std::vector<std::string> &exclude,
                         std::vector<Candidate> &out) {
  out.clear();
  Entry in(*this);
  if (!in) return in.Refusal();
  std::vector<const char *> c = CStrings(exclude);
  llmr_fallbacks *list = nullptr;
  const llmr_status rc = llmr_router_fallbacks(router_, model.c_str(),
                                               c.empty() ? nullptr : c.data(), c.size(), &list);
  if (rc != LLMR_OK) return MakeStatus(rc);
  const size_t n = llmr_fallbacks_count(list);
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const char *dep = nullptr;
    const char *mod = nullptr;
    if (llmr_fallbacks_get(list, i, &dep, &mod) == LLMR_OK)
      out.push_back(Candidate{Str(dep), Str(mod)});
  }
  llmr_fallbacks_free(list);
  return Status();
}

Status Router::HealthOf(const std::string &name, Health &out) {
  Entry in(*this);
  if (!in) return in.Refusal();
  llmr_health h;
  llmr_health_init(&h, sizeof h);
  const llmr_status rc = llmr_router_health(router_, name.c_str(), &h);
  if (rc != LLMR_OK) return MakeStatus(rc);
  FillHealth(h, out);
  return Status();
}

Status Router::HealthList(std::vector<Health> &out) {
  out.clear();
  Entry in(*this);
  if (!in) return in.Refusal();
  llmr_health_list *list = nullptr;
  const llmr_status rc = llmr_router_health_list(router_, &list);
  if (rc != LLMR_OK) return MakeStatus(rc);
  const size_t n = llmr_health_list_count(list);
  out.resize(n);
  for (size_t i = 0; i < n; ++i) {
    llmr_health h;
    llmr_health_init(&h, sizeof h);
    if (llmr_health_list_get(list, i, &h) == LLMR_OK) FillHealth(h, out[i]);
  }
  llmr_health_list_free(list);
  return Status();
}

Status Router::SetAdapter(const std::string &deployment, Adapter *adapter) {
  Entry in(*this);
  if (!in) return in.Refusal();
  if (adapter == nullptr)
    return MakeStatus(llmr_router_set_adapter(router_, deployment.c_str(), nullptr));
  llmr_adapter a;
  llmr_adapter_init(&a, sizeof a);
  a.user_data = adapter;
  a.invoke = &InvokeTrampoline;
  a.release = &ReleaseTrampoline;
  return MakeStatus(llmr_router_set_adapter(router_, deployment.c_str(), &a));
}

namespace {
Status DoCall(llmr_router *router, const std::string &model, const void *request, size_t len,
              const CallOptions &options, CallResult &out) {
  llmr_call_options o;
  llmr_call_options_init(&o, sizeof o);
  o.deadline_ms = options.deadline_ms;
  o.attempt_timeout_ms = options.attempt_timeout_ms;
  o.max_attempts = options.max_attempts;
  o.backoff_base_ms = options.backoff_base_ms;
  o.priority = options.priority;
  o.first_byte_timeout_ms = options.first_byte_timeout_ms;
  o.idle_timeout_ms = options.idle_timeout_ms;
  o.backoff_max_ms = options.backoff_max_ms;
  o.hedge_after_ms = options.hedge_after_ms;
  o.hedge_after_quantile = options.hedge_after_quantile;
  o.max_hedges = options.max_hedges;
  o.cancel = options.cancel != nullptr ? options.cancel->handle() : nullptr;
  llmr_call_report *report = nullptr;
  const llmr_status rc = llmr_router_call(router, model.c_str(), request, len, &o, &report);
  Status s = MakeStatus(rc);  // read the message before any other llmroute call
  out = CallResult();
  out.status = rc;
  if (report != nullptr) {
    out.has_report = true;
    llmr_call_summary sum;
    llmr_call_summary_init(&sum, sizeof sum);
    if (llmr_call_report_summary(report, &sum) == LLMR_OK) {
      out.final_outcome = sum.final_outcome;
      out.deployment = Str(sum.deployment);
      out.model = Str(sum.model);
      out.used_fallback = sum.used_fallback != 0;
      out.retry_after_ms = sum.retry_after_ms;
      out.total_ms = sum.total_ms;
      if (sum.response != nullptr) {
        out.response.assign(static_cast<const char *>(sum.response), sum.response_len);
      }
      out.detail = Str(sum.detail);
    }
    const size_t n = llmr_call_report_attempt_count(report);
    out.attempts.resize(n);
    for (size_t i = 0; i < n; ++i) {
      llmr_attempt_info info;
      llmr_attempt_info_init(&info, sizeof info);
      if (llmr_call_report_attempt(report, i, &info) != LLMR_OK) continue;
      AttemptInfo &a = out.attempts[i];
      a.deployment = Str(info.deployment);
      a.model = Str(info.model);
      a.outcome = info.outcome;
      a.latency_ms = info.latency_ms;
      a.backoff_ms = info.backoff_ms;
      a.committed = info.committed != 0;
      a.adapter_failed = info.adapter_failed != 0;
      a.hedge = info.hedge != 0;
      a.cancelled = info.cancelled != 0;
    }
    llmr_call_report_free(report);
    if (rc != LLMR_OK && !out.detail.empty() &&
        (s.message.empty() || s.message == llmr_status_str(rc))) {
      s.message = out.detail;
    }
  }
  return s;
}
}  // namespace

Status Router::Call(const std::string &model, const std::string &request,
                    const CallOptions &options, CallResult &out) {
  Entry in(*this);
  if (!in) return in.Refusal();
  return DoCall(router_, model, request.data(), request.size(), options, out);
}

Status Router::PickReportOnNativeThread(const std::string &model, int32_t count) {
  Entry in(*this);
  if (!in) return in.Refusal();
  Status result;
  llmr_router *router = router_;
  std::thread worker([&] {
    Entry on_worker(*this);  // so that a listener closing the router on this thread does not wait
    for (int32_t i = 0; i < count && result.ok(); ++i) {
      llmr_pick p;
      llmr_pick_init(&p, sizeof p);
      const llmr_status rc = llmr_router_pick(router, model.c_str(), nullptr, &p);
      if (rc != LLMR_OK) {
        result = MakeStatus(rc);
        break;
      }
      llmr_report r;
      llmr_report_init(&r, sizeof r);
      r.latency_ms = 1;
      const llmr_status rr = llmr_router_report(router, p.ticket, &r);
      if (rr != LLMR_OK) result = MakeStatus(rr);
    }
  });
  worker.join();
  return result;
}

Status Router::CallOnNativeThread(const std::string &model, const std::string &request,
                                  int32_t count) {
  Entry in(*this);
  if (!in) return in.Refusal();
  Status result;
  llmr_router *router = router_;
  std::thread worker([&] {
    Entry on_worker(*this);
    for (int32_t i = 0; i < count && result.ok(); ++i) {
      CallResult out;
      result = DoCall(router, model, request.data(), request.size(), CallOptions(), out);
    }
  });
  worker.join();
  return result;
}

Status ValidateConfig(const std::string &json) {
  return MakeStatus(llmr_config_validate(json.data(), json.size()));
}

Status PrefixHashes(const std::string &text, uint32_t block_bytes, int64_t cap,
                    std::vector<long long> &out) {
  if (cap < 0) return Invalid("cap must be >= 0");
  const size_t blocks = block_bytes == 0 ? 0 : text.size() / block_bytes;
  std::vector<uint64_t> hashes(std::min<size_t>(blocks, static_cast<size_t>(cap)));
  size_t count = 0;
  const llmr_status rc =
      llmr_prefix_hashes(text.data(), text.size(), block_bytes,
                         hashes.empty() ? nullptr : hashes.data(), hashes.size(), &count);
  if (rc != LLMR_OK) return MakeStatus(rc);
  out.assign(hashes.begin(), hashes.begin() + static_cast<std::ptrdiff_t>(count));
  return MakeStatus(rc);
}

Status Router::ReportLoad(const std::string &deployment, int64_t waiting, int64_t running,
                          double kv_cache_utilization, int64_t read_at_ns) {
  Entry in(*this);
  if (!in) return in.Refusal();
  llmr_engine_load l;
  llmr_engine_load_init(&l, sizeof l);
  l.waiting = waiting;
  l.running = running;
  l.kv_cache_utilization = kv_cache_utilization;
  l.read_at_ns = read_at_ns;
  return MakeStatus(llmr_router_report_load(router_, deployment.c_str(), &l));
}

Status Router::ApplyConfig(const std::string &json) {
  Entry in(*this);
  if (!in) return in.Refusal();
  return MakeStatus(llmr_router_apply_config(router_, json.data(), json.size()));
}

Status Router::ApplyConfigFile(const std::string &path) {
  Entry in(*this);
  if (!in) return in.Refusal();
  return MakeStatus(llmr_router_apply_config_file(router_, path.c_str()));
}

Status Router::MetricsText(TextBuffer &out) {
  out.text.clear();
  Entry in(*this);
  if (!in) return in.Refusal();
  // llmr_router_metrics_text into a growing buffer: the text can grow between the size query and
  // the copy, so loop (the library says so).
  std::string buf(4096, '\0');
  for (int tries = 0; tries < 8; ++tries) {
    size_t needed = 0;
    const llmr_status rc = llmr_router_metrics_text(router_, &buf[0], buf.size(), &needed);
    if (rc == LLMR_OK) {
      out.text.assign(buf.c_str());  // NUL-terminated by the library
      return Status();
    }
    if (rc != LLMR_ERR_BUFFER_TOO_SMALL) return MakeStatus(rc);
    buf.resize(needed + needed / 4 + 64);
  }
  return Invalid("metrics text kept growing");
}

// ---------------------------------------------------------------------------------------------
// Statistics and fleet shared state.

DeploymentStats::DeploymentStats()
    : state(LLMR_BREAKER_CLOSED),
      eligible(false),
      in_flight(0),
      picks(0),
      successes(0),
      rate_limited(0),
      server_errors(0),
      timeouts(0),
      connection_errors(0),
      auth_errors(0),
      bad_requests(0),
      context_window_exceeded(0),
      content_policy(0),
      cancels(0),
      input_tokens(0),
      output_tokens(0),
      ewma_latency_ms(-1),
      latency_count(0),
      latency_sum_ms(0),
      latency_p50_ms(-1),
      latency_p90_ms(-1),
      latency_p99_ms(-1),
      breaker_opened(0),
      breaker_half_opened(0),
      breaker_closed(0),
      cooldown_remaining_ms(0) {}

ModelStats::ModelStats() : picks(0), fallbacks(0) {}

RouterStats::RouterStats() : configs_applied(0), configs_rejected(0) {}

SharedStateStatus::SharedStateStatus()
    : enabled(false),
      connected(false),
      last_sync_age_ms(-1),
      syncs(0),
      sync_failures(0),
      connections(0),
      remote_opens(0),
      remote_closes(0),
      topology(0),
      failovers(0) {}

SharedStateOptions::SharedStateOptions() {
  llmr_router_options c;
  llmr_router_options_init(&c, sizeof c);
  sync_interval_ms = c.shared_state_sync_interval_ms;
  connect_timeout_ms = c.shared_state_connect_timeout_ms;
  command_timeout_ms = c.shared_state_command_timeout_ms;
  rate_batch = c.shared_state_rate_batch;
}

namespace {
void FillDeploymentStats(const llmr_deployment_stats &d, DeploymentStats &out) {
  out.name = Str(d.name);
  out.state = d.state;
  out.eligible = d.eligible != 0;
  out.in_flight = d.in_flight;
  out.picks = d.picks;
  out.successes = d.successes;
  out.rate_limited = d.rate_limited;
  out.server_errors = d.server_errors;
  out.timeouts = d.timeouts;
  out.connection_errors = d.connection_errors;
  out.auth_errors = d.auth_errors;
  out.bad_requests = d.bad_requests;
  out.context_window_exceeded = d.context_window_exceeded;
  out.content_policy = d.content_policy;
  out.cancels = d.cancels;
  out.input_tokens = d.input_tokens;
  out.output_tokens = d.output_tokens;
  out.ewma_latency_ms = d.ewma_latency_ms;
  out.latency_count = d.latency_count;
  out.latency_sum_ms = d.latency_sum_ms;
  out.latency_p50_ms = d.latency_p50_ms;
  out.latency_p90_ms = d.latency_p90_ms;
  out.latency_p99_ms = d.latency_p99_ms;
  out.breaker_opened = d.breaker_opened;
  out.breaker_half_opened = d.breaker_half_opened;
  out.breaker_closed = d.breaker_closed;
  out.cooldown_remaining_ms = d.cooldown_remaining_ms;
}
}  // namespace

Status Router::Stats(RouterStats &out) {
  out = RouterStats();
  Entry in(*this);
  if (!in) return in.Refusal();
  llmr_stats *stats = nullptr;
  const llmr_status rc = llmr_router_stats(router_, &stats);
  if (rc != LLMR_OK) return MakeStatus(rc);
  const size_t nd = llmr_stats_deployment_count(stats);
  out.deployments.resize(nd);
  for (size_t i = 0; i < nd; ++i) {
    llmr_deployment_stats d;
    llmr_deployment_stats_init(&d, sizeof d);
    if (llmr_stats_deployment(stats, i, &d) == LLMR_OK) FillDeploymentStats(d, out.deployments[i]);
  }
  const size_t nm = llmr_stats_model_count(stats);
  out.models.resize(nm);
  for (size_t i = 0; i < nm; ++i) {
    llmr_model_stats m;
    llmr_model_stats_init(&m, sizeof m);
    if (llmr_stats_model(stats, i, &m) == LLMR_OK) {
      out.models[i].model = Str(m.model);
      out.models[i].picks = m.picks;
      out.models[i].fallbacks = m.fallbacks;
    }
  }
  llmr_stats_config_counts(stats, &out.configs_applied, &out.configs_rejected);
  const char *text = nullptr;
  size_t len = 0;
  const llmr_status rt = llmr_stats_metrics_text(stats, &text, &len);
  if (rt == LLMR_OK && text != nullptr) out.metrics_text.assign(text, len);
  Status st = MakeStatus(rt);
  llmr_stats_free(stats);
  return st;
}

Status Router::SharedState(SharedStateStatus &out) {
  out = SharedStateStatus();
  Entry in(*this);
  if (!in) return in.Refusal();
  char error[512];
  llmr_shared_state_status c;
  llmr_shared_state_status_init(&c, sizeof c);
  c.last_error = error;
  c.last_error_cap = sizeof error;
  error[0] = '\0';
  char server[256];
  c.server = server;
  c.server_cap = sizeof server;
  server[0] = '\0';
  const llmr_status rc = llmr_router_shared_state_status(router_, &c);
  if (rc != LLMR_OK) return MakeStatus(rc);
  out.enabled = c.enabled != 0;
  out.connected = c.connected != 0;
  out.last_sync_age_ms = c.last_sync_age_ms;
  out.syncs = c.syncs;
  out.sync_failures = c.sync_failures;
  out.connections = c.connections;
  out.remote_opens = c.remote_opens;
  out.remote_closes = c.remote_closes;
  out.last_error = error;
  out.topology = c.topology;
  out.failovers = c.failovers;
  out.server = server;
  return Status();
}

Status Router::UseSharedState(const SharedStateOptions &options) {
  if (closing_.load()) return Closed();
  if (router_ != nullptr) return Invalid("shared state must be set before the router is opened");
  shared_state_ = options;
  use_shared_state_ = true;
  return Status();
}

void Router::ApplySharedState(llmr_router_options *c) const {
  if (!use_shared_state_) return;
  // Pointers into shared_state_, which outlives the create call (the library copies them).
  c->shared_state_url = shared_state_.url.empty() ? nullptr : shared_state_.url.c_str();
  c->shared_state_key_prefix =
      shared_state_.key_prefix.empty() ? nullptr : shared_state_.key_prefix.c_str();
  c->shared_state_sync_interval_ms = shared_state_.sync_interval_ms;
  c->shared_state_connect_timeout_ms = shared_state_.connect_timeout_ms;
  c->shared_state_command_timeout_ms = shared_state_.command_timeout_ms;
  c->shared_state_rate_batch = shared_state_.rate_batch;
}

// ---------------------------------------------------------------------------------------------
// Java and C# only (see the header).
#if !defined(LLMROUTE_SWIG_GO)

EventInfo::EventInfo()
    : kind(LLMR_EVENT_BREAKER),
      from_state(LLMR_BREAKER_CLOSED),
      to_state(LLMR_BREAKER_CLOSED),
      cooldown_ms(0),
      kept_count(0),
      config_generation(0) {}

EventListener::~EventListener() = default;
void EventListener::Released() {}

std::string StrategyName(llmr_strategy strategy) {
  return Str(llmr_strategy_str(strategy));
}
std::string OutcomeName(llmr_outcome outcome) {
  return Str(llmr_outcome_str(outcome));
}
std::string BreakerStateName(llmr_breaker_state state) {
  return Str(llmr_breaker_state_str(state));
}
std::string FallbackKindName(llmr_fallback_kind kind) {
  return Str(llmr_fallback_kind_str(kind));
}
std::string EventKindName(llmr_event_kind kind) {
  return Str(llmr_event_kind_str(kind));
}
int StrategyFromName(const std::string &name) {
  llmr_strategy out = LLMR_STRATEGY_DEFAULT;
  if (llmr_strategy_from_str(name.c_str(), &out) != LLMR_OK) return -1;
  return static_cast<int>(out);
}

namespace {

std::vector<std::string> Strings(const char *const *v, size_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(Str(v[i]));
  return out;
}

void EventTrampoline(void *user_data, const llmr_event *e) noexcept {
  try {
    EventInfo info;
    info.kind = e->kind;
    info.deployment = Str(e->deployment);
    info.from_state = e->from;
    info.to_state = e->to;
    info.cooldown_ms = e->cooldown_ms;
    info.added = Strings(e->added, e->added_count);
    info.removed = Strings(e->removed, e->removed_count);
    info.kept_count = static_cast<int64_t>(e->kept_count);
    info.config_generation = static_cast<int64_t>(e->config_generation);
    info.message = Str(e->message);
    static_cast<EventListener *>(user_data)->OnEvent(info);
  } catch (...) {
  }
}

void ListenerReleaseTrampoline(void *user_data) noexcept {
  try {
    static_cast<EventListener *>(user_data)->Released();
  } catch (...) {
  }
}

void HostCallbacks(Clock *clock, Random *random, llmr_router_options *c) {
  if (clock != nullptr) {
    c->clock = &ClockTrampoline;
    c->clock_user_data = clock;
    c->sleep = &SleepTrampoline;
    c->sleep_user_data = clock;
  }
  if (random != nullptr) {
    c->random = &RandomTrampoline;
    c->random_user_data = random;
  }
}

}  // namespace

Status Router::OpenFromConfig(const std::string &json, const RouterOptions &options, Clock *clock,
                              Random *random) {
  if (router_ != nullptr) return Invalid("router is already open");
  llmr_router_options c;
  FillOptions(options, &c);
  HostCallbacks(clock, random, &c);
  ApplySharedState(&c);
  return MakeStatus(llmr_router_create_from_config(json.data(), json.size(), &c, &router_));
}

Status Router::OpenFromConfigFile(const std::string &path, const RouterOptions &options,
                                  Clock *clock, Random *random) {
  if (router_ != nullptr) return Invalid("router is already open");
  llmr_router_options c;
  FillOptions(options, &c);
  HostCallbacks(clock, random, &c);
  ApplySharedState(&c);
  return MakeStatus(llmr_router_create_from_config_file(path.c_str(), &c, &router_));
}

Status Router::SetEventListener(EventListener *listener) {
  Entry in(*this);
  if (!in) return in.Refusal();
  if (listener == nullptr) return MakeStatus(llmr_router_set_event_listener(router_, nullptr));
  llmr_event_listener l;
  llmr_event_listener_init(&l, sizeof l);
  l.user_data = listener;
  l.fn = &EventTrampoline;
  l.release = &ListenerReleaseTrampoline;
  return MakeStatus(llmr_router_set_event_listener(router_, &l));
}

#endif  // Java and C# only

#if defined(LLMROUTE_SWIG_GO)
namespace {
void SetGoCallbacks(llmr_router_options *c, uintptr_t clock_handle, uintptr_t random_handle) {
  if (clock_handle != 0) {
    c->clock = &GoClockTrampoline;
    c->clock_user_data = reinterpret_cast<void *>(clock_handle);
    c->sleep = &GoSleepTrampoline;
    c->sleep_user_data = reinterpret_cast<void *>(clock_handle);
  }
  if (random_handle != 0) {
    c->random = &GoRandomTrampoline;
    c->random_user_data = reinterpret_cast<void *>(random_handle);
  }
}
}  // namespace

Status Router::OpenGoFromConfigFile(const std::string &path, const RouterOptions &options,
                                    uintptr_t clock_handle, uintptr_t random_handle) {
  if (closing_.load()) return Closed();
  if (router_ != nullptr) return Invalid("router is already open");
  llmr_router_options c;
  FillOptions(options, &c);
  ApplySharedState(&c);
  SetGoCallbacks(&c, clock_handle, random_handle);
  const Status s = MakeStatus(llmr_router_create_from_config_file(path.c_str(), &c, &router_));
  if (s.ok()) {
    go_clock_ = clock_handle;
    go_random_ = random_handle;
  }
  return s;
}

Status Router::OpenGoFromConfig(const char *config, size_t config_len, const RouterOptions &options,
                                uintptr_t clock_handle, uintptr_t random_handle) {
  if (closing_.load()) return Closed();
  if (router_ != nullptr) return Invalid("router is already open");
  if (config == nullptr && config_len > 0) return Invalid("config is null");
  llmr_router_options c;
  FillOptions(options, &c);
  ApplySharedState(&c);
  if (clock_handle != 0) {
    c.clock = &GoClockTrampoline;
    c.clock_user_data = reinterpret_cast<void *>(clock_handle);
    c.sleep = &GoSleepTrampoline;
    c.sleep_user_data = reinterpret_cast<void *>(clock_handle);
  }
  if (random_handle != 0) {
    c.random = &GoRandomTrampoline;
    c.random_user_data = reinterpret_cast<void *>(random_handle);
  }
  const Status s = MakeStatus(
      llmr_router_create_from_config(config == nullptr ? "" : config, config_len, &c, &router_));
  if (s.ok()) {
    go_clock_ = clock_handle;
    go_random_ = random_handle;
  }
  return s;
}

Status Router::OpenGo(const RouterOptions &options, uintptr_t clock_handle,
                      uintptr_t random_handle) {
  if (closing_.load()) return Closed();
  if (router_ != nullptr) return Invalid("router is already open");
  llmr_router_options c;
  FillOptions(options, &c);
  ApplySharedState(&c);
  if (clock_handle != 0) {
    c.clock = &GoClockTrampoline;
    c.clock_user_data = reinterpret_cast<void *>(clock_handle);
    c.sleep = &GoSleepTrampoline;
    c.sleep_user_data = reinterpret_cast<void *>(clock_handle);
  }
  if (random_handle != 0) {
    c.random = &GoRandomTrampoline;
    c.random_user_data = reinterpret_cast<void *>(random_handle);
  }
  const Status s = MakeStatus(llmr_router_create(&c, &router_));
  if (s.ok()) {
    go_clock_ = clock_handle;
    go_random_ = random_handle;
  }
  return s;
}

Status Router::SetGoEventListener(uintptr_t handle) {
  Entry in(*this);
  if (!in) return in.Refusal();
  if (handle == 0) return MakeStatus(llmr_router_set_event_listener(router_, nullptr));
  llmr_event_listener l;
  llmr_event_listener_init(&l, sizeof l);
  l.user_data = reinterpret_cast<void *>(handle);
  l.fn = &GoEventTrampoline;
  l.release = &GoReleaseTrampoline;
  return MakeStatus(llmr_router_set_event_listener(router_, &l));
}

Status Router::SetGoAdapter(const std::string &deployment, uintptr_t handle) {
  Entry in(*this);
  if (!in) return in.Refusal();
  if (handle == 0) return MakeStatus(llmr_router_set_adapter(router_, deployment.c_str(), nullptr));
  llmr_adapter a;
  llmr_adapter_init(&a, sizeof a);
  a.user_data = reinterpret_cast<void *>(handle);
  a.invoke = &GoInvokeTrampoline;
  a.release = &GoReleaseTrampoline;
  return MakeStatus(llmr_router_set_adapter(router_, deployment.c_str(), &a));
}

Status Router::CallRaw(const std::string &model, const char *request, size_t request_len,
                       const CallOptions &options, CallResult &out, uintptr_t call_handle) {
  Entry in(*this);
  if (!in) return in.Refusal();
  const uintptr_t outer = tl_go_call;
  tl_go_call = call_handle;
  Status s = DoCall(router_, model, request, request_len, options, out);
  tl_go_call = outer;
  return s;
}
#endif

}  // namespace swig
}  // namespace llmroute

#if defined(LLMROUTE_SWIG_GO)
// The Go binding's pick, report and cancel without SWIG (llmroute_go_fast.h): plain values in,
// plain values out, behind the same Entry guard as every Router method. No Status (and so no
// std::string) is built unless the call fails.
namespace llmroute {
namespace swig {
namespace {

/** A malloc'd copy of a failure's message, read now in the native call that failed. */
char *FailureMessage(const Status &s) {
  return strdup(s.message.c_str());
}

/** A Go string (not NUL-terminated) as a C string: in `buf` (LLMR_NAME_MAX + 1 bytes) when it is
 * short enough to be a name, else in `heap` (the library then rejects it, with its length). */
const char *CopyName(const char *data, int64_t len, char *buf, std::string &heap) {
  const size_t n = len <= 0 ? 0 : static_cast<size_t>(len);
  if (n > LLMR_NAME_MAX) {
    heap.assign(data, n);
    return heap.c_str();
  }
  if (n > 0) std::memcpy(buf, data, n);
  buf[n] = '\0';
  return buf;
}

/** NUL-terminated copies of a Go []string of names: on the stack for the few a pick usually
 * has (a retry's exclusions, a tag or two), on the heap beyond that. */
class GoNames {
 public:
  explicit GoNames(const llmroute_go_strings &v)
      : n_(v.len > 0 ? static_cast<size_t>(v.len) : 0), heap_(n_ > kInline ? n_ : 0) {
    if (n_ > kInline) {
      big_.resize(n_ * (LLMR_NAME_MAX + 1));
      big_ptrs_.resize(n_);
    }
    for (size_t i = 0; i < n_; ++i) {
      char *buf = n_ > kInline ? &big_[i * (LLMR_NAME_MAX + 1)] : inline_[i];
      std::string &heap = n_ > kInline ? heap_[i] : inline_heap_[i];
      (n_ > kInline ? big_ptrs_.data() : ptrs_)[i] =
          CopyName(v.data[i].data, v.data[i].len, buf, heap);
    }
  }
  GoNames(const GoNames &) = delete;
  GoNames &operator=(const GoNames &) = delete;
  const char *const *data() const {
    return n_ == 0 ? nullptr : n_ > kInline ? big_ptrs_.data() : ptrs_;
  }
  size_t size() const { return n_; }

 private:
  static const size_t kInline = 4;
  size_t n_;
  char inline_[kInline][LLMR_NAME_MAX + 1];
  std::string inline_heap_[kInline];  // only for a name too long to be one
  const char *ptrs_[kInline];
  std::vector<std::string> heap_;
  std::vector<char> big_;
  std::vector<const char *> big_ptrs_;
};

llmroute_go_status GoStatus(llmr_status rc) {
  llmroute_go_status out;
  out.status = rc;
  out.message = rc == LLMR_OK ? nullptr : FailureMessage(MakeStatus(rc));
  return out;
}

}  // namespace

void Router::GoPick(const char *model, size_t model_len, const llmr_pick_options *options,
                    llmroute_go_pick_result *out) {
  std::memset(out, 0, sizeof *out);
  Entry in(*this);
  if (!in) {
    const Status s = in.Refusal();
    out->status = s.code;
    out->message = FailureMessage(s);
    return;
  }
  // Go strings are not NUL-terminated: the name goes through a stack buffer.
  char buf[LLMR_NAME_MAX + 1];
  std::string heap;
  const char *name = CopyName(model, static_cast<int64_t>(model_len), buf, heap);
  // Every member is written here, so no llmr_pick_init() call (an exported call, a memset and a
  // memcpy: 8% of a Go pick + report under perf).
  llmr_pick p{};
  p.struct_size = sizeof p;
  const llmr_status rc = llmr_router_pick(router_, name, options, &p);
  out->retry_after_ms = p.retry_after_ms;
  if (rc != LLMR_OK) {
    out->status = rc;
    out->message = FailureMessage(MakeStatus(rc));
    return;
  }
  out->ticket = p.ticket;
  out->deployment = p.deployment;
  out->deployment_len =
      p.deployment != nullptr ? static_cast<int64_t>(std::strlen(p.deployment)) : 0;
  if (p.model == name) {
    // Not an alias: the library hands back our own stack buffer, dead once we return. -1 tells
    // the caller "the model it asked for" instead.
    out->model_len = -1;
  } else {
    out->model = p.model;  // an alias target: router-owned
    out->model_len = p.model != nullptr ? static_cast<int64_t>(std::strlen(p.model)) : 0;
  }
  out->tier = p.tier;
  out->is_probe = p.is_probe;
  out->is_panic = p.is_panic;
  out->deadline_unmet = p.deadline_unmet;
}

void Router::GoExplain(const char *model, size_t model_len, const llmr_pick_options *options,
                       bool traced, llmroute_go_pick_result *pick, Explanation &out) {
  out = Explanation();
  if (!traced) {
    std::memset(pick, 0, sizeof *pick);
    Entry in(*this);
    if (!in) {
      const Status s = in.Refusal();
      pick->status = s.code;
      pick->message = FailureMessage(s);
      return;
    }
    char buf[LLMR_NAME_MAX + 1];
    std::string heap;
    const char *name = CopyName(model, static_cast<int64_t>(model_len), buf, heap);
    llmr_explanation *e = nullptr;
    const llmr_status rc = llmr_router_explain(router_, name, options, &e);
    if (rc != LLMR_OK) {
      pick->status = rc;
      pick->message = FailureMessage(MakeStatus(rc));
      return;
    }
    FillExplanation(e, out);
    return;
  }
  llmr_explanation *e = nullptr;
  llmr_pick_options o = *options;
  o.trace = 1;
  o.trace_out = &e;
  GoPick(model, model_len, &o, pick);
  if (e != nullptr) FillExplanation(e, out);
}

llmroute_go_status Router::GoReport(llmr_ticket ticket, const llmr_report &report) {
  Entry in(*this);
  if (!in) {
    const Status s = in.Refusal();
    return llmroute_go_status{s.code, FailureMessage(s)};
  }
  return GoStatus(llmr_router_report(router_, ticket, &report));
}

llmroute_go_status Router::GoCancel(llmr_ticket ticket) {
  Entry in(*this);
  if (!in) {
    const Status s = in.Refusal();
    return llmroute_go_status{s.code, FailureMessage(s)};
  }
  return GoStatus(llmr_router_cancel(router_, ticket));
}

}  // namespace swig
}  // namespace llmroute

namespace {
llmroute::swig::Router *GoRouter(uintptr_t router) {
  return reinterpret_cast<llmroute::swig::Router *>(router);
}
}  // namespace

extern "C" llmroute_go_pick_result llmroute_go_pick(uintptr_t router, uintptr_t model,
                                                    size_t model_len) {
  llmroute_go_pick_result out;
  GoRouter(router)->GoPick(reinterpret_cast<const char *>(model), model_len, nullptr, &out);
  return out;
}

namespace {
// Go's PickOptions (llmroute_go_pick_options, read in place) as llmr_pick_options: the one
// builder of Go's PickWith, Explain and traced pick. The strings are copied here, NUL-terminated,
// and live as long as this.
class GoPickOptionsC {
 public:
  explicit GoPickOptionsC(const llmroute_go_pick_options &g)
      : exclude_(g.exclude), tags_(g.required_tags) {
    // The affinity key is any bytes of any length: on the stack when short, else on the heap.
    const char *key = nullptr;
    if (g.affinity_key.len > 0) {
      const size_t n = static_cast<size_t>(g.affinity_key.len);
      if (n < sizeof key_buf_) {
        std::memcpy(key_buf_, g.affinity_key.data, n);
        key_buf_[n] = '\0';
        key = key_buf_;
      } else {
        key_heap_.assign(g.affinity_key.data, n);
        key = key_heap_.c_str();
      }
    }
    o = llmr_pick_options{};  // every member set below: no llmr_pick_options_init() call
    o.struct_size = sizeof o;
    o.exclude = exclude_.data();
    o.exclude_count = exclude_.size();
    o.affinity_key = key;
    o.required_tags = tags_.data();
    o.required_tag_count = tags_.size();
    o.expected_input_tokens = g.expected_input_tokens;
    o.expected_output_tokens = g.expected_output_tokens;
    o.max_price = g.max_price;
    // As the Go binding's deadlineMs: whole milliseconds, a positive value below 1 ms is 1 ms.
    o.deadline_ms = g.deadline_ns > 0 && g.deadline_ns < 1000000 ? 1 : g.deadline_ns / 1000000;
    o.prefix_hashes = g.prefix_hashes.len > 0 ? g.prefix_hashes.data : nullptr;
    o.prefix_hash_count = static_cast<size_t>(g.prefix_hashes.len);
    // Go's Priority: 0 is the default class, else the class + 1; out of range is the library's
    // to reject.
    o.priority = g.priority == 0 ? LLMR_PRIORITY_DEFAULT
                 : g.priority - 1 < 0 || g.priority - 1 > INT32_MAX
                     ? -1
                     : static_cast<int32_t>(g.priority - 1);
  }
  GoPickOptionsC(const GoPickOptionsC &) = delete;
  GoPickOptionsC &operator=(const GoPickOptionsC &) = delete;
  llmr_pick_options o;

 private:
  const llmroute::swig::GoNames exclude_;
  const llmroute::swig::GoNames tags_;
  char key_buf_[512];
  std::string key_heap_;
};
}  // namespace

extern "C" llmroute_go_pick_result llmroute_go_pick_with(uintptr_t router, uintptr_t model,
                                                         size_t model_len, uintptr_t options) {
  const GoPickOptionsC c(*reinterpret_cast<const llmroute_go_pick_options *>(options));
  llmroute_go_pick_result out;
  GoRouter(router)->GoPick(reinterpret_cast<const char *>(model), model_len, &c.o, &out);
  return out;
}

extern "C" llmroute_go_pick_result llmroute_go_explain(uintptr_t router, uintptr_t model,
                                                       size_t model_len, uintptr_t options,
                                                       int32_t traced, uintptr_t explanation) {
  llmroute_go_pick_result out;
  auto &e = *reinterpret_cast<llmroute::swig::Explanation *>(explanation);
  if (options == 0) {
    llmr_pick_options o;
    llmr_pick_options_init(&o, sizeof o);
    GoRouter(router)->GoExplain(reinterpret_cast<const char *>(model), model_len, &o, traced != 0,
                                &out, e);
    return out;
  }
  GoPickOptionsC c(*reinterpret_cast<const llmroute_go_pick_options *>(options));
  GoRouter(router)->GoExplain(reinterpret_cast<const char *>(model), model_len, &c.o, traced != 0,
                              &out, e);
  return out;
}

extern "C" void llmroute_go_pick_options_layout(int64_t out[10]) {
  out[0] = offsetof(llmroute_go_pick_options, exclude);
  out[1] = offsetof(llmroute_go_pick_options, affinity_key);
  out[2] = offsetof(llmroute_go_pick_options, required_tags);
  out[3] = offsetof(llmroute_go_pick_options, expected_input_tokens);
  out[4] = offsetof(llmroute_go_pick_options, expected_output_tokens);
  out[5] = offsetof(llmroute_go_pick_options, max_price);
  out[6] = offsetof(llmroute_go_pick_options, deadline_ns);
  out[7] = offsetof(llmroute_go_pick_options, prefix_hashes);
  out[8] = offsetof(llmroute_go_pick_options, priority);
  out[9] = sizeof(llmroute_go_pick_options);
}

extern "C" llmroute_go_status llmroute_go_report(uintptr_t router, uint64_t ticket, int32_t outcome,
                                                 double latency_ms, double ttft_ms,
                                                 int64_t retry_after_ms, int64_t input_tokens,
                                                 int64_t output_tokens) {
  llmr_report r{};  // every member set below: no llmr_report_init() call on the hot path
  r.struct_size = sizeof r;
  r.outcome = static_cast<llmr_outcome>(outcome);
  r.latency_ms = latency_ms;
  r.ttft_ms = ttft_ms;
  r.retry_after_ms = retry_after_ms;
  r.input_tokens = input_tokens;
  r.output_tokens = output_tokens;
  r.quota_remaining_requests = -1;  // not announced (0 would announce "none left")
  r.quota_remaining_tokens = -1;
  return GoRouter(router)->GoReport(ticket, r);
}

extern "C" llmroute_go_status llmroute_go_cancel(uintptr_t router, uint64_t ticket) {
  return GoRouter(router)->GoCancel(ticket);
}
#endif

// Go mirrors RawPick field by field (internal/native: type RawPick); keep the layouts equal.
static_assert(sizeof(llmroute::swig::RawPick) == 64,
              "RawPick layout changed: update the Go mirror");
static_assert(offsetof(llmroute::swig::RawPick, retry_after_ms) == 40, "RawPick layout changed");
static_assert(offsetof(llmroute::swig::RawPick, tier) == 48, "RawPick layout changed");
