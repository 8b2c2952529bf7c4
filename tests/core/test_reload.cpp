// Router::ApplyConfiguration (hot reload), events, and statistics.
#include <gtest/gtest.h>

#include <mutex>

#include "core/enum_names.hpp"
#include "test_support.hpp"

namespace llmroute::testing {
namespace {

DeploymentSpec Spec(const std::string &name, std::vector<std::string> models, uint32_t weight = 1,
                    uint32_t tier = 0) {
  DeploymentSpec spec;
  spec.name = name;
  spec.models = std::move(models);
  spec.weight = weight;
  spec.tier = tier;
  return spec;
}

RouterConfiguration Config(std::vector<DeploymentSpec> deployments) {
  RouterConfiguration config;
  config.deployments = std::move(deployments);
  return config;
}

void Apply(TestRouter &t, RouterConfiguration config, ConfigurationChange *change = nullptr) {
  const Status s = t.router->ApplyConfiguration(std::move(config), change);
  ASSERT_TRUE(s.ok()) << s.message();
}

// Records every event (names copied: the views die with the callback).
struct Recorder final : EventListener {
  struct Seen {
    EventKind kind;
    std::string deployment;
    BreakerState from, to;
    int64_t cooldown_ms;
    std::vector<std::string> added, removed;
    size_t kept;
    uint64_t generation;
    std::string message;
  };
  void OnEvent(const Event &e) noexcept override {
    Seen s{e.kind,       std::string(e.deployment), e.from, e.to, e.cooldown_ms, {}, {}, e.kept,
           e.generation, std::string(e.message)};
    if (e.added != nullptr) s.added = *e.added;
    if (e.removed != nullptr) s.removed = *e.removed;
    if (on_event) on_event(s);
    std::lock_guard<std::mutex> lock(mutex);
    events.push_back(std::move(s));
  }
  std::vector<Seen> Take() {
    std::lock_guard<std::mutex> lock(mutex);
    return std::exchange(events, {});
  }
  std::function<void(const Seen &)> on_event;
  std::mutex mutex;
  std::vector<Seen> events;
};

// A core adapter that succeeds or fails as told and counts its destruction (its release).
struct FakeAdapter final : Adapter {
  explicit FakeAdapter(std::atomic<int> *released, Outcome outcome = Outcome::kSuccess)
      : released_(released), outcome_(outcome) {}
  ~FakeAdapter() override { ++*released_; }
  AttemptResult Invoke(const InvokeArgs &) override {
    AttemptResult r;
    r.outcome = outcome_;
    r.latency_ms = 50;
    return r;
  }
  std::atomic<int> *released_;
  Outcome outcome_;
};

TEST(Reload, KeepsTheStateOfDeploymentsThatStayAndStartsNewOnesFresh) {
  TestRouter t;
  Apply(t, Config({Spec("a", {"m"}), Spec("b", {"m"})}));
  // Give a some history and a call in flight; trip b.
  for (int i = 0; i < 4; ++i) t.PickAndReport("m", Outcome::kSuccess, 200);
  uint64_t held = 0;
  std::string held_on = t.PickName("m", &held);
  ASSERT_TRUE(t.router->SetOverride("b", Override::kForceOpen).ok());
  const HealthInfo a_before = t.HealthOf("a");

  ConfigurationChange change;
  Apply(t, Config({Spec("a", {"m", "n"}, 5), Spec("c", {"m"})}), &change);
  EXPECT_EQ(change.added, (std::vector<std::string>{"c"}));
  EXPECT_EQ(change.removed, (std::vector<std::string>{"b"}));
  EXPECT_EQ(change.kept, 1u);
  EXPECT_EQ(change.generation, 2u);

  const HealthInfo a_after = t.HealthOf("a");
  EXPECT_EQ(a_after.picks, a_before.picks);
  EXPECT_EQ(a_after.successes, a_before.successes);
  EXPECT_EQ(a_after.ewma_latency_ms, a_before.ewma_latency_ms);
  EXPECT_EQ(a_after.in_flight, a_before.in_flight);
  EXPECT_EQ(a_after.weight, 5u);  // the new spec
  const HealthInfo c = t.HealthOf("c");
  EXPECT_EQ(c.picks, 0);
  EXPECT_LT(c.ewma_latency_ms, 0);
  HealthInfo gone;
  EXPECT_EQ(t.router->Health("b", &gone).code(), Code::kNotFound);
  EXPECT_EQ(t.PickName("n"), "a");  // the new models serve at once

  // The ticket issued before the reload is reported as usual, whichever deployment it was on.
  t.ReportOutcome(held, Outcome::kSuccess);
  for (const auto &[name, health] : t.router->HealthAll()) EXPECT_EQ(health.in_flight, 0) << name;
  (void)held_on;
}

TEST(Reload, RemovedDeploymentGetsNoPicksAndItsTicketStaysValid) {
  TestRouter t;
  Apply(t, Config({Spec("a", {"m"})}));
  uint64_t ticket = 0;
  ASSERT_EQ(t.PickName("m", &ticket), "a");
  Apply(t, Config({Spec("b", {"m"})}));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(t.PickName("m"), "b");
  // Reporting after removal works and counts once; the state is freed by a later write.
  t.ReportOutcome(ticket, Outcome::kServerError);
  EXPECT_EQ(t.router->Report(ticket, {}).code(), Code::kTicketDone);
  Apply(t, Config({Spec("b", {"m"})}));
  // Re-adding the name starts from scratch.
  Apply(t, Config({Spec("a", {"m"}), Spec("b", {"m"})}));
  EXPECT_EQ(t.HealthOf("a").picks, 0);
}

TEST(Reload, AdaptersStayWithTheirDeploymentsByName) {
  TestRouter t;
  Apply(t, Config({Spec("a", {"m"}), Spec("b", {"m"})}));
  std::atomic<int> released_a{0}, released_b{0};
  ASSERT_TRUE(t.router->SetAdapter("a", std::make_shared<FakeAdapter>(&released_a)).ok());
  ASSERT_TRUE(t.router->SetAdapter("b", std::make_shared<FakeAdapter>(&released_b)).ok());
  Apply(t, Config({Spec("a", {"m"}, 2), Spec("c", {"m"})}));
  EXPECT_EQ(released_a.load(), 0);  // kept, with its adapter
  EXPECT_EQ(released_b.load(), 1);  // removed: released during the reload (no call used it)
  CallOptions options;
  options.backoff_base_ms = 0;
  for (int i = 0; i < 5; ++i) {
    CallReport report;
    ASSERT_TRUE(t.router->Call("m", "req", options, &report).ok()) << report.detail;
    EXPECT_EQ(report.attempts.back().deployment, "a");  // c has no adapter yet
  }
}

TEST(Reload, RejectedConfigurationChangesNothing) {
  TestRouter t;
  Apply(t, Config({Spec("a", {"m"})}));
  auto recorder = std::make_shared<Recorder>();
  t.router->SetEventListener(recorder);
  RouterConfiguration bad = Config({Spec("b", {"m"}), Spec("b", {"n"})});
  bad.aliases.emplace_back("x", "m");
  const Status s = t.router->ApplyConfiguration(std::move(bad));
  EXPECT_EQ(s.code(), Code::kAlreadyExists);
  EXPECT_EQ(s.message(), "deployment 'b' is listed twice");
  EXPECT_EQ(t.PickName("m"), "a");
  Status unknown;
  t.PickName("x", nullptr, &unknown);
  EXPECT_EQ(unknown.code(), Code::kUnknownModel);
  const RouterStats stats = t.router->Stats();
  EXPECT_EQ(stats.configs_applied, 1);
  EXPECT_EQ(stats.configs_rejected, 1);
  const auto events = recorder->Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kConfigRejected);
  EXPECT_EQ(events[0].message, "deployment 'b' is listed twice");
  EXPECT_EQ(events[0].generation, 1u);
}

TEST(Reload, ReplacesAliasesFallbacksAndStrategies) {
  TestRouter t;
  RouterConfiguration first = Config({Spec("a", {"m"}), Spec("b", {"n"})});
  first.aliases.emplace_back("fast", "m");
  first.fallbacks[0].emplace_back("m", std::vector<std::string>{"n"});
  first.model_strategies.emplace_back("m", StrategyKind::kWeighted);
  first.strategy = StrategyKind::kLatency;
  Apply(t, std::move(first));
  EXPECT_EQ(t.PickName("fast"), "a");
  std::vector<FallbackEntry> list;
  ASSERT_TRUE(t.router->Fallbacks("m", {}, &list).ok());
  EXPECT_EQ(list.size(), 2u);

  Apply(t, Config({Spec("a", {"m"}), Spec("b", {"n"})}));  // everything else left out
  Status status;
  t.PickName("fast", nullptr, &status);
  EXPECT_EQ(status.code(), Code::kUnknownModel);  // the alias is gone
  list.clear();
  ASSERT_TRUE(t.router->Fallbacks("m", {}, &list).ok());
  EXPECT_EQ(list.size(), 1u);  // so is the chain
}

TEST(Events, BreakerTransitionsAndReloadsReachTheListener) {
  RouterOptions options;
  options.breaker.jitter = 0;
  TestRouter t(std::move(options));
  auto recorder = std::make_shared<Recorder>();
  t.router->SetEventListener(recorder);
  Apply(t, Config({Spec("a", {"m"}), Spec("b", {"m"})}));
  auto events = recorder->Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kConfigApplied);
  EXPECT_EQ(events[0].added, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(events[0].generation, 1u);

  // Five failures in a row trip a.
  for (int i = 0; i < 5; ++i) {
    uint64_t ticket = 0;
    PickRequest request;
    const char *exclude[] = {"b"};
    request.exclude = exclude;
    request.exclude_count = 1;
    PickResult r;
    ASSERT_TRUE(t.router->Pick("m", "m", request, &r).ok());
    ticket = r.ticket;
    t.ReportOutcome(ticket, Outcome::kServerError);
  }
  events = recorder->Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kBreaker);
  EXPECT_EQ(events[0].deployment, "a");
  EXPECT_EQ(events[0].from, BreakerState::kClosed);
  EXPECT_EQ(events[0].to, BreakerState::kOpen);
  EXPECT_EQ(events[0].cooldown_ms, 5000);

  // After the cooldown the first probe is the move to half-open; its success closes a.
  t.Advance(5000);
  uint64_t probe = 0;
  PickResult r;
  for (int i = 0; i < 4 && !r.probe; ++i) {
    ASSERT_FALSE(t.PickName("m", &probe, nullptr, &r).empty());
    if (!r.probe) t.ReportOutcome(probe, Outcome::kSuccess);
  }
  ASSERT_TRUE(r.probe);
  events = recorder->Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].from, BreakerState::kOpen);
  EXPECT_EQ(events[0].to, BreakerState::kHalfOpen);
  t.ReportOutcome(probe, Outcome::kSuccess);
  events = recorder->Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].from, BreakerState::kHalfOpen);
  EXPECT_EQ(events[0].to, BreakerState::kClosed);

  const RouterStats stats = t.router->Stats();
  EXPECT_EQ(stats.deployments[0].opened, 1);
  EXPECT_EQ(stats.deployments[0].half_opened, 1);
  EXPECT_EQ(stats.deployments[0].closed, 1);
}

TEST(Events, AListenerMayCallBackIntoTheRouter) {
  TestRouter t;
  auto recorder = std::make_shared<Recorder>();
  Router *router = t.router.get();
  int reentered = 0;
  recorder->on_event = [&](const Recorder::Seen &seen) {
    // From a report (breaker), a pick (half-open) and a reload: picks, stats and writes work.
    PickResult r;
    if (router->Pick("m", "m", {}, &r).ok()) (void)router->Cancel(r.ticket);
    (void)router->Stats();
    if (seen.kind == EventKind::kBreaker) {
      EXPECT_TRUE(router->SetOverride(seen.deployment, Override::kAuto).ok());
    }
    ++reentered;
  };
  t.router->SetEventListener(recorder);
  Apply(t, Config({Spec("a", {"m"})}));
  for (int i = 0; i < 5; ++i) t.PickAndReport("m", Outcome::kTimeout);
  t.Advance(10'000);
  t.PickAndReport("m", Outcome::kSuccess);
  EXPECT_EQ(reentered, 4);  // applied, opened, half-open, closed
  t.router->SetEventListener(nullptr);
}

TEST(Stats, CountsOutcomesTokensLatencyAndModels) {
  TestRouter t;
  RouterConfiguration config = Config({Spec("a", {"m"}), Spec("b", {"other"})});
  config.aliases.emplace_back("alias", "m");
  Apply(t, std::move(config));
  for (int i = 1; i <= 100; ++i) {
    uint64_t ticket = 0;
    ASSERT_EQ(t.PickName(i % 2 ? "m" : "alias", &ticket), "a");
    ReportInput in;
    in.latency_ms = i;  // 1..100 ms
    in.input_tokens = 10;
    in.output_tokens = 3;
    ASSERT_TRUE(t.router->Report(ticket, in).ok());
  }
  t.PickAndReport("m", Outcome::kRateLimited);
  t.PickAndReport("m", Outcome::kBadRequest);
  uint64_t cancelled = 0;
  t.PickName("m", &cancelled, nullptr);
  ASSERT_TRUE(t.router->Cancel(cancelled).ok());
  uint64_t open_ticket = 0;
  t.PickName("m", &open_ticket, nullptr);

  const RouterStats stats = t.router->Stats();
  ASSERT_EQ(stats.deployments.size(), 2u);
  const DeploymentStatsInfo &a = stats.deployments[0];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.outcomes[static_cast<size_t>(Outcome::kSuccess)], 100);
  EXPECT_EQ(a.outcomes[static_cast<size_t>(Outcome::kRateLimited)], 1);
  EXPECT_EQ(a.outcomes[static_cast<size_t>(Outcome::kBadRequest)], 1);
  EXPECT_EQ(a.cancels, 1);
  EXPECT_EQ(a.in_flight, 1);
  EXPECT_EQ(a.picks, 104);
  EXPECT_EQ(a.input_tokens, 1000);
  EXPECT_EQ(a.output_tokens, 300);
  EXPECT_EQ(a.latency.count, 100);  // successes only
  EXPECT_DOUBLE_EQ(a.latency.sum_ms, 5050);
  // Within one fine bucket (at most 1/16 of the interval) of the exact quantiles.
  EXPECT_NEAR(a.latency_p50_ms, 50, 50.0 / 16);
  EXPECT_NEAR(a.latency_p90_ms, 90, 50.0 / 16);
  EXPECT_NEAR(a.latency_p99_ms, 99, 50.0 / 16);
  EXPECT_LT(stats.deployments[1].latency_p50_ms, 0);  // b: no samples

  // Models by routed name: the alias counts as "m".
  ASSERT_EQ(stats.models.size(), 2u);
  EXPECT_EQ(stats.models[0].model, "m");
  EXPECT_EQ(stats.models[0].picks, 104);
  EXPECT_EQ(stats.models[1].model, "other");
  EXPECT_EQ(stats.models[1].picks, 0);
  t.ReportOutcome(open_ticket, Outcome::kSuccess);

  // Statistics survive a reload that keeps the deployment.
  Apply(t, Config({Spec("a", {"m"}, 3)}));
  EXPECT_EQ(t.router->Stats().deployments[0].picks, 104);
}

TEST(Stats, CallCountsFallbacksOfTheModelItLeaves) {
  TestRouter t;
  RouterConfiguration config = Config({Spec("a", {"m"}), Spec("b", {"n"})});
  config.fallbacks[0].emplace_back("m", std::vector<std::string>{"n"});
  Apply(t, std::move(config));
  std::atomic<int> released{0};
  ASSERT_TRUE(
      t.router->SetAdapter("a", std::make_shared<FakeAdapter>(&released, Outcome::kServerError))
          .ok());
  ASSERT_TRUE(t.router->SetAdapter("b", std::make_shared<FakeAdapter>(&released)).ok());
  CallOptions options;
  options.backoff_base_ms = 0;
  CallReport report;
  ASSERT_TRUE(t.router->Call("m", "req", options, &report).ok()) << report.detail;
  EXPECT_TRUE(report.used_fallback);
  const RouterStats stats = t.router->Stats();
  ASSERT_EQ(stats.models.size(), 2u);
  EXPECT_EQ(stats.models[0].model, "m");
  EXPECT_EQ(stats.models[0].fallbacks, 1);
  EXPECT_EQ(stats.models[0].picks, 1);
  EXPECT_EQ(stats.models[1].fallbacks, 0);
  EXPECT_EQ(stats.models[1].picks, 1);
}

TEST(Prometheus, RendersFamiliesWithEscapedLabels) {
  TestRouter t;
  Apply(t, Config({Spec("we\"ird\\name", {"m"})}));
  t.PickAndReport("m", Outcome::kSuccess, 7);
  const std::string text = RenderPrometheus(t.router->Stats());
  EXPECT_NE(text.find("# HELP llmroute_deployment_requests_total "), std::string::npos);
  EXPECT_NE(text.find("# TYPE llmroute_deployment_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("llmroute_deployment_requests_total{deployment=\"we\\\"ird\\\\name\","
                      "outcome=\"success\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("llmroute_deployment_latency_seconds_bucket{deployment=\"we\\\"ird\\\\name\","
                      "le=\"0.005\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("llmroute_deployment_latency_seconds_bucket{deployment=\"we\\\"ird\\\\name\","
                      "le=\"0.01\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("llmroute_deployment_latency_seconds_sum{deployment=\"we\\\"ird\\\\name\"} "
                      "0.007\n"),
            std::string::npos);
  EXPECT_NE(text.find("llmroute_model_picks_total{model=\"m\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("llmroute_config_applied_total 1\n"), std::string::npos);
}

}  // namespace
}  // namespace llmroute::testing
