// Fallbacks: the eligible deployments of a model in the order its strategy prefers, tier by tier,
// then those of each model in its fallback chain (breadth first, each model once). The seed
// skipped a provider literally named "primary"; here the caller names what to exclude.
// Also the model chains a Router::Call moves through (ResolveCallChains).
#include <deque>
#include <set>

#include "core/router.hpp"

namespace llmroute {

Status Router::Fallbacks(std::string_view model, const std::vector<std::string_view> &exclude,
                         std::vector<FallbackEntry> *out) {
  SnapshotPublisher<Snapshot>::ReadGuard snapshot(snapshots_);
  PickEnv env{*rng_, options_.strategy_params, *clock_};
  const int64_t now = env.Now();
  auto excluded = [&](const std::string &name) {
    for (std::string_view e : exclude) {
      if (e == name) return true;
    }
    return false;
  };
  const char *unused = nullptr;
  std::deque<std::string> queue{std::string(snapshot->ResolveAlias(model, &unused))};
  std::set<std::string, std::less<>> visited{queue.front()};
  bool first = true;
  std::vector<uint32_t> order;
  while (!queue.empty()) {
    const std::string current = std::move(queue.front());
    queue.pop_front();
    std::unique_ptr<ModelGroup> scratch;
    const ModelGroup *group = snapshot->FindGroup(current, scratch);
    if (group == nullptr) {
      if (first) {
        return {Code::kUnknownModel, "no deployment serves model '" + std::string(model) + "'"};
      }
      continue;  // a chain may name a model that has no deployment (yet)
    }
    first = false;
    for (const ModelGroup::Tier &tier : group->tiers) {
      const TierView view = group->View(tier);
      Eligible eligible = Eligible::None(view.size);
      for (uint32_t i = 0; i < view.size; ++i) {
        const DeploymentState &state = *view.members[i].state;
        if (!excluded(state.name()) && state.breaker().Check(now) != Availability::kUnavailable) {
          eligible.Set(i);
        }
      }
      order.clear();
      group->strategy->Rank(view, eligible, env, order);
      for (uint32_t i : order) out->push_back({view.members[i].state->name(), group->model});
    }
    for (const std::string &next : group->fallbacks) {
      const std::string resolved(snapshot->ResolveAlias(next, &unused));
      if (visited.insert(resolved).second) queue.push_back(resolved);
    }
  }
  return Status::Ok();
}

namespace {

// The fallback chain of `kind` of `model`, breadth first, each model once, without `model`.
std::vector<std::string> FallbackChain(const Snapshot &snapshot, const std::string &model,
                                       FallbackKind kind) {
  // Breadth first over the chains of `kind`, each model once.
  std::vector<std::string> chain;
  std::set<std::string, std::less<>> seen{model};
  std::deque<std::string> queue{model};
  const auto &chains = snapshot.config().Chains(kind);
  while (!queue.empty()) {
    const auto found = chains.find(queue.front());
    queue.pop_front();
    if (found == chains.end()) continue;
    for (const std::string &next : found->second) {
      const char *unused = nullptr;
      std::string resolved(snapshot.ResolveAlias(next, &unused));
      if (!seen.insert(resolved).second) continue;
      chain.push_back(resolved);
      queue.push_back(std::move(resolved));
    }
  }
  return chain;
}

}  // namespace

CallChains Router::ResolveCallChains(std::string_view model) {
  CallChains chains;
  SnapshotPublisher<Snapshot>::ReadGuard snapshot(snapshots_);
  const char *unused = nullptr;
  chains.model = std::string(snapshot->ResolveAlias(model, &unused));
  chains.general = FallbackChain(*snapshot, chains.model, FallbackKind::kGeneral);
  chains.context_window = FallbackChain(*snapshot, chains.model, FallbackKind::kContextWindow);
  chains.content_policy = FallbackChain(*snapshot, chains.model, FallbackKind::kContentPolicy);
  return chains;
}

}  // namespace llmroute
