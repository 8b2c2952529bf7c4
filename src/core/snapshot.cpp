#include "core/snapshot.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "core/names.hpp"
#include "core/strategies/affinity.hpp"

namespace llmroute {

namespace {

std::atomic<uint64_t> g_next_serial{1};

// The group this thread found last, and in which snapshot. A gateway thread asks for the same
// few models over and over; comparing the name with the group's costs a fraction of hashing it
// (about 130 of a pick's instructions under callgrind). Initial-exec: no __tls_get_addr call.
struct LastLookup {
  uint64_t serial = 0;
  const ModelGroup *group = nullptr;
};
__attribute__((tls_model("initial-exec"))) thread_local LastLookup t_last_lookup;

}  // namespace

Snapshot::Snapshot(RoutingConfig config, RandomSource &rng, ModelStatsRegistry *model_stats)
    : serial_(g_next_serial.fetch_add(1, std::memory_order_relaxed)),
      config_(std::move(config)),
      rng_(rng),
      model_stats_(model_stats) {
  std::vector<std::string_view> names;
  for (size_t i = 0; i < config_.deployments.size(); ++i) {
    const DeploymentSpec &spec = *config_.deployments[i].spec;
    deployment_index_.emplace(spec.name, i);
    for (const std::string &model : spec.models) {
      if (IsPattern(model)) {
        has_patterns_ = true;
      } else {
        names.push_back(model);
      }
    }
  }
  // Names that may be asked for although no deployment lists them literally (a glob may serve
  // them): alias targets, fallback chains and models with their own strategy.
  for (const auto &[alias, target] : config_.aliases) names.push_back(*target);
  for (const auto &[model, chain] : config_.fallbacks) {
    names.push_back(model);
    names.insert(names.end(), chain.begin(), chain.end());
  }
  for (const auto *chains :
       {&config_.context_window_fallbacks, &config_.content_policy_fallbacks}) {
    for (const auto &[model, chain] : *chains) {
      names.push_back(model);
      names.insert(names.end(), chain.begin(), chain.end());
    }
  }
  for (const auto &[model, kind] : config_.model_strategies) names.push_back(model);
  for (std::string_view name : names) {
    if (groups_.find(name) != groups_.end()) continue;
    if (auto group = BuildGroup(name)) groups_.emplace(std::string(name), std::move(group));
  }
}

std::unique_ptr<ModelGroup> Snapshot::BuildGroup(std::string_view model) const {
  auto group = std::make_unique<ModelGroup>();
  group->model = std::string(model);
  for (const DeploymentEntry &entry : config_.deployments) {
    if (ServesModel(*entry.spec, model)) {
      group->members.push_back(
          {entry.state, entry.spec->weight, entry.spec.get(), AffinityHash(entry.spec->name)});
    }
  }
  if (group->members.empty()) return nullptr;
  // Tiers of the members, in member order (stable: equal tiers keep the order of addition).
  std::vector<uint32_t> tier_of;
  for (const DeploymentEntry &entry : config_.deployments) {
    if (ServesModel(*entry.spec, model)) tier_of.push_back(entry.spec->tier);
  }
  std::vector<uint32_t> order(group->members.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return tier_of[a] < tier_of[b]; });
  std::vector<Member> sorted;
  for (uint32_t i : order) sorted.push_back(group->members[i]);
  group->members = std::move(sorted);

  const auto strategy = config_.model_strategies.find(model);
  group->kind =
      strategy != config_.model_strategies.end() ? strategy->second : config_.default_strategy;
  group->strategy = &StrategyFor(group->kind);
  for (uint32_t begin = 0; begin < order.size();) {
    const uint32_t tier = tier_of[order[begin]];
    uint32_t end = begin;
    while (end < order.size() && tier_of[order[end]] == tier) ++end;
    ModelGroup::Tier t{begin, end, tier, std::make_unique<TierState>()};
    group->strategy->Prepare(group->members.data() + begin, end - begin, *t.state, rng_);
    group->tiers.push_back(std::move(t));
    begin = end;
  }
  if (const auto chain = config_.fallbacks.find(model); chain != config_.fallbacks.end()) {
    group->fallbacks = chain->second;
  }
  if (model_stats_ != nullptr) group->counters = model_stats_->For(model);
  return group;
}

std::string_view Snapshot::ResolveAlias(std::string_view name, const char **routed) const {
  if (config_.aliases.empty()) return name;  // the common case: no hashing of the name
  const auto alias = config_.aliases.find(name);
  if (alias == config_.aliases.end()) return name;
  *routed = alias->second->c_str();
  return *alias->second;
}

const ModelGroup *Snapshot::Remember(const ModelGroup *group) const {
  t_last_lookup = {serial_, group};
  return group;
}

const ModelGroup *Snapshot::FindGroup(std::string_view model,
                                      std::unique_ptr<ModelGroup> &scratch) const {
  // The cached group belongs to this very snapshot (same serial), which the caller holds alive.
  if (const LastLookup &last = t_last_lookup;
      last.serial == serial_ && last.group->model == model) {
    return last.group;
  }
  if (const auto found = groups_.find(model); found != groups_.end()) {
    return Remember(found->second.get());
  }
  if (!has_patterns_) return nullptr;
  {
    std::shared_lock<std::shared_mutex> read(pattern_mutex_);
    if (const auto found = pattern_groups_.find(model); found != pattern_groups_.end()) {
      return Remember(found->second.get());
    }
  }
  std::unique_ptr<ModelGroup> group = BuildGroup(model);
  if (!group) return nullptr;
  std::unique_lock<std::shared_mutex> write(pattern_mutex_);
  if (const auto found = pattern_groups_.find(model); found != pattern_groups_.end()) {
    return Remember(found->second.get());  // another thread built it meanwhile
  }
  if (pattern_groups_.size() >= kMaxCachedPatternGroups) {
    scratch = std::move(group);  // lives for this call only: never remembered
    return scratch.get();
  }
  return Remember(
      pattern_groups_.emplace(std::string(model), std::move(group)).first->second.get());
}

const DeploymentEntry *Snapshot::FindDeployment(std::string_view name) const {
  const auto found = deployment_index_.find(name);
  return found == deployment_index_.end() ? nullptr : &config_.deployments[found->second];
}

}  // namespace llmroute
