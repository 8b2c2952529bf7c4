// The circuit breaker through the router, with the injected clock: trips, cooldowns, probes.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "test_support.hpp"

namespace llmroute::testing {
namespace {

RouterOptions NoJitter() {
  RouterOptions options;
  options.breaker.jitter = 0;
  return options;
}

// One deployment "a" serving "m" (plus a healthy "b" when `with_backup`).
struct Fixture {
  explicit Fixture(RouterOptions options = NoJitter(), bool with_backup = false)
      : t(std::move(options)) {
    t.Add("a", {"m"});
    if (with_backup) t.Add("b", {"m"});
  }
  // Picks "a" specifically (excluding b) and reports `outcome`.
  void Hit(Outcome outcome, int64_t retry_after_ms = 0) {
    const char *exclude[] = {"b"};
    PickResult r;
    ASSERT_TRUE(t.router->Pick("m", "m", {exclude, 1}, &r).ok());
    ASSERT_STREQ(r.deployment, "a");
    t.ReportOutcome(r.ticket, outcome, 100, retry_after_ms);
  }
  BreakerState State() { return t.HealthOf("a").state; }
  TestRouter t;
};

TEST(Breaker, OpensAfterConsecutiveFailures) {
  Fixture f;
  for (int i = 0; i < 4; ++i) f.Hit(Outcome::kServerError);
  EXPECT_EQ(f.State(), BreakerState::kClosed);
  f.Hit(Outcome::kServerError);
  EXPECT_EQ(f.State(), BreakerState::kOpen);
  EXPECT_EQ(f.t.HealthOf("a").trips, 1);
  EXPECT_EQ(f.t.HealthOf("a").cooldown_remaining_ms, 5000);
}

TEST(Breaker, SuccessResetsTheConsecutiveCount) {
  RouterOptions options = NoJitter();
  options.breaker.failure_ratio = 1.0;  // a ratio cannot exceed 1: isolate the consecutive rule
  Fixture f(std::move(options));
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 4; ++i) f.Hit(Outcome::kTimeout);
    f.Hit(Outcome::kSuccess);
  }
  EXPECT_EQ(f.State(), BreakerState::kClosed);
  EXPECT_EQ(f.t.HealthOf("a").consecutive_failures, 0);
}

TEST(Breaker, FailureRatioNeedsVolume) {
  RouterOptions options = NoJitter();
  options.breaker.consecutive_failures = 100;  // isolate the ratio rule
  Fixture f(std::move(options));
  // 3 of 4 failed (75% > 50%) but only 4 calls: below min_requests (10).
  f.Hit(Outcome::kServerError);
  f.Hit(Outcome::kSuccess);
  f.Hit(Outcome::kServerError);
  f.Hit(Outcome::kServerError);
  EXPECT_EQ(f.State(), BreakerState::kClosed);
  // 10 calls, 6 failed: trips.
  for (int i = 0; i < 3; ++i) f.Hit(Outcome::kSuccess);
  f.Hit(Outcome::kServerError);
  f.Hit(Outcome::kServerError);
  EXPECT_EQ(f.State(), BreakerState::kClosed);  // 9 calls so far
  f.Hit(Outcome::kServerError);
  EXPECT_EQ(f.State(), BreakerState::kOpen);
}

TEST(Breaker, OldFailuresLeaveTheWindow) {
  RouterOptions options = NoJitter();
  options.breaker.consecutive_failures = 100;
  Fixture f(std::move(options));
  for (int i = 0; i < 5; ++i) f.Hit(Outcome::kServerError);
  for (int i = 0; i < 4; ++i) f.Hit(Outcome::kSuccess);
  f.t.Advance(31'000);  // the window is 30 s
  f.Hit(Outcome::kServerError);
  EXPECT_EQ(f.State(), BreakerState::kClosed);
  EXPECT_DOUBLE_EQ(f.t.HealthOf("a").failure_ratio, 1.0);  // one call in the window, failed
}

TEST(Breaker, RequestFaultsDoNotCount) {
  Fixture f;
  for (int i = 0; i < 50; ++i) {
    f.Hit(Outcome::kBadRequest);
    f.Hit(Outcome::kContextWindowExceeded);
    f.Hit(Outcome::kContentPolicy);
  }
  const HealthInfo h = f.t.HealthOf("a");
  EXPECT_EQ(h.state, BreakerState::kClosed);
  EXPECT_EQ(h.request_errors, 150);
  EXPECT_EQ(h.failures, 0);
  EXPECT_EQ(h.consecutive_failures, 0);
  EXPECT_DOUBLE_EQ(h.failure_ratio, 0.0);
}

TEST(Breaker, EveryFailureClassCounts) {
  for (Outcome outcome : {Outcome::kRateLimited, Outcome::kServerError, Outcome::kTimeout,
                          Outcome::kConnectionError, Outcome::kAuthError}) {
    Fixture f;
    for (int i = 0; i < 5; ++i) f.Hit(outcome);
    EXPECT_EQ(f.State(), BreakerState::kOpen) << static_cast<int>(outcome);
  }
}

TEST(Breaker, HalfOpenAdmitsBoundedProbesAndSuccessCloses) {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.Hit(Outcome::kServerError);
  Status status;
  EXPECT_EQ(f.t.PickName("m", nullptr, &status), "");
  EXPECT_EQ(status.code(), Code::kNoProvider);
  f.t.Advance(5000);
  EXPECT_EQ(f.State(), BreakerState::kHalfOpen);
  PickResult probe;
  uint64_t ticket = 0;
  EXPECT_EQ(f.t.PickName("m", &ticket, &status, &probe), "a");
  EXPECT_TRUE(probe.probe);
  // The single probe slot is taken: nothing else gets through.
  EXPECT_EQ(f.t.PickName("m", nullptr, &status), "");
  EXPECT_EQ(status.code(), Code::kNoProvider);
  f.t.ReportOutcome(ticket, Outcome::kSuccess);
  EXPECT_EQ(f.State(), BreakerState::kClosed);
  EXPECT_EQ(f.t.PickName("m"), "a");
}

TEST(Breaker, CancelledProbeFreesTheSlot) {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.Hit(Outcome::kServerError);
  f.t.Advance(5000);
  uint64_t ticket = 0;
  ASSERT_EQ(f.t.PickName("m", &ticket), "a");
  ASSERT_TRUE(f.t.router->Cancel(ticket).ok());
  PickResult again;
  EXPECT_EQ(f.t.PickName("m", nullptr, nullptr, &again), "a");
  EXPECT_TRUE(again.probe);
}

TEST(Breaker, ProbeFailureReopensWithDoubledCooldownUpToTheCap) {
  RouterOptions options = NoJitter();
  options.breaker.cooldown_max_ns = 30'000 * kNsPerMs;
  Fixture f(std::move(options));
  for (int i = 0; i < 5; ++i) f.Hit(Outcome::kServerError);
  int64_t expected = 5000;
  for (int trip = 0; trip < 6; ++trip) {
    ASSERT_EQ(f.t.HealthOf("a").cooldown_remaining_ms, expected) << "trip " << trip;
    f.t.Advance(expected);
    uint64_t ticket = 0;
    ASSERT_EQ(f.t.PickName("m", &ticket), "a");
    f.t.ReportOutcome(ticket, Outcome::kServerError);
    expected = std::min<int64_t>(expected * 2, 30'000);  // 5, 10, 20, 30, 30, 30 s
  }
  // A success closes it and resets the doubling.
  f.t.Advance(30'000);
  uint64_t ticket = 0;
  ASSERT_EQ(f.t.PickName("m", &ticket), "a");
  f.t.ReportOutcome(ticket, Outcome::kSuccess);
  for (int i = 0; i < 5; ++i) f.Hit(Outcome::kServerError);
  EXPECT_EQ(f.t.HealthOf("a").cooldown_remaining_ms, 5000);
}

// breaker_cooldown_multiplier: the n-th trip in a row cools down for base x multiplier^(n-1).
int64_t CooldownAfterTrips(double multiplier, int trips) {
  RouterOptions options = NoJitter();
  options.breaker.cooldown_multiplier = multiplier;
  options.breaker.cooldown_max_ns = 300'000 * kNsPerMs;
  Fixture f(std::move(options));
  for (int i = 0; i < 5; ++i) f.Hit(Outcome::kServerError);
  for (int trip = 1; trip < trips; ++trip) {  // each probe fails: a re-trip
    f.t.Advance(f.t.HealthOf("a").cooldown_remaining_ms);
    uint64_t ticket = 0;
    EXPECT_EQ(f.t.PickName("m", &ticket), "a");
    f.t.ReportOutcome(ticket, Outcome::kServerError);
  }
  return f.t.HealthOf("a").cooldown_remaining_ms;
}

TEST(Breaker, CooldownMultiplierSetsTheGrowthPerReTrip) {
  EXPECT_EQ(CooldownAfterTrips(2, 3), 20'000);    // the default: 5, 10, 20 s
  EXPECT_EQ(CooldownAfterTrips(1, 4), 5'000);     // fixed: 5, 5, 5, 5 s
  EXPECT_EQ(CooldownAfterTrips(3, 3), 45'000);    // 5, 15, 45 s
  EXPECT_EQ(CooldownAfterTrips(3, 5), 300'000);   // 405 s, capped at the 300 s maximum
  EXPECT_EQ(CooldownAfterTrips(1.5, 3), 11'250);  // 5, 7.5, 11.25 s
}

TEST(Breaker, CooldownMultiplierIsRangeChecked) {
  for (const double bad : {0.5, 0.99, 10.5, std::nan("")}) {
    RouterOptions options;
    options.breaker.cooldown_multiplier = bad;
    const Status s = options.Validate();
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("breaker_cooldown_multiplier"), std::string::npos) << s.message();
  }
  RouterOptions options;
  EXPECT_EQ(options.breaker.cooldown_multiplier, 2);  // the table's default
  options.breaker.cooldown_multiplier = 1;
  EXPECT_TRUE(options.Validate().ok());
}

TEST(Breaker, CooldownJitterStaysWithinTenPercentAndVaries) {
  std::set<int64_t> cooldowns;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    RouterOptions options;  // default jitter 0.1
    TestRouter t(std::move(options), seed);
    t.Add("a", {"m"});
    for (int i = 0; i < 5; ++i) t.PickAndReport("m", Outcome::kServerError);
    const int64_t cooldown = t.HealthOf("a").cooldown_remaining_ms;
    EXPECT_GE(cooldown, 4500);
    EXPECT_LE(cooldown, 5500);
    cooldowns.insert(cooldown);
  }
  EXPECT_GT(cooldowns.size(), 10U);
}

TEST(Breaker, RetryAfterSetsTheCooldownCapped) {
  RouterOptions options = NoJitter();
  options.breaker.cooldown_max_ns = 60'000 * kNsPerMs;
  Fixture f(std::move(options));
  f.Hit(Outcome::kRateLimited, 12'000);  // one 429 with Retry-After opens it at once
  EXPECT_EQ(f.State(), BreakerState::kOpen);
  EXPECT_EQ(f.t.HealthOf("a").cooldown_remaining_ms, 12'000);

  RouterOptions capped = NoJitter();
  capped.breaker.cooldown_max_ns = 60'000 * kNsPerMs;
  Fixture h(std::move(capped));
  h.Hit(Outcome::kRateLimited, 3'600'000);
  EXPECT_EQ(h.t.HealthOf("a").cooldown_remaining_ms, 60'000);
}

// Issue 17: a cooldown the provider set with Retry-After is a known deadline. When every
// deployment cooled down after a 429 storm, a half-open probe per deployment left every other
// request without a deployment; past the deadline they are back in fully (LiteLLM's cooldown
// TTL, Envoy's ejection time: breaker.hpp).
TEST(Breaker, ARetryAfterCooldownEndsWithoutAProbe) {
  Fixture f(NoJitter(), /*with_backup=*/true);
  f.Hit(Outcome::kRateLimited, 10'000);
  {
    const char *exclude[] = {"a"};
    PickResult r;
    ASSERT_TRUE(f.t.router->Pick("m", "m", {exclude, 1}, &r).ok());
    ASSERT_STREQ(r.deployment, "b");
    f.t.ReportOutcome(r.ticket, Outcome::kRateLimited, 100, 10'000);
  }
  EXPECT_EQ(f.State(), BreakerState::kOpen);
  EXPECT_EQ(f.t.HealthOf("b").state, BreakerState::kOpen);
  Status status;
  EXPECT_EQ(f.t.PickName("m", nullptr, &status), "");
  EXPECT_EQ(status.code(), Code::kNoProvider);
  f.t.Advance(10'000);
  EXPECT_EQ(f.State(), BreakerState::kClosed);
  EXPECT_TRUE(f.t.HealthOf("a").eligible);
  // Six requests at once, none reported yet: every one gets a deployment, none is a probe.
  std::vector<uint64_t> tickets;
  for (int i = 0; i < 6; ++i) {
    PickResult r;
    uint64_t ticket = 0;
    ASSERT_NE(f.t.PickName("m", &ticket, &status, &r), "") << i << " " << status.message();
    EXPECT_FALSE(r.probe);
    tickets.push_back(ticket);
  }
  for (uint64_t ticket : tickets) f.t.ReportOutcome(ticket, Outcome::kSuccess);
  const RouterStats stats = f.t.router->Stats();
  for (const auto &d : stats.deployments) {
    EXPECT_EQ(d.half_opened, 0) << d.name;  // never half-open
    EXPECT_EQ(d.closed, 1) << d.name;       // the close, recorded by the first outcome
  }
  // A failure-made cooldown still ends with a probe.
  for (int i = 0; i < 5; ++i) f.Hit(Outcome::kServerError);
  f.t.Advance(5000);
  EXPECT_EQ(f.State(), BreakerState::kHalfOpen);
}

// A 429 arriving after a passed Retry-After deadline trips from closed, as in a closed breaker.
TEST(Breaker, ARetryAfterAfterThePassedDeadlineTripsAgain) {
  Fixture f;
  f.Hit(Outcome::kRateLimited, 2'000);
  f.t.Advance(2'000);
  EXPECT_EQ(f.State(), BreakerState::kClosed);
  f.Hit(Outcome::kRateLimited, 7'000);
  EXPECT_EQ(f.State(), BreakerState::kOpen);
  EXPECT_EQ(f.t.HealthOf("a").cooldown_remaining_ms, 7'000);
  EXPECT_EQ(f.t.HealthOf("a").trips, 2);
}

TEST(Breaker, RateLimitWithoutRetryAfterCountsAsAFailure) {
  Fixture f;
  f.Hit(Outcome::kRateLimited);
  EXPECT_EQ(f.State(), BreakerState::kClosed);
  EXPECT_EQ(f.t.HealthOf("a").consecutive_failures, 1);
}

TEST(Breaker, ANewTripNeverShortensACooldown) {
  // LiteLLM #40130: re-cooling kept the first, shorter deadline. Here: a late 429 with a long
  // Retry-After lengthens it; one with a short Retry-After does not shorten it.
  Fixture f(NoJitter(), /*with_backup=*/true);
  const char *exclude[] = {"b"};
  std::vector<uint64_t> tickets;
  for (int i = 0; i < 3; ++i) {
    PickResult r;
    ASSERT_TRUE(f.t.router->Pick("m", "m", {exclude, 1}, &r).ok());
    tickets.push_back(r.ticket);
  }
  f.t.ReportOutcome(tickets[0], Outcome::kRateLimited, 10, 20'000);
  EXPECT_EQ(f.t.HealthOf("a").cooldown_remaining_ms, 20'000);
  f.t.ReportOutcome(tickets[1], Outcome::kRateLimited, 10, 1'000);
  EXPECT_EQ(f.t.HealthOf("a").cooldown_remaining_ms, 20'000);
  f.t.ReportOutcome(tickets[2], Outcome::kRateLimited, 10, 45'000);
  EXPECT_EQ(f.t.HealthOf("a").cooldown_remaining_ms, 45'000);
  EXPECT_EQ(f.t.HealthOf("a").trips, 1);
}

TEST(Breaker, LateReportsWhileOpenDoNotMoveIt) {
  Fixture f(NoJitter(), /*with_backup=*/true);
  const char *exclude[] = {"b"};
  std::vector<uint64_t> late;
  for (int i = 0; i < 3; ++i) {
    PickResult r;
    ASSERT_TRUE(f.t.router->Pick("m", "m", {exclude, 1}, &r).ok());
    late.push_back(r.ticket);
  }
  for (int i = 0; i < 5; ++i) f.Hit(Outcome::kServerError);
  ASSERT_EQ(f.State(), BreakerState::kOpen);
  f.t.ReportOutcome(late[0], Outcome::kSuccess);  // picked before the trip: not a probe
  EXPECT_EQ(f.State(), BreakerState::kOpen);
  f.t.ReportOutcome(late[1], Outcome::kServerError);
  EXPECT_EQ(f.t.HealthOf("a").cooldown_remaining_ms, 5000);
  EXPECT_EQ(f.t.HealthOf("a").trips, 1);
  f.t.ReportOutcome(late[2], Outcome::kTimeout);
}

TEST(Breaker, OverridesAreReversible) {
  Fixture f(NoJitter(), /*with_backup=*/true);
  ASSERT_TRUE(f.t.router->SetOverride("a", Override::kForceOpen).ok());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(f.t.PickName("m"), "b");
  ASSERT_TRUE(f.t.router->SetOverride("a", Override::kAuto).ok());
  std::set<std::string> seen;
  for (int i = 0; i < 4; ++i) seen.insert(f.t.PickName("m"));
  EXPECT_EQ(seen.size(), 2U);
  // Forced closed: eligible while its breaker is open.
  for (int i = 0; i < 5; ++i) f.Hit(Outcome::kServerError);
  ASSERT_EQ(f.State(), BreakerState::kOpen);
  ASSERT_TRUE(f.t.router->SetOverride("a", Override::kForceClosed).ok());
  seen.clear();
  for (int i = 0; i < 4; ++i) seen.insert(f.t.PickName("m"));
  EXPECT_EQ(seen.size(), 2U);
  EXPECT_TRUE(f.t.HealthOf("a").eligible);
  EXPECT_EQ(f.t.router->SetOverride("nope", Override::kAuto).code(), Code::kNotFound);
}

}  // namespace
}  // namespace llmroute::testing
