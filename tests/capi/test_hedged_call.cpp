// Hedged calls through the C ABI, on simulated time: the first attempt advances the router's
// injected clock past hedge_after_ms and polls llmr_call_check(), which starts a due hedge at
// once, so every test is deterministic without sleeping. Latches (a mutex and condition
// variable) order the two attempts where a test needs one to wait for the other.
#include <gtest/gtest.h>

#include <cmath>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "scripted.hpp"

namespace {

// What the first attempt and the hedge do, whichever deployment each lands on.
enum class Play {
  kHedgeWins,   // first: slow, then waits to be cancelled; hedge: answers at once
  kHedgeLoses,  // first: slow, answers once the hedge is running; hedge: waits to be cancelled
  kFirstFailsHedgeOk,  // first: slow, fails once the hedge is running; hedge: answers
  kFastFirst,          // first: answers before the hedge delay
  kCommitThenSlow,     // first: claims the stream early, then is slow, then answers
  kFirstByteThenSlow,  // first: reports a first byte early, then is slow, then answers
  kSlowFirst,          // first: slow, polls once, answers (no waiting on a hedge)
  kTwoSteps,           // first: 60 ms, poll, 60 ms more, poll, answers (for a 100 ms delay)
};

struct Race {
  Play play = Play::kHedgeWins;
  scripted::SimTime *time = nullptr;
  std::mutex mutex;
  std::condition_variable changed;
  int firsts = 0;
  int hedges = 0;           // hedges entered
  int hedges_returned = 0;  // hedges that returned
  bool first_cancelled = false;
  bool hedge_cancelled = false;
  std::thread::id first_thread, hedge_thread;
  std::vector<uint32_t> attempt_numbers;
};

void Advance(Race *race, int64_t ms) {
  race->time->now_ns += ms * 1'000'000;
}

// Polls until the attempt is cancelled (another attempt won): true when it was.
bool WaitToBeCancelled(const llmr_invoke_args *args) {
  for (;;) {
    const llmr_status s = llmr_call_check(args->context);
    if (s == LLMR_ERR_CANCELLED) return true;
    if (s != LLMR_OK) return false;
    std::this_thread::yield();
  }
}

void WaitForHedge(Race *race) {
  std::unique_lock<std::mutex> lock(race->mutex);
  race->changed.wait(lock, [&] { return race->hedges > 0; });
}

llmr_status InvokeFirst(Race *race, const llmr_invoke_args *args, llmr_attempt_result *result) {
  {
    std::lock_guard<std::mutex> lock(race->mutex);
    ++race->firsts;
    race->first_thread = std::this_thread::get_id();
  }
  switch (race->play) {
    case Play::kHedgeWins:
      Advance(race, 60);
      if (WaitToBeCancelled(args)) {
        std::lock_guard<std::mutex> lock(race->mutex);
        race->first_cancelled = true;
      }
      result->outcome = LLMR_OUTCOME_TIMEOUT;  // what an abandoned attempt returns
      return LLMR_OK;
    case Play::kHedgeLoses:
    case Play::kFirstFailsHedgeOk:
      Advance(race, 60);
      EXPECT_EQ(llmr_call_check(args->context), LLMR_OK);  // the hedge starts here
      WaitForHedge(race);
      if (race->play == Play::kFirstFailsHedgeOk) {
        result->outcome = LLMR_OUTCOME_SERVER_ERROR;
        return LLMR_OK;
      }
      llmr_call_set_response(args->context, "first", 5);
      return LLMR_OK;
    case Play::kFastFirst:
      Advance(race, 10);
      EXPECT_EQ(llmr_call_check(args->context), LLMR_OK);
      llmr_call_set_response(args->context, "first", 5);
      return LLMR_OK;
    case Play::kCommitThenSlow:
    case Play::kFirstByteThenSlow:
      Advance(race, 10);
      if (race->play == Play::kCommitThenSlow) {
        EXPECT_EQ(llmr_call_commit(args->context), LLMR_OK);
      } else {
        EXPECT_EQ(llmr_call_progress(args->context), LLMR_OK);
      }
      Advance(race, 60);
      EXPECT_EQ(llmr_call_check(args->context), LLMR_OK);  // past the delay: still no hedge
      llmr_call_set_response(args->context, "first", 5);
      return LLMR_OK;
    case Play::kSlowFirst:
      Advance(race, 60);
      EXPECT_EQ(llmr_call_check(args->context), LLMR_OK);
      llmr_call_set_response(args->context, "first", 5);
      return LLMR_OK;
    case Play::kTwoSteps:
      Advance(race, 60);
      EXPECT_EQ(llmr_call_check(args->context), LLMR_OK);  // before the p50 of 100 ms
      {
        std::lock_guard<std::mutex> lock(race->mutex);
        EXPECT_EQ(race->hedges, 0);
      }
      Advance(race, 60);
      EXPECT_EQ(llmr_call_check(args->context), LLMR_OK);  // past it: the hedge starts
      WaitForHedge(race);
      return LLMR_OK;
  }
  return LLMR_OK;
}

llmr_status InvokeHedge(Race *race, const llmr_invoke_args *args, llmr_attempt_result *result) {
  {
    std::lock_guard<std::mutex> lock(race->mutex);
    ++race->hedges;
    race->hedge_thread = std::this_thread::get_id();
    race->attempt_numbers.push_back(args->attempt);
  }
  race->changed.notify_all();
  bool cancelled = false;
  if (race->play == Play::kHedgeLoses || race->play == Play::kTwoSteps) {
    cancelled = WaitToBeCancelled(args);
    result->outcome = LLMR_OUTCOME_SERVER_ERROR;  // must not count against the deployment
  } else {
    EXPECT_EQ(llmr_call_commit(args->context), LLMR_OK);  // it may stream: it won
    llmr_call_set_response(args->context, "hedge", 5);
  }
  std::lock_guard<std::mutex> lock(race->mutex);
  race->hedge_cancelled = cancelled;
  ++race->hedges_returned;
  return LLMR_OK;
}

llmr_status InvokeRace(void *user, const llmr_invoke_args *args, llmr_attempt_result *result) {
  auto *race = static_cast<Race *>(user);
  return args->is_hedge ? InvokeHedge(race, args, result) : InvokeFirst(race, args, result);
}

struct Events {
  std::mutex mutex;
  std::vector<std::string> hedge_deployments;
  std::vector<std::string> messages;
};

void OnEvent(void *user, const llmr_event *event) {
  auto *events = static_cast<Events *>(user);
  if (event->kind != LLMR_EVENT_HEDGE_STARTED) return;
  std::lock_guard<std::mutex> lock(events->mutex);
  events->hedge_deployments.push_back(event->deployment);
  events->messages.push_back(event->message);
}

struct Attempt {
  std::string deployment;
  llmr_outcome outcome;
  bool hedge;
  bool cancelled;
  bool committed;
};

struct Outcome {
  llmr_status status;
  std::string response;
  std::vector<Attempt> attempts;
  std::string detail;
};

class Hedging : public ::testing::Test {
 protected:
  explicit Hedging(double budget_tokens = 10, double budget_ratio = 0.1)
      : h_(Options(budget_tokens, budget_ratio)) {
    race_.time = &h_.time;
    llmr_event_listener listener;
    llmr_event_listener_init(&listener, sizeof listener);
    listener.user_data = &events_;
    listener.fn = OnEvent;
    EXPECT_EQ(llmr_router_set_event_listener(h_.router, &listener), LLMR_OK);
  }
  static llmr_router_options *Options(double tokens, double ratio) {
    static llmr_router_options o;
    llmr_router_options_init(&o, sizeof o);
    o.hedge_budget_max_tokens = tokens;
    o.hedge_budget_ratio = ratio;
    return &o;
  }
  void Add(const char *name) {
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    const char *models[] = {"m"};
    d.name = name;
    d.models = models;
    d.model_count = 1;
    ASSERT_EQ(llmr_router_add_deployment(h_.router, &d), LLMR_OK);
    llmr_adapter a;
    llmr_adapter_init(&a, sizeof a);
    a.user_data = &race_;
    a.invoke = InvokeRace;
    ASSERT_EQ(llmr_router_set_adapter(h_.router, name, &a), LLMR_OK);
  }
  static llmr_call_options HedgeAfter(int64_t ms, uint32_t max_hedges = 1) {
    llmr_call_options o;
    llmr_call_options_init(&o, sizeof o);
    o.hedge_after_ms = ms;
    o.max_hedges = max_hedges;
    o.backoff_base_ms = 0;
    return o;
  }
  Outcome Call(const llmr_call_options &o) {
    Outcome out{};
    llmr_call_report *report = nullptr;
    out.status = llmr_router_call(h_.router, "m", "req", 3, &o, &report);
    // Whatever ran must have returned by now (read before anything else can run).
    {
      std::lock_guard<std::mutex> lock(race_.mutex);
      hedges_running_at_return_ = race_.hedges - race_.hedges_returned;
    }
    if (report == nullptr) return out;
    llmr_call_summary summary;
    llmr_call_summary_init(&summary, sizeof summary);
    llmr_call_report_summary(report, &summary);
    if (summary.response != nullptr) {
      out.response.assign(static_cast<const char *>(summary.response), summary.response_len);
    }
    out.detail = summary.detail;
    for (size_t i = 0; i < llmr_call_report_attempt_count(report); ++i) {
      llmr_attempt_info info;
      llmr_attempt_info_init(&info, sizeof info);
      EXPECT_EQ(llmr_call_report_attempt(report, i, &info), LLMR_OK);
      out.attempts.push_back({info.deployment, info.outcome, info.hedge != 0, info.cancelled != 0,
                              info.committed != 0});
    }
    llmr_call_report_free(report);
    return out;
  }
  std::string Metrics() {
    size_t needed = 0;
    std::string out;
    while (true) {
      out.resize(needed);
      const llmr_status s = llmr_router_metrics_text(h_.router, out.data(), out.size(), &needed);
      if (s == LLMR_OK) break;
      EXPECT_EQ(s, LLMR_ERR_BUFFER_TOO_SMALL);
    }
    out.resize(needed > 0 ? needed - 1 : 0);
    return out;
  }

  scripted::Harness h_;
  Race race_;
  Events events_;
  int hedges_running_at_return_ = -1;
};

TEST_F(Hedging, TheHedgeWinsAndTheFirstAttemptIsCancelled) {
  Add("a");
  Add("b");
  race_.play = Play::kHedgeWins;
  const Outcome r = Call(HedgeAfter(50));
  ASSERT_EQ(r.status, LLMR_OK) << r.detail;
  EXPECT_EQ(r.response, "hedge");
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_FALSE(r.attempts[0].hedge);
  EXPECT_TRUE(r.attempts[0].cancelled);
  EXPECT_TRUE(r.attempts[1].hedge);
  EXPECT_FALSE(r.attempts[1].cancelled);
  EXPECT_TRUE(r.attempts[1].committed);  // it claimed the stream
  EXPECT_EQ(r.attempts[1].outcome, LLMR_OUTCOME_SUCCESS);
  EXPECT_NE(r.attempts[0].deployment, r.attempts[1].deployment);  // another deployment
  EXPECT_TRUE(race_.first_cancelled);                             // it saw LLMR_ERR_CANCELLED
  EXPECT_NE(race_.hedge_thread, race_.first_thread);              // a router-owned thread
  EXPECT_EQ(race_.attempt_numbers, std::vector<uint32_t>{2});
  // The loser's ticket was cancelled, not reported: no failure against its deployment.
  EXPECT_EQ(h_.Health(r.attempts[0].deployment.c_str()).failures, 0);
  EXPECT_EQ(h_.Health(r.attempts[0].deployment.c_str()).in_flight, 0);
  ASSERT_EQ(events_.hedge_deployments.size(), 1u);
  EXPECT_EQ(events_.hedge_deployments[0], r.attempts[1].deployment);
  EXPECT_NE(events_.messages[0].find("after 60 ms"), std::string::npos) << events_.messages[0];
  EXPECT_STREQ(llmr_event_kind_str(LLMR_EVENT_HEDGE_STARTED), "hedge_started");
  const std::string metrics = Metrics();
  EXPECT_NE(metrics.find("llmroute_model_hedges_total{model=\"m\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("llmroute_model_hedge_wins_total{model=\"m\"} 1"), std::string::npos);
}

TEST_F(Hedging, TheHedgeLosesIsCancelledAndHasReturnedBeforeTheCall) {
  Add("a");
  Add("b");
  race_.play = Play::kHedgeLoses;
  const Outcome r = Call(HedgeAfter(50));
  ASSERT_EQ(r.status, LLMR_OK) << r.detail;
  EXPECT_EQ(r.response, "first");
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_FALSE(r.attempts[0].cancelled);
  EXPECT_EQ(r.attempts[0].outcome, LLMR_OUTCOME_SUCCESS);
  EXPECT_TRUE(r.attempts[1].hedge);
  EXPECT_TRUE(r.attempts[1].cancelled);
  EXPECT_TRUE(race_.hedge_cancelled);
  // A hedge never runs after the call returned.
  EXPECT_EQ(hedges_running_at_return_, 0);
  EXPECT_EQ(race_.hedges_returned, 1);
  // The hedge's server error was a cancellation's: not a failure of its deployment.
  EXPECT_EQ(h_.Health(r.attempts[1].deployment.c_str()).failures, 0);
  EXPECT_EQ(h_.Health(r.attempts[1].deployment.c_str()).in_flight, 0);
  EXPECT_NE(Metrics().find("llmroute_model_hedge_wins_total{model=\"m\"} 0"), std::string::npos);
}

TEST_F(Hedging, AHedgeStillRunningAnswersWhenTheFirstAttemptFails) {
  Add("a");
  Add("b");
  race_.play = Play::kFirstFailsHedgeOk;
  const Outcome r = Call(HedgeAfter(50));
  ASSERT_EQ(r.status, LLMR_OK) << r.detail;
  EXPECT_EQ(r.response, "hedge");
  ASSERT_EQ(r.attempts.size(), 2u);  // no retry on top: the hedge answered
  EXPECT_EQ(r.attempts[0].outcome, LLMR_OUTCOME_SERVER_ERROR);
  // Whether the failure was reported or, having come after the hedge's win, cancelled depends
  // on which of the two threads got there first; either way it is one or the other.
  EXPECT_EQ(h_.Health(r.attempts[0].deployment.c_str()).failures, r.attempts[0].cancelled ? 0 : 1);
  EXPECT_EQ(h_.Health(r.attempts[0].deployment.c_str()).in_flight, 0);
  EXPECT_EQ(hedges_running_at_return_, 0);
}

TEST_F(Hedging, NoHedgeWhenTheFirstAttemptAnswersBeforeTheDelay) {
  Add("a");
  Add("b");
  race_.play = Play::kFastFirst;
  const Outcome r = Call(HedgeAfter(50));
  ASSERT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(r.response, "first");
  EXPECT_EQ(r.attempts.size(), 1u);
  EXPECT_EQ(race_.hedges, 0);
  EXPECT_TRUE(events_.hedge_deployments.empty());
}

TEST_F(Hedging, NeverAHedgeAfterCommit) {
  Add("a");
  Add("b");
  race_.play = Play::kCommitThenSlow;
  const Outcome r = Call(HedgeAfter(50));
  ASSERT_EQ(r.status, LLMR_OK);
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_TRUE(r.attempts[0].committed);  // llmr_call_commit() marks the attempt committed
  EXPECT_EQ(race_.hedges, 0);
}

TEST_F(Hedging, NoHedgeOnceTheFirstByteArrived) {
  Add("a");
  Add("b");
  race_.play = Play::kFirstByteThenSlow;
  const Outcome r = Call(HedgeAfter(50));
  ASSERT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(r.attempts.size(), 1u);
  EXPECT_EQ(race_.hedges, 0);
}

TEST_F(Hedging, HedgingOffByDefault) {
  Add("a");
  Add("b");
  race_.play = Play::kSlowFirst;
  llmr_call_options o;
  llmr_call_options_init(&o, sizeof o);
  EXPECT_EQ(o.hedge_after_ms, 0);
  EXPECT_EQ(o.max_hedges, 1u);
  const Outcome r = Call(o);
  ASSERT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(r.attempts.size(), 1u);
  EXPECT_EQ(race_.hedges, 0);
}

TEST_F(Hedging, MaxHedgesBeyondTheDeploymentsIsClampedToThem) {
  Add("a");
  Add("b");
  race_.play = Play::kHedgeLoses;
  const Outcome r = Call(HedgeAfter(50, 4));  // 4 asked, 1 other deployment
  ASSERT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(race_.hedges, 1);
  EXPECT_EQ(r.attempts.size(), 2u);
}

TEST_F(Hedging, OneDeploymentMeansNoHedge) {
  Add("a");
  race_.play = Play::kSlowFirst;
  const Outcome r = Call(HedgeAfter(50));
  ASSERT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(r.attempts.size(), 1u);
  EXPECT_EQ(race_.hedges, 0);
  // The token the hedge would have taken was given back.
  EXPECT_NE(Metrics().find("llmroute_model_hedges_total{model=\"m\"} 0"), std::string::npos);
}

TEST_F(Hedging, TheQuantileDelayFollowsTheModelsLatency) {
  Add("a");
  Add("b");
  // Samples of 100 ms on both deployments: the model's p50 is about 100 ms.
  for (int i = 0; i < 20; ++i) {
    for (int d = 0; d < 2; ++d) {
      llmr_pick pick;
      llmr_pick_init(&pick, sizeof pick);
      ASSERT_EQ(llmr_router_pick(h_.router, "m", nullptr, &pick), LLMR_OK);
      llmr_report rep;
      llmr_report_init(&rep, sizeof rep);
      rep.outcome = LLMR_OUTCOME_SUCCESS;
      rep.latency_ms = 100;
      ASSERT_EQ(llmr_router_report(h_.router, pick.ticket, &rep), LLMR_OK);
    }
  }
  race_.play = Play::kTwoSteps;  // polls at 60 ms (no hedge yet) and at 120 ms (hedge)
  llmr_call_options o = HedgeAfter(0);
  o.hedge_after_quantile = 0.5;
  const Outcome r = Call(o);
  ASSERT_EQ(r.status, LLMR_OK) << r.detail;
  EXPECT_EQ(race_.hedges, 1);
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_TRUE(r.attempts[1].cancelled);
}

class HedgingOnAOneTokenBudget : public Hedging {
 protected:
  HedgingOnAOneTokenBudget() : Hedging(1, 0) {}
};

TEST_F(HedgingOnAOneTokenBudget, ASpentBudgetStartsNoHedge) {
  Add("a");
  Add("b");
  race_.play = Play::kHedgeLoses;
  ASSERT_EQ(Call(HedgeAfter(50)).status, LLMR_OK);
  EXPECT_EQ(race_.hedges, 1);  // the one token
  race_.play = Play::kSlowFirst;
  const Outcome r = Call(HedgeAfter(50));
  ASSERT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(r.attempts.size(), 1u);
  EXPECT_EQ(race_.hedges, 1);  // none more: the budget is spent and earns nothing (ratio 0)
  EXPECT_EQ(events_.hedge_deployments.size(), 1u);
}

TEST(HedgingOptions, BadValuesAreRefusedNamingTheField) {
  scripted::Harness h;
  h.Add("a", {"m"}, {scripted::Ok()});
  struct Case {
    const char *field;
    void (*set)(llmr_call_options *);
  };
  const Case cases[] = {
      {"hedge_after_ms", [](llmr_call_options *o) { o->hedge_after_ms = -1; }},
      {"hedge_after_ms", [](llmr_call_options *o) { o->hedge_after_ms = 86'400'001; }},
      {"hedge_after_quantile", [](llmr_call_options *o) { o->hedge_after_quantile = NAN; }},
      {"hedge_after_quantile", [](llmr_call_options *o) { o->hedge_after_quantile = -0.5; }},
      {"hedge_after_quantile", [](llmr_call_options *o) { o->hedge_after_quantile = 1; }},
      {"max_hedges", [](llmr_call_options *o) { o->max_hedges = 5; }},
  };
  for (const Case &c : cases) {
    llmr_call_options o;
    llmr_call_options_init(&o, sizeof o);
    c.set(&o);
    EXPECT_EQ(llmr_router_call(h.router, "m", "x", 1, &o, nullptr), LLMR_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(llmr_error_message()).find(c.field), std::string::npos)
        << llmr_error_message();
  }
  EXPECT_EQ(h.scripts["a"].invocations, 0);  // nothing ran
  EXPECT_EQ(llmr_call_commit(nullptr), LLMR_ERR_INVALID_ARGUMENT);
}

TEST(HedgingOptions, TheBudgetOptionsAreRangeChecked) {
  llmr_router_options o;
  llmr_router_options_init(&o, sizeof o);
  EXPECT_EQ(o.hedge_budget_max_tokens, 10);
  EXPECT_EQ(o.hedge_budget_ratio, 0.1);
  o.hedge_budget_ratio = 2;
  llmr_router *router = nullptr;
  EXPECT_EQ(llmr_router_create(&o, &router), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(llmr_error_message()).find("hedge_budget_ratio"), std::string::npos);
  o.hedge_budget_ratio = NAN;
  EXPECT_EQ(llmr_router_create(&o, &router), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(router, nullptr);
}

}  // namespace
