// The naive router: the seed's (seed/router.go) round robin and failure tracking, as a baseline.
#include <fnmatch.h>

#include "backend.hpp"
#include "rng.hpp"

namespace sim {
namespace {

class NaiveBackend final : public Backend {
 public:
  NaiveBackend(const Scenario &scenario, const int64_t *now_ns, uint64_t seed)
      : now_ns_(now_ns), rng_(seed) {
    for (const DeploymentInfo &d : scenario.deployments) {
      Provider p;
      p.models = d.models;
      providers_.push_back(p);
    }
  }

  std::string Label() const override { return "naive (seed)"; }

  PickResult Pick(const std::string &model, const std::vector<int> &tried, int64_t,
                  int64_t) override {
    PickResult r;
    std::vector<int> candidates;
    for (size_t i = 0; i < providers_.size(); ++i) {
      if (providers_[i].available && Serves(providers_[i], model)) {
        candidates.push_back(static_cast<int>(i));
      }
    }
    if (candidates.empty()) {
      r.status = LLMR_ERR_NO_PROVIDER;  // "no provider available for model"
      return r;
    }
    if (tried.empty()) {
      // SelectProvider with StrategyRoundRobin: an atomic counter over the candidates.
      r.deployment = candidates[counter_++ % candidates.size()];
    } else {
      // GetFallbackProviders: every available provider of the model except one literally named
      // "primary", in Go's random map order; the gateway takes the first. The provider that
      // just failed is not excluded.
      r.deployment = candidates[rng_.Below(candidates.size())];
    }
    r.model = model;
    return r;
  }

  void Report(const PickResult &pick, llmr_outcome outcome, double, int64_t, int64_t, int64_t,
              const QuotaReport &) override {
    Provider &p = providers_[static_cast<size_t>(pick.deployment)];
    ++p.picks;
    // RecordResult(success): every error counts, whatever its class.
    if (outcome == LLMR_OUTCOME_SUCCESS) {
      p.failure_rate *= 0.5;
      if (p.failure_rate < 0.01) p.failure_rate = 0;
    } else {
      p.failure_rate = p.failure_rate * 0.9 + 0.1;
      if (p.failure_rate > 1) p.failure_rate = 1;
    }
    if (p.failure_rate > 0.5 && p.available) {
      p.available = false;  // and nothing but a manual UpdateHealth brings it back
      ++p.opened;
      Transition t;
      t.t_s = static_cast<double>(*now_ns_) / 1e9;
      t.deployment = pick.deployment;
      t.to = BandState::kOpen;
      transitions_.push_back(t);
    }
  }

  void Cancel(const PickResult &pick) override {
    ++providers_[static_cast<size_t>(pick.deployment)].picks;  // the seed has no cancel: no effect
  }

  const std::vector<Transition> &Transitions() const override { return transitions_; }

  BackendStats Stats() override {
    BackendStats s;
    for (const Provider &p : providers_) {
      s.picks.push_back(p.picks);
      s.opened.push_back(p.opened);
      s.half_opened.push_back(0);
      s.closed.push_back(0);
    }
    return s;
  }

 private:
  struct Provider {
    std::vector<std::string> models;
    bool available = true;
    double failure_rate = 0;
    int64_t picks = 0;
    int64_t opened = 0;
  };

  static bool Serves(const Provider &p, const std::string &model) {
    for (const std::string &m : p.models) {
      if (m == model || m == "*" || fnmatch(m.c_str(), model.c_str(), 0) == 0) return true;
    }
    return false;
  }

  const int64_t *now_ns_;
  Rng rng_;
  uint64_t counter_ = 0;
  std::vector<Provider> providers_;
  std::vector<Transition> transitions_;
};

}  // namespace

std::unique_ptr<Backend> MakeNaiveBackend(const Scenario &scenario, const int64_t *now_ns,
                                          uint64_t seed) {
  return std::make_unique<NaiveBackend>(scenario, now_ns, seed);
}

}  // namespace sim
