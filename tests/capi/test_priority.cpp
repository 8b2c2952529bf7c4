// Priority classes and reserves through the C ABI (llmr_pick_options.priority,
// llmr_deployment.reserve_*, the "reserve" configuration key, llmr_call_options.priority), on
// the injected clock: a lower class is refused once only the reserve is left (with the time the
// window frees its share), a higher class uses the reserve, the window's rollover frees it, the
// in-flight limit keeps its reserve, bad input changes nothing, and the refusals are counted by
// priority in the Prometheus text.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "scripted.hpp"

namespace {

constexpr int64_t kMs = 1'000'000;

class Priority : public ::testing::Test {
 protected:
  void SetUp() override {
    llmr_router_options o;
    llmr_router_options_init(&o, sizeof o);
    o.clock = scripted::Clock;
    o.clock_user_data = &time_;
    ASSERT_EQ(llmr_router_create(&o, &router_), LLMR_OK);
  }
  void TearDown() override {
    for (llmr_ticket t : tickets_) llmr_router_cancel(router_, t);
    llmr_router_destroy(router_);
  }

  llmr_status Add(const char *name, uint32_t rpm, uint32_t max_in_flight,
                  std::vector<uint32_t> priorities, std::vector<double> shares, uint32_t tier = 0) {
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    const char *models[] = {"m"};
    d.name = name;
    d.models = models;
    d.model_count = 1;
    d.tier = tier;
    d.rpm_limit = rpm;
    d.max_in_flight = max_in_flight;
    d.reserve_priorities = priorities.data();
    d.reserve_shares = shares.data();
    d.reserve_count = priorities.size();
    return llmr_router_add_deployment(router_, &d);
  }

  // Picks at `priority`; keeps the ticket outstanding (in flight) unless `report`.
  llmr_status Pick(int32_t priority, llmr_pick *out = nullptr, bool report = true) {
    llmr_pick_options po;
    llmr_pick_options_init(&po, sizeof po);
    po.priority = priority;
    llmr_pick p;
    llmr_pick_init(&p, sizeof p);
    const llmr_status s = llmr_router_pick(router_, "m", &po, &p);
    if (s == LLMR_OK) {
      if (report) {
        llmr_report r;
        llmr_report_init(&r, sizeof r);
        EXPECT_EQ(llmr_router_report(router_, p.ticket, &r), LLMR_OK);
      } else {
        tickets_.push_back(p.ticket);
      }
    }
    if (out != nullptr) *out = p;
    return s;
  }

  // How many picks at `priority` succeed in a row (at most 100).
  int Admitted(int32_t priority) {
    int n = 0;
    while (n < 100 && Pick(priority) == LLMR_OK) ++n;
    return n;
  }

  std::string Metrics() {
    size_t needed = 0;
    llmr_router_metrics_text(router_, nullptr, 0, &needed);
    std::string text(needed + 4096, '\0');
    EXPECT_EQ(llmr_router_metrics_text(router_, text.data(), text.size(), &needed), LLMR_OK);
    text.resize(needed - 1);
    return text;
  }

  void Advance(int64_t ms) { time_.now_ns += ms * kMs; }

  scripted::SimTime time_;
  llmr_router *router_ = nullptr;
  std::vector<llmr_ticket> tickets_;
};

TEST_F(Priority, DefaultsAreTheLowestButOne) {
  llmr_pick_options po;
  llmr_pick_options_init(&po, sizeof po);
  EXPECT_EQ(po.priority, LLMR_PRIORITY_DEFAULT);
  EXPECT_EQ(LLMR_PRIORITY_DEFAULT, 2);
  llmr_call_options co;
  llmr_call_options_init(&co, sizeof co);
  EXPECT_EQ(co.priority, LLMR_PRIORITY_DEFAULT);
  llmr_deployment d;
  llmr_deployment_init(&d, sizeof d);
  EXPECT_EQ(d.reserve_count, 0u);
  EXPECT_EQ(d.reserve_priorities, nullptr);
}

TEST_F(Priority, WithoutAReserveEveryClassSharesTheWholeLimit) {
  ASSERT_EQ(Add("a", 10, 0, {}, {}), LLMR_OK);
  EXPECT_EQ(Admitted(LLMR_PRIORITY_LOWEST), 10);
  EXPECT_EQ(Pick(0), LLMR_ERR_RATE_LIMITED);
}

// rpm 10, the last 20% for priority <= 1: priorities 2 and 3 get 8, then 1 gets the other 2.
TEST_F(Priority, LowPriorityIsRefusedOnceOnlyTheReserveIsLeft) {
  ASSERT_EQ(Add("a", 10, 0, {1}, {0.2}), LLMR_OK);
  EXPECT_EQ(Admitted(3), 8);
  llmr_pick p;
  ASSERT_EQ(Pick(2, &p), LLMR_ERR_RATE_LIMITED);
  // Every pick was at the same instant: the window frees them 60 s later.
  EXPECT_EQ(p.retry_after_ms, 60000);
  EXPECT_NE(std::string(llmr_error_message()).find("reserved for priorities above 2"),
            std::string::npos)
      << llmr_error_message();
  EXPECT_EQ(Admitted(1), 2);
  EXPECT_EQ(Pick(0), LLMR_ERR_RATE_LIMITED);  // the whole limit is used now
}

TEST_F(Priority, HighPriorityUsesTheWholeLimitIncludingTheReserve) {
  ASSERT_EQ(Add("a", 10, 0, {1}, {0.2}), LLMR_OK);
  EXPECT_EQ(Admitted(0), 10);
  EXPECT_EQ(Pick(1), LLMR_ERR_RATE_LIMITED);
}

// Levels nest: 10% for priority 0, 30% for priority <= 1.
TEST_F(Priority, NestedLevelsGiveEachClassItsShare) {
  ASSERT_EQ(Add("a", 10, 0, {0, 1}, {0.1, 0.3}), LLMR_OK);
  EXPECT_EQ(Admitted(2), 7);
  EXPECT_EQ(Admitted(1), 2);
  EXPECT_EQ(Admitted(0), 1);
}

TEST_F(Priority, TheWindowsRolloverFreesTheShare) {
  ASSERT_EQ(Add("a", 10, 0, {1}, {0.2}), LLMR_OK);
  EXPECT_EQ(Admitted(2), 8);
  Advance(30000);
  llmr_pick p;
  ASSERT_EQ(Pick(2, &p), LLMR_ERR_RATE_LIMITED);
  EXPECT_EQ(p.retry_after_ms, 30000);
  Advance(29999);
  EXPECT_EQ(Pick(2), LLMR_ERR_RATE_LIMITED);
  Advance(1);
  EXPECT_EQ(Admitted(2), 8);
}

TEST_F(Priority, TheInFlightLimitKeepsItsReserve) {
  ASSERT_EQ(Add("a", 0, 4, {0}, {0.5}), LLMR_OK);
  EXPECT_EQ(Pick(2, nullptr, false), LLMR_OK);
  EXPECT_EQ(Pick(2, nullptr, false), LLMR_OK);
  llmr_pick p;
  ASSERT_EQ(Pick(3, &p, false), LLMR_ERR_RATE_LIMITED);
  EXPECT_GE(p.retry_after_ms, 1);  // as soon as a call completes
  EXPECT_EQ(Pick(0, nullptr, false), LLMR_OK);
  EXPECT_EQ(Pick(0, nullptr, false), LLMR_OK);
  EXPECT_EQ(Pick(0, nullptr, false), LLMR_ERR_RATE_LIMITED);
  // One call completes: 3 of 4 in flight is still above the low classes' 2, not the whole 4.
  ASSERT_EQ(llmr_router_cancel(router_, tickets_.front()), LLMR_OK);
  tickets_.erase(tickets_.begin());
  EXPECT_EQ(Pick(2, nullptr, false), LLMR_ERR_RATE_LIMITED);
  EXPECT_EQ(Pick(1, nullptr, false), LLMR_ERR_RATE_LIMITED);
  EXPECT_EQ(Pick(0, nullptr, false), LLMR_OK);
}

// A tier whose only room is its reserve has no capacity for a low class: it goes to the next.
TEST_F(Priority, LowPrioritySpillsToTheNextTierInsteadOfTheReserve) {
  ASSERT_EQ(Add("primary", 10, 0, {1}, {0.5}), LLMR_OK);
  ASSERT_EQ(Add("backup", 0, 0, {}, {}, 1), LLMR_OK);
  for (int i = 0; i < 5; ++i) {
    llmr_pick p;
    ASSERT_EQ(Pick(2, &p), LLMR_OK);
    EXPECT_STREQ(p.deployment, "primary");
  }
  llmr_pick p;
  ASSERT_EQ(Pick(2, &p), LLMR_OK);
  EXPECT_STREQ(p.deployment, "backup");
  ASSERT_EQ(Pick(0, &p), LLMR_OK);
  EXPECT_STREQ(p.deployment, "primary");
}

// A share of 1: the deployment serves the class above only; a lower class is never capacity
// there (no retry-after from it).
TEST_F(Priority, AFullReserveDedicatesTheDeployment) {
  ASSERT_EQ(Add("a", 10, 0, {0}, {1.0}), LLMR_OK);
  llmr_pick p;
  ASSERT_EQ(Pick(1, &p), LLMR_ERR_NO_PROVIDER);
  EXPECT_EQ(Pick(0), LLMR_OK);
}

TEST_F(Priority, RefusalsAreCountedByPriorityAndReason) {
  ASSERT_EQ(Add("a", 10, 0, {1}, {0.2}), LLMR_OK);
  EXPECT_EQ(Admitted(3), 8);  // and one refusal of priority 3 by the reserve
  EXPECT_EQ(Admitted(1), 2);  // and one of priority 1 at the full limit
  const std::string text = Metrics();
  EXPECT_NE(text.find("# TYPE llmroute_pick_refusals_total counter"), std::string::npos);
  EXPECT_NE(text.find("llmroute_pick_refusals_total{priority=\"3\",reason=\"reserve\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("llmroute_pick_refusals_total{priority=\"1\",reason=\"limit\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("llmroute_pick_refusals_total{priority=\"2\",reason=\"reserve\"} 0\n"),
            std::string::npos);
}

TEST_F(Priority, BadPickPrioritiesAreRejectedNamingTheField) {
  ASSERT_EQ(Add("a", 10, 0, {}, {}), LLMR_OK);
  for (int32_t bad : {-1, 4, 1000}) {
    EXPECT_EQ(Pick(bad), LLMR_ERR_INVALID_ARGUMENT) << bad;
    EXPECT_NE(std::string(llmr_error_message()).find("opts->priority"), std::string::npos)
        << llmr_error_message();
  }
  EXPECT_EQ(Admitted(2), 10);  // the rejected picks took nothing
}

TEST_F(Priority, BadReservesAreRejectedNamingTheFieldAndNothingIsApplied) {
  struct Case {
    std::vector<uint32_t> priorities;
    std::vector<double> shares;
    const char *field;
  };
  const Case cases[] = {
      {{1}, {1.5}, "reserve[0].share"},
      {{1}, {-0.1}, "reserve[0].share"},
      {{1}, {std::nan("")}, "reserve[0].share"},
      {{3}, {0.1}, "reserve[0].priority"},
      {{1, 0}, {0.1, 0.2}, "reserve[1].priority"},
      {{1, 1}, {0.1, 0.2}, "reserve[1].priority"},
      {{0, 1}, {0.3, 0.2}, "reserve[1].share"},
      {{0, 1, 2, 2}, {0.1, 0.2, 0.3, 0.4}, "reserve_count"},
  };
  for (const Case &c : cases) {
    EXPECT_EQ(Add("a", 10, 0, c.priorities, c.shares), LLMR_ERR_INVALID_ARGUMENT) << c.field;
    EXPECT_NE(std::string(llmr_error_message()).find(c.field), std::string::npos)
        << llmr_error_message();
  }
  llmr_deployment d;
  llmr_deployment_init(&d, sizeof d);
  const char *models[] = {"m"};
  d.name = "a";
  d.models = models;
  d.model_count = 1;
  d.reserve_count = 1;
  EXPECT_EQ(llmr_router_add_deployment(router_, &d), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(llmr_error_message()).find("reserve_priorities"), std::string::npos);
  // Nothing was added.
  llmr_pick p;
  llmr_pick_init(&p, sizeof p);
  EXPECT_EQ(llmr_router_pick(router_, "m", nullptr, &p), LLMR_ERR_UNKNOWN_MODEL);

  // An update with a bad reserve leaves the deployment as it was.
  ASSERT_EQ(Add("a", 10, 0, {1}, {0.2}), LLMR_OK);
  std::vector<uint32_t> priorities = {1};
  std::vector<double> shares = {2.0};
  d.rpm_limit = 10;
  d.reserve_priorities = priorities.data();
  d.reserve_shares = shares.data();
  EXPECT_EQ(llmr_router_update_deployment(router_, &d), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(Admitted(2), 8);
}

TEST(PriorityConfig, TheReserveKeyConfiguresTheDeployment) {
  scripted::SimTime time;
  llmr_router_options o;
  llmr_router_options_init(&o, sizeof o);
  o.clock = scripted::Clock;
  o.clock_user_data = &time;
  const std::string json = R"({"deployments": [{"name": "a", "models": ["m"], "rpm_limit": 10,
      "reserve": [{"priority": 0, "share": 0.1}, {"priority": 1, "share": 0.2}]}]})";
  llmr_router *router = nullptr;
  ASSERT_EQ(llmr_router_create_from_config(json.data(), json.size(), &o, &router), LLMR_OK)
      << llmr_error_message();
  llmr_pick_options po;
  llmr_pick_options_init(&po, sizeof po);
  llmr_pick p;
  llmr_pick_init(&p, sizeof p);
  int low = 0;
  while (low < 20 && llmr_router_pick(router, "m", &po, &p) == LLMR_OK) ++low;
  EXPECT_EQ(low, 8);
  po.priority = 1;
  EXPECT_EQ(llmr_router_pick(router, "m", &po, &p), LLMR_OK);
  EXPECT_EQ(llmr_router_pick(router, "m", &po, &p), LLMR_ERR_RATE_LIMITED);
  po.priority = 0;
  EXPECT_EQ(llmr_router_pick(router, "m", &po, &p), LLMR_OK);
  llmr_router_destroy(router);
}

TEST(PriorityConfig, BadReserveKeysNameTheirPath) {
  struct Case {
    const char *reserve;
    const char *path;
  };
  const Case cases[] = {
      {R"([{"priority": 1, "share": 1.5}])", "deployments[0].reserve[0].share"},
      {R"([{"priority": 3, "share": 0.5}])", "deployments[0].reserve[0].priority"},
      {R"([{"priority": 1}])", "deployments[0].reserve[0]"},
      {R"([{"priority": 1, "share": 0.2, "level": 2}])", "deployments[0].reserve[0].level"},
      {R"([{"priority": 1, "share": 0.2}, {"priority": 0, "share": 0.3}])", "reserve[1].priority"},
      {R"({"priority": 1, "share": 0.2})", "deployments[0].reserve"},
  };
  for (const Case &c : cases) {
    const std::string json = std::string(R"({"deployments": [{"name": "a", "models": ["m"],
        "rpm_limit": 10, "reserve": )") +
                             c.reserve + "}]}";
    EXPECT_EQ(llmr_config_validate(json.data(), json.size()), LLMR_ERR_CONFIG) << c.reserve;
    EXPECT_NE(std::string(llmr_error_message()).find(c.path), std::string::npos)
        << llmr_error_message();
  }
}

// llmr_router_call passes llmr_call_options.priority to each attempt's pick.
TEST(PriorityCall, TheCallsPriorityDecidesItsShare) {
  scripted::Harness h;
  h.Add("a", {"m"}, {scripted::Step{}}, 0, 2);
  // The adapter stays through the update; the reserve keeps the second request for priority 0.
  llmr_deployment d;
  llmr_deployment_init(&d, sizeof d);
  const char *models[] = {"m"};
  const uint32_t priorities[] = {0};
  const double shares[] = {0.5};
  d.name = "a";
  d.models = models;
  d.model_count = 1;
  d.rpm_limit = 2;
  d.reserve_priorities = priorities;
  d.reserve_shares = shares;
  d.reserve_count = 1;
  ASSERT_EQ(llmr_router_update_deployment(h.router, &d), LLMR_OK) << llmr_error_message();
  llmr_call_options co;
  llmr_call_options_init(&co, sizeof co);
  co.max_attempts = 1;
  co.priority = 3;
  EXPECT_EQ(h.Call("m", &co).status, LLMR_OK);
  EXPECT_EQ(h.Call("m", &co).status, LLMR_ERR_RATE_LIMITED);
  co.priority = 0;
  EXPECT_EQ(h.Call("m", &co).status, LLMR_OK);
  co.priority = 7;
  EXPECT_EQ(llmr_router_call(h.router, "m", "req", 3, &co, nullptr), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(llmr_error_message()).find("priority"), std::string::npos)
      << llmr_error_message();
}

}  // namespace
