// A deployment: its configuration (DeploymentSpec, replaced wholesale by updates) and its live
// state (DeploymentState, which survives updates and outlives removal until its last ticket).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine/engine_load.hpp"
#include "core/engine/prefix_index.hpp"
#include "core/execution/adapter.hpp"
#include "core/health/breaker.hpp"
#include "core/health/latency_ewma.hpp"
#include "core/health/peak_ewma_state.hpp"
#include "core/health/slow_start.hpp"
#include "core/limits/deployment_limits.hpp"
#include "core/limits/quota.hpp"
#include "core/option_defaults.hpp"
#include "core/spin_lock.hpp"
#include "core/stats/deployment_stats.hpp"
#include "core/status.hpp"

namespace llmroute {

// Defaults from the table of llmr_deployment (src/options/deployment_fields.def).
struct DeploymentSpec {
  std::string name;
  std::vector<std::string> models;  // exact names, "*", or glob patterns
  uint32_t weight = static_cast<uint32_t>(option_defaults::deployment::weight);
  uint32_t tier = static_cast<uint32_t>(option_defaults::deployment::tier);
  std::vector<std::string> tags;
  // Price per 1M input / output tokens, in the host's currency; negative when not configured.
  double cost_per_million_input = option_defaults::deployment::cost_per_million_input;
  double cost_per_million_output = option_defaults::deployment::cost_per_million_output;
  // 0: unlimited
  uint32_t rpm_limit = static_cast<uint32_t>(option_defaults::deployment::rpm_limit);
  uint64_t tpm_limit = static_cast<uint64_t>(option_defaults::deployment::tpm_limit);
  uint32_t max_in_flight = static_cast<uint32_t>(option_defaults::deployment::max_in_flight);
  // Shares of the limits above kept for the higher priority classes (limits/priority_reserve.hpp).
  std::vector<ReserveLevel> reserve{};
};

constexpr uint32_t kMaxWeight = 1'000'000;
constexpr uint32_t kMaxTier = 255;

// Checks names, counts and ranges; the message names the offending field.
Status ValidateSpec(const DeploymentSpec &spec);

// True when one of the spec's model entries matches `model`.
bool ServesModel(const DeploymentSpec &spec, std::string_view model);

class DeploymentState {
 public:
  DeploymentState(std::string name, const BreakerConfig *config,
                  std::atomic<int32_t> *degraded_count)
      : name_(std::move(name)), breaker_(config, degraded_count) {}

  const std::string &name() const { return name_; }
  CircuitBreaker &breaker() { return breaker_; }
  const CircuitBreaker &breaker() const { return breaker_; }
  LatencyEwma &latency() { return latency_; }
  const LatencyEwma &latency() const { return latency_; }
  DeploymentLimits &limits() { return limits_; }
  // The provider's announced quota (limits/quota.hpp).
  DeploymentQuota &quota() { return quota_; }

  // The adapter calls go through (null: none). Replacing it drops the state's reference; the
  // adapter itself goes when the last call holding it returns.
  std::shared_ptr<Adapter> adapter() const {
    std::lock_guard<SpinLock> lock(adapter_lock_);
    return adapter_;
  }
  // Lock-free, for picks of llmr_router_call() (RequestFilter::require_adapter): whether an
  // adapter is attached now.
  bool has_adapter() const { return has_adapter_.load(std::memory_order_acquire); }
  void set_adapter(std::shared_ptr<Adapter> adapter) {
    std::shared_ptr<Adapter> old;
    {
      std::lock_guard<SpinLock> lock(adapter_lock_);
      old.swap(adapter_);
      adapter_ = std::move(adapter);
      has_adapter_.store(adapter_ != nullptr, std::memory_order_release);
    }
    // `old` is destroyed here, outside the lock: its release callback may run now.
  }
  PeakEwmaState &peak_ewma() { return peak_ewma_; }
  const PeakEwmaState &peak_ewma() const { return peak_ewma_; }
  SlowStart &slow_start() { return slow_start_; }
  const SlowStart &slow_start() const { return slow_start_; }
  // Outcomes, tokens and the latency histogram, for statistics (stats/deployment_stats.hpp).
  DeploymentStats &stats() { return stats_; }
  const DeploymentStats &stats() const { return stats_; }
  // What its inference engine last reported, and the prefixes recently routed to it (engine/).
  EngineLoad &engine_load() { return engine_load_; }
  const EngineLoad &engine_load() const { return engine_load_; }
  PrefixIndex &prefix_index() { return prefix_index_; }
  const PrefixIndex &prefix_index() const { return prefix_index_; }

  int64_t InFlight() const { return in_flight_.load(std::memory_order_acquire); }
  void AddInFlight() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  // Must be the caller's last touch of this object: a removed deployment is freed once its
  // in-flight count reaches zero.
  void DropInFlight() { in_flight_.fetch_sub(1, std::memory_order_release); }

  // Lifetime count of cancelled tickets (relaxed: statistics, not synchronisation); outcomes are
  // counted by stats().
  std::atomic<int64_t> cancels{0};

 private:
  const std::string name_;
  CircuitBreaker breaker_;
  LatencyEwma latency_;
  DeploymentLimits limits_;
  DeploymentQuota quota_;
  mutable SpinLock adapter_lock_;
  std::shared_ptr<Adapter> adapter_;      // guarded by adapter_lock_
  std::atomic<bool> has_adapter_{false};  // adapter_ != nullptr, written under adapter_lock_
  PeakEwmaState peak_ewma_;
  SlowStart slow_start_;
  DeploymentStats stats_;
  EngineLoad engine_load_;
  PrefixIndex prefix_index_;
  // On its own cache line: written by every pick and report of this deployment.
  alignas(64) std::atomic<int64_t> in_flight_{0};
};

}  // namespace llmroute
