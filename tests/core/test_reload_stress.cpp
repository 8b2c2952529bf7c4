// Hot reload under load: workers pick, report and cancel while a writer keeps replacing the whole
// configuration (deployments come, go and come back; weights, tiers and strategies change), a
// listener receives events, and a reader takes statistics and renders metrics. Run under
// ThreadSanitizer (the tsan preset). At the end every in-flight count is zero, the deployments
// that never left saw exactly the workers' picks and completions, and the model's pick counter
// equals all picks made.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "test_support.hpp"

namespace llmroute::testing {
namespace {

struct CountingListener final : EventListener {
  void OnEvent(const Event &e) noexcept override {
    if (e.kind == EventKind::kConfigApplied) {
      applied.fetch_add(1);
    } else if (e.kind == EventKind::kBreaker) {
      breaker.fetch_add(1);
      (void)e.deployment.size();
    }
  }
  std::atomic<int64_t> applied{0};
  std::atomic<int64_t> breaker{0};
};

RouterConfiguration Generation(int round) {
  RouterConfiguration config;
  for (int i = 0; i < 3; ++i) {
    DeploymentSpec spec;
    spec.name = "stable-" + std::to_string(i);
    spec.models = {"m"};
    spec.weight = 1 + static_cast<uint32_t>((round + i) % 3);
    if (round % 5 == 0) spec.max_in_flight = 50;
    config.deployments.push_back(std::move(spec));
  }
  // Churning deployments: present in some generations only, sometimes in tier 1.
  for (int i = 0; i < 4; ++i) {
    if ((round + i) % 3 == 0) continue;
    DeploymentSpec spec;
    spec.name = "churn-" + std::to_string(i);
    spec.models = {"m", "churn-*"};
    spec.tier = static_cast<uint32_t>((round + i) % 2);
    config.deployments.push_back(std::move(spec));
  }
  config.aliases.emplace_back("alias-" + std::to_string(round % 2), "m");
  const StrategyKind strategies[] = {StrategyKind::kRoundRobin, StrategyKind::kWeighted,
                                     StrategyKind::kLatency, StrategyKind::kLeastLoaded};
  config.strategy = strategies[round % 4];
  return config;
}

TEST(ReloadStress, ConcurrentPicksKeepInFlightAccountingExact) {
  RouterOptions options;
  options.breaker.cooldown_base_ns = kNsPerMs;  // trips and recoveries all the time
  options.breaker.cooldown_max_ns = 2 * kNsPerMs;
  std::unique_ptr<Router> router;
  ASSERT_TRUE(Router::Create(std::move(options), &router).ok());
  auto listener = std::make_shared<CountingListener>();
  router->SetEventListener(listener);
  ASSERT_TRUE(router->ApplyConfiguration(Generation(0)).ok());

  constexpr int kWorkers = 3;
  constexpr int kOpsPerWorker = 20000;
  constexpr int kMinReloads = 40;  // workers go on until the writer has reloaded this often
  std::atomic<bool> stop{false};
  std::atomic<int> reloads{1};
  std::atomic<int64_t> total_picks{0};
  std::mutex tally_mutex;
  std::map<std::string, int64_t> picked, completed;

  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      SeededRandom rng(static_cast<uint64_t>(w) + 7);
      std::vector<std::pair<uint64_t, std::string>> held;
      std::map<std::string, int64_t> my_picked, my_completed;
      int64_t my_picks = 0;
      for (int op = 0; op < kOpsPerWorker || reloads.load() < kMinReloads; ++op) {
        const uint64_t dice = rng.Next() % 10;
        if (dice < 6 || held.empty()) {
          PickResult r;
          const char *model = dice % 2 ? "m" : "churn-x";
          if (router->Pick(model, model, {}, &r).ok()) {
            held.emplace_back(r.ticket, r.deployment);
            ++my_picked[r.deployment];
            if (std::string_view(model) == "m") ++my_picks;
          }
        } else {
          const size_t index = rng.Next() % held.size();
          auto [ticket, name] = held[index];
          held[index] = held.back();
          held.pop_back();
          Status status;
          if (dice == 9) {
            status = router->Cancel(ticket);
          } else {
            ReportInput in;
            in.outcome = static_cast<Outcome>(rng.Next() % kOutcomeCount);
            in.latency_ms = static_cast<double>(rng.Next() % 500);
            in.input_tokens = 3;
            status = router->Report(ticket, in);
          }
          EXPECT_TRUE(status.ok()) << status.message();
          ++my_completed[name];
        }
      }
      for (auto &[ticket, name] : held) {
        EXPECT_TRUE(router->Cancel(ticket).ok());
        ++my_completed[name];
      }
      total_picks.fetch_add(my_picks);
      std::lock_guard<std::mutex> lock(tally_mutex);
      for (auto &[name, n] : my_picked) picked[name] += n;
      for (auto &[name, n] : my_completed) completed[name] += n;
    });
  }
  threads.emplace_back([&] {  // the reloader
    for (int round = 1; !stop.load(); ++round) {
      const Status s = router->ApplyConfiguration(Generation(round));
      EXPECT_TRUE(s.ok()) << s.message();
      reloads.fetch_add(1);
    }
  });
  threads.emplace_back([&] {  // an observer: statistics and metrics while everything moves
    while (!stop.load()) {
      const RouterStats stats = router->Stats();
      EXPECT_FALSE(RenderPrometheus(stats).empty());
      (void)router->HealthAll();
    }
  });
  for (int w = 0; w < kWorkers; ++w) threads[w].join();
  stop.store(true);
  threads[kWorkers].join();
  threads[kWorkers + 1].join();

  // One more reload frees every retired deployment (none is in flight any more).
  ASSERT_TRUE(router->ApplyConfiguration(Generation(0)).ok());
  const RouterStats stats = router->Stats();
  for (const DeploymentStatsInfo &d : stats.deployments) {
    EXPECT_EQ(d.in_flight, 0) << d.name;
    int64_t ended = d.cancels;
    for (const int64_t n : d.outcomes) ended += n;
    EXPECT_EQ(d.picks, ended) << d.name;
    if (d.name.rfind("stable-", 0) == 0) {
      // Stable deployments never left, so the router saw every one of their calls.
      EXPECT_EQ(d.picks, picked[d.name]) << d.name;
      EXPECT_EQ(d.picks, completed[d.name]) << d.name;
    }
  }
  for (const auto &[name, n] : picked) EXPECT_EQ(n, completed[name]) << name;
  int64_t model_picks = -1;
  for (const auto &m : stats.models) {
    if (m.model == "m") model_picks = m.picks;
  }
  EXPECT_EQ(model_picks, total_picks.load());
  EXPECT_EQ(stats.configs_applied, reloads.load() + 1);
  EXPECT_EQ(listener->applied.load(), stats.configs_applied);
  RecordProperty("reloads", reloads.load());
  RecordProperty("breaker_events", static_cast<int>(listener->breaker.load()));
  router->SetEventListener(nullptr);
}

}  // namespace
}  // namespace llmroute::testing
