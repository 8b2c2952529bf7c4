// llmr_router_explain through the C ABI on an injected clock: every candidate is listed with the
// state a pick checks, filtered ones say why, the predicted pick is the one a real pick makes
// (where the strategy is exact), and explaining changes nothing a pick sees.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "llmroute/llmroute.h"

namespace {

struct FakeTime {
  int64_t now_ns = 1'000'000'000;
};

int64_t ClockOf(void *user) {
  return static_cast<FakeTime *>(user)->now_ns;
}

class Explain : public ::testing::Test {
 protected:
  void Open(llmr_strategy strategy = LLMR_STRATEGY_ROUND_ROBIN,
            llmr_all_open_policy policy = LLMR_ALL_OPEN_FAIL_FAST) {
    llmr_router_options o;
    llmr_router_options_init(&o, sizeof o);
    o.strategy = strategy;
    o.all_open_policy = policy;
    o.clock = ClockOf;
    o.clock_user_data = &time_;
    o.breaker_jitter = 0;  // exact cooldowns
    ASSERT_EQ(llmr_router_create(&o, &router_), LLMR_OK) << llmr_error_message();
  }
  void TearDown() override {
    llmr_explanation_free(explanation_);
    llmr_router_destroy(router_);
  }

  void Add(const char *name, std::vector<const char *> tags = {}, uint32_t rpm = 0,
           uint32_t tier = 0) {
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    const char *models[] = {"m"};
    d.name = name;
    d.models = models;
    d.model_count = 1;
    d.tags = tags.empty() ? nullptr : tags.data();
    d.tag_count = tags.size();
    d.rpm_limit = rpm;
    d.tier = tier;
    ASSERT_EQ(llmr_router_add_deployment(router_, &d), LLMR_OK) << llmr_error_message();
  }

  // Picks and reports `outcome` on `name` (picking until it comes up).
  void Outcome(const char *name, llmr_outcome outcome, double latency_ms = 100) {
    for (int i = 0; i < 64; ++i) {
      llmr_pick p;
      llmr_pick_init(&p, sizeof p);
      ASSERT_EQ(llmr_router_pick(router_, "m", nullptr, &p), LLMR_OK) << llmr_error_message();
      const bool hit = std::strcmp(p.deployment, name) == 0;
      llmr_report r;
      llmr_report_init(&r, sizeof r);
      r.outcome = hit ? outcome : LLMR_OUTCOME_SUCCESS;
      r.latency_ms = latency_ms;
      if (!hit) {
        ASSERT_EQ(llmr_router_cancel(router_, p.ticket), LLMR_OK);
        continue;
      }
      ASSERT_EQ(llmr_router_report(router_, p.ticket, &r), LLMR_OK);
      return;
    }
    FAIL() << name << " never picked";
  }

  void Run(const llmr_pick_options *opts = nullptr, const char *model = "m") {
    llmr_explanation_free(explanation_);
    explanation_ = nullptr;
    ASSERT_EQ(llmr_router_explain(router_, model, opts, &explanation_), LLMR_OK)
        << llmr_error_message();
    llmr_explain_summary_init(&summary_, sizeof summary_);
    ASSERT_EQ(llmr_explanation_summary(explanation_, &summary_), LLMR_OK);
  }

  llmr_explain_candidate Candidate(const std::string &name) {
    llmr_explain_candidate c;
    llmr_explain_candidate_init(&c, sizeof c);
    for (size_t i = 0; i < llmr_explanation_candidate_count(explanation_); ++i) {
      EXPECT_EQ(llmr_explanation_candidate(explanation_, i, &c), LLMR_OK);
      if (name == c.deployment) return c;
    }
    ADD_FAILURE() << name << " not among the candidates";
    return c;
  }

  std::string Pick(const llmr_pick_options *opts = nullptr) {
    llmr_pick p;
    llmr_pick_init(&p, sizeof p);
    EXPECT_EQ(llmr_router_pick(router_, "m", opts, &p), LLMR_OK) << llmr_error_message();
    const std::string name = p.deployment;
    EXPECT_EQ(llmr_router_cancel(router_, p.ticket), LLMR_OK);
    return name;
  }

  FakeTime time_;
  llmr_router *router_ = nullptr;
  llmr_explanation *explanation_ = nullptr;
  llmr_explain_summary summary_{};
};

TEST_F(Explain, RoundRobinPredictsTheNextPickAndMovesNothing) {
  Open();
  Add("a");
  Add("b");
  Add("c");
  for (int round = 0; round < 6; ++round) {
    Run();
    ASSERT_EQ(llmr_explanation_candidate_count(explanation_), 3u);
    EXPECT_EQ(summary_.status, LLMR_OK);
    EXPECT_EQ(summary_.approximate, 0);
    EXPECT_EQ(summary_.strategy, LLMR_STRATEGY_ROUND_ROBIN);
    EXPECT_STREQ(summary_.score_kind, "weight_share");
    ASSERT_NE(summary_.picked, nullptr);
    const std::string predicted = summary_.picked;
    // Explaining twice predicts the same: the rotation did not move.
    Run();
    EXPECT_EQ(predicted, summary_.picked);
    EXPECT_EQ(Candidate(predicted).picked, 1);
    EXPECT_EQ(Candidate(predicted).rank, 0);
    EXPECT_DOUBLE_EQ(Candidate(predicted).score, 1.0 / 3);
    EXPECT_EQ(Pick(), predicted);
  }
  // No ticket was issued by explaining: the picks above are all the router counted.
  llmr_health h;
  llmr_health_init(&h, sizeof h);
  ASSERT_EQ(llmr_router_health(router_, "a", &h), LLMR_OK);
  EXPECT_EQ(h.picks, 2);
  EXPECT_EQ(h.in_flight, 0);
}

TEST_F(Explain, FilteredCandidatesSayWhy) {
  Open();
  Add("healthy", {"eu"});
  Add("untagged");
  Add("forced", {"eu"});
  Add("tripped", {"eu"});
  Add("limited", {"eu"}, /*rpm=*/1);
  Add("tried", {"eu"});
  ASSERT_EQ(llmr_router_set_override(router_, "forced", LLMR_OVERRIDE_FORCE_OPEN), LLMR_OK);
  Outcome("limited", LLMR_OUTCOME_SUCCESS);  // uses its one request of the minute
  for (int i = 0; i < 5; ++i) Outcome("tripped", LLMR_OUTCOME_SERVER_ERROR);
  time_.now_ns += 1'000'000'000;  // one second into the 5 s cooldown

  const char *tags[] = {"eu"};
  const char *exclude[] = {"tried"};
  llmr_pick_options o;
  llmr_pick_options_init(&o, sizeof o);
  o.required_tags = tags;
  o.required_tag_count = 1;
  o.exclude = exclude;
  o.exclude_count = 1;
  Run(&o);
  ASSERT_EQ(llmr_explanation_candidate_count(explanation_), 6u);
  EXPECT_STREQ(summary_.picked, "healthy");
  EXPECT_EQ(summary_.approximate, 0);  // a single candidate
  EXPECT_EQ(Candidate("healthy").filtered, 0);
  EXPECT_STREQ(Candidate("healthy").reason, "");
  EXPECT_STREQ(Candidate("untagged").reason, "missing a required tag");
  EXPECT_STREQ(Candidate("forced").reason, "forced open");
  EXPECT_EQ(Candidate("forced").override_mode, LLMR_OVERRIDE_FORCE_OPEN);
  const llmr_explain_candidate tripped = Candidate("tripped");
  EXPECT_STREQ(tripped.reason, "breaker open");
  EXPECT_EQ(tripped.state, LLMR_BREAKER_OPEN);
  EXPECT_EQ(tripped.cooldown_remaining_ms, 4000);
  EXPECT_EQ(tripped.rank, -1);
  EXPECT_TRUE(std::isnan(tripped.score));
  const llmr_explain_candidate limited = Candidate("limited");
  EXPECT_STREQ(limited.reason, "at rpm_limit");
  EXPECT_EQ(limited.rpm_limit, 1u);
  EXPECT_EQ(limited.requests_in_window, 1u);
  EXPECT_STREQ(Candidate("tried").reason, "excluded");
  for (const char *name : {"untagged", "forced", "tripped", "limited", "tried"}) {
    EXPECT_EQ(Candidate(name).filtered, 1) << name;
    EXPECT_EQ(Candidate(name).picked, 0) << name;
  }
}

TEST_F(Explain, HalfOpenProbeIsShownButNotTaken) {
  Open();
  Add("a");
  for (int i = 0; i < 5; ++i) Outcome("a", LLMR_OUTCOME_SERVER_ERROR);
  time_.now_ns += 5'000'000'000LL;  // the cooldown is over: one probe may go
  Run();
  EXPECT_EQ(Candidate("a").is_probe, 1);
  EXPECT_EQ(Candidate("a").state, LLMR_BREAKER_HALF_OPEN);
  Run();  // the probe slot is still free
  EXPECT_EQ(Candidate("a").is_probe, 1);
  llmr_pick p;
  llmr_pick_init(&p, sizeof p);
  ASSERT_EQ(llmr_router_pick(router_, "m", nullptr, &p), LLMR_OK) << llmr_error_message();
  EXPECT_EQ(p.is_probe, 1);
  // While the probe is out, the slot is taken.
  Run();
  EXPECT_STREQ(Candidate("a").reason, "half-open, probe slots taken");
  EXPECT_EQ(summary_.status, LLMR_ERR_NO_PROVIDER);
  EXPECT_EQ(llmr_router_cancel(router_, p.ticket), LLMR_OK);
}

TEST_F(Explain, NothingEligibleCarriesThePickStatusOrThePanicChoice) {
  Open();
  Add("a");
  Add("b");
  for (int i = 0; i < 5; ++i) Outcome("a", LLMR_OUTCOME_SERVER_ERROR);
  ASSERT_EQ(llmr_router_set_override(router_, "b", LLMR_OVERRIDE_FORCE_OPEN), LLMR_OK);
  Run();
  EXPECT_EQ(summary_.status, LLMR_ERR_NO_PROVIDER);
  EXPECT_EQ(summary_.retry_after_ms, 5000);
  EXPECT_NE(std::string(summary_.message).find("no eligible deployment"), std::string::npos);
  EXPECT_EQ(summary_.picked, nullptr);
  EXPECT_EQ(summary_.picked_index, -1);

  llmr_router_destroy(router_);
  router_ = nullptr;
  Open(LLMR_STRATEGY_ROUND_ROBIN, LLMR_ALL_OPEN_PANIC);
  Add("a");
  for (int i = 0; i < 5; ++i) Outcome("a", LLMR_OUTCOME_SERVER_ERROR);
  Run();
  EXPECT_EQ(summary_.status, LLMR_OK);
  EXPECT_EQ(summary_.is_panic, 1);
  EXPECT_STREQ(summary_.picked, "a");
  EXPECT_EQ(summary_.picked_index, 0);
}

TEST_F(Explain, LatencyScoresAreLoadedLatencies) {
  Open(LLMR_STRATEGY_LATENCY);
  Add("fast");
  Add("slow");
  Outcome("fast", LLMR_OUTCOME_SUCCESS, 100);
  Outcome("slow", LLMR_OUTCOME_SUCCESS, 900);
  Run();
  EXPECT_STREQ(summary_.score_kind, "latency_x_load_ms");
  EXPECT_DOUBLE_EQ(Candidate("fast").score, 100);
  EXPECT_DOUBLE_EQ(Candidate("slow").score, 900);
  EXPECT_DOUBLE_EQ(Candidate("fast").ewma_latency_ms, 100);
  EXPECT_EQ(Candidate("fast").rank, 0);
  EXPECT_EQ(Candidate("slow").rank, 1);
  EXPECT_STREQ(summary_.picked, "fast");
}

TEST_F(Explain, TiersAndTheirShares) {
  Open();
  Add("primary", {}, 0, 0);
  Add("backup", {}, 0, 1);
  ASSERT_EQ(llmr_router_set_override(router_, "primary", LLMR_OVERRIDE_FORCE_OPEN), LLMR_OK);
  Run();
  EXPECT_EQ(Candidate("primary").tier, 0u);
  EXPECT_DOUBLE_EQ(Candidate("primary").tier_share, 0);
  EXPECT_EQ(Candidate("backup").tier, 1u);
  EXPECT_DOUBLE_EQ(Candidate("backup").tier_share, 1);
  EXPECT_STREQ(summary_.picked, "backup");
}

TEST_F(Explain, AffinityPredictionIsExact) {
  Open(LLMR_STRATEGY_WEIGHTED_RANDOM);
  for (const char *name : {"a", "b", "c", "d"}) Add(name);
  llmr_pick_options o;
  llmr_pick_options_init(&o, sizeof o);
  for (int key = 0; key < 16; ++key) {
    const std::string k = "conversation-" + std::to_string(key);
    o.affinity_key = k.c_str();
    Run(&o);
    EXPECT_EQ(summary_.approximate, 0);
    EXPECT_EQ(Pick(&o), summary_.picked) << k;
  }
}

TEST_F(Explain, JsonCarriesTheSameAccount) {
  Open();
  Add("a");
  Add("b", {"eu"});
  const char *tags[] = {"eu"};
  llmr_pick_options o;
  llmr_pick_options_init(&o, sizeof o);
  o.required_tags = tags;
  o.required_tag_count = 1;
  Run(&o);
  const char *text = nullptr;
  size_t len = 0;
  ASSERT_EQ(llmr_explanation_json(explanation_, &text, &len), LLMR_OK);
  ASSERT_EQ(std::strlen(text), len);
  const nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["model"], "m");
  EXPECT_EQ(j["strategy"], "round_robin");
  EXPECT_EQ(j["status"], "LLMR_OK");
  EXPECT_EQ(j["picked"], "b");
  ASSERT_EQ(j["candidates"].size(), 2u);
  EXPECT_EQ(j["candidates"][0]["deployment"], "a");
  EXPECT_EQ(j["candidates"][0]["filtered"], true);
  EXPECT_EQ(j["candidates"][0]["reason"], "missing a required tag");
  EXPECT_TRUE(j["candidates"][0]["score"].is_null());
  EXPECT_TRUE(j["candidates"][0]["price"].is_null());
  EXPECT_EQ(j["candidates"][1]["picked"], true);
  EXPECT_EQ(j["candidates"][1]["state"], "closed");
  EXPECT_EQ(j["candidates"][1]["score"], 1.0);
}

TEST_F(Explain, AliasesResolve) {
  Open();
  Add("a");
  ASSERT_EQ(llmr_router_set_alias(router_, "public", "m"), LLMR_OK);
  Run(nullptr, "public");
  EXPECT_STREQ(summary_.model, "m");
  EXPECT_STREQ(summary_.picked, "a");
}

TEST_F(Explain, BadInputIsRefusedWithAMessage) {
  Open();
  Add("a");
  llmr_explanation *out = reinterpret_cast<llmr_explanation *>(0x1);
  EXPECT_EQ(llmr_router_explain(router_, "unknown", nullptr, &out), LLMR_ERR_UNKNOWN_MODEL);
  EXPECT_EQ(out, nullptr);
  EXPECT_NE(std::string(llmr_error_message()).find("'unknown'"), std::string::npos);
  EXPECT_EQ(llmr_router_explain(nullptr, "m", nullptr, &out), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(llmr_error_message(), "router is NULL");
  EXPECT_EQ(llmr_router_explain(router_, nullptr, nullptr, &out), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(llmr_error_message(), "model is NULL");
  EXPECT_EQ(llmr_router_explain(router_, "m", nullptr, nullptr), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(llmr_router_explain(router_, "", nullptr, &out), LLMR_ERR_INVALID_ARGUMENT);
  llmr_pick_options o;
  llmr_pick_options_init(&o, sizeof o);
  o.max_price = NAN;
  EXPECT_EQ(llmr_router_explain(router_, "m", &o, &out), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(llmr_error_message()).find("max_price"), std::string::npos);
  EXPECT_EQ(out, nullptr);
  const std::string long_name(LLMR_NAME_MAX + 1, 'x');
  EXPECT_EQ(llmr_router_explain(router_, long_name.c_str(), nullptr, &out),
            LLMR_ERR_INVALID_ARGUMENT);

  Run();
  llmr_explain_candidate c;
  llmr_explain_candidate_init(&c, sizeof c);
  EXPECT_EQ(llmr_explanation_candidate(explanation_, 1, &c), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(llmr_error_message()).find("out of range"), std::string::npos);
  EXPECT_EQ(llmr_explanation_candidate(nullptr, 0, &c), LLMR_ERR_INVALID_ARGUMENT);
  c.struct_size = 4;
  EXPECT_EQ(llmr_explanation_candidate(explanation_, 0, &c), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(llmr_explanation_summary(explanation_, nullptr), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(llmr_explanation_json(explanation_, nullptr, nullptr), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(llmr_explanation_candidate_count(nullptr), 0u);
  llmr_explanation_free(nullptr);
}

}  // namespace
