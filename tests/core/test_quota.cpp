// Announced quotas (limits/quota.hpp, router_quota.cpp), on the injected clock: a deployment
// whose announced remaining cannot take the request is not picked until the reset, picks are
// taken out of the announcement, load spreads by headroom, and a 429 whose reset lies beyond the
// horizon is a quota exhaustion (held out until the reset, no probe, its own event).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace llmroute {
namespace {

using testing::TestRouter;

constexpr int64_t kHourMs = 3600 * 1000;

struct QuotaEvents final : EventListener {
  void OnEvent(const Event &e) noexcept override {
    std::lock_guard<std::mutex> lock(mutex);
    if (e.kind == EventKind::kQuotaExhausted) {
      exhausted.emplace_back(std::string(e.deployment), e.cooldown_ms);
    } else if (e.kind == EventKind::kBreaker) {
      ++breaker;
    }
  }
  std::mutex mutex;
  std::vector<std::pair<std::string, int64_t>> exhausted;
  int breaker = 0;
};

ReportInput Announce(Outcome outcome, int64_t requests, int64_t tokens, int64_t requests_reset_ms,
                     int64_t tokens_reset_ms = 0) {
  ReportInput r;
  r.outcome = outcome;
  r.latency_ms = 100;
  r.quota_remaining_requests = requests;
  r.quota_remaining_tokens = tokens;
  r.quota_requests_reset_ms = requests_reset_ms;
  r.quota_tokens_reset_ms = tokens_reset_ms;
  return r;
}

// Picks `model` with the given expected tokens; "" on failure.
std::string PickWith(TestRouter &t, int64_t input_tokens, int64_t output_tokens,
                     Status *status = nullptr, PickResult *out = nullptr) {
  PickRequest request;
  request.expected_input_tokens = input_tokens;
  request.expected_output_tokens = output_tokens;
  PickResult result;
  Status s = t.router->Pick("m", "m", request, &result);
  if (status != nullptr) *status = s;
  if (out != nullptr) *out = result;
  if (!s.ok()) return "";
  EXPECT_TRUE(t.router->Cancel(result.ticket).ok());
  return result.deployment;
}

// Picks "m" until it lands on `name` and reports `report` for it.
void ReportOn(TestRouter &t, const std::string &name, const ReportInput &report) {
  for (int i = 0; i < 100; ++i) {
    uint64_t ticket = 0;
    const std::string picked = t.PickName("m", &ticket);
    ASSERT_FALSE(picked.empty());
    if (picked == name) {
      const Status s = t.router->Report(ticket, report);
      ASSERT_TRUE(s.ok()) << s.message();
      return;
    }
    ASSERT_TRUE(t.router->Cancel(ticket).ok());
  }
  FAIL() << name << " was never picked";
}

TEST(Quota, UsedUpRequestsKeepTheDeploymentOutUntilTheReset) {
  TestRouter t;
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  ReportOn(t, "a", Announce(Outcome::kSuccess, 0, -1, 2000));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(t.PickName("m"), "b");
  const HealthInfo a = t.HealthOf("a");
  EXPECT_FALSE(a.eligible);
  EXPECT_EQ(a.quota.remaining_requests, 0);
  EXPECT_EQ(a.quota.requests_reset_ms, 2000);
  EXPECT_EQ(a.state, BreakerState::kClosed);  // a quota, not a failure
  t.Advance(2000);
  std::map<std::string, int> seen;
  for (int i = 0; i < 50; ++i) ++seen[t.PickName("m")];
  EXPECT_GT(seen["a"], 0);
  EXPECT_EQ(t.HealthOf("a").quota.remaining_requests, -1);  // the reset dropped the count
}

TEST(Quota, PicksAreTakenOutOfTheAnnouncementAndTheRestIsRateLimited) {
  TestRouter t;
  t.Add("a", {"m"});
  ReportOn(t, "a", Announce(Outcome::kSuccess, 3, -1, 5000));
  EXPECT_EQ(t.HealthOf("a").quota.remaining_requests, 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(PickWith(t, 0, 0), "a");
  Status status;
  PickResult result;
  EXPECT_EQ(PickWith(t, 0, 0, &status, &result), "");
  EXPECT_EQ(status.code(), Code::kRateLimited) << status.message();
  EXPECT_EQ(result.retry_after_ms, 5000);  // until the announced reset
  t.Advance(5000);
  EXPECT_EQ(PickWith(t, 0, 0), "a");
}

TEST(Quota, RemainingTokensMustTakeTheExpectedRequest) {
  RouterOptions options;
  options.quota_headroom_routing = 0;  // round robin: a is tried every other pick
  TestRouter t(std::move(options));
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  ReportOn(t, "a", Announce(Outcome::kSuccess, -1, 500, 0, 30000));
  ReportOn(t, "b", Announce(Outcome::kSuccess, -1, 100000, 0, 30000));
  // 400 + 200 tokens do not fit a's 500: every such pick goes to b.
  for (int i = 0; i < 30; ++i) EXPECT_EQ(PickWith(t, 400, 200), "b");
  // 100 + 100 fit; a is picked for some of them and its count goes down by 200 each time.
  int on_a = 0;
  for (int i = 0; i < 4 && on_a == 0; ++i) on_a += PickWith(t, 100, 100) == "a" ? 1 : 0;
  EXPECT_EQ(on_a, 1);
  EXPECT_EQ(t.HealthOf("a").quota.remaining_tokens, 300);
  // Unknown expected tokens need at least one token left.
  ReportOn(t, "a", Announce(Outcome::kSuccess, -1, 0, 0, 30000));
  for (int i = 0; i < 30; ++i) EXPECT_EQ(PickWith(t, 0, 0), "b");
}

TEST(Quota, LoadSpreadsByRemainingHeadroomWithinTheTier) {
  TestRouter t;
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  ReportOn(t, "a", Announce(Outcome::kSuccess, 90000, -1, 60000));
  ReportOn(t, "b", Announce(Outcome::kSuccess, 10000, -1, 60000));
  std::map<std::string, int> seen;
  for (int i = 0; i < 2000; ++i) ++seen[PickWith(t, 0, 0)];
  // 90% / 10% of the headroom (round robin alone would give 50% / 50%).
  EXPECT_GT(seen["a"], 1700);
  EXPECT_LT(seen["a"], 1900);
  EXPECT_EQ(seen["a"] + seen["b"], 2000);
}

TEST(Quota, HeadroomRoutingOffLeavesTheChoiceToTheStrategy) {
  RouterOptions options;
  options.quota_headroom_routing = 0;
  TestRouter t(std::move(options));
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  ReportOn(t, "a", Announce(Outcome::kSuccess, 90000, -1, 60000));
  ReportOn(t, "b", Announce(Outcome::kSuccess, 10000, -1, 60000));
  std::map<std::string, int> seen;
  for (int i = 0; i < 1000; ++i) ++seen[PickWith(t, 0, 0)];
  EXPECT_EQ(seen["a"], 500);  // round robin
  EXPECT_EQ(seen["b"], 500);
}

TEST(Quota, FarReset429IsAQuotaExhaustionWithoutProbes) {
  TestRouter t;
  auto events = std::make_shared<QuotaEvents>();
  t.router->SetEventListener(events);
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  ReportInput daily = Announce(Outcome::kRateLimited, 0, -1, 3 * kHourMs);
  daily.retry_after_ms = 3 * kHourMs;
  ReportOn(t, "a", daily);
  ASSERT_EQ(events->exhausted.size(), 1u);
  EXPECT_EQ(events->exhausted[0].first, "a");
  EXPECT_EQ(events->exhausted[0].second, 3 * kHourMs);
  EXPECT_EQ(events->breaker, 0);  // the breaker is not involved
  HealthInfo a = t.HealthOf("a");
  EXPECT_EQ(a.state, BreakerState::kClosed);
  EXPECT_FALSE(a.eligible);
  EXPECT_EQ(a.quota.exhausted_ms, 3 * kHourMs);
  EXPECT_EQ(a.quota.exhaustions, 1);
  // Well past the breaker's longest cooldown (300 s) and until just before the reset: no pick of
  // a, not even a probe.
  for (int64_t step = 0; step < 3 * kHourMs - 1; step += 10 * 60 * 1000) {
    for (int i = 0; i < 5; ++i) EXPECT_EQ(t.PickName("m"), "b") << "at +" << step << " ms";
    t.Advance(std::min<int64_t>(10 * 60 * 1000, 3 * kHourMs - 1 - step));
  }
  EXPECT_EQ(t.PickName("m"), "b");
  t.Advance(1);  // the reset
  std::map<std::string, int> seen;
  for (int i = 0; i < 20; ++i) {
    PickResult result;
    uint64_t ticket = 0;
    const std::string name = t.PickName("m", &ticket, nullptr, &result);
    EXPECT_FALSE(result.probe);  // back in fully, as at the end of a known deadline
    ++seen[name];
    ASSERT_TRUE(t.router->Cancel(ticket).ok());
  }
  EXPECT_EQ(seen["a"], 10);
  EXPECT_EQ(t.HealthOf("a").quota.exhausted_ms, 0);
  EXPECT_EQ(t.HealthOf("a").quota.exhaustions, 1);
}

TEST(Quota, ExhaustionOfTheOnlyDeploymentIsRateLimitedUntilTheReset) {
  TestRouter t;
  t.Add("a", {"m"});
  ReportOn(t, "a", Announce(Outcome::kRateLimited, 5, 0, 1000, 8 * kHourMs));
  Status status;
  PickResult result;
  EXPECT_EQ(PickWith(t, 0, 0, &status, &result), "");
  EXPECT_EQ(status.code(), Code::kRateLimited);
  EXPECT_EQ(result.retry_after_ms, 8 * kHourMs);  // the tokens' reset: the count at 0
}

TEST(Quota, NearReset429StaysWithTheBreaker) {
  RouterOptions options;
  options.quota_horizon_ns = 60'000 * kNsPerMs;
  TestRouter t(std::move(options));
  auto events = std::make_shared<QuotaEvents>();
  t.router->SetEventListener(events);
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  ReportInput burst = Announce(Outcome::kRateLimited, 0, -1, 20000);
  burst.retry_after_ms = 20000;
  ReportOn(t, "a", burst);
  EXPECT_TRUE(events->exhausted.empty());
  const HealthInfo a = t.HealthOf("a");
  EXPECT_EQ(a.state, BreakerState::kOpen);  // the Retry-After cooldown, as before
  EXPECT_EQ(a.quota.exhaustions, 0);
  EXPECT_EQ(a.quota.remaining_requests, 0);
}

TEST(Quota, TheHorizonIsConfigurable) {
  RouterOptions options;
  options.quota_horizon_ns = 10'000 * kNsPerMs;
  TestRouter t(std::move(options));
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  ReportOn(t, "a", Announce(Outcome::kRateLimited, 0, -1, 20000));
  EXPECT_EQ(t.HealthOf("a").quota.exhaustions, 1);
  EXPECT_EQ(t.HealthOf("a").quota.exhausted_ms, 20000);
}

TEST(Quota, ACountWithoutResetHoldsForTheHorizon) {
  TestRouter t;
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  ReportOn(t, "a", Announce(Outcome::kSuccess, 0, -1, 0));
  EXPECT_EQ(t.HealthOf("a").quota.requests_reset_ms, 60000);
  t.Advance(59999);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(t.PickName("m"), "b");
  t.Advance(1);
  std::map<std::string, int> seen;
  for (int i = 0; i < 20; ++i) ++seen[t.PickName("m")];
  EXPECT_GT(seen["a"], 0);
}

TEST(Quota, BadValuesAreRejectedNamingTheFieldAndNothingIsApplied) {
  TestRouter t;
  t.Add("a", {"m"});
  uint64_t ticket = 0;
  ASSERT_EQ(t.PickName("m", &ticket), "a");
  struct Case {
    ReportInput report;
    const char *field;
  };
  const std::vector<Case> cases = {
      {Announce(Outcome::kSuccess, -2, -1, 0), "quota_remaining_requests"},
      {Announce(Outcome::kSuccess, -1, -7, 0), "quota_remaining_tokens"},
      {Announce(Outcome::kSuccess, kQuotaRemainingMax + 1, -1, 0), "quota_remaining_requests"},
      {Announce(Outcome::kSuccess, 5, -1, -1), "quota_requests_reset_ms"},
      {Announce(Outcome::kSuccess, 5, 5, 10, -3), "quota_tokens_reset_ms"},
      {Announce(Outcome::kSuccess, 5, -1, kQuotaResetMaxMs + 1), "quota_requests_reset_ms"},
  };
  for (const Case &c : cases) {
    const Status s = t.router->Report(ticket, c.report);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << c.field;
    EXPECT_NE(s.message().find(c.field), std::string::npos) << s.message();
  }
  EXPECT_NE(t.router->Report(ticket, cases[3].report).message().find("in the past"),
            std::string::npos);
  // Nothing applied: no quota held, no outcome counted, and the ticket is still live.
  const HealthInfo a = t.HealthOf("a");
  EXPECT_EQ(a.quota.remaining_requests, -1);
  EXPECT_EQ(a.successes, 0);
  EXPECT_EQ(a.in_flight, 1);
  EXPECT_TRUE(t.router->Report(ticket, Announce(Outcome::kSuccess, 7, -1, 1000)).ok());
  EXPECT_EQ(t.HealthOf("a").quota.remaining_requests, 7);
}

TEST(Quota, MetricsShowTheAnnouncedQuotaAndExhaustions) {
  TestRouter t;
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  // b first: once b is out, the pick that reports a's announcement is the only one a sees.
  ReportOn(t, "b", Announce(Outcome::kRateLimited, 0, -1, 2 * kHourMs));
  ReportOn(t, "a", Announce(Outcome::kSuccess, 42, 9000, 3000, 4000));
  const std::string text = RenderPrometheus(t.router->Stats());
  EXPECT_NE(text.find("llmroute_deployment_quota_remaining{deployment=\"a\",type=\"requests\"} 42"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("llmroute_deployment_quota_remaining{deployment=\"a\",type=\"tokens\"} 9000"),
            std::string::npos);
  EXPECT_NE(
      text.find("llmroute_deployment_quota_reset_seconds{deployment=\"a\",type=\"tokens\"} 4"),
      std::string::npos);
  EXPECT_NE(text.find("llmroute_deployment_quota_exhaustions_total{deployment=\"b\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("llmroute_deployment_quota_exhausted_seconds{deployment=\"b\"} 7200"),
            std::string::npos);
  EXPECT_NE(text.find("llmroute_deployment_eligible{deployment=\"b\"} 0"), std::string::npos);
}

}  // namespace
}  // namespace llmroute

namespace llmroute {
namespace {

TEST(Quota, FallbacksLeaveOutADeploymentHeldOutByItsQuota) {
  testing::TestRouter t;
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  ReportInput daily;
  daily.outcome = Outcome::kRateLimited;
  daily.quota_remaining_requests = 0;
  daily.quota_requests_reset_ms = 2 * kHourMs;
  ReportOn(t, "a", daily);
  std::vector<FallbackEntry> out;
  ASSERT_TRUE(t.router->Fallbacks("m", {}, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].deployment, "b");
}

}  // namespace
}  // namespace llmroute

namespace llmroute {
namespace {

// A 429 whose announced counts are not used up has an unknown cause: the nearest reset decides,
// so a burst's 429 that also carries a far daily reset is not taken for a cap.
TEST(Quota, A429WithNothingUsedUpGoesByTheNearestReset) {
  testing::TestRouter t;
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  ReportInput burst;
  burst.outcome = Outcome::kRateLimited;
  burst.quota_remaining_requests = 900;
  burst.quota_remaining_tokens = 50000;
  burst.quota_requests_reset_ms = 20 * kHourMs;  // a daily request count, far from used up
  burst.quota_tokens_reset_ms = 2000;            // the per-minute token window
  ReportOn(t, "a", burst);
  EXPECT_EQ(t.HealthOf("a").quota.exhaustions, 0);
  EXPECT_EQ(t.HealthOf("a").quota.exhausted_ms, 0);
}

}  // namespace
}  // namespace llmroute

namespace llmroute {
namespace {

// Picks on many threads at once never overrun an announced count: each takes one request out of
// it under the deployment's quota lock, so exactly the announced number land there.
TEST(Quota, ConcurrentPicksTakeExactlyTheAnnouncedCount) {
  testing::TestRouter t;
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  ReportInput announced;
  announced.quota_remaining_requests = 100;
  announced.quota_requests_reset_ms = kHourMs;
  ReportOn(t, "a", announced);
  std::atomic<int> on_a{0}, failed{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        PickResult r;
        if (!t.router->Pick("m", "m", PickRequest{}, &r).ok()) {
          failed.fetch_add(1);
          continue;
        }
        if (std::string(r.deployment) == "a") on_a.fetch_add(1);
        if (!t.router->Cancel(r.ticket).ok()) failed.fetch_add(1);
      }
    });
  }
  for (std::thread &th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(on_a.load(), 100);
  EXPECT_EQ(t.HealthOf("a").quota.remaining_requests, 0);
}

}  // namespace
}  // namespace llmroute
