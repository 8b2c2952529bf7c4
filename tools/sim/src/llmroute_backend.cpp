// The llmroute backend: only the public C API (include/llmroute/llmroute.h), as any host would.
#include <stdexcept>
#include <unordered_map>

#include "backend.hpp"
#include "rng.hpp"

namespace sim {
namespace {

class LlmrouteBackend final : public Backend {
 public:
  LlmrouteBackend(const Scenario &scenario, const std::string &strategy, const int64_t *now_ns,
                  uint64_t seed, bool quota_blind)
      : now_ns_(now_ns),
        rng_state_(seed),
        quota_blind_(quota_blind),
        label_((strategy.empty() ? scenario.config_strategy : strategy) +
               (quota_blind ? ", quota-blind" : "")) {
    for (size_t i = 0; i < scenario.deployments.size(); ++i) {
      index_[scenario.deployments[i].name] = static_cast<int>(i);
      names_.push_back(scenario.deployments[i].name);
    }
    llmr_router_options base;
    llmr_router_options_init(&base, sizeof base);
    base.clock = &Clock;
    base.clock_user_data = this;
    base.random = &Random;
    base.random_user_data = this;
    const std::string config =
        strategy.empty() ? scenario.config_json : scenario.ConfigWithStrategy(strategy);
    if (llmr_router_create_from_config(config.data(), config.size(), &base, &router_) != LLMR_OK) {
      throw std::runtime_error("llmroute (" + label_ + "): " + llmr_error_message());
    }
    llmr_event_listener listener;
    llmr_event_listener_init(&listener, sizeof listener);
    listener.fn = &OnEvent;
    listener.user_data = this;
    if (llmr_router_set_event_listener(router_, &listener) != LLMR_OK) {
      throw std::runtime_error(std::string("llmr_router_set_event_listener: ") +
                               llmr_error_message());
    }
  }

  ~LlmrouteBackend() override { llmr_router_destroy(router_); }
  LlmrouteBackend(const LlmrouteBackend &) = delete;
  LlmrouteBackend &operator=(const LlmrouteBackend &) = delete;

  std::string Label() const override { return label_; }

  PickResult Pick(const std::string &model, const std::vector<int> &tried, int64_t input_tokens,
                  int64_t output_tokens) override {
    std::vector<const char *> exclude;
    exclude.reserve(tried.size());
    for (int d : tried) exclude.push_back(names_[static_cast<size_t>(d)].c_str());
    PickResult r = PickOne(model, exclude, input_tokens, output_tokens);
    if (r.status == LLMR_OK || r.status == LLMR_ERR_UNKNOWN_MODEL) return r;
    // None of the model's own deployments is eligible: the model's fallback chain, in the order
    // llmr_router_fallbacks() gives (the tried deployments excluded).
    llmr_fallbacks *list = nullptr;
    if (llmr_router_fallbacks(router_, model.c_str(), exclude.data(), exclude.size(), &list) !=
        LLMR_OK) {
      return r;
    }
    const size_t n = llmr_fallbacks_count(list);
    std::string last_model;
    for (size_t i = 0; i < n; ++i) {
      const char *candidate_model = nullptr;
      if (llmr_fallbacks_get(list, i, nullptr, &candidate_model) != LLMR_OK) break;
      if (candidate_model == last_model) continue;  // a model is tried once
      last_model = candidate_model;
      PickResult f = PickOne(last_model, exclude, input_tokens, output_tokens);
      if (f.status == LLMR_OK) {
        r = f;
        break;
      }
    }
    llmr_fallbacks_free(list);
    return r;
  }

  void Report(const PickResult &pick, llmr_outcome outcome, double latency_ms,
              int64_t retry_after_ms, int64_t input_tokens, int64_t output_tokens,
              const QuotaReport &quota) override {
    llmr_report report;
    llmr_report_init(&report, sizeof report);
    report.outcome = outcome;
    report.latency_ms = latency_ms;
    report.retry_after_ms = retry_after_ms;
    report.input_tokens = input_tokens;
    report.output_tokens = output_tokens;
    if (!quota_blind_) {
      report.quota_remaining_requests = quota.remaining_requests;
      report.quota_remaining_tokens = quota.remaining_tokens;
      report.quota_requests_reset_ms = quota.requests_reset_ms;
      report.quota_tokens_reset_ms = quota.tokens_reset_ms;
    }
    if (llmr_router_report(router_, pick.ticket, &report) != LLMR_OK) {
      throw std::runtime_error(std::string("llmr_router_report: ") + llmr_error_message());
    }
  }

  void Cancel(const PickResult &pick) override {
    if (llmr_router_cancel(router_, pick.ticket) != LLMR_OK) {
      throw std::runtime_error(std::string("llmr_router_cancel: ") + llmr_error_message());
    }
  }

  const std::vector<Transition> &Transitions() const override { return transitions_; }

  BackendStats Stats() override {
    BackendStats out;
    const size_t n = names_.size();
    out.picks.assign(n, 0);
    out.opened.assign(n, 0);
    out.half_opened.assign(n, 0);
    out.closed.assign(n, 0);
    llmr_stats *stats = nullptr;
    if (llmr_router_stats(router_, &stats) != LLMR_OK) {
      throw std::runtime_error(std::string("llmr_router_stats: ") + llmr_error_message());
    }
    for (size_t i = 0; i < llmr_stats_deployment_count(stats); ++i) {
      llmr_deployment_stats d;
      llmr_deployment_stats_init(&d, sizeof d);
      if (llmr_stats_deployment(stats, i, &d) != LLMR_OK) continue;
      auto it = index_.find(d.name);
      if (it == index_.end()) continue;
      const auto k = static_cast<size_t>(it->second);
      out.picks[k] = d.picks;
      out.opened[k] = d.breaker_opened;
      out.half_opened[k] = d.breaker_half_opened;
      out.closed[k] = d.breaker_closed;
    }
    llmr_stats_free(stats);
    return out;
  }

 private:
  PickResult PickOne(const std::string &model, const std::vector<const char *> &exclude,
                     int64_t input_tokens, int64_t output_tokens) {
    llmr_pick_options options;
    llmr_pick_options_init(&options, sizeof options);
    options.exclude = exclude.empty() ? nullptr : exclude.data();
    options.exclude_count = exclude.size();
    options.expected_input_tokens = input_tokens;
    options.expected_output_tokens = output_tokens;
    llmr_pick pick;
    llmr_pick_init(&pick, sizeof pick);
    PickResult r;
    r.status = llmr_router_pick(router_, model.c_str(), &options, &pick);
    if (r.status != LLMR_OK) return r;
    auto it = index_.find(pick.deployment);
    if (it == index_.end()) {
      throw std::runtime_error(std::string("picked an unknown deployment: ") + pick.deployment);
    }
    r.deployment = it->second;
    r.model = pick.model;
    r.ticket = pick.ticket;
    r.probe = pick.is_probe != 0;
    return r;
  }

  static int64_t Clock(void *self) { return *static_cast<LlmrouteBackend *>(self)->now_ns_; }
  static uint64_t Random(void *self) {
    return SplitMix64(static_cast<LlmrouteBackend *>(self)->rng_state_);
  }

  static void OnEvent(void *user, const llmr_event *event) {
    auto *self = static_cast<LlmrouteBackend *>(user);
    if (event->kind != LLMR_EVENT_BREAKER || event->deployment == nullptr) return;
    auto it = self->index_.find(event->deployment);
    if (it == self->index_.end()) return;
    Transition t;
    t.t_s = static_cast<double>(*self->now_ns_) / 1e9;
    t.deployment = it->second;
    t.to = event->to == LLMR_BREAKER_OPEN        ? BandState::kOpen
           : event->to == LLMR_BREAKER_HALF_OPEN ? BandState::kHalfOpen
                                                 : BandState::kClosed;
    self->transitions_.push_back(t);
  }

  const int64_t *now_ns_;
  uint64_t rng_state_;
  bool quota_blind_;
  std::string label_;
  llmr_router *router_ = nullptr;
  std::unordered_map<std::string, int> index_;
  std::vector<std::string> names_;
  std::vector<Transition> transitions_;
};

}  // namespace

std::unique_ptr<Backend> MakeLlmrouteBackend(const Scenario &scenario, const std::string &strategy,
                                             const int64_t *now_ns, uint64_t seed,
                                             bool quota_blind) {
  return std::make_unique<LlmrouteBackend>(scenario, strategy, now_ns, seed, quota_blind);
}

}  // namespace sim
