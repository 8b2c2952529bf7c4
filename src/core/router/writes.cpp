// Configuration writes, one item at a time (add, update, remove, alias, fallbacks, strategy,
// override, adapter), and the publication every write goes through. Each write copies the
// current configuration, edits the copy, and publishes a new snapshot; readers see the old or the
// new one, never a mix. Whole-configuration replacement is reload.cpp.
#include "core/router.hpp"

#include <algorithm>

#include "core/names.hpp"

namespace llmroute {

bool Router::RoutesByPeakEwma(const RoutingConfig &config) {
  if (config.default_strategy == StrategyKind::kPeakEwma) return true;
  return std::any_of(config.model_strategies.begin(), config.model_strategies.end(),
                     [](const auto &entry) { return entry.second == StrategyKind::kPeakEwma; });
}

template <typename Edit>
Status Router::Write(Edit edit) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  RoutingConfig config = snapshots_.CurrentForWriter().config();
  if (Status s = edit(config); !s.ok()) return s;
  Publish(std::move(config));
  return Status::Ok();
}

void Router::Publish(RoutingConfig config) {
  PublishSnapshotLocked(std::move(config));
  FreeIdleRetiredLocked();
}

void Router::PublishSnapshotLocked(RoutingConfig config) {
  LinkFleet(config);
  tracks_peak_ewma_.store(RoutesByPeakEwma(config), std::memory_order_relaxed);
  snapshots_.Publish(std::make_unique<Snapshot>(std::move(config), *rng_, &model_stats_));
}

void Router::FreeIdleRetiredLocked() {
  // A removed deployment lives on until its last ticket completes; writes collect the idle ones.
  // Decide first, then free: an in-flight count read after the free would be a use-after-free.
  const auto busy_end = std::partition(retired_.begin(), retired_.end(),
                                       [](DeploymentState *s) { return s->InFlight() != 0; });
  for (auto it = busy_end; it != retired_.end(); ++it) {
    states_.erase(std::find_if(states_.begin(), states_.end(),
                               [&](const auto &owned) { return owned.get() == *it; }));
  }
  retired_.erase(busy_end, retired_.end());
}

Status Router::AddDeployment(DeploymentSpec spec) {
  if (Status s = ValidateSpec(spec); !s.ok()) return s;
  return Write([&](RoutingConfig &config) -> Status {
    for (const DeploymentEntry &entry : config.deployments) {
      if (entry.spec->name == spec.name) {
        return {Code::kAlreadyExists, "deployment '" + spec.name + "' already exists"};
      }
    }
    if (config.deployments.size() >= kMaxDeployments) {
      return {Code::kCapacity,
              "a router holds at most " + std::to_string(kMaxDeployments) + " deployments"};
    }
    states_.push_back(
        std::make_unique<DeploymentState>(spec.name, &options_.breaker, &degraded_count_));
    states_.back()->limits().Configure(spec.rpm_limit, spec.tpm_limit, spec.max_in_flight,
                                       spec.reserve);
    BeginSlowStart(*states_.back(), clock_->NowNs());  // a new deployment ramps in
    config.deployments.push_back(
        {std::make_shared<const DeploymentSpec>(std::move(spec)), states_.back().get()});
    return Status::Ok();
  });
}

Status Router::UpdateDeployment(DeploymentSpec spec) {
  if (Status s = ValidateSpec(spec); !s.ok()) return s;
  return Write([&](RoutingConfig &config) -> Status {
    for (DeploymentEntry &entry : config.deployments) {
      if (entry.spec->name == spec.name) {
        entry.state->limits().Configure(spec.rpm_limit, spec.tpm_limit, spec.max_in_flight,
                                        spec.reserve);
        entry.spec = std::make_shared<const DeploymentSpec>(std::move(spec));
        return Status::Ok();
      }
    }
    return {Code::kNotFound, "deployment '" + spec.name + "' not found"};
  });
}

Status Router::RemoveDeployment(std::string_view name) {
  if (Status s = ValidateName(name, "deployment name"); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(write_mutex_);
  RoutingConfig config = snapshots_.CurrentForWriter().config();
  const auto found = std::find_if(config.deployments.begin(), config.deployments.end(),
                                  [&](const DeploymentEntry &e) { return e.spec->name == name; });
  if (found == config.deployments.end()) {
    return {Code::kNotFound, "deployment '" + std::string(name) + "' not found"};
  }
  DeploymentState *state = found->state;
  config.deployments.erase(found);
  state->breaker().Detach();
  // Calls already holding the adapter keep it; it is released when the last of them returns.
  // (Before Publish: the state itself may be freed there if nothing is in flight.)
  state->set_adapter(nullptr);
  retired_.push_back(state);
  Publish(std::move(config));  // after this no snapshot lists it; in-flight tickets keep it alive
  return Status::Ok();
}

Status Router::SetAlias(std::string_view alias, std::string_view model) {
  if (Status s = ValidateName(alias, "alias"); !s.ok()) return s;
  if (Status s = ValidateName(model, "alias target model"); !s.ok()) return s;
  if (alias == model) {
    return {Code::kInvalidArgument, "alias '" + std::string(alias) + "' cannot map to itself"};
  }
  return Write([&](RoutingConfig &config) -> Status {
    // Interned so that a pick's routed model name stays valid for the router's lifetime.
    const std::string *target = &*interned_models_.emplace(model).first;
    config.aliases.insert_or_assign(std::string(alias), target);
    return Status::Ok();
  });
}

Status Router::RemoveAlias(std::string_view alias) {
  if (Status s = ValidateName(alias, "alias"); !s.ok()) return s;
  return Write([&](RoutingConfig &config) -> Status {
    const auto found = config.aliases.find(alias);
    if (found == config.aliases.end()) {
      return {Code::kNotFound, "alias '" + std::string(alias) + "' not found"};
    }
    config.aliases.erase(found);
    return Status::Ok();
  });
}

Status Router::SetFallbacks(std::string_view model, std::vector<std::string> chain,
                            FallbackKind kind) {
  if (Status s = ValidateName(model, "model"); !s.ok()) return s;
  if (chain.size() > kListMax) {
    return {Code::kInvalidArgument, "fallback chain longer than " + std::to_string(kListMax)};
  }
  for (const std::string &entry : chain) {
    if (Status s = ValidateName(entry, "fallback model"); !s.ok()) return s;
    if (entry == model) {
      return {Code::kInvalidArgument,
              "model '" + std::string(model) + "' cannot be its own fallback"};
    }
  }
  return Write([&](RoutingConfig &config) -> Status {
    auto &chains = config.Chains(kind);
    if (chain.empty()) {
      chains.erase(std::string(model));
    } else {
      chains.insert_or_assign(std::string(model), std::move(chain));
    }
    return Status::Ok();
  });
}

Status Router::SetModelStrategy(std::string_view model, StrategyKind kind) {
  if (Status s = ValidateName(model, "model"); !s.ok()) return s;
  const auto value = static_cast<int>(kind);
  if (value < 0 || value >= kStrategyKindCount) {
    return {Code::kInvalidArgument, "strategy " + std::to_string(value) + " does not exist"};
  }
  return Write([&](RoutingConfig &config) -> Status {
    if (kind == StrategyKind::kDefault) {
      config.model_strategies.erase(std::string(model));
    } else {
      config.model_strategies.insert_or_assign(std::string(model), kind);
    }
    return Status::Ok();
  });
}

Status Router::SetOverride(std::string_view name, Override mode) {
  if (Status s = ValidateName(name, "deployment name"); !s.ok()) return s;
  if (mode != Override::kAuto && mode != Override::kForceOpen && mode != Override::kForceClosed) {
    return {Code::kInvalidArgument,
            "override " + std::to_string(static_cast<int>(mode)) + " does not exist"};
  }
  // Under the writers' lock so that the deployment cannot be removed meanwhile.
  std::lock_guard<std::mutex> lock(write_mutex_);
  const DeploymentEntry *entry = snapshots_.CurrentForWriter().FindDeployment(name);
  if (entry == nullptr)
    return {Code::kNotFound, "deployment '" + std::string(name) + "' not found"};
  const bool was_forced_open = entry->state->breaker().override_mode() == Override::kForceOpen;
  entry->state->breaker().SetOverride(mode);
  // Back from a forced outage: ramp in like a recovered deployment.
  if (was_forced_open && mode != Override::kForceOpen) {
    BeginSlowStart(*entry->state, clock_->NowNs());
  }
  return Status::Ok();
}

void Router::BeginSlowStart(DeploymentState &state, int64_t now_ns) {
  const SlowStartConfig &config = options_.strategy_params.slow_start;
  if (!config.enabled()) return;
  state.slow_start().Begin(now_ns);
  slow_start_.Extend(now_ns + config.window_ns);
}

Status Router::SetAdapter(std::string_view name, std::shared_ptr<Adapter> adapter) {
  if (Status s = ValidateName(name, "deployment name"); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(write_mutex_);
  const DeploymentEntry *entry = snapshots_.CurrentForWriter().FindDeployment(name);
  if (entry == nullptr)
    return {Code::kNotFound, "deployment '" + std::string(name) + "' not found"};
  entry->state->set_adapter(std::move(adapter));
  return Status::Ok();
}

}  // namespace llmroute
