// Deadline-aware picks through the C ABI (llmr_pick_options.deadline_ms): deployments whose
// latency EWMA exceeds the time left are skipped, the fastest is taken (and flagged) when none
// fits, unknown latency fits, tiers spill, and llmr_router_call() passes its time left.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "scripted.hpp"

using scripted::Harness;
using scripted::Ok;
using Seq = std::vector<std::string>;

namespace {

class DeadlinePick : public ::testing::Test {
 protected:
  void SetUp() override {
    llmr_router_options o;
    llmr_router_options_init(&o, sizeof o);
    o.clock = scripted::Clock;
    o.clock_user_data = &time_;
    ASSERT_EQ(llmr_router_create(&o, &router_), LLMR_OK);
  }
  void TearDown() override { llmr_router_destroy(router_); }

  void Add(const char *name, uint32_t tier = 0) {
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    const char *models[] = {"m"};
    d.name = name;
    d.models = models;
    d.model_count = 1;
    d.tier = tier;
    ASSERT_EQ(llmr_router_add_deployment(router_, &d), LLMR_OK);
  }

  // Gives `name` one latency sample (its EWMA then equals it).
  void Sample(const std::string &name, double latency_ms) {
    for (int i = 0; i < 64; ++i) {
      llmr_pick p;
      llmr_pick_init(&p, sizeof p);
      ASSERT_EQ(llmr_router_pick(router_, "m", nullptr, &p), LLMR_OK);
      if (name != p.deployment) {
        ASSERT_EQ(llmr_router_cancel(router_, p.ticket), LLMR_OK);
        continue;
      }
      llmr_report r;
      llmr_report_init(&r, sizeof r);
      r.latency_ms = latency_ms;
      ASSERT_EQ(llmr_router_report(router_, p.ticket, &r), LLMR_OK);
      return;
    }
    FAIL() << name << " never picked";
  }

  // How often each deployment is picked in `n` picks with the deadline, and how many were
  // flagged deadline_unmet.
  std::map<std::string, int> Picks(int64_t deadline_ms, int n, int *unmet) {
    llmr_pick_options o;
    llmr_pick_options_init(&o, sizeof o);
    o.deadline_ms = deadline_ms;
    std::map<std::string, int> seen;
    *unmet = 0;
    for (int i = 0; i < n; ++i) {
      llmr_pick p;
      llmr_pick_init(&p, sizeof p);
      EXPECT_EQ(llmr_router_pick(router_, "m", &o, &p), LLMR_OK) << llmr_error_message();
      ++seen[p.deployment];
      *unmet += p.deadline_unmet;
      EXPECT_EQ(llmr_router_cancel(router_, p.ticket), LLMR_OK);
    }
    return seen;
  }

  scripted::SimTime time_;
  llmr_router *router_ = nullptr;
};

TEST_F(DeadlinePick, SkipsDeploymentsExpectedToBeTooSlow) {
  Add("fast");
  Add("medium");
  Add("slow");
  Sample("fast", 100);
  Sample("medium", 500);
  Sample("slow", 1000);
  int unmet = 0;
  const auto seen = Picks(600, 30, &unmet);
  EXPECT_EQ(seen.count("slow"), 0u);
  EXPECT_GT(seen.at("fast"), 0);
  EXPECT_GT(seen.at("medium"), 0);
  EXPECT_EQ(unmet, 0);
  // Without a deadline the rotation includes the slow one again.
  EXPECT_EQ(Picks(0, 30, &unmet).at("slow"), 10);
}

TEST_F(DeadlinePick, NoneFitsTakesTheFastestAndSaysSo) {
  Add("fast");
  Add("slow");
  Sample("fast", 300);
  Sample("slow", 900);
  int unmet = 0;
  const auto seen = Picks(100, 20, &unmet);
  EXPECT_EQ(seen, (std::map<std::string, int>{{"fast", 20}}));
  EXPECT_EQ(unmet, 20);
}

TEST_F(DeadlinePick, ADeploymentWithoutSamplesFits) {
  Add("measured");
  Add("new");
  Sample("measured", 900);
  int unmet = 0;
  EXPECT_EQ(Picks(100, 10, &unmet), (std::map<std::string, int>{{"new", 10}}));
  EXPECT_EQ(unmet, 0);
}

TEST_F(DeadlinePick, ATierWithNothingThatFitsPassesTheRequestOn) {
  Add("primary", 0);
  Add("backup", 1);
  ASSERT_EQ(llmr_router_set_override(router_, "backup", LLMR_OVERRIDE_FORCE_OPEN), LLMR_OK);
  Sample("primary", 800);
  ASSERT_EQ(llmr_router_set_override(router_, "backup", LLMR_OVERRIDE_AUTO), LLMR_OK);
  ASSERT_EQ(llmr_router_set_override(router_, "primary", LLMR_OVERRIDE_FORCE_OPEN), LLMR_OK);
  Sample("backup", 100);
  ASSERT_EQ(llmr_router_set_override(router_, "primary", LLMR_OVERRIDE_AUTO), LLMR_OK);
  int before = 0;
  EXPECT_EQ(Picks(0, 10, &before), (std::map<std::string, int>{{"primary", 10}}));
  int unmet = 0;
  EXPECT_EQ(Picks(200, 10, &unmet), (std::map<std::string, int>{{"backup", 10}}));
  EXPECT_EQ(unmet, 0);
}

TEST_F(DeadlinePick, BadValuesAreRefused) {
  Add("a");
  llmr_pick_options o;
  llmr_pick_options_init(&o, sizeof o);
  EXPECT_EQ(o.deadline_ms, 0);
  llmr_pick p;
  llmr_pick_init(&p, sizeof p);
  for (int64_t bad : {int64_t{-1}, int64_t{31'536'000'001}}) {
    o.deadline_ms = bad;
    EXPECT_EQ(llmr_router_pick(router_, "m", &o, &p), LLMR_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(llmr_error_message()).find("deadline_ms"), std::string::npos);
  }
}

TEST_F(DeadlinePick, ExplainShowsTheDeadlineFilterAndTheFallback) {
  Add("fast");
  Add("slow");
  Sample("fast", 300);
  Sample("slow", 900);
  llmr_pick_options o;
  llmr_pick_options_init(&o, sizeof o);
  o.deadline_ms = 500;
  llmr_explanation *e = nullptr;
  ASSERT_EQ(llmr_router_explain(router_, "m", &o, &e), LLMR_OK);
  llmr_explain_summary s;
  llmr_explain_summary_init(&s, sizeof s);
  ASSERT_EQ(llmr_explanation_summary(e, &s), LLMR_OK);
  EXPECT_STREQ(s.picked, "fast");
  EXPECT_EQ(s.deadline_unmet, 0);
  llmr_explain_candidate c;
  llmr_explain_candidate_init(&c, sizeof c);
  ASSERT_EQ(llmr_explanation_candidate(e, 1, &c), LLMR_OK);
  EXPECT_STREQ(c.reason, "expected latency above deadline_ms");
  llmr_explanation_free(e);

  o.deadline_ms = 100;
  ASSERT_EQ(llmr_router_explain(router_, "m", &o, &e), LLMR_OK);
  ASSERT_EQ(llmr_explanation_summary(e, &s), LLMR_OK);
  EXPECT_STREQ(s.picked, "fast");
  EXPECT_EQ(s.deadline_unmet, 1);
  EXPECT_EQ(s.status, LLMR_OK);
  llmr_explanation_free(e);
}

TEST(DeadlineCall, TheCallsTimeLeftSkipsSlowDeployments) {
  Harness h;
  scripted::Step slow = Ok();
  slow.latency_ms = 900;
  scripted::Step fast = Ok();
  fast.latency_ms = 100;
  h.Add("slow", {"m"}, {slow});
  h.Add("fast", {"m"}, {fast});
  // Without a deadline the rotation reaches both, which gives each its latency sample.
  std::set<std::string> first;
  for (int i = 0; i < 2; ++i) first.insert(h.Call("m").sequence.at(0));
  ASSERT_EQ(first, (std::set<std::string>{"slow:success", "fast:success"}));
  llmr_call_options opts;
  llmr_call_options_init(&opts, sizeof opts);
  opts.deadline_ms = 500;
  for (int i = 0; i < 6; ++i) EXPECT_EQ(h.Call("m", &opts).sequence, (Seq{"fast:success"}));
}

}  // namespace
