// The fleet shared state against a real redis-server (docs/fleet.md), through the public C API as
// a gateway fleet uses it: several routers (the instances) on one Redis. Every test starts its own
// server on a free port; waits poll with generous deadlines, never sleep for a verdict.
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fleet_client.hpp"
#include "llmroute/llmroute.h"
#include "redis_server.hpp"

namespace {

using namespace llmroute::testing::fleet;  // NOLINT: the tests' vocabulary
using llmroute::testing::RedisServer;

class SharedState : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.Start()) << redis_.error(); }
  Settings Fleet() const {
    Settings s;
    s.url = redis_.url();
    return s;
  }
  RedisServer redis_;
};

// --- breakers ---

struct EventLog {
  std::atomic<int> opened{0};
  std::atomic<int> closed{0};
};

void OnEvent(void *user, const llmr_event *event) {
  auto *log = static_cast<EventLog *>(user);
  if (event->kind != LLMR_EVENT_BREAKER) return;
  if (event->to == LLMR_BREAKER_OPEN) log->opened.fetch_add(1);
  if (event->to == LLMR_BREAKER_CLOSED) log->closed.fetch_add(1);
}

TEST_F(SharedState, TwoRoutersShareATripItsCooldownAndTheRecovery) {
  RouterPtr a = MakeRouter(Fleet());
  RouterPtr b = MakeRouter(Fleet());
  for (llmr_router *r : {a.get(), b.get()}) {
    AddDeployment(r, "d1", "m1");
    AddDeployment(r, "d2", "m2");
  }
  EventLog events;
  llmr_event_listener listener;
  llmr_event_listener_init(&listener, sizeof listener);
  listener.fn = OnEvent;
  listener.user_data = &events;
  ASSERT_EQ(llmr_router_set_event_listener(b.get(), &listener), LLMR_OK);
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()) && Connected(b.get()); }));

  Trip(a.get(), "m1");
  ASSERT_EQ(Health(a.get(), "d1").state, LLMR_BREAKER_OPEN);
  // B never saw a failure of d1, yet it stops sending it traffic.
  ASSERT_TRUE(Eventually([&] { return Health(b.get(), "d1").state == LLMR_BREAKER_OPEN; }));
  EXPECT_EQ(Health(b.get(), "d2").state, LLMR_BREAKER_CLOSED);
  llmr_pick pick;
  EXPECT_EQ(PickAndReport(b.get(), "m1", LLMR_OUTCOME_SUCCESS, &pick), LLMR_ERR_NO_PROVIDER);
  EXPECT_GT(pick.retry_after_ms, 0);
  // The same deadline: B's cooldown ends when A's does (one exchange of slack).
  const int64_t remaining_a = Health(a.get(), "d1").cooldown_remaining_ms;
  const int64_t remaining_b = Health(b.get(), "d1").cooldown_remaining_ms;
  EXPECT_LE(remaining_b, remaining_a + 50);
  EXPECT_GE(remaining_b, remaining_a - 500);
  EXPECT_GE(SharedStatus(b.get()).s.remote_opens, 1);
  EXPECT_TRUE(Eventually([&] { return events.opened.load() == 1; }));

  // After the cooldown, A's probe succeeds: the fleet's breaker closes, and so does B's.
  ASSERT_TRUE(Eventually([&] {
    llmr_pick probe;
    llmr_pick_init(&probe, sizeof probe);
    if (llmr_router_pick(a.get(), "m1", nullptr, &probe) != LLMR_OK) return false;
    llmr_report report;
    llmr_report_init(&report, sizeof report);
    EXPECT_EQ(llmr_router_report(a.get(), probe.ticket, &report), LLMR_OK);
    return true;
  }));
  EXPECT_EQ(Health(a.get(), "d1").state, LLMR_BREAKER_CLOSED);
  ASSERT_TRUE(Eventually([&] { return Health(b.get(), "d1").state == LLMR_BREAKER_CLOSED; }));
  EXPECT_EQ(PickAndReport(b.get(), "m1", LLMR_OUTCOME_SUCCESS), LLMR_OK);
  EXPECT_GE(SharedStatus(b.get()).s.remote_closes, 1);
  EXPECT_TRUE(Eventually([&] { return events.closed.load() >= 1; }));
  ASSERT_EQ(llmr_router_set_event_listener(b.get(), nullptr), LLMR_OK);
}

TEST_F(SharedState, ATripReachesAnotherInstanceWithTheDefaultInterval) {
  Settings s = Fleet();
  s.sync_interval_ms = 1000;  // the default
  RouterPtr a = MakeRouter(s);
  RouterPtr b = MakeRouter(s);
  AddDeployment(a.get(), "d1", "m1");
  AddDeployment(b.get(), "d1", "m1");
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()) && Connected(b.get()); }));
  Trip(a.get(), "m1");
  const auto tripped = Clock::now();
  ASSERT_TRUE(Eventually([&] { return Health(b.get(), "d1").state != LLMR_BREAKER_CLOSED; }));
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - tripped).count();
  // Informational (not a verdict): about one interval at most.
  std::printf("trip seen by the other instance after %lld ms\n", static_cast<long long>(ms));
}

TEST_F(SharedState, ADifferentPrefixIsADifferentFleet) {
  Settings other = Fleet();
  other.prefix = "other:";
  RouterPtr a = MakeRouter(Fleet());
  RouterPtr b = MakeRouter(Fleet());
  RouterPtr c = MakeRouter(other);
  for (llmr_router *r : {a.get(), b.get(), c.get()}) AddDeployment(r, "d1", "m1");
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()) && Connected(c.get()); }));
  Trip(a.get(), "m1");
  ASSERT_TRUE(Eventually([&] { return Health(b.get(), "d1").state == LLMR_BREAKER_OPEN; }));
  // b has seen it, so c has had the same exchanges: a few more of c's, to be sure.
  const int64_t syncs = SharedStatus(c.get()).s.syncs;
  ASSERT_TRUE(Eventually([&] { return SharedStatus(c.get()).s.syncs >= syncs + 3; }));
  EXPECT_EQ(Health(c.get(), "d1").state, LLMR_BREAKER_CLOSED);
}

// --- rate limits ---

TEST_F(SharedState, AnRpmLimitHoldsAcrossThreeRoutersUnderConcurrentLoad) {
  constexpr uint32_t kRpm = 120;
  constexpr double kBatch = 0.05;
  constexpr int kRouters = 3;
  // docs/fleet.md: at most (N - 1) x max(1, floor(rpm x batch)) over the limit.
  constexpr uint32_t kBound = (kRouters - 1) * 6;
  Settings s = Fleet();
  s.sync_interval_ms = 1000;  // the bound comes from the batch, not from the interval
  s.rate_batch = kBatch;
  std::vector<RouterPtr> routers;
  for (int i = 0; i < kRouters; ++i) {
    routers.push_back(MakeRouter(s));
    AddDeployment(routers.back().get(), "limited", "m", kRpm);
  }
  ASSERT_TRUE(Eventually([&] {
    for (auto &r : routers) {
      if (!Connected(r.get())) return false;
    }
    return true;
  }));

  std::atomic<bool> stop{false};
  std::atomic<uint32_t> admitted{0};
  std::atomic<uint32_t> unexpected{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int i = 0; i < kRouters; ++i) {
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, router = routers[static_cast<size_t>(i)].get()] {
        while (!stop.load()) {
          const llmr_status st = PickAndReport(router, "m", LLMR_OUTCOME_SUCCESS);
          if (st == LLMR_OK) {
            admitted.fetch_add(1);
          } else if (st == LLMR_ERR_RATE_LIMITED) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));  // not a verdict
          } else {
            unexpected.fetch_add(1);
          }
        }
      });
    }
  }
  // Until the fleet has used the limit, then a few more exchanges of every router so that none
  // could still admit on stale counts.
  const bool reached = Eventually([&] { return admitted.load() >= kRpm; }, 40);
  std::vector<int64_t> syncs;
  for (auto &r : routers) syncs.push_back(SharedStatus(r.get()).s.syncs);
  const bool settled = Eventually([&] {
    for (size_t i = 0; i < routers.size(); ++i) {
      if (SharedStatus(routers[i].get()).s.syncs < syncs[i] + 3) return false;
    }
    return true;
  });
  stop.store(true);
  for (std::thread &t : threads) t.join();
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(reached) << "the fleet admitted only " << admitted.load() << " of " << kRpm;
  ASSERT_TRUE(settled);
  // The window is 60 s: a slower run would see capacity return and prove nothing.
  ASSERT_LT(elapsed, std::chrono::seconds(55));
  EXPECT_EQ(unexpected.load(), 0u);
  EXPECT_GE(admitted.load(), kRpm);
  EXPECT_LE(admitted.load(), kRpm + kBound);
  std::printf("admitted %u of rpm %u (bound +%u) in %lld ms\n", admitted.load(), kRpm, kBound,
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  // A router that joins now is limited at once by what the fleet used.
  RouterPtr late = MakeRouter(s);
  AddDeployment(late.get(), "limited", "m", kRpm);
  const int64_t late_syncs = SharedStatus(late.get()).s.syncs;
  ASSERT_TRUE(Eventually([&] { return SharedStatus(late.get()).s.syncs >= late_syncs + 2; }));
  llmr_pick pick;
  EXPECT_EQ(PickAndReport(late.get(), "m", LLMR_OUTCOME_SUCCESS, &pick), LLMR_ERR_RATE_LIMITED);
  EXPECT_GT(pick.retry_after_ms, 1000);  // the fleet's window frees up in tens of seconds
}

// Issue 17: two gateways built from the same JSON configuration (as every gateway is) share the
// configuration's rpm limit. Before the fix each enforced it alone: 200 of rpm_limit 100.
TEST_F(SharedState, TwoRoutersFromOneConfigurationShareItsRpmLimit) {
  constexpr uint32_t kRpm = 100;
  constexpr uint32_t kBound = 1 * 5;  // (N - 1) x max(1, floor(100 x 0.05)), docs/fleet.md
  const std::string json = R"({"router_settings": {"shared_state": {"url": ")" + redis_.url() +
                           R"(", "key_prefix": "cfg-rpm:", "sync_interval_ms": 100,
      "rate_batch": 0.05}},
      "deployments": [{"name": "limited", "models": ["m"], "rpm_limit": 100}]})";
  std::vector<RouterPtr> routers;
  for (int i = 0; i < 2; ++i) {
    llmr_router *router = nullptr;
    ASSERT_EQ(llmr_router_create_from_config(json.data(), json.size(), nullptr, &router), LLMR_OK)
        << llmr_error_message();
    routers.emplace_back(router);
  }
  ASSERT_TRUE(
      Eventually([&] { return Connected(routers[0].get()) && Connected(routers[1].get()); }));
  std::atomic<bool> stop{false};
  std::atomic<uint32_t> admitted{0};
  std::atomic<uint32_t> unexpected{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (auto &r : routers) {
    threads.emplace_back([&, router = r.get()] {
      while (!stop.load()) {
        const llmr_status st = PickAndReport(router, "m", LLMR_OUTCOME_SUCCESS);
        if (st == LLMR_OK) {
          admitted.fetch_add(1);
        } else if (st == LLMR_ERR_RATE_LIMITED) {
          std::this_thread::sleep_for(std::chrono::microseconds(200));  // pacing, not a verdict
        } else {
          unexpected.fetch_add(1);
        }
      }
    });
  }
  const bool reached = Eventually([&] { return admitted.load() >= kRpm; }, 40);
  // A few more exchanges of both, so that neither could still admit on stale counts.
  std::vector<int64_t> syncs;
  for (auto &r : routers) syncs.push_back(SharedStatus(r.get()).s.syncs);
  const bool settled = Eventually([&] {
    for (size_t i = 0; i < routers.size(); ++i) {
      if (SharedStatus(routers[i].get()).s.syncs < syncs[i] + 3) return false;
    }
    return true;
  });
  stop.store(true);
  for (std::thread &t : threads) t.join();
  ASSERT_TRUE(reached) << "the fleet admitted only " << admitted.load() << " of " << kRpm;
  ASSERT_TRUE(settled);
  ASSERT_LT(Clock::now() - start, std::chrono::seconds(55));  // else the window moved on
  EXPECT_EQ(unexpected.load(), 0u);
  EXPECT_LE(admitted.load(), kRpm + kBound);
  // Redis holds every admission (the exchanges sent requests, not requests=0).
  EXPECT_EQ(llmroute::testing::SumHashFields(redis_.port(), "cfg-rpm:usage:limited", 'r'),
            admitted.load());
}

TEST_F(SharedState, TokensReportedOnOneRouterCountOnAnother) {
  RouterPtr a = MakeRouter(Fleet());
  RouterPtr b = MakeRouter(Fleet());
  AddDeployment(a.get(), "d1", "m1", 0, 1000);
  AddDeployment(b.get(), "d1", "m1", 0, 1000);
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()) && Connected(b.get()); }));
  ASSERT_EQ(PickAndReport(a.get(), "m1", LLMR_OUTCOME_SUCCESS, nullptr, 1000), LLMR_OK);
  ASSERT_TRUE(Eventually([&] {
    llmr_pick pick;
    llmr_pick_init(&pick, sizeof pick);
    const llmr_status st = llmr_router_pick(b.get(), "m1", nullptr, &pick);
    if (st == LLMR_OK) {
      EXPECT_EQ(llmr_router_cancel(b.get(), pick.ticket), LLMR_OK);
    }
    return st == LLMR_ERR_RATE_LIMITED;
  }));
}

// --- Redis going away ---

TEST_F(SharedState, KillingRedisMidRunLosesNoPicksAndStateCatchesUpWhenItReturns) {
  RouterPtr a = MakeRouter(Fleet());
  RouterPtr b = MakeRouter(Fleet());
  for (llmr_router *r : {a.get(), b.get()}) {
    AddDeployment(r, "d1", "m");
    AddDeployment(r, "d2", "m");
    AddDeployment(r, "solo", "m-solo");
    AddDeployment(r, "capped", "m-capped", 100000);  // far above this test's traffic
  }
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()) && Connected(b.get()); }));

  std::atomic<bool> stop{false};
  std::atomic<int64_t> picks{0};
  std::atomic<int64_t> failed{0};
  std::vector<std::thread> threads;
  for (llmr_router *r : {a.get(), b.get()}) {
    for (const char *model : {"m", "m-capped"}) {
      threads.emplace_back([&, r, model] {
        while (!stop.load()) {
          if (PickAndReport(r, model, LLMR_OUTCOME_SUCCESS) == LLMR_OK) {
            picks.fetch_add(1);
          } else {
            failed.fetch_add(1);
          }
          std::this_thread::sleep_for(std::chrono::microseconds(500));  // pacing only
        }
      });
    }
  }
  ASSERT_TRUE(Eventually([&] { return picks.load() > 100; }));

  redis_.Kill();
  ASSERT_TRUE(Eventually([&] { return !Connected(a.get()) && !Connected(b.get()); }));
  const Status down = SharedStatus(a.get());
  EXPECT_EQ(down.s.enabled, 1);
  EXPECT_NE(std::string(down.error), "");
  const int64_t before = picks.load();
  ASSERT_TRUE(Eventually([&] { return picks.load() > before + 100; }));  // still routing
  // A trip while Redis is away stays local for now...
  Trip(a.get(), "m-solo");
  EXPECT_EQ(Health(a.get(), "solo").state, LLMR_BREAKER_OPEN);
  EXPECT_EQ(Health(b.get(), "solo").state, LLMR_BREAKER_CLOSED);

  // ... and reaches the fleet once Redis is back (empty: it kept nothing).
  ASSERT_TRUE(redis_.Restart()) << redis_.error();
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()) && Connected(b.get()); }, 40));
  ASSERT_TRUE(Eventually([&] { return Health(b.get(), "solo").state == LLMR_BREAKER_OPEN; }));
  const int64_t after = picks.load();
  ASSERT_TRUE(Eventually([&] { return picks.load() > after + 100; }));

  stop.store(true);
  for (std::thread &t : threads) t.join();
  EXPECT_EQ(failed.load(), 0) << "picks failed while Redis was away";
  const Status up = SharedStatus(a.get());
  EXPECT_GE(up.s.connections, 2);
  EXPECT_GE(up.s.sync_failures, 1);
}

TEST_F(SharedState, RouterStartsOnLocalStateWhenRedisIsUnreachableAndConnectsLater) {
  Settings s = Fleet();
  redis_.Kill();
  RouterPtr a = MakeRouter(s);
  AddDeployment(a.get(), "d1", "m1");
  EXPECT_EQ(PickAndReport(a.get(), "m1", LLMR_OUTCOME_SUCCESS), LLMR_OK);
  Status status = SharedStatus(a.get());
  EXPECT_EQ(status.s.enabled, 1);
  EXPECT_EQ(status.s.connected, 0);
  EXPECT_EQ(status.s.last_sync_age_ms, -1);
  EXPECT_NE(std::string(status.error).find("Connection refused"), std::string::npos)
      << status.error;
  ASSERT_TRUE(redis_.Restart()) << redis_.error();
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()); }, 40));
  EXPECT_GE(SharedStatus(a.get()).s.last_sync_age_ms, 0);
}

TEST_F(SharedState, DestroyStopsTheThreadWhileConnectedAndWhileReconnecting) {
  RouterPtr a = MakeRouter(Fleet());
  AddDeployment(a.get(), "d1", "m1");
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()); }));
  a.reset();  // connected: joins at once
  RouterPtr b = MakeRouter(Fleet());
  redis_.Kill();
  ASSERT_TRUE(Eventually([&] { return !Connected(b.get()); }));
  b.reset();  // backing off: the wait is interrupted
}

// --- the JSON configuration ---

TEST_F(SharedState, AConfigurationNamesTheFleetsRedis) {
  const std::string json = R"({"router_settings": {"shared_state": {"url": ")" + redis_.url() +
                           R"(", "key_prefix": "cfg:", "sync_interval_ms": 50}},
      "deployments": [{"name": "d1", "models": ["m1"]}]})";
  llmr_router *a = nullptr;
  llmr_router *b = nullptr;
  ASSERT_EQ(llmr_router_create_from_config(json.data(), json.size(), nullptr, &a), LLMR_OK)
      << llmr_error_message();
  ASSERT_EQ(llmr_router_create_from_config(json.data(), json.size(), nullptr, &b), LLMR_OK)
      << llmr_error_message();
  RouterPtr pa(a), pb(b);
  ASSERT_TRUE(Eventually([&] { return Connected(a) && Connected(b); }));
  Trip(a, "m1");
  ASSERT_TRUE(Eventually([&] { return Health(b, "d1").state == LLMR_BREAKER_OPEN; }));
  // A reload may repeat the settings but not change them.
  EXPECT_EQ(llmr_router_apply_config(a, json.data(), json.size()), LLMR_OK) << llmr_error_message();
  const std::string moved = R"({"router_settings": {"shared_state": {"url":
      "redis://:pw@127.0.0.1:1"}}, "deployments": [{"name": "d1", "models": ["m1"]}]})";
  EXPECT_EQ(llmr_router_apply_config(a, moved.data(), moved.size()), LLMR_ERR_CONFIG);
  const std::string message = llmr_error_message();
  EXPECT_NE(message.find("$.router_settings.shared_state.url: cannot change"), std::string::npos)
      << message;
  EXPECT_EQ(message.find(":pw@"), std::string::npos) << message;
}

TEST(SharedStateConfig, ValidationChecksTheUrlAndRanges) {
  const std::pair<const char *, const char *> cases[] = {
      {R"({"router_settings": {"shared_state": {"url": "redis://:pw@h:x"}}})",
       "$.router_settings.shared_state.url: 'redis://:***@h:x': the port must be a number"},
      {R"({"router_settings": {"shared_state": {"url": "redis://h", "rate_batch": 2}}})",
       "$.router_settings.shared_state.rate_batch"},
      {R"({"router_settings": {"shared_state": {"url": "redis://h", "sync_interval_ms": 5}}})",
       "$.router_settings.shared_state.sync_interval_ms"},
      {R"({"router_settings": {"shared_state": {"uri": "redis://h"}}})",
       "$.router_settings.shared_state.uri: unknown field"},
  };
  for (const auto &[json, expected] : cases) {
    EXPECT_EQ(llmr_config_validate(json, std::strlen(json)), LLMR_ERR_CONFIG) << json;
    const std::string message = llmr_error_message();
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_EQ(message.find(":pw@"), std::string::npos) << message;
  }
  const char *good =
      R"({"router_settings": {"shared_state": {"url": "redis://gw:pw@cache:6380/1",
          "key_prefix": "x:", "sync_interval_ms": 500, "connect_timeout_ms": 200,
          "command_timeout_ms": 300, "rate_batch": 0.02}}})";
  EXPECT_EQ(llmr_config_validate(good, std::strlen(good)), LLMR_OK) << llmr_error_message();
}

// --- configuration errors ---

TEST(SharedStateErrors, MalformedUrlsAreRejectedWithTheReason) {
  const std::pair<const char *, const char *> cases[] = {
      {"http://127.0.0.1:6379", "the scheme must be redis://"},
      {"redis://127.0.0.1:notaport", "the port must be a number in 1..65535"},
      {"redis://127.0.0.1:99999", "the port must be a number in 1..65535"},
      {"redis://127.0.0.1:6379/abc", "the database after '/' must be a number"},
      {"redis://", "the host is missing"},
      {"redis://user@127.0.0.1", "a user needs a password after a colon"},
      {"rediss://127.0.0.1", "TLS (rediss://) is not supported"},
      {"redis-sentinel://127.0.0.1:26379", "the master name is missing after '#'"},
      {"redis-sentinel://127.0.0.1:26379,127.0.0.1:x#m", "the port must be a number"},
      {"redis-cluster://127.0.0.1:7000/2", "Redis Cluster has only database 0"},
      {"redis-cluster://127.0.0.1:7000#m", "fragments are not supported"},
      {"redis://a:1,b:2", "one host only"},
      {"redis://127.0.0.1?timeout=1", "query parameters"},
      {"redis://:p%zz@127.0.0.1", "malformed %-escape"},
  };
  for (const auto &[url, reason] : cases) {
    Settings s;
    s.url = url;
    llmr_status st;
    RouterPtr r = MakeRouter(s, &st);
    EXPECT_EQ(st, LLMR_ERR_INVALID_ARGUMENT) << url;
    EXPECT_EQ(r, nullptr);
    const std::string message = llmr_error_message();
    EXPECT_NE(message.find(reason), std::string::npos) << url << ": " << message;
    EXPECT_NE(message.find("shared_state_url"), std::string::npos) << message;
  }
}

TEST(SharedStateErrors, OutOfRangeOptionsNameTheOption) {
  Settings s;
  s.url = "redis://127.0.0.1:1";
  s.sync_interval_ms = 0;
  llmr_status st;
  RouterPtr r = MakeRouter(s, &st);
  EXPECT_EQ(st, LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(llmr_error_message()).find("shared_state_sync_interval_ms"),
            std::string::npos);
  s.sync_interval_ms = 100;
  s.rate_batch = 0;
  r = MakeRouter(s, &st);
  EXPECT_EQ(st, LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(llmr_error_message()).find("shared_state_rate_batch"), std::string::npos);
}

TEST(SharedStateErrors, ARouterWithoutAUrlHasNoSharedState) {
  llmr_router *router = nullptr;
  ASSERT_EQ(llmr_router_create(nullptr, &router), LLMR_OK);
  Status status = SharedStatus(router);
  EXPECT_EQ(status.s.enabled, 0);
  EXPECT_EQ(status.s.connected, 0);
  EXPECT_STREQ(status.error, "");
  llmr_router_destroy(router);
}

class SharedStateAuth : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.Start()) << redis_.error(); }
  RedisServer redis_{{"--requirepass", "s3cret-pass"}};
};

TEST_F(SharedStateAuth, AWrongPasswordIsAClearErrorWithoutThePassword) {
  Settings s;
  s.url = redis_.url(":hunter2-wrong");
  llmr_status st;
  RouterPtr r = MakeRouter(s, &st);
  EXPECT_EQ(st, LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(r, nullptr);
  const std::string message = llmr_error_message();
  EXPECT_NE(message.find("refused the credentials"), std::string::npos) << message;
  EXPECT_NE(message.find("WRONGPASS"), std::string::npos) << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_NE(message.find("redis://:***@127.0.0.1:"), std::string::npos) << message;
}

TEST_F(SharedStateAuth, AMissingPasswordSaysOneIsRequired) {
  Settings s;
  s.url = redis_.url();
  llmr_status st;
  RouterPtr r = MakeRouter(s, &st);
  EXPECT_EQ(st, LLMR_ERR_INVALID_ARGUMENT);
  const std::string message = llmr_error_message();
  EXPECT_NE(message.find("requires a password"), std::string::npos) << message;
}

TEST_F(SharedStateAuth, TheRightPasswordConnectsAndAnAbsentDatabaseIsAnError) {
  Settings s;
  s.url = redis_.url(":s3cret-pass") + "/3";
  RouterPtr r = MakeRouter(s);
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(Eventually([&] { return Connected(r.get()); }));
  s.url = redis_.url(":s3cret-pass") + "/99";
  llmr_status st;
  RouterPtr bad = MakeRouter(s, &st);
  EXPECT_EQ(st, LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(llmr_error_message()).find("cannot select database 99"), std::string::npos)
      << llmr_error_message();
}

TEST_F(SharedStateAuth, PercentEncodedCredentialsWork) {
  redis_.Stop();
  RedisServer acl({"--user", "gw", "on", ">p@ss:w0rd", "~*", "&*", "+@all"});
  ASSERT_TRUE(acl.Start()) << acl.error();
  Settings s;
  s.url = acl.url("gw:p%40ss%3Aw0rd");
  RouterPtr r = MakeRouter(s);
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(Eventually([&] { return Connected(r.get()); }));
}

}  // namespace
