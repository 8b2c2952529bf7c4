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
    usage[second].first += r.requests;
    usage[second].second += r.tokens;
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
  EXPECT_EQ(RedactRedisUrl("redis://:secret@h:1/0"), "redis://:***@h:1/0");
  EXPECT_EQ(RedactRedisUrl("redis://gw:secret@h"), "redis://gw:***@h");
  EXPECT_EQ(RedactRedisUrl("redis://h:1"), "redis://h:1");
  EXPECT_EQ(RateBatch(100, 0.05), 5u);
  EXPECT_EQ(RateBatch(10, 0.05), 1u);
  EXPECT_EQ(RateBatch(1, 1.0), 1u);
}

}  // namespace
}  // namespace llmroute
