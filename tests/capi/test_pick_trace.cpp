// The per-pick trace (llmr_pick_options.trace) and explain's agreement with the real pick, through
// the C ABI on an injected clock: a traced pick is a real pick (a ticket, a moved rotation, one
// counted pick) whose explanation names the deployment it took; a failed traced pick explains
// the failure; bad trace options are refused naming the field; and an explanation of an
// engine_aware model with prefix hashes names the deployment the real pick takes.
#include <gtest/gtest.h>

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

class PickTrace : public ::testing::Test {
 protected:
  void Open(llmr_strategy strategy = LLMR_STRATEGY_ROUND_ROBIN) {
    llmr_router_options o;
    llmr_router_options_init(&o, sizeof o);
    o.strategy = strategy;
    o.clock = ClockOf;
    o.clock_user_data = &time_;
    ASSERT_EQ(llmr_router_create(&o, &router_), LLMR_OK) << llmr_error_message();
  }
  void TearDown() override {
    llmr_explanation_free(trace_);
    llmr_router_destroy(router_);
  }

  void Add(const char *name, std::vector<const char *> tags = {}) {
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    const char *models[] = {"m"};
    d.name = name;
    d.models = models;
    d.model_count = 1;
    d.tags = tags.empty() ? nullptr : tags.data();
    d.tag_count = tags.size();
    ASSERT_EQ(llmr_router_add_deployment(router_, &d), LLMR_OK) << llmr_error_message();
  }

  // A traced pick with `opts` (trace fields set here); the trace lands in trace_ and summary_.
  llmr_status TracedPick(llmr_pick_options opts, llmr_pick *pick) {
    llmr_explanation_free(trace_);
    trace_ = nullptr;
    opts.trace = 1;
    opts.trace_out = &trace_;
    llmr_pick_init(pick, sizeof *pick);
    const llmr_status status = llmr_router_pick(router_, "m", &opts, pick);
    llmr_explain_summary_init(&summary_, sizeof summary_);
    if (trace_ != nullptr) {
      EXPECT_EQ(llmr_explanation_summary(trace_, &summary_), LLMR_OK);
    }
    return status;
  }

  llmr_explain_candidate Candidate(const llmr_explanation *e, const std::string &name) {
    llmr_explain_candidate c;
    llmr_explain_candidate_init(&c, sizeof c);
    for (size_t i = 0; i < llmr_explanation_candidate_count(e); ++i) {
      EXPECT_EQ(llmr_explanation_candidate(e, i, &c), LLMR_OK);
      if (name == c.deployment) return c;
    }
    ADD_FAILURE() << name << " not among the candidates";
    return c;
  }

  static llmr_pick_options Options() {
    llmr_pick_options o;
    llmr_pick_options_init(&o, sizeof o);
    return o;
  }

  FakeTime time_;
  llmr_router *router_ = nullptr;
  llmr_explanation *trace_ = nullptr;
  llmr_explain_summary summary_{};
};

TEST_F(PickTrace, ATracedPickIsARealPickAndNamesTheDeploymentItTook) {
  Open();
  Add("a");
  Add("b");
  Add("c");
  std::vector<std::string> taken;
  for (int i = 0; i < 3; ++i) {
    llmr_pick p;
    ASSERT_EQ(TracedPick(Options(), &p), LLMR_OK) << llmr_error_message();
    ASSERT_NE(trace_, nullptr);
    ASSERT_NE(p.ticket, 0u);
    ASSERT_NE(summary_.picked, nullptr);
    EXPECT_STREQ(summary_.picked, p.deployment);
    EXPECT_EQ(summary_.status, LLMR_OK);
    EXPECT_EQ(summary_.approximate, 0);  // what happened, not a prediction
    ASSERT_EQ(llmr_explanation_candidate_count(trace_), 3u);
    EXPECT_EQ(Candidate(trace_, p.deployment).picked, 1);
    EXPECT_EQ(Candidate(trace_, p.deployment).rank, 0);  // round robin's next, as it picked
    // Read before the pick: the deployment it took had nothing in flight yet.
    EXPECT_EQ(Candidate(trace_, p.deployment).in_flight, 0);
    const char *json = nullptr;
    ASSERT_EQ(llmr_explanation_json(trace_, &json, nullptr), LLMR_OK);
    EXPECT_EQ(nlohmann::json::parse(json)["picked"], p.deployment);
    taken.push_back(p.deployment);
    ASSERT_EQ(llmr_router_cancel(router_, p.ticket), LLMR_OK);
  }
  // Real picks: the rotation moved through all three, and each was counted once.
  EXPECT_NE(taken[0], taken[1]);
  EXPECT_NE(taken[1], taken[2]);
  EXPECT_NE(taken[0], taken[2]);
  for (const char *name : {"a", "b", "c"}) {
    llmr_health h;
    llmr_health_init(&h, sizeof h);
    ASSERT_EQ(llmr_router_health(router_, name, &h), LLMR_OK);
    EXPECT_EQ(h.picks, 1) << name;
  }
}

TEST_F(PickTrace, FilteredCandidatesAndAFailedPickAreExplained) {
  Open();
  Add("a", {"eu"});
  Add("b");
  const char *eu[] = {"eu"};
  llmr_pick_options o = Options();
  o.required_tags = eu;
  o.required_tag_count = 1;
  llmr_pick p;
  ASSERT_EQ(TracedPick(o, &p), LLMR_OK) << llmr_error_message();
  EXPECT_STREQ(p.deployment, "a");
  EXPECT_STREQ(summary_.picked, "a");
  EXPECT_EQ(Candidate(trace_, "b").filtered, 1);
  EXPECT_STREQ(Candidate(trace_, "b").reason, "missing a required tag");
  ASSERT_EQ(llmr_router_cancel(router_, p.ticket), LLMR_OK);

  // Nothing carries the tag: the pick fails, and its trace says so.
  const char *us[] = {"us"};
  o.required_tags = us;
  EXPECT_EQ(TracedPick(o, &p), LLMR_ERR_NO_PROVIDER);
  ASSERT_NE(trace_, nullptr);
  EXPECT_EQ(summary_.status, LLMR_ERR_NO_PROVIDER);
  EXPECT_EQ(summary_.picked, nullptr);
  EXPECT_EQ(summary_.picked_index, -1);
  EXPECT_NE(std::string(summary_.message).find("no eligible deployment"), std::string::npos);
  EXPECT_EQ(Candidate(trace_, "a").picked, 0);
  EXPECT_EQ(Candidate(trace_, "a").filtered, 1);
}

TEST_F(PickTrace, BadTraceOptionsAreRefusedNamingTheField) {
  Open();
  Add("a");
  llmr_pick p;
  llmr_pick_init(&p, sizeof p);
  llmr_pick_options o = Options();
  o.trace = 1;  // no trace_out
  EXPECT_EQ(llmr_router_pick(router_, "m", &o, &p), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(llmr_error_message(), "opts->trace_out is NULL but opts->trace is 1");
  llmr_explanation *out = reinterpret_cast<llmr_explanation *>(0x1);
  o.trace = 2;
  o.trace_out = &out;
  EXPECT_EQ(llmr_router_pick(router_, "m", &o, &p), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(llmr_error_message()).find("opts->trace must be 0 or 1"),
            std::string::npos);
  // A traced pick of an unknown model: the error, and no trace.
  o.trace = 1;
  EXPECT_EQ(llmr_router_pick(router_, "unknown", &o, &p), LLMR_ERR_UNKNOWN_MODEL);
  EXPECT_EQ(out, nullptr);
  // A bad option besides: refused before anything is picked or traced.
  out = reinterpret_cast<llmr_explanation *>(0x1);
  o.deadline_ms = -1;
  EXPECT_EQ(llmr_router_pick(router_, "m", &o, &p), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(llmr_error_message()).find("deadline_ms"), std::string::npos);
  EXPECT_EQ(out, nullptr);
  // trace 0: trace_out is not read, let alone written.
  out = reinterpret_cast<llmr_explanation *>(0x1);
  o.deadline_ms = 0;
  o.trace = 0;
  ASSERT_EQ(llmr_router_pick(router_, "m", &o, &p), LLMR_OK);
  EXPECT_EQ(out, reinterpret_cast<llmr_explanation *>(0x1));
  ASSERT_EQ(llmr_router_cancel(router_, p.ticket), LLMR_OK);
  // explain ignores the trace fields.
  o.trace = 1;
  o.trace_out = nullptr;
  llmr_explanation *e = nullptr;
  ASSERT_EQ(llmr_router_explain(router_, "m", &o, &e), LLMR_OK) << llmr_error_message();
  llmr_explanation_free(e);
  // Nothing above left a ticket out.
  llmr_health h;
  llmr_health_init(&h, sizeof h);
  ASSERT_EQ(llmr_router_health(router_, "a", &h), LLMR_OK);
  EXPECT_EQ(h.in_flight, 0);
  EXPECT_EQ(h.picks, 1);
}

// engine_aware scores by prefix match: explain must read the request's prefix hashes as the pick
// does. "d1" was recently sent the prompt; with equal load otherwise, both the explanation and
// the real pick choose it (an explanation that ignored the hashes ranked "d0" first).
TEST_F(PickTrace, ExplainWithPrefixHashesNamesTheDeploymentTheRealPickPicks) {
  Open(LLMR_STRATEGY_ENGINE_AWARE);
  Add("d0");
  Add("d1");
  const std::string prompt(64 * 8, 'p');
  uint64_t hashes[16];
  size_t count = 0;
  ASSERT_EQ(llmr_prefix_hashes(prompt.data(), prompt.size(), 64, hashes, 16, &count), LLMR_OK);
  ASSERT_EQ(count, 8u);
  llmr_pick_options o = Options();
  o.prefix_hashes = hashes;
  o.prefix_hash_count = count;
  // Send the prompt to d1 (d0 excluded): its prefix index records the hashes.
  const char *not_d0[] = {"d0"};
  o.exclude = not_d0;
  o.exclude_count = 1;
  llmr_pick p;
  llmr_pick_init(&p, sizeof p);
  ASSERT_EQ(llmr_router_pick(router_, "m", &o, &p), LLMR_OK) << llmr_error_message();
  ASSERT_STREQ(p.deployment, "d1");
  llmr_report r;
  llmr_report_init(&r, sizeof r);
  r.latency_ms = 100;
  ASSERT_EQ(llmr_router_report(router_, p.ticket, &r), LLMR_OK);
  o.exclude = nullptr;
  o.exclude_count = 0;

  llmr_explanation *e = nullptr;
  ASSERT_EQ(llmr_router_explain(router_, "m", &o, &e), LLMR_OK) << llmr_error_message();
  llmr_explain_summary s;
  llmr_explain_summary_init(&s, sizeof s);
  ASSERT_EQ(llmr_explanation_summary(e, &s), LLMR_OK);
  ASSERT_NE(s.picked, nullptr);
  EXPECT_STREQ(s.picked, "d1");
  EXPECT_STREQ(s.score_kind, "engine_merit");
  // Same queue and KV score; d1 adds weight_prefix x 1 (all 8 blocks matched).
  EXPECT_GT(Candidate(e, "d1").score, Candidate(e, "d0").score);
  EXPECT_EQ(Candidate(e, "d1").rank, 0);
  llmr_explanation_free(e);

  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(llmr_router_pick(router_, "m", &o, &p), LLMR_OK);
    EXPECT_STREQ(p.deployment, "d1");
    ASSERT_EQ(llmr_router_cancel(router_, p.ticket), LLMR_OK);
  }
  // And a traced pick agrees with both.
  ASSERT_EQ(TracedPick(o, &p), LLMR_OK);
  EXPECT_STREQ(p.deployment, "d1");
  EXPECT_STREQ(summary_.picked, "d1");
  ASSERT_EQ(llmr_router_cancel(router_, p.ticket), LLMR_OK);

  // Without the hashes neither deployment is preferred: the scores are equal.
  llmr_pick_options plain = Options();
  ASSERT_EQ(llmr_router_explain(router_, "m", &plain, &e), LLMR_OK);
  EXPECT_DOUBLE_EQ(Candidate(e, "d1").score, Candidate(e, "d0").score);
  llmr_explanation_free(e);
}

}  // namespace
