// Whole-configuration replacement (hot reload). Events are delivered by events.cpp.
//
// ApplyConfiguration builds the complete next RoutingConfig under the writers' lock and publishes
// it as one snapshot, so a pick sees either the old configuration or the new one, never a mix.
// Deployments are matched by name: one that stays keeps its DeploymentState (breaker, latency,
// statistics, in-flight count, limits' windows, adapter) and takes the new spec; a removed one is
// retired as RemoveDeployment retires it (no new picks, freed by a later write once its last
// ticket completes, its adapter released when the calls using it return); a new one starts fresh.
#include <algorithm>

#include "core/names.hpp"
#include "core/router.hpp"

namespace llmroute {

Status ValidateConfiguration(const RouterConfiguration &config) {
  if (config.deployments.size() > kMaxDeployments) {
    return {Code::kCapacity,
            "a router holds at most " + std::to_string(kMaxDeployments) + " deployments"};
  }
  StringMap<bool> names;
  for (const DeploymentSpec &spec : config.deployments) {
    if (Status s = ValidateSpec(spec); !s.ok()) return s;
    if (!names.emplace(spec.name, true).second) {
      return {Code::kAlreadyExists, "deployment '" + spec.name + "' is listed twice"};
    }
  }
  StringMap<bool> aliases;
  for (const auto &[alias, model] : config.aliases) {
    if (Status s = ValidateName(alias, "alias"); !s.ok()) return s;
    if (Status s = ValidateName(model, "alias target model"); !s.ok()) return s;
    if (alias == model) return {Code::kInvalidArgument, "alias '" + alias + "' maps to itself"};
    if (!aliases.emplace(alias, true).second) {
      return {Code::kAlreadyExists, "alias '" + alias + "' is listed twice"};
    }
  }
  for (const auto &chains : config.fallbacks) {
    StringMap<bool> models;
    for (const auto &[model, chain] : chains) {
      if (Status s = ValidateName(model, "model"); !s.ok()) return s;
      if (!models.emplace(model, true).second) {
        return {Code::kAlreadyExists, "fallback chain of '" + model + "' is listed twice"};
      }
      if (chain.size() > kListMax) {
        return {Code::kInvalidArgument, "fallback chain longer than " + std::to_string(kListMax)};
      }
      for (const std::string &entry : chain) {
        if (Status s = ValidateName(entry, "fallback model"); !s.ok()) return s;
        if (entry == model) {
          return {Code::kInvalidArgument, "model '" + model + "' cannot be its own fallback"};
        }
      }
    }
  }
  auto known = [](StrategyKind kind) {
    const auto value = static_cast<int>(kind);
    return value >= 0 && value < kStrategyKindCount;
  };
  StringMap<bool> strategies;
  for (const auto &[model, kind] : config.model_strategies) {
    if (Status s = ValidateName(model, "model"); !s.ok()) return s;
    if (!known(kind)) {
      return {Code::kInvalidArgument, "strategy of model '" + model + "' does not exist"};
    }
    if (!strategies.emplace(model, true).second) {
      return {Code::kAlreadyExists, "strategy of model '" + model + "' is listed twice"};
    }
  }
  if (config.strategy && (!known(*config.strategy) || *config.strategy == StrategyKind::kDefault)) {
    return {Code::kInvalidArgument, "the router's strategy must name a strategy"};
  }
  return Status::Ok();
}

Status Router::ApplyConfiguration(RouterConfiguration next, ConfigurationChange *change_out) {
  if (Status s = ValidateConfiguration(next); !s.ok()) {
    RejectConfiguration(s.message());
    return s;
  }
  ConfigurationChange change;
  // Adapters of removed deployments: released after the lock, since release runs host code.
  std::vector<std::shared_ptr<Adapter>> released;
  {
    std::lock_guard<std::mutex> lock(write_mutex_);
    const RoutingConfig &current = snapshots_.CurrentForWriter().config();
    StringMap<DeploymentState *> staying;
    for (const DeploymentEntry &entry : current.deployments) {
      staying.emplace(entry.spec->name, entry.state);
    }
    RoutingConfig config;
    config.default_strategy = next.strategy.value_or(options_.strategy);
    const int64_t now = clock_->NowNs();
    for (DeploymentSpec &spec : next.deployments) {
      DeploymentState *state = nullptr;
      if (const auto found = staying.find(spec.name); found != staying.end()) {
        state = found->second;
        staying.erase(found);
        ++change.kept;
      } else {
        states_.push_back(
            std::make_unique<DeploymentState>(spec.name, &options_.breaker, &degraded_count_));
        state = states_.back().get();
        BeginSlowStart(*state, now);  // a new deployment ramps in
        change.added.push_back(spec.name);
      }
      state->limits().Configure(spec.rpm_limit, spec.tpm_limit, spec.max_in_flight, spec.reserve);
      config.deployments.push_back(
          {std::make_shared<const DeploymentSpec>(std::move(spec)), state});
    }
    std::vector<DeploymentState *> removed;
    for (const DeploymentEntry &entry : current.deployments) {
      if (staying.count(entry.spec->name) != 0) {
        removed.push_back(entry.state);
        change.removed.push_back(entry.spec->name);
      }
    }
    for (auto &[alias, model] : next.aliases) {
      // Interned so that a pick's routed model name stays valid for the router's lifetime.
      config.aliases.insert_or_assign(std::move(alias), &*interned_models_.emplace(model).first);
    }
    for (const FallbackKind kind :
         {FallbackKind::kGeneral, FallbackKind::kContextWindow, FallbackKind::kContentPolicy}) {
      for (auto &[model, chain] : next.fallbacks[static_cast<size_t>(kind)]) {
        if (!chain.empty())
          config.Chains(kind).insert_or_assign(std::move(model), std::move(chain));
      }
    }
    for (const auto &[model, kind] : next.model_strategies) {
      if (kind != StrategyKind::kDefault) config.model_strategies.insert_or_assign(model, kind);
    }
    for (DeploymentState *state : removed) {
      state->breaker().Detach();
      retired_.push_back(state);
    }
    // One swap: from here on no pick sees a removed deployment or misses an added one. The same
    // publication as every other write: it links the deployments to the fleet and turns on the
    // peak EWMA estimates when needed (done separately here before, a configuration's
    // deployments never shared their rpm/tpm usage with the fleet: issue 17).
    PublishSnapshotLocked(std::move(config));
    // Before the retired are collected (an idle one is freed right away): keep their adapters to
    // release outside the lock; calls still using one hold their own reference.
    for (DeploymentState *state : removed) {
      if (auto adapter = state->adapter()) {
        released.push_back(std::move(adapter));
        state->set_adapter(nullptr);
      }
    }
    FreeIdleRetiredLocked();
    change.generation =
        static_cast<uint64_t>(configs_applied_.fetch_add(1, std::memory_order_relaxed) + 1);
  }
  released.clear();  // release callbacks of adapters no call uses any more run here
  Event event;
  event.kind = EventKind::kConfigApplied;
  event.added = &change.added;
  event.removed = &change.removed;
  event.kept = change.kept;
  event.generation = change.generation;
  Emit(event);
  if (change_out != nullptr) *change_out = std::move(change);
  return Status::Ok();
}

void Router::RejectConfiguration(std::string_view message) {
  configs_rejected_.fetch_add(1, std::memory_order_relaxed);
  if (!has_listener_.load(std::memory_order_acquire)) return;
  const std::string text(message);  // NUL-terminated, as Event promises
  Event event;
  event.kind = EventKind::kConfigRejected;
  event.generation = static_cast<uint64_t>(configs_applied_.load(std::memory_order_relaxed));
  event.message = text;
  Emit(event);
}

}  // namespace llmroute
