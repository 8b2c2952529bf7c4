// llmr_router_call through the C ABI, with scripted adapters on simulated time: each test asserts
// the exact attempt sequence.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "scripted.hpp"

using scripted::Fail;
using scripted::Harness;
using scripted::Ok;
using Seq = std::vector<std::string>;

namespace {

TEST(Call, SucceedsOnTheFirstDeploymentAndReturnsTheResponse) {
  Harness h;
  h.Add("a", {"gpt-4o"}, {Ok("hello")});
  h.Add("b", {"gpt-4o"}, {Ok()});
  const auto r = h.Call("gpt-4o");
  EXPECT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(r.sequence, (Seq{"a:success"}));
  EXPECT_EQ(r.response, "hello");
  EXPECT_EQ(r.summary.used_fallback, 0);
  EXPECT_EQ(h.Health("a").successes, 1);
}

TEST(Call, OutageFailsOverToAnotherDeployment) {
  Harness h;
  h.Add("a", {"gpt-4o"}, {Fail(LLMR_OUTCOME_SERVER_ERROR)});
  h.Add("b", {"gpt-4o"}, {Ok()});
  const auto r = h.Call("gpt-4o");
  EXPECT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(r.sequence, (Seq{"a:server_error", "b:success"}));
  EXPECT_EQ(h.Health("a").failures, 1);
  // After five such failures a's breaker is open and calls go straight to b.
  for (int i = 0; i < 4; ++i) {
    const auto again = h.Call("gpt-4o");
    ASSERT_EQ(again.status, LLMR_OK);
  }
  EXPECT_EQ(h.Health("a").state, LLMR_BREAKER_OPEN);
  const auto direct = h.Call("gpt-4o");
  EXPECT_EQ(direct.sequence, (Seq{"b:success"}));
}

TEST(Call, NeverRetriesTheDeploymentThatJustFailedWhileAnotherIsEligible) {
  llmr_router_options o;
  llmr_router_options_init(&o, sizeof o);
  o.retry_budget_max_tokens = 100;  // this test is about where retries go, not how many
  Harness h(&o);
  h.Add("a", {"m"}, {Fail(LLMR_OUTCOME_TIMEOUT)});
  h.Add("b", {"m"}, {Fail(LLMR_OUTCOME_TIMEOUT)});
  h.Add("c", {"m"}, {Fail(LLMR_OUTCOME_TIMEOUT)});
  h.Add("d", {"m"}, {Ok()});
  llmr_call_options opts;
  llmr_call_options_init(&opts, sizeof opts);
  opts.max_attempts = 4;
  for (int call = 0; call < 4; ++call) {
    const auto r = h.Call("m", &opts);
    EXPECT_EQ(r.status, LLMR_OK);
    EXPECT_EQ(r.sequence.back(), "d:success");
    // Each failed deployment appears once: the retry goes elsewhere while something else is
    // eligible.
    EXPECT_EQ(std::set<std::string>(r.sequence.begin(), r.sequence.end()).size(),
              r.sequence.size());
  }
}

TEST(Call, RateLimitStormHonoursRetryAfter) {
  Harness h;
  h.Add("a", {"m"}, {Fail(LLMR_OUTCOME_RATE_LIMITED, 10'000), Ok()});
  h.Add("b", {"m"}, {Ok()});
  const auto first = h.Call("m");
  EXPECT_EQ(first.sequence, (Seq{"a:rate_limited", "b:success"}));
  EXPECT_EQ(h.Health("a").state, LLMR_BREAKER_OPEN);
  EXPECT_EQ(h.Health("a").cooldown_remaining_ms, 10'000);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(h.Call("m").sequence, (Seq{"b:success"}));
  h.Advance(10'000);
  // Cooldown over: a gets a probe (round robin comes back to it), which succeeds and closes it.
  bool probed = false;
  for (int i = 0; i < 3 && !probed; ++i) probed = h.Call("m").sequence == Seq{"a:success"};
  EXPECT_TRUE(probed);
  EXPECT_EQ(h.Health("a").state, LLMR_BREAKER_CLOSED);
}

TEST(Call, ContextWindowFallsBackToItsOwnChain) {
  Harness h;
  h.Add("small", {"gpt-4o"}, {Fail(LLMR_OUTCOME_CONTEXT_WINDOW_EXCEEDED)});
  h.Add("general", {"gpt-4o-mini"}, {Ok()});
  h.Add("large", {"gpt-4o-128k"}, {Ok("long answer")});
  const char *general[] = {"gpt-4o-mini"};
  const char *window[] = {"gpt-4o-128k"};
  ASSERT_EQ(llmr_router_set_fallbacks(h.router, "gpt-4o", general, 1), LLMR_OK);
  ASSERT_EQ(
      llmr_router_set_fallbacks_for(h.router, "gpt-4o", LLMR_FALLBACK_CONTEXT_WINDOW, window, 1),
      LLMR_OK);
  const auto r = h.Call("gpt-4o");
  EXPECT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(r.sequence, (Seq{"small:context_window_exceeded", "large:success"}));
  EXPECT_EQ(r.summary.used_fallback, 1);
  EXPECT_EQ(r.model, "gpt-4o-128k");
  EXPECT_EQ(r.response, "long answer");
  EXPECT_EQ(r.backoffs, (std::vector<int64_t>{0, 0}));  // a different model: no backoff
  EXPECT_EQ(h.Health("small").failures, 0);             // the request's fault, not the deployment's
}

TEST(Call, ContentPolicyWithoutAChainStops) {
  Harness h;
  h.Add("a", {"m"}, {Fail(LLMR_OUTCOME_CONTENT_POLICY)});
  h.Add("b", {"m"}, {Ok()});
  const auto r = h.Call("m");
  EXPECT_EQ(r.status, LLMR_ERR_UPSTREAM);
  EXPECT_EQ(r.sequence, (Seq{"a:content_policy"}));
  EXPECT_EQ(r.summary.final_outcome, LLMR_OUTCOME_CONTENT_POLICY);
}

TEST(Call, GeneralFallbackChainAfterTheModelIsExhausted) {
  Harness h;
  h.Add("a", {"gpt-4o"}, {Fail(LLMR_OUTCOME_SERVER_ERROR)});
  h.Add("c", {"claude"}, {Ok()});
  const char *chain[] = {"claude"};
  ASSERT_EQ(llmr_router_set_fallbacks(h.router, "gpt-4o", chain, 1), LLMR_OK);
  const auto r = h.Call("gpt-4o");
  EXPECT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(r.sequence, (Seq{"a:server_error", "c:success"}));
  EXPECT_EQ(r.summary.used_fallback, 1);
}

TEST(Call, BadRequestAndAuthErrorsReturnAtOnce) {
  for (llmr_outcome outcome : {LLMR_OUTCOME_BAD_REQUEST, LLMR_OUTCOME_AUTH_ERROR}) {
    Harness h;
    h.Add("a", {"m"}, {Fail(outcome)});
    h.Add("b", {"m"}, {Ok()});
    const auto r = h.Call("m");
    EXPECT_EQ(r.status, LLMR_ERR_UPSTREAM);
    EXPECT_EQ(r.sequence.size(), 1U);
    EXPECT_EQ(r.summary.final_outcome, outcome);
  }
}

TEST(Call, RetryBudgetExhaustionStopsRetries) {
  llmr_router_options o;
  llmr_router_options_init(&o, sizeof o);
  o.retry_budget_max_tokens = 4;  // retries only while more than 2 tokens remain
  o.retry_budget_token_ratio = 1;
  o.breaker_consecutive_failures = 100;
  o.breaker_min_requests = 1000;
  Harness h(&o);
  h.Add("a", {"m"}, {Fail(LLMR_OUTCOME_SERVER_ERROR)});
  h.Add("b", {"m"}, {Fail(LLMR_OUTCOME_SERVER_ERROR)});
  h.Add("c", {"m"}, {Fail(LLMR_OUTCOME_SERVER_ERROR)});
  llmr_call_options opts;
  llmr_call_options_init(&opts, sizeof opts);
  opts.max_attempts = 10;
  // Tokens 4 -> 3 -> 2 after two failures: the second retry is refused.
  auto first = h.Call("m", &opts);
  EXPECT_EQ(first.status, LLMR_ERR_UPSTREAM);
  EXPECT_EQ(first.sequence.size(), 2U);
  EXPECT_EQ(first.detail, "retry budget exhausted");
  // Now every call gets one attempt only, until successes refill the bucket.
  auto second = h.Call("m", &opts);
  EXPECT_EQ(second.sequence.size(), 1U);
  EXPECT_EQ(second.detail, "retry budget exhausted");
}

TEST(Call, MaxAttemptsCapsTheCall) {
  Harness h;
  for (const char *name : {"a", "b", "c", "d"}) h.Add(name, {"m"}, {Fail(LLMR_OUTCOME_TIMEOUT)});
  llmr_call_options opts;
  llmr_call_options_init(&opts, sizeof opts);
  opts.max_attempts = 2;
  const auto r = h.Call("m", &opts);
  EXPECT_EQ(r.status, LLMR_ERR_UPSTREAM);
  ASSERT_EQ(r.sequence.size(), 2U);
  EXPECT_NE(r.sequence[0], r.sequence[1]);
  EXPECT_EQ(r.detail, "max_attempts reached");
}

TEST(Call, BackoffIsFullJitterExponential) {
  Harness h;
  h.time.random_value = ~uint64_t{0};  // every draw at the top of its range
  for (const char *name : {"a", "b", "c", "d"}) {
    h.Add(name, {"m"}, {Fail(LLMR_OUTCOME_SERVER_ERROR)});
  }
  llmr_call_options opts;
  llmr_call_options_init(&opts, sizeof opts);
  opts.max_attempts = 4;
  opts.backoff_base_ms = 100;
  opts.backoff_max_ms = 300;
  const auto r = h.Call("m", &opts);
  EXPECT_EQ(r.status, LLMR_ERR_UPSTREAM);
  ASSERT_EQ(r.backoffs.size(), 4U);
  EXPECT_EQ(r.backoffs, (std::vector<int64_t>{0, 100, 200, 300}));  // capped at 300
  EXPECT_EQ(h.time.slept_ns.load(), 600 * 1'000'000);
}

TEST(Call, DeadlineExpiresMidBackoffWithoutSleepingPastIt) {
  Harness h;
  h.time.random_value = ~uint64_t{0};
  h.Add("a", {"m"}, {Fail(LLMR_OUTCOME_SERVER_ERROR)});
  h.Add("b", {"m"}, {Fail(LLMR_OUTCOME_SERVER_ERROR)});
  llmr_call_options opts;
  llmr_call_options_init(&opts, sizeof opts);
  opts.deadline_ms = 150;
  opts.backoff_base_ms = 1000;
  const int64_t start = h.time.now_ns.load();
  const auto r = h.Call("m", &opts);
  EXPECT_EQ(r.status, LLMR_ERR_DEADLINE_EXCEEDED);
  EXPECT_EQ(r.sequence.size(), 1U);
  EXPECT_EQ(h.time.slept_ns.load(), 0);
  EXPECT_LT(h.time.now_ns.load() - start, 150 * 1'000'000);
}

TEST(Call, AttemptTimeoutIsTheSmallerOfItsLimitAndTheDeadline) {
  Harness h;
  scripted::Step slow = Fail(LLMR_OUTCOME_TIMEOUT);
  slow.advance_ms = 400;
  auto &a = h.Add("a", {"m"}, {slow, Ok()});
  auto &b = h.Add("b", {"m"}, {Ok()});
  llmr_call_options opts;
  llmr_call_options_init(&opts, sizeof opts);
  opts.deadline_ms = 1000;
  opts.attempt_timeout_ms = 500;
  const auto r = h.Call("m", &opts);
  EXPECT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(r.sequence, (Seq{"a:timeout", "b:success"}));
  EXPECT_EQ(a.seen_timeouts, (std::vector<int64_t>{500}));
  EXPECT_EQ(b.seen_timeouts, (std::vector<int64_t>{500}));  // 600 left, capped at 500
  opts.attempt_timeout_ms = 0;
  opts.deadline_ms = 250;
  EXPECT_EQ(h.Call("m", &opts).status, LLMR_OK);
  const int64_t seen = a.seen_timeouts.size() == 2 ? a.seen_timeouts[1] : b.seen_timeouts[1];
  EXPECT_EQ(seen, 250);  // only the deadline
  opts.deadline_ms = 0;
  EXPECT_EQ(h.Call("m", &opts).status, LLMR_OK);
  EXPECT_EQ(a.seen_timeouts.back() == -1 || b.seen_timeouts.back() == -1, true);
}

TEST(Call, CancellationFromAnotherThreadEndsTheBackoff) {
  // Real time here: the backoff would last up to an hour unless the cancel wakes it (a hang fails
  // the test through its CTest timeout).
  llmr_router *router = nullptr;
  ASSERT_EQ(llmr_router_create(nullptr, &router), LLMR_OK);
  scripted::Script failing;
  failing.steps = {Fail(LLMR_OUTCOME_SERVER_ERROR)};
  const char *models[] = {"m"};
  llmr_deployment d;
  llmr_deployment_init(&d, sizeof d);
  d.name = "only";
  d.models = models;
  d.model_count = 1;
  ASSERT_EQ(llmr_router_add_deployment(router, &d), LLMR_OK);
  llmr_adapter adapter;
  llmr_adapter_init(&adapter, sizeof adapter);
  adapter.user_data = &failing;
  adapter.invoke = scripted::Invoke;
  ASSERT_EQ(llmr_router_set_adapter(router, "only", &adapter), LLMR_OK);
  llmr_cancel *cancel = nullptr;
  ASSERT_EQ(llmr_cancel_create(&cancel), LLMR_OK);
  llmr_call_options opts;
  llmr_call_options_init(&opts, sizeof opts);
  opts.backoff_base_ms = 3'600'000;
  opts.backoff_max_ms = 3'600'000;
  opts.max_attempts = 10;
  opts.cancel = cancel;
  llmr_status status = LLMR_OK;
  size_t attempts = 0;
  std::thread caller([&] {
    llmr_call_report *report = nullptr;
    status = llmr_router_call(router, "m", nullptr, 0, &opts, &report);
    attempts = llmr_call_report_attempt_count(report);
    llmr_call_report_free(report);
  });
  while (failing.invocations.load() == 0) std::this_thread::yield();
  ASSERT_EQ(llmr_cancel_trigger(cancel), LLMR_OK);
  caller.join();
  EXPECT_EQ(status, LLMR_ERR_CANCELLED);
  EXPECT_GE(attempts, 1U);
  llmr_cancel_destroy(cancel);
  llmr_router_destroy(router);
}

TEST(Call, TheOnlyDeploymentIsRetriedAfterBackoff) {
  Harness h;
  h.Add("only", {"m"}, {Fail(LLMR_OUTCOME_SERVER_ERROR), Fail(LLMR_OUTCOME_SERVER_ERROR), Ok()});
  const auto r = h.Call("m");
  EXPECT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(r.sequence, (Seq{"only:server_error", "only:server_error", "only:success"}));
}

TEST(Call, CommittedStreamThatFailsIsNeverRetried) {
  Harness h;
  scripted::Step broken = Fail(LLMR_OUTCOME_SERVER_ERROR);
  broken.committed = true;
  h.Add("a", {"m"}, {broken});
  h.Add("b", {"m"}, {Ok()});
  const auto r = h.Call("m");
  EXPECT_EQ(r.status, LLMR_ERR_UPSTREAM);
  EXPECT_EQ(r.sequence, (Seq{"a:server_error"}));
  EXPECT_EQ(r.detail, "failed after the stream was committed");
  EXPECT_EQ(h.Health("a").failures, 1);  // still counted against the deployment
}

TEST(Call, StreamedFirstTokenTimeFeedsTheLatencyStrategy) {
  Harness h;
  scripted::Step streamed = Ok();
  streamed.latency_ms = 9000;  // a long stream ...
  streamed.ttft_ms = 120;      // ... whose first token came fast
  streamed.committed = true;
  h.Add("a", {"m"}, {streamed});
  ASSERT_EQ(h.Call("m").status, LLMR_OK);
  EXPECT_DOUBLE_EQ(h.Health("a").ewma_latency_ms, 120);
}

TEST(Call, AdapterThatThrowsIsContainedAsAFailedAttempt) {
  Harness h;
  scripted::Step boom;
  boom.throw_exception = true;
  h.Add("a", {"m"}, {boom});
  h.Add("b", {"m"}, {Ok()});
  llmr_call_report *report = nullptr;
  ASSERT_EQ(llmr_router_call(h.router, "m", nullptr, 0, nullptr, &report), LLMR_OK);
  llmr_attempt_info info;
  llmr_attempt_info_init(&info, sizeof info);
  ASSERT_EQ(llmr_call_report_attempt(report, 0, &info), LLMR_OK);
  EXPECT_STREQ(info.deployment, "a");
  EXPECT_EQ(info.adapter_failed, 1);
  EXPECT_EQ(info.outcome, LLMR_OUTCOME_CONNECTION_ERROR);
  EXPECT_EQ(llmr_call_report_attempt_count(report), 2U);
  llmr_call_report_free(report);
}

TEST(Call, AdapterErrorStatusIsAFailedAttempt) {
  Harness h;
  scripted::Step bad;
  bad.status = LLMR_ERR_INTERNAL;
  h.Add("a", {"m"}, {bad});
  h.Add("b", {"m"}, {Ok()});
  const auto r = h.Call("m");
  EXPECT_EQ(r.sequence, (Seq{"a:connection_error", "b:success"}));
}

TEST(Call, DeploymentsWithoutAdaptersAreSkipped) {
  Harness h;
  const char *models[] = {"m"};
  llmr_deployment d;
  llmr_deployment_init(&d, sizeof d);
  d.name = "pick-only";
  d.models = models;
  d.model_count = 1;
  ASSERT_EQ(llmr_router_add_deployment(h.router, &d), LLMR_OK);
  h.Add("b", {"m"}, {Ok()});
  for (int i = 0; i < 4; ++i) EXPECT_EQ(h.Call("m").sequence, (Seq{"b:success"}));
  EXPECT_EQ(h.Health("pick-only").in_flight, 0);
}

// Issue 17: a deployment without an adapter is not part of a call's pool at all: calls neither
// pick and cancel it (which used up its rpm slots and showed picks and cancels the host never
// made) nor count it.
TEST(Call, CallsLeaveTheRpmAndStatisticsOfDeploymentsWithoutAnAdapterAlone) {
  Harness h;
  h.Add("with-adapter", {"m"}, {Ok()});
  const char *models[] = {"m"};
  llmr_deployment d;
  llmr_deployment_init(&d, sizeof d);
  d.name = "host-managed";
  d.models = models;
  d.model_count = 1;
  d.rpm_limit = 10;
  ASSERT_EQ(llmr_router_add_deployment(h.router, &d), LLMR_OK);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(h.Call("m").sequence, (Seq{"with-adapter:success"}));
  const llmr_health health = h.Health("host-managed");
  EXPECT_EQ(health.picks, 0);
  EXPECT_EQ(health.cancels, 0);
  // The host's own picks of it still have all ten slots.
  const char *exclude[] = {"with-adapter"};
  llmr_pick_options opts;
  llmr_pick_options_init(&opts, sizeof opts);
  opts.exclude = exclude;
  opts.exclude_count = 1;
  for (int i = 0; i < 10; ++i) {
    llmr_pick p;
    llmr_pick_init(&p, sizeof p);
    ASSERT_EQ(llmr_router_pick(h.router, "m", &opts, &p), LLMR_OK) << i << llmr_error_message();
    EXPECT_STREQ(p.deployment, "host-managed");
    ASSERT_EQ(llmr_router_cancel(h.router, p.ticket), LLMR_OK);
  }
  // A model only adapter-less deployments serve: no provider for a call, and nothing counted.
  llmr_deployment only;
  llmr_deployment_init(&only, sizeof only);
  const char *other[] = {"host-only"};
  only.name = "host-only-deployment";
  only.models = other;
  only.model_count = 1;
  ASSERT_EQ(llmr_router_add_deployment(h.router, &only), LLMR_OK);
  const auto r = h.Call("host-only");
  EXPECT_EQ(r.status, LLMR_ERR_NO_PROVIDER);
  EXPECT_TRUE(r.sequence.empty());
  EXPECT_EQ(h.Health("host-only-deployment").picks, 0);
}

TEST(Call, UnknownModelAndNoProvider) {
  Harness h;
  h.Add("a", {"m"}, {Ok()});
  EXPECT_EQ(h.Call("other").status, LLMR_ERR_UNKNOWN_MODEL);
  ASSERT_EQ(llmr_router_set_override(h.router, "a", LLMR_OVERRIDE_FORCE_OPEN), LLMR_OK);
  const auto r = h.Call("m");
  EXPECT_EQ(r.status, LLMR_ERR_NO_PROVIDER);
  EXPECT_TRUE(r.sequence.empty());
}

TEST(Call, RequestsPerMinuteLimit) {
  Harness h;
  h.Add("a", {"m"}, {Ok()}, /*tier=*/0, /*rpm=*/2);
  EXPECT_EQ(h.Call("m").status, LLMR_OK);
  h.Advance(10'000);
  EXPECT_EQ(h.Call("m").status, LLMR_OK);
  const auto limited = h.Call("m");
  EXPECT_EQ(limited.status, LLMR_ERR_RATE_LIMITED);
  // The first request leaves the 60 s window 50 s from now (to the second's granularity).
  EXPECT_GT(limited.summary.retry_after_ms, 49'000);
  EXPECT_LE(limited.summary.retry_after_ms, 51'000);
  llmr_pick p;
  llmr_pick_init(&p, sizeof p);
  EXPECT_EQ(llmr_router_pick(h.router, "m", nullptr, &p), LLMR_ERR_RATE_LIMITED);
  EXPECT_GT(p.retry_after_ms, 49'000);
  h.Advance(51'000);
  EXPECT_EQ(h.Call("m").status, LLMR_OK);
}

TEST(Call, RateLimitedDeploymentSpillsToTheOthers) {
  Harness h;
  h.Add("a", {"m"}, {Ok()}, 0, /*rpm=*/1);
  h.Add("b", {"m"}, {Ok()});
  std::map<std::string, int> counts;
  for (int i = 0; i < 10; ++i) ++counts[h.Call("m").sequence.at(0)];
  EXPECT_EQ(counts["a:success"], 1);
  EXPECT_EQ(counts["b:success"], 9);
}

TEST(Call, ReleaseExactlyOnceAfterConcurrentRemoval) {
  Harness h;
  auto &a = h.Add("a", {"m"}, {Ok()});
  h.Add("b", {"m"}, {Ok()});
  std::atomic<bool> stop{false};
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t) {
    callers.emplace_back([&] {
      while (!stop.load()) {
        llmr_call_report *report = nullptr;
        (void)llmr_router_call(h.router, "m", nullptr, 0, nullptr, &report);
        llmr_call_report_free(report);
      }
    });
  }
  while (a.invocations.load() < 50) std::this_thread::yield();
  ASSERT_EQ(llmr_router_remove_deployment(h.router, "a"), LLMR_OK);
  const int after_removal = a.invocations.load();
  for (int i = 0; i < 200; ++i) std::this_thread::yield();
  stop = true;
  for (auto &c : callers) c.join();
  EXPECT_EQ(a.releases.load(), 1);
  EXPECT_FALSE(a.released_during_invoke.load());
  EXPECT_LE(a.invocations.load(), after_removal + 3);  // only calls already past their pick
  EXPECT_EQ(h.scripts["b"].releases.load(), 0);
}

TEST(Call, ReplacingAnAdapterReleasesTheOldOne) {
  Harness h;
  auto &a = h.Add("a", {"m"}, {Ok()});
  llmr_adapter replacement;
  llmr_adapter_init(&replacement, sizeof replacement);
  scripted::Script other;
  other.steps = {Ok("new")};
  replacement.user_data = &other;
  replacement.invoke = scripted::Invoke;
  replacement.release = scripted::Release;
  ASSERT_EQ(llmr_router_set_adapter(h.router, "a", &replacement), LLMR_OK);
  EXPECT_EQ(a.releases.load(), 1);
  EXPECT_EQ(h.Call("m").response, "new");
  // A failed attach does not keep the adapter and does not release it.
  EXPECT_EQ(llmr_router_set_adapter(h.router, "missing", &replacement), LLMR_ERR_NOT_FOUND);
  EXPECT_EQ(other.releases.load(), 0);
  ASSERT_EQ(llmr_router_set_adapter(h.router, "a", nullptr), LLMR_OK);
  EXPECT_EQ(other.releases.load(), 1);
}

TEST(Call, InvalidArguments) {
  Harness h;
  h.Add("a", {"m"}, {Ok()});
  llmr_call_options opts;
  llmr_call_options_init(&opts, sizeof opts);
  opts.max_attempts = 0;
  EXPECT_EQ(llmr_router_call(h.router, "m", nullptr, 0, &opts, nullptr), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(llmr_error_message()).find("max_attempts"), std::string::npos);
  EXPECT_EQ(llmr_router_call(h.router, "m", nullptr, 5, nullptr, nullptr),
            LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(llmr_router_call(nullptr, "m", nullptr, 0, nullptr, nullptr),
            LLMR_ERR_INVALID_ARGUMENT);
  llmr_adapter no_invoke;
  llmr_adapter_init(&no_invoke, sizeof no_invoke);
  EXPECT_EQ(llmr_router_set_adapter(h.router, "a", &no_invoke), LLMR_ERR_INVALID_ARGUMENT);
  // An out-of-range fallback kind is rejected too; that is tested from C (tests/c), where any int
  // is a valid enum value: passing one from C++ would itself be undefined behaviour.
}

}  // namespace
