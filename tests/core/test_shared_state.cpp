// The fleet shared state's logic without Redis: the synchronisation thread of several routers
// against an in-memory store with the Redis script's semantics (src/backend/redis/
// sync_script.hpp), on one manual clock. Also the parts on their own: URL parsing, the breaker's
// ApplyShared, the limits' fleet counts. (tests/redis runs the same scenarios against Redis.)
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "core/router.hpp"
#include "core/shared_state/redis_url.hpp"
#include "test_support.hpp"

namespace llmroute {
namespace {

using testing::ManualClock;
using testing::SeededRandom;

bool Eventually(const std::function<bool()> &condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return condition();
}

// What a Redis with the sync script holds, on the test's clock.
class FakeStore {
 public:
  explicit FakeStore(std::shared_ptr<std::atomic<int64_t>> now) : now_(std::move(now)) {}

  std::atomic<bool> down{false};
  std::atomic<int> exchanges{0};
  uint64_t requests_received = 0;  // guarded by mutex_; see RequestsReceived()

  // Requests every router sent so far (what `redis-cli monitor` showed as requests=0).
  uint64_t RequestsReceived() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_received;
  }
  // The fleet's requests in the window ending at the store's now.
  uint64_t RequestsInWindow(const std::string &deployment) {
    std::lock_guard<std::mutex> lock(mutex_);
    const int64_t second = now_->load() / kNsPerMs / 1000;
    uint64_t total = 0;
    for (const auto &[s, counts] : usage_[deployment]) {
      if (s > second - 60 && s <= second) total += counts.first;
    }
    return total;
  }

  SyncReply Exchange(const SyncRequest &r) {
    std::lock_guard<std::mutex> lock(mutex_);
    const int64_t now = now_->load() / kNsPerMs;
    Breaker &b = breakers_[r.deployment];
    bool changed = false;
    if (r.op == BreakerOp::kOpen) {
      const int64_t want = now + r.cooldown_ms;
      if (!b.open || want > b.until) {
        b.open = true;
        b.until = std::max(b.until, want);
        changed = true;
      }
      if (r.trips_in_row > b.trips) {
        b.trips = r.trips_in_row;
        changed = true;
      }
    } else if (r.op == BreakerOp::kClose && b.open && b.gen == r.known_generation) {
      b = Breaker{b.gen, false, 0, 0};
      changed = true;
    }
    if (changed) ++b.gen;
    SyncReply reply;
    reply.generation = b.gen;
    reply.open = b.open;
    reply.remaining_ms = b.open && b.until > now ? b.until - now : 0;
    reply.trips_in_row = b.trips;
    auto &usage = usage_[r.deployment];
    const int64_t second = now / 1000;
    for (const UsageSecond &u : r.usage) {  // each under its own second, as the script does
      if (u.age_s < 0 || u.age_s >= 60) continue;
      usage[second - u.age_s].first += u.requests;
      usage[second - u.age_s].second += u.tokens;
      if (u.requests != 0) requests_received += u.requests;
    }
    for (auto it = usage.begin(); it != usage.end();) {
      it = it->first <= second - 60 ? usage.erase(it) : std::next(it);
    }
    for (const auto &[s, counts] : usage) {
      reply.requests += counts.first;
      reply.tokens += counts.second;
    }
    if (r.rpm_limit != 0 && reply.requests >= r.rpm_limit) {
      uint64_t total = reply.requests;
      for (const auto &[s, counts] : usage) {
        total -= counts.first;
        if (total < r.rpm_limit) {
          reply.requests_free_ms = (s + 60) * 1000 - now;
          break;
        }
      }
    }
    return reply;
  }

  // Forgets everything, as a Redis without persistence does when it restarts.
  void Flush() {
    std::lock_guard<std::mutex> lock(mutex_);
    breakers_.clear();
    usage_.clear();
    ++server_;
  }
  int server() {
    std::lock_guard<std::mutex> lock(mutex_);
    return server_;
  }

 private:
  struct Breaker {
    uint64_t gen = 0;
    bool open = false;
    int64_t until = 0;
    uint32_t trips = 0;
  };
  std::shared_ptr<std::atomic<int64_t>> now_;
  std::mutex mutex_;
  std::map<std::string, Breaker> breakers_;
  std::map<std::string, std::map<int64_t, std::pair<uint64_t, uint64_t>>> usage_;
  int server_ = 1;
};

class FakeBackend final : public SharedStateBackend {
 public:
  explicit FakeBackend(FakeStore *store) : store_(store) {}
  std::atomic<bool> paused{false};  // this router alone cannot reach the store

  BackendResult Connect(std::string *server_id) override {
    if (interrupted_.load()) return {BackendResult::Failure::kInterrupted, "stopped"};
    if (store_->down.load() || paused.load()) {
      return {BackendResult::Failure::kUnreachable, "store is down"};
    }
    *server_id = std::to_string(store_->server());
    return {};
  }
  BackendResult Exchange(const std::vector<SyncRequest> &requests,
                         std::vector<SyncReply> *replies) override {
    if (interrupted_.load()) return {BackendResult::Failure::kInterrupted, "stopped"};
    if (store_->down.load() || paused.load()) {
      return {BackendResult::Failure::kUnreachable, "store is down"};
    }
    replies->clear();
    for (const SyncRequest &r : requests) replies->push_back(store_->Exchange(r));
    store_->exchanges.fetch_add(1);
    return {};
  }
  void Disconnect() override {}
  void Interrupt() override { interrupted_.store(true); }
  std::string Describe() const override { return "fake"; }

 private:
  FakeStore *store_;
  std::atomic<bool> interrupted_{false};
};

class Fleet : public ::testing::Test {
 protected:
  std::unique_ptr<Router> MakeRouter(double rate_batch = 0.05, FakeBackend **backend = nullptr) {
    RouterOptions options;
    options.clock = std::make_unique<ManualClock>(now_);
    options.rng = std::make_unique<SeededRandom>(7);
    options.breaker.jitter = 0;
    options.shared_state.sync_interval_ns = 10 * kNsPerMs;
    options.shared_state.rate_batch = rate_batch;
    auto fake = std::make_unique<FakeBackend>(&store_);
    if (backend != nullptr) *backend = fake.get();
    options.shared_state_backend = std::move(fake);
    std::unique_ptr<Router> router;
    const Status status = Router::Create(std::move(options), &router);
    EXPECT_TRUE(status.ok()) << status.message();
    return router;
  }
  static void Add(Router &router, const std::string &name, const std::string &model,
                  uint32_t rpm = 0) {
    DeploymentSpec spec;
    spec.name = name;
    spec.models = {model};
    spec.rpm_limit = rpm;
    ASSERT_TRUE(router.AddDeployment(std::move(spec)).ok());
  }
  static Status PickAndReport(Router &router, const std::string &model, Outcome outcome) {
    PickResult result;
    Status status = router.Pick(model, model.c_str(), PickRequest{}, &result);
    if (status.ok()) {
      ReportInput input;
      input.outcome = outcome;
      EXPECT_TRUE(router.Report(result.ticket, input).ok());
    }
    return status;
  }
  static BreakerState State(Router &router, const std::string &name) {
    HealthInfo info;
    EXPECT_TRUE(router.Health(name, &info).ok());
    return info.state;
  }
  // Waits for `count` more exchanges of the store (so every router has had its turn).
  void Exchanges(int count) {
    const int target = store_.exchanges.load() + count;
    ASSERT_TRUE(Eventually([&] { return store_.exchanges.load() >= target; }));
  }
  void Advance(int64_t ms) { now_->fetch_add(ms * kNsPerMs); }

  std::shared_ptr<std::atomic<int64_t>> now_ =
      std::make_shared<std::atomic<int64_t>>(1'000'000 * kNsPerMs);
  FakeStore store_{now_};
};

TEST_F(Fleet, ATripAndItsRecoveryReachTheOtherRouter) {
  auto a = MakeRouter();
  auto b = MakeRouter();
  Add(*a, "d", "m");
  Add(*b, "d", "m");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(PickAndReport(*a, "m", Outcome::kServerError).ok());
  ASSERT_TRUE(Eventually([&] { return State(*b, "d") == BreakerState::kOpen; }));
  HealthInfo info;
  ASSERT_TRUE(b->Health("d", &info).ok());
  EXPECT_EQ(info.cooldown_remaining_ms, 5000);  // A's cooldown, to the millisecond
  EXPECT_EQ(b->SharedState().remote_opens, 1);
  Advance(5000);
  EXPECT_EQ(State(*b, "d"), BreakerState::kHalfOpen);           // the same deadline on both
  ASSERT_TRUE(PickAndReport(*a, "m", Outcome::kSuccess).ok());  // A's probe
  ASSERT_TRUE(Eventually([&] { return State(*b, "d") == BreakerState::kClosed; }));
  EXPECT_EQ(b->SharedState().remote_closes, 1);
}

TEST_F(Fleet, ARecoveryOnStaleInformationDoesNotUndoANewerTrip) {
  auto a = MakeRouter();
  FakeBackend *b_backend = nullptr;
  auto b = MakeRouter(0.05, &b_backend);
  Add(*a, "d", "m");
  Add(*b, "d", "m");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(PickAndReport(*a, "m", Outcome::kServerError).ok());
  ASSERT_TRUE(Eventually([&] { return State(*b, "d") == BreakerState::kOpen; }));
  // B loses the store; after the cooldown its probe succeeds (B closes locally), while A's
  // probe fails (a re-trip with the doubled cooldown, which A sends).
  b_backend->paused.store(true);
  ASSERT_TRUE(Eventually([&] { return !b->SharedState().connected; }));
  Advance(5000);
  ASSERT_TRUE(PickAndReport(*b, "m", Outcome::kSuccess).ok());
  EXPECT_EQ(State(*b, "d"), BreakerState::kClosed);
  ASSERT_TRUE(PickAndReport(*a, "m", Outcome::kServerError).ok());
  Exchanges(3);
  // Back, B sends its close, but for a generation the store has moved past: B takes the fleet's
  // breaker instead, open for A's doubled cooldown.
  b_backend->paused.store(false);
  ASSERT_TRUE(Eventually([&] { return State(*b, "d") == BreakerState::kOpen; }));
  HealthInfo info;
  ASSERT_TRUE(b->Health("d", &info).ok());
  EXPECT_EQ(info.cooldown_remaining_ms, 10000);
  Exchanges(3);
  EXPECT_EQ(State(*a, "d"), BreakerState::kOpen);
}

TEST_F(Fleet, RoutersKeepRoutingWhileTheStoreIsDownAndCatchUpAfterwards) {
  auto a = MakeRouter();
  auto b = MakeRouter();
  Add(*a, "d", "m");
  Add(*b, "d", "m");
  Add(*a, "e", "m2");
  Add(*b, "e", "m2");
  ASSERT_TRUE(Eventually([&] { return a->SharedState().connected && b->SharedState().connected; }));
  store_.down.store(true);
  ASSERT_TRUE(
      Eventually([&] { return !a->SharedState().connected && !b->SharedState().connected; }));
  EXPECT_EQ(a->SharedState().last_error, "store is down");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(PickAndReport(*a, "m", Outcome::kServerError).ok());
  ASSERT_TRUE(PickAndReport(*b, "m2", Outcome::kSuccess).ok());
  store_.Flush();  // it comes back empty
  store_.down.store(false);
  ASSERT_TRUE(Eventually([&] { return State(*b, "d") == BreakerState::kOpen; }));
  EXPECT_TRUE(a->SharedState().connected);
  EXPECT_GE(a->SharedState().connections, 2);
}

TEST_F(Fleet, AnRpmLimitHoldsWithinTheBatchBoundUnderConcurrentPicks) {
  constexpr uint32_t kRpm = 200;  // batch 0.05: 10 per router between exchanges
  std::vector<std::unique_ptr<Router>> routers;
  for (int i = 0; i < 3; ++i) {
    routers.push_back(MakeRouter());
    Add(*routers.back(), "d", "m", kRpm);
  }
  ASSERT_TRUE(Eventually([&] {
    return std::all_of(routers.begin(), routers.end(),
                       [](auto &r) { return r->SharedState().connected; });
  }));
  std::atomic<uint32_t> admitted{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto &router : routers) {
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, r = router.get()] {
        while (!stop.load()) {
          if (PickAndReport(*r, "m", Outcome::kSuccess).ok()) {
            admitted.fetch_add(1);
          } else {
            std::this_thread::yield();
          }
        }
      });
    }
  }
  ASSERT_TRUE(Eventually([&] { return admitted.load() >= kRpm; }));
  Exchanges(10);
  stop.store(true);
  for (auto &t : threads) t.join();
  EXPECT_GE(admitted.load(), kRpm);
  EXPECT_LE(admitted.load(), kRpm + 2 * 10);
  // 60 s later the window has moved on.
  Advance(61'000);
  ASSERT_TRUE(Eventually([&] { return PickAndReport(*routers[0], "m", Outcome::kSuccess).ok(); }));
}

// Issue 17: deployments that come from a configuration (every gateway's) are linked to the fleet
// like added ones: their rpm is shared, and the store hears of every request.
TEST_F(Fleet, AnRpmLimitFromAConfigurationHoldsAcrossTheFleet) {
  constexpr uint32_t kRpm = 100;  // batch 0.05: 5 per router between exchanges
  std::vector<std::unique_ptr<Router>> routers;
  for (int i = 0; i < 2; ++i) {
    routers.push_back(MakeRouter());
    RouterConfiguration config;
    DeploymentSpec spec;
    spec.name = "d";
    spec.models = {"m"};
    spec.rpm_limit = kRpm;
    config.deployments.push_back(spec);
    ASSERT_TRUE(routers.back()->ApplyConfiguration(std::move(config)).ok());
  }
  ASSERT_TRUE(Eventually([&] {
    return std::all_of(routers.begin(), routers.end(),
                       [](auto &r) { return r->SharedState().connected; });
  }));
  // Each router in turn takes what it may; between turns the routers exchange. The clock stands
  // still, so no capacity returns: two rounds without an admission mean the fleet is full.
  uint32_t admitted = 0;
  for (int idle = 0, round = 0; idle < 2 && round < 1000; ++round) {
    uint32_t this_round = 0;
    for (auto &router : routers) {
      while (PickAndReport(*router, "m", Outcome::kSuccess).ok()) ++this_round;
    }
    admitted += this_round;
    idle = this_round == 0 ? idle + 1 : 0;
    Exchanges(3);
  }
  EXPECT_GE(admitted, kRpm);
  EXPECT_LE(admitted, kRpm + 5);  // (N - 1) x batch, docs/fleet.md
  EXPECT_EQ(store_.RequestsReceived(), admitted);
}

// Issue 17: usage counted while the store was unreachable, and the whole window sent again to a
// store that restarted empty, go to the seconds they happened in, not all into the current one
// (which kept them in the fleet's window up to 60 s too long).
TEST_F(Fleet, UsageSentAfterAnOutageCountsInTheSecondsItHappened) {
  FakeBackend *backend = nullptr;
  auto a = MakeRouter(0.05, &backend);
  Add(*a, "d", "m", 1000);
  ASSERT_TRUE(Eventually([&] { return a->SharedState().connected; }));
  backend->paused.store(true);
  ASSERT_TRUE(Eventually([&] { return !a->SharedState().connected; }));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(PickAndReport(*a, "m", Outcome::kSuccess).ok());
  Advance(30'000);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(PickAndReport(*a, "m", Outcome::kSuccess).ok());
  Advance(20'000);  // 50 s after the first ten
  backend->paused.store(false);
  ASSERT_TRUE(Eventually([&] { return a->SharedState().connected; }));
  Exchanges(2);
  EXPECT_EQ(store_.RequestsInWindow("d"), 20u);
  Advance(15'000);  // the first ten are 65 s old: out of the window
  EXPECT_EQ(store_.RequestsInWindow("d"), 10u);

  // The store restarts empty while A is away: A sends its window again, second by second.
  backend->paused.store(true);
  ASSERT_TRUE(Eventually([&] { return !a->SharedState().connected; }));
  store_.Flush();
  backend->paused.store(false);
  ASSERT_TRUE(Eventually([&] { return a->SharedState().connected; }));
  Exchanges(2);
  EXPECT_EQ(store_.RequestsInWindow("d"), 10u);
  Advance(26'000);  // the second ten are 61 s old
  EXPECT_EQ(store_.RequestsInWindow("d"), 0u);
}

// --- the parts ---

TEST(SharedStateParts, BreakerTakesTheFleetsStateOnlyWhenNothingChangedLocally) {
  const BreakerConfig config;
  std::atomic<int32_t> degraded{0};
  CircuitBreaker breaker(&config, &degraded);
  SeededRandom rng(1);
  const int64_t now = 1'000 * kNsPerMs;
  const CircuitBreaker::SyncView view = breaker.ViewForSync();
  bool applied = false;
  BreakerChange change =
      breaker.ApplyShared(view.epoch, true, now + 3'000 * kNsPerMs, 2, now, &applied);
  EXPECT_TRUE(applied);
  EXPECT_TRUE(change.changed);
  EXPECT_EQ(change.to, BreakerState::kOpen);
  EXPECT_EQ(breaker.OpenUntilNs(), now + 3'000 * kNsPerMs);
  EXPECT_EQ(degraded.load(), 1);
  EXPECT_EQ(breaker.ViewForSync().epoch, view.epoch);  // not a local change
  EXPECT_EQ(breaker.ViewForSync().trips_in_row, 2u);
  // A shorter remote cooldown never shortens it.
  change = breaker.ApplyShared(view.epoch, true, now + 1'000 * kNsPerMs, 0, now, &applied);
  EXPECT_FALSE(change.changed);
  EXPECT_EQ(breaker.OpenUntilNs(), now + 3'000 * kNsPerMs);
  // A local change makes the stale view's apply a no-op.
  (void)breaker.OnOutcome(Outcome::kSuccess, 0, CallKind::kProbe, now + 4'000 * kNsPerMs, rng);
  EXPECT_EQ(breaker.OpenUntilNs(), 0);
  EXPECT_NE(breaker.ViewForSync().epoch, view.epoch);
  change = breaker.ApplyShared(view.epoch, true, now + 9'000 * kNsPerMs, 0, now, &applied);
  EXPECT_FALSE(applied);
  EXPECT_EQ(breaker.OpenUntilNs(), 0);
}

class StubLink final : public FleetLink {
 public:
  StubLink() : FleetLink(0.1) {}
  void RequestSync() override { requests.fetch_add(1); }
  void SetActive(bool active) { active_.store(active); }
  std::atomic<int> requests{0};
};

TEST(SharedStateParts, LimitsAdmitABatchBetweenExchangesAndCountTheFleet) {
  DeploymentLimits limits;
  limits.Configure(100, 0, 0);  // batch 0.1: 10
  StubLink link;
  limits.LinkFleet(&link);
  const int64_t now = 1'000'000 * kNsPerMs;
  // Not active (store unreachable): local limits only, usage still counted for later.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(limits.TryAdmit(now, 0));
  link.SetActive(true);
  EXPECT_FALSE(limits.TryAdmit(now, 0));  // 20 unsynced >= the batch
  EXPECT_EQ(link.requests.load(), 1);
  DeploymentLimits::Usage usage = limits.TakeUnsynced(now, false);
  EXPECT_EQ(usage.requests, 20u);
  limits.ApplyFleet(85, 0, 0, 0, now);  // the fleet used 85, ours included
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(limits.TryAdmit(now, 0)) << i;
  EXPECT_FALSE(limits.TryAdmit(now, 0));  // the batch again
  usage = limits.TakeUnsynced(now, false);
  EXPECT_EQ(usage.requests, 10u);
  limits.FleetFailed();  // lost on the way: sent with the next exchange
  usage = limits.TakeUnsynced(now, false);
  EXPECT_EQ(usage.requests, 10u);
  limits.ApplyFleet(100, 0, 30'000, 0, now);
  EXPECT_FALSE(limits.TryAdmit(now, 0));  // the fleet is full
  EXPECT_EQ(limits.MsUntilCapacity(now, 0), 30'000);
  // Usage older than the window is not sent; after a store restart the whole window is.
  usage = limits.TakeUnsynced(now + 61'000 * kNsPerMs, false);
  EXPECT_EQ(usage.requests, 0u);
  limits.FleetFailed();
  usage = limits.TakeUnsynced(now, true);
  EXPECT_EQ(usage.requests, 30u);
}

// A priority reserve lowers a lower class's threshold against the fleet's usage, and only that:
// the batch an instance admits between two exchanges stays a share of the whole rpm (the
// overshoot bound of docs/fleet.md), and the highest class meets the whole limit.
TEST(SharedStateParts, AReserveLowersTheFleetThresholdOfLowerClassesNotTheBatch) {
  DeploymentLimits limits;
  limits.Configure(100, 0, 0, {{1, 0.2}});  // classes 2 and 3: 80 of the fleet's 100
  StubLink link;
  limits.LinkFleet(&link);
  link.SetActive(true);
  const int64_t now = 1'000'000 * kNsPerMs;
  limits.ApplyFleet(75, 0, 0, 0, now);  // the other instances used 75
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limits.TryAdmit(now, 0, 2)) << i;
  EXPECT_FALSE(limits.TryAdmit(now, 0, 3));  // 75 + 5 = the class's 80
  EXPECT_TRUE(limits.RefusedByReserve(now, 0, 3));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limits.TryAdmit(now, 0, 1)) << i;
  EXPECT_FALSE(limits.TryAdmit(now, 0, 0));  // the batch (10 of 100) is used up, for everyone
  EXPECT_FALSE(limits.RefusedByReserve(now, 0, 3));
  (void)limits.TakeUnsynced(now, false);
  limits.ApplyFleet(95, 0, 20'000, 0, now);
  EXPECT_FALSE(limits.TryAdmit(now, 0, 2));  // 95 is above the class's 80
  EXPECT_EQ(limits.MsUntilCapacity(now, 0, 2), 20'000);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limits.TryAdmit(now, 0, 1)) << i;
  EXPECT_FALSE(limits.TryAdmit(now, 0, 0));  // the whole limit
}

TEST(SharedStateParts, UnsentUsageIsSpreadOverTheSecondsItHappenedNewestFirst) {
  DeploymentLimits limits;
  limits.Configure(1000, 1'000'000, 0);
  StubLink link;
  limits.LinkFleet(&link);
  const int64_t t0 = 1'000'000 * kNsPerMs;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limits.TryAdmit(t0, 0));
  limits.AddTokens(t0, 70);
  std::vector<UsageSecond> seconds;
  (void)limits.TakeUnsynced(t0, false, &seconds);  // sent: t0's three
  limits.ApplyFleet(3, 70, 0, 0, t0);
  const int64_t t1 = t0 + 20'000 * kNsPerMs;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(limits.TryAdmit(t1, 0));
  const int64_t t2 = t0 + 45'000 * kNsPerMs;
  ASSERT_TRUE(limits.TryAdmit(t2, 0));
  limits.AddTokens(t2, 9);
  seconds.clear();
  const DeploymentLimits::Usage usage = limits.TakeUnsynced(t2, false, &seconds);
  EXPECT_EQ(usage.requests, 5u);
  ASSERT_EQ(seconds.size(), 2u);
  EXPECT_EQ(seconds[0].age_s, 0);
  EXPECT_EQ(seconds[0].requests, 1u);
  EXPECT_EQ(seconds[0].tokens, 9u);
  EXPECT_EQ(seconds[1].age_s, 24);  // 25 s before, give or take a second: at least 24
  EXPECT_EQ(seconds[1].requests, 4u);
  limits.ApplyFleet(8, 79, 0, 0, t2);
  // The whole window (a store that restarted), t0's second included.
  seconds.clear();
  (void)limits.TakeUnsynced(t2, true, &seconds);
  ASSERT_EQ(seconds.size(), 3u);
  EXPECT_EQ(seconds[2].age_s, 44);
  EXPECT_EQ(seconds[2].requests, 3u);
  EXPECT_EQ(seconds[2].tokens, 70u);
}

TEST(SharedStateParts, RedisUrls) {
  RedisEndpoint e;
  ASSERT_TRUE(ParseRedisUrl("redis://127.0.0.1", &e).ok());
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 6379);
  EXPECT_FALSE(e.has_password);
  ASSERT_TRUE(ParseRedisUrl("REDIS://:p%40ss@cache.internal:6380/2", &e).ok());
  EXPECT_EQ(e.host, "cache.internal");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.password, "p@ss");
  EXPECT_TRUE(e.user.empty());
  EXPECT_EQ(e.db, 2u);
  ASSERT_TRUE(ParseRedisUrl("redis://gw:secret@[::1]:7000/", &e).ok());
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 7000);
  EXPECT_EQ(e.user, "gw");
  EXPECT_EQ(e.db, 0u);
  for (const char *bad : {"redis://", "redis://:6379", "redis://h:0", "redis://h:65536",
                          "redis://[::1", "redis://h/x", "redis://h?db=1", "tcp://h", "redis://u@h",
                          "redis://:%4@h", "redis://h h"}) {
    EXPECT_FALSE(ParseRedisUrl(bad, &e).ok()) << bad;
  }
  // Sentinel (Lettuce's form: sentinels, then the master's name after '#'; port 26379).
  ASSERT_TRUE(ParseRedisUrl("redis-sentinel://:pw@s1,s2:26380,[::1]/2#my%20master", &e).ok());
  EXPECT_EQ(e.topology, RedisTopology::kSentinel);
  ASSERT_EQ(e.hosts.size(), 3u);
  EXPECT_EQ(e.hosts[0].host, "s1");
  EXPECT_EQ(e.hosts[0].port, 26379);
  EXPECT_EQ(e.hosts[1].port, 26380);
  EXPECT_EQ(e.hosts[2].host, "::1");
  EXPECT_EQ(e.master_name, "my master");
  EXPECT_EQ(e.password, "pw");
  EXPECT_EQ(e.db, 2u);
  // Cluster seeds (port 6379).
  ASSERT_TRUE(ParseRedisUrl("redis-cluster://gw:pw@n1:7000,n2", &e).ok());
  EXPECT_EQ(e.topology, RedisTopology::kCluster);
  ASSERT_EQ(e.hosts.size(), 2u);
  EXPECT_EQ(e.hosts[1].port, 6379);
  EXPECT_EQ(e.user, "gw");
  ASSERT_TRUE(ParseRedisUrl("rediss://h", &e).ok());  // parsed; the backend says TLS is missing
  EXPECT_TRUE(e.tls);
  EXPECT_EQ(e.topology, RedisTopology::kSingle);
  for (const char *bad :
       {"redis-sentinel://s1", "redis-sentinel://s1#", "redis-sentinel://s1,#m",
        "redis-sentinel://s1:0#m", "redis-cluster://n1/1", "redis-cluster://n1#x",
        "redis-cluster://", "redis://a,b", "redis-cluster://a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"}) {
    EXPECT_FALSE(ParseRedisUrl(bad, &e).ok()) << bad;
  }
  EXPECT_EQ(RedactRedisUrl("redis-sentinel://:secret@s1,s2#m"), "redis-sentinel://:***@s1,s2#m");
  EXPECT_EQ(RedactRedisUrl("redis://:secret@h:1/0"), "redis://:***@h:1/0");
  EXPECT_EQ(RedactRedisUrl("redis://gw:secret@h"), "redis://gw:***@h");
  EXPECT_EQ(RedactRedisUrl("redis://h:1"), "redis://h:1");
  EXPECT_EQ(RateBatch(100, 0.05), 5u);
  EXPECT_EQ(RateBatch(10, 0.05), 1u);
  EXPECT_EQ(RateBatch(1, 1.0), 1u);
}

}  // namespace
}  // namespace llmroute
