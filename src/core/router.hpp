// The router: owns the deployments' live state, publishes routing snapshots, and serves picks,
// reports, fallbacks and health. Every method may be called from any number of threads at once.
//
// Concurrency: configuration writes are serialised by one mutex, build a new Snapshot and
// publish it; picks read the current snapshot without locks and touch only atomics (apart from
// the first pick of a model name that only a glob serves, which fills a cache). Reports take the
// picked deployment's breaker mutex, never a router-wide one.
//
// Where each part lives (the class is the facade; its parts are separate files and units):
//   router/construction.cpp       Create, the constructor
//   router/writes.cpp             one-item configuration writes and the snapshot publication
//   router/reload.cpp             ApplyConfiguration: whole-configuration replacement
//   router/events.cpp             the event listener and event delivery
//   router/pick_path.cpp          the hot path: Pick (fast path), Report, Cancel
//   router/pick_across_tiers.cpp  the degraded pick path over the priority tiers
//   router/pick_in_tier.hpp       the strategy / affinity dispatch within one tier
//   router/fallbacks.cpp          Fallbacks and the chains of a Call (ResolveCallChains)
//   router/health.cpp, stats.cpp  observation: Health, HealthAll, Stats
//   router/fleet.cpp              the router's side of the fleet synchronisation (FleetHost)
//   execution/call.cpp            Call's engine (CallExecutor), a client of Pick/Report/Cancel
//   shared_state/sync.cpp         the fleet synchronisation, which sees only FleetHost
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/configuration.hpp"
#include "core/events.hpp"
#include "core/execution/call_executor.hpp"
#include "core/execution/call_options.hpp"
#include "core/execution/call_report.hpp"
#include "core/health/slow_start.hpp"
#include "core/request_filter.hpp"
#include "core/router_options.hpp"
#include "core/shared_state/fleet_host.hpp"
#include "core/shared_state/sync.hpp"
#include "core/snapshot.hpp"
#include "core/snapshot_publisher.hpp"
#include "core/spin_lock.hpp"
#include "core/stats/model_stats.hpp"
#include "core/stats/router_stats.hpp"
#include "core/strategies/affinity.hpp"
#include "core/ticket_table.hpp"

namespace llmroute {

struct PickRequest {
  const char *const *exclude = nullptr;  // deployment names not to pick
  size_t exclude_count = 0;
  // Session affinity (strategies/affinity.hpp): requests with the same key stick to the same
  // deployment. Empty: none.
  std::string_view affinity_key{};
  // Only deployments carrying every one of these tags are eligible.
  const char *const *required_tags = nullptr;
  size_t required_tag_count = 0;
  // Expected token counts (0 = unknown), for the cost strategy and max_price.
  int64_t expected_input_tokens = 0;
  int64_t expected_output_tokens = 0;
  // > 0: only deployments whose price for the expected tokens is at most this are eligible.
  double max_price = 0;
  // Only deployments with an adapter are eligible (Router::Call's picks).
  bool require_adapter = false;
  // > 0: the request's time left; deployments whose expected latency exceeds it are skipped,
  // and when none fits the fastest is picked (deadline_pick.cpp).
  int64_t deadline_ms = 0;
  // The prompt's prefix block hashes (engine/prefix_hash.hpp), at most kMaxPickPrefixHashes:
  // engine_aware scores by them, and the pick records them in the chosen deployment's index.
  const uint64_t *prefix_hashes = nullptr;
  size_t prefix_hash_count = 0;
  // The request's class, 0 (highest) .. kPriorityCount - 1 (limits/priority_reserve.hpp): a
  // deployment's reserve for the classes above it is not for this request. Checked by the C
  // shim (llmr_pick_options.priority); a larger value counts as the lowest class.
  uint32_t priority = kDefaultPriority;
};

// A load report of an inference engine (llmr_engine_load); read_at_ns 0: now.
struct EngineLoadInput {
  int64_t waiting = 0;
  int64_t running = 0;
  double kv_utilization = 0;
  int64_t read_at_ns = 0;
};

// The request's pick options, checked (router_pick.cpp): a status naming the bad field.
Status CheckPickRequest(const PickRequest &request);
// What the request asks of a deployment besides health (request_filter.hpp).
RequestFilter FilterOf(const PickRequest &request);

struct Explanation;  // explain/explanation.hpp

struct PickResult {
  uint64_t ticket = 0;
  DeploymentState *state = nullptr;  // alive until the ticket is completed
  const char *deployment = nullptr;  // valid until the ticket is completed
  const char *model = nullptr;       // the routed model name (see Router::Pick)
  uint32_t tier = 0;
  bool probe = false;
  bool panic = false;
  int64_t retry_after_ms = 0;  // on kNoProvider: until the earliest recovery, -1 if none
  // A deadline was given and no deployment's expected latency fits it: this is the fastest.
  bool deadline_unmet = false;
};

struct ReportInput {
  Outcome outcome = Outcome::kSuccess;
  double latency_ms = -1;
  double ttft_ms = -1;
  int64_t retry_after_ms = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  // The provider's announced quota (limits/quota.hpp), in ms as the C API carries it; checked
  // by Report (ValidateQuotaReport).
  int64_t quota_remaining_requests = -1;
  int64_t quota_remaining_tokens = -1;
  int64_t quota_requests_reset_ms = 0;
  int64_t quota_tokens_reset_ms = 0;
};

struct FallbackEntry {
  std::string deployment;
  std::string model;
};

// No name: the caller of Health() knows it, and a pointer to the deployment's own name would
// dangle once another thread removes it (HealthAll pairs each entry with a copy).
struct HealthInfo {
  BreakerState state = BreakerState::kClosed;
  Override override_mode = Override::kAuto;
  bool eligible = true;
  double ewma_latency_ms = -1;
  double failure_ratio = 0;
  int64_t in_flight = 0;
  int64_t picks = 0;
  int64_t successes = 0;
  int64_t failures = 0;
  int64_t request_errors = 0;
  int64_t cancels = 0;
  int64_t trips = 0;
  int64_t consecutive_failures = 0;
  int64_t cooldown_remaining_ms = 0;
  uint32_t weight = 1;
  uint32_t tier = 0;
  QuotaView quota;  // the announced quota (limits/quota.hpp)
};

// Final: the FleetHost overrides (fleet.cpp) are private and nothing else derives from it.
class Router final : private FleetHost {
 public:
  // Validates the options; on success *out holds the router.
  static Status Create(RouterOptions options, std::unique_ptr<Router> *out);
  ~Router();
  Router(const Router &) = delete;
  Router &operator=(const Router &) = delete;

  // --- configuration (writers) ---
  Status AddDeployment(DeploymentSpec spec);
  Status UpdateDeployment(DeploymentSpec spec);
  Status RemoveDeployment(std::string_view name);
  Status SetAlias(std::string_view alias, std::string_view model);
  Status RemoveAlias(std::string_view alias);
  Status SetFallbacks(std::string_view model, std::vector<std::string> chain,
                      FallbackKind kind = FallbackKind::kGeneral);
  // Attaches (or with nullptr detaches) the deployment's adapter.
  Status SetAdapter(std::string_view name, std::shared_ptr<Adapter> adapter);
  Status SetModelStrategy(std::string_view model, StrategyKind kind);
  Status SetOverride(std::string_view name, Override mode);
  // Replaces deployments, aliases, fallback chains and strategies in one snapshot swap (hot
  // reload; router/reload.cpp). Deployments are matched by name: those that stay keep their
  // state (health, statistics, in-flight calls, adapter) and take the new spec; removed ones get
  // no new picks and are freed after their last call, their adapters released; new ones start
  // fresh. Validates everything first: on failure nothing changes. Tells the event listener.
  Status ApplyConfiguration(RouterConfiguration next, ConfigurationChange *change = nullptr);
  // Counts a configuration rejected before it reached the router (for example unparsable JSON)
  // and tells the event listener.
  void RejectConfiguration(std::string_view message);
  // Replaces the event listener (nullptr: none). The previous one is destroyed once no event
  // being delivered uses it.
  void SetEventListener(std::shared_ptr<EventListener> listener);

  // --- routing ---
  // `model_cstr` is `model` as the caller's NUL-terminated string: result->model points at it
  // unless an alias applied (then at router-owned storage).
  Status Pick(std::string_view model, const char *model_cstr, const PickRequest &request,
              PickResult *result);
  Status Report(uint64_t ticket, const ReportInput &report);
  Status Cancel(uint64_t ticket);
  // Stores what the named deployment's inference engine reports (engine/report_load.cpp):
  // checked whole first, so a bad value changes nothing.
  Status ReportLoad(std::string_view deployment, const EngineLoadInput &load);
  Status Fallbacks(std::string_view model, const std::vector<std::string_view> &exclude,
                   std::vector<FallbackEntry> *out);
  // A dry-run pick (explain/explain.cpp): every deployment serving `model`, what a pick with
  // `request` would check of it, and which one it would choose. Issues no ticket and changes no
  // state. kUnknownModel when no deployment serves the model; a model with none eligible is a
  // success whose Explanation carries the status a pick would return.
  Status Explain(std::string_view model, const PickRequest &request, Explanation *out);
  // A real pick, as Pick, that also fills `trace` with the explanation of the state it picked
  // from (explain/pick_trace.cpp): the candidates as a dry run saw them just before, and as
  // `picked` the deployment this pick took (or none, with the pick's error status). Picks without
  // a trace never come here (the C API chooses), so they pay nothing for it.
  Status PickTraced(std::string_view model, const char *model_cstr, const PickRequest &request,
                    PickResult *result, Explanation *trace);
  // Drives a request through adapters with retries and fallbacks (CallExecutor,
  // execution/call.cpp), through Pick / Report / Cancel above. `report` is filled whatever the
  // outcome.
  Status Call(std::string_view model, std::string_view request, const CallOptions &options,
              CallReport *report) {
    return executor_.Call(model, request, options, report);
  }
  // `model` with its alias applied and its three fallback chains, from the current snapshot
  // (router/fallbacks.cpp): the models a Call may move through.
  CallChains ResolveCallChains(std::string_view model);
  // A hedged call started its `index`-th hedge (1-based) on `deployment`, `after_ms` after its
  // first attempt on `first` (router/events.cpp): counted and delivered as kHedgeStarted.
  void OnHedgeStarted(std::string_view model, std::string_view deployment, std::string_view first,
                      uint32_t index, int64_t after_ms);
  // A hedge won its call.
  void OnHedgeWon(std::string_view model);
  // The q-quantile of the latency of every deployment serving `model` (their histograms merged),
  // in ms; negative when it has no sample (router/latency_quantile.cpp).
  double ModelLatencyQuantileMs(std::string_view model, double q);

  // --- observation ---
  Status Health(std::string_view name, HealthInfo *info);
  // Every deployment, in the order added, each with a copy of its name.
  std::vector<std::pair<std::string, HealthInfo>> HealthAll();
  // Statistics of every deployment (in configuration order) and model (router/stats.cpp).
  RouterStats Stats();
  // The options the router was created with.
  const RouterOptions &options() const { return options_; }
  // Fleet shared state (shared_state/sync.hpp): connection and synchronisation status.
  SharedStateStatus SharedState() const;

  int64_t NowNs() const { return clock_->NowNs(); }

 private:
  explicit Router(RouterOptions options);

  template <typename Edit>
  Status Write(Edit edit);
  // Pick's body, inside a snapshot read guard; Pick delivers its events after leaving it.
  Status PickFromSnapshot(std::string_view model, const char *model_cstr,
                          const PickRequest &request, PickResult *result);
  // The request's strategy inputs, filter and affinity key, for a pick and an explanation alike
  // (router/pick_setup.hpp).
  inline void SetUpAffinity(const PickRequest &request, Affinity *affinity) const;
  inline RequestFilter SetUpEnvAndFilter(const PickRequest &request, PickEnv &env);
  inline RequestFilter SetUpPick(const PickRequest &request, PickEnv &env, Affinity *affinity);
  void Emit(const Event &event);
  // Tells the listener about a breaker transition `state` just made.
  void EmitBreakerChange(const DeploymentState &state, const BreakerChange &change, int64_t now_ns);
  // Publishes `config` as the next snapshot and frees the retired deployments no ticket holds.
  void Publish(RoutingConfig config);
  // The publication alone, under the writers' lock: every snapshot goes through here, so that
  // each one's deployments are linked to the fleet (LinkFleet) before a pick can see them.
  void PublishSnapshotLocked(RoutingConfig config);
  // Whether reports must feed the peak EWMA estimates: some model of `config` routes by peak_ewma.
  static bool RoutesByPeakEwma(const RoutingConfig &config);
  void FreeIdleRetiredLocked();
  HealthInfo Describe(const DeploymentEntry &entry, int64_t now_ns) const;
  // Every pick the fast path does not take: a request with options, or a router that is not calm
  // (a degraded deployment, a slow-start ramp, an announced quota). Fills *ticket or fails.
  Status PickWithOptions(const ModelGroup &group, const PickRequest &request,
                         const Affinity &affinity, PickEnv &env, PickResult *result,
                         TicketData *ticket, uint32_t *tier_number);
  Status NoEligible(const ModelGroup &group, const RequestFilter &filter, int64_t now_ns,
                    PickResult *result, TicketData *ticket, uint32_t *tier_number);
  // A pick refused with kRateLimited, by its priority; `reserved`: some deployment had room
  // left, but only in the share reserved for higher priorities.
  void CountRefusal(uint32_t priority, bool reserved) {
    const uint32_t p = priority < kPriorityCount ? priority : kPriorityCount - 1;
    (reserved ? refused_by_reserve_ : refused_at_limit_)[p].fetch_add(1, std::memory_order_relaxed);
  }
  // The degraded pick path: the tiers with their overprovisioning (pick_across_tiers.cpp). False
  // when no deployment is eligible.
  bool PickAcrossTiers(const ModelGroup &group, const RequestFilter &filter,
                       const Affinity &affinity, PickEnv &env, TicketData *ticket,
                       uint32_t *tier_number);
  // When no eligible deployment fits the request's deadline: the fastest of them, across tiers
  // (deadline_pick.cpp). False when none is eligible even without the deadline.
  bool PickFastestPastDeadline(const ModelGroup &group, const RequestFilter &filter,
                               const Affinity &affinity, PickEnv &env, TicketData *ticket,
                               uint32_t *tier_number);
  // Starts a deployment's slow-start ramp (when slow start is on).
  void BeginSlowStart(DeploymentState &state, int64_t now_ns);
  // The report's quota part (router/quota_reports.cpp): keeps the announcement and, for a 429 whose
  // reset lies beyond the horizon, holds the deployment out until then. True when the report
  // was such a quota exhaustion (the breaker then leaves it alone).
  bool ApplyQuotaReport(DeploymentState &state, const ReportInput &report, int64_t now_ns);

  RouterOptions options_;
  Clock *clock_;
  RandomSource *rng_;
  // Deployments that are not plainly closed, router-wide; 0 lets picks skip health checks.
  alignas(64) std::atomic<int32_t> degraded_count_{0};
  // Set by the first report that announces a quota: from then on picks take the path that checks
  // deployments' announced quotas (limits/quota.hpp).
  std::atomic<bool> quota_announced_{false};
  SlowStartTracker slow_start_;  // any ramp running? (health/slow_start.hpp)
  // Whether any model routes by peak_ewma: only then do reports feed its estimates (an exp() and
  // a lock per report otherwise spent for nothing). Turned on by a reload, it starts from the
  // latency prior, as a newly added deployment does.
  std::atomic<bool> tracks_peak_ewma_{false};
  TicketTable tickets_;
  ModelStatsRegistry model_stats_;  // before snapshots_: their model groups point into it
  SnapshotPublisher<Snapshot> snapshots_;

  std::atomic<bool> has_listener_{false};
  SpinLock listener_lock_;
  std::shared_ptr<EventListener> listener_;  // guarded by listener_lock_
  std::atomic<int64_t> configs_applied_{0};
  std::atomic<int64_t> configs_rejected_{0};
  // Picks refused with kRateLimited per priority class (CountRefusal).
  std::array<std::atomic<int64_t>, kPriorityCount> refused_by_reserve_{};
  std::array<std::atomic<int64_t>, kPriorityCount> refused_at_limit_{};

  std::mutex write_mutex_;
  std::vector<std::unique_ptr<DeploymentState>> states_;  // guarded by write_mutex_
  std::vector<DeploymentState *> retired_;                // removed, maybe still in flight
  std::unordered_set<std::string> interned_models_;       // alias targets; never shrinks

  // Call's engine: uses the public Pick / Report / Cancel above (execution/call_executor.hpp).
  CallExecutor executor_;

  // Fleet shared state (router/fleet.cpp; shared_state/sync.cpp): the synchronisation thread
  // reads snapshots and applies the fleet's breakers and usage through FleetHost only.
  int64_t FleetNowNs() const override;
  SnapshotPublisher<Snapshot> &FleetSnapshots() override;
  void OnFleetRecovery(DeploymentState &state, int64_t now_ns) override;
  void OnFleetEvent(const Event &event) override;
  // Starts the synchronisation when the options carry a backend.
  Status StartSharedState();
  // Links the deployments' limits to the synchronisation, before a snapshot lists them.
  void LinkFleet(const RoutingConfig &config);
  FleetLink *fleet_link_ = nullptr;
  // Last: destroyed first, so that the thread stops before anything it touches goes.
  std::unique_ptr<SharedStateSync> sync_;
};

}  // namespace llmroute
