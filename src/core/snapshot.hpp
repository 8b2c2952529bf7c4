// The immutable routing snapshot: the configuration at one moment (deployments, aliases,
// fallback chains, per-model strategies) and the model groups derived from it. Writers build a
// new one and publish it (SnapshotPublisher); picks read one without locks. Deployment health is
// not in here: it lives in DeploymentState, shared by every snapshot that lists the deployment.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/model_group.hpp"
#include "core/string_map.hpp"

namespace llmroute {

// Values equal llmr_fallback_kind's (static_assert in src/capi/enum_ties.cpp).
enum class FallbackKind : uint8_t { kGeneral = 0, kContextWindow = 1, kContentPolicy = 2 };

struct DeploymentEntry {
  std::shared_ptr<const DeploymentSpec> spec;
  DeploymentState *state;
};

// What writers edit: copied, changed, and turned into a new Snapshot.
struct RoutingConfig {
  std::vector<DeploymentEntry> deployments;       // in the order they were added
  StringMap<const std::string *> aliases;         // alias -> interned model name (router-lifetime)
  StringMap<std::vector<std::string>> fallbacks;  // general chains
  StringMap<std::vector<std::string>> context_window_fallbacks;
  StringMap<std::vector<std::string>> content_policy_fallbacks;
  StringMap<StrategyKind> model_strategies;
  StrategyKind default_strategy = StrategyKind::kRoundRobin;

  StringMap<std::vector<std::string>> &Chains(FallbackKind kind) {
    return kind == FallbackKind::kContextWindow   ? context_window_fallbacks
           : kind == FallbackKind::kContentPolicy ? content_policy_fallbacks
                                                  : fallbacks;
  }
  const StringMap<std::vector<std::string>> &Chains(FallbackKind kind) const {
    return const_cast<RoutingConfig *>(this)->Chains(kind);
  }
};

class Snapshot {
 public:
  // `model_stats` (may be null) gives each model group its statistics counters.
  Snapshot(RoutingConfig config, RandomSource &rng, ModelStatsRegistry *model_stats = nullptr);
  Snapshot(const Snapshot &) = delete;
  Snapshot &operator=(const Snapshot &) = delete;

  const RoutingConfig &config() const { return config_; }

  // The model a name routes as: the alias target if `name` is an alias (and then *routed points
  // at router-lifetime storage), else `name` itself (and *routed is left alone).
  std::string_view ResolveAlias(std::string_view name, const char **routed) const;

  // The group serving `model` (already alias-resolved), or nullptr when no deployment serves it.
  // Exact names known from the configuration are prepared in advance; other names that only glob
  // patterns match are built on first use and cached (bounded); past that bound a group is built
  // into `scratch` for this call only.
  const ModelGroup *FindGroup(std::string_view model, std::unique_ptr<ModelGroup> &scratch) const;

  const DeploymentEntry *FindDeployment(std::string_view name) const;

  static constexpr size_t kMaxCachedPatternGroups = 1024;

 private:
  std::unique_ptr<ModelGroup> BuildGroup(std::string_view model) const;
  const ModelGroup *Remember(const ModelGroup *group) const;

  // Unique in the process (a later snapshot may reuse this one's address, never its serial):
  // the key of each thread's last-lookup cache.
  const uint64_t serial_;
  RoutingConfig config_;
  RandomSource &rng_;
  ModelStatsRegistry *model_stats_;
  StringMap<size_t> deployment_index_;
  StringMap<std::unique_ptr<ModelGroup>> groups_;
  bool has_patterns_ = false;

  mutable std::shared_mutex pattern_mutex_;
  mutable StringMap<std::unique_ptr<ModelGroup>> pattern_groups_;  // guarded by pattern_mutex_
};

}  // namespace llmroute
