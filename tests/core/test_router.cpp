// Router behaviour: tickets, in-flight accounting, configuration changes, model resolution,
// tiers, the all-open policy, fallbacks and health.
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <set>

#include "test_support.hpp"

namespace llmroute::testing {
namespace {

TEST(Tickets, ReportExactlyOnce) {
  TestRouter t;
  t.Add("a", {"m"});
  uint64_t ticket = 0;
  ASSERT_EQ(t.PickName("m", &ticket), "a");
  EXPECT_NE(ticket, 0U);
  EXPECT_EQ(t.HealthOf("a").in_flight, 1);
  ReportInput ok;
  EXPECT_TRUE(t.router->Report(ticket, ok).ok());
  EXPECT_EQ(t.router->Report(ticket, ok).code(), Code::kTicketDone);
  EXPECT_EQ(t.router->Cancel(ticket).code(), Code::kTicketDone);
  const HealthInfo h = t.HealthOf("a");
  EXPECT_EQ(h.successes, 1);  // not counted twice
  EXPECT_EQ(h.in_flight, 0);  // never negative
  EXPECT_EQ(h.picks, 1);
}

TEST(ModelLookup, EachThreadsLastLookupNeverCrossesRoutersOrSnapshots) {
  // Each thread remembers the group it found last (snapshot.cpp); the memory is keyed by the
  // snapshot, so another router's group of the same name, or the group of a replaced snapshot,
  // is never answered from it.
  TestRouter one;
  TestRouter two;
  one.Add("a", {"m", "n"});
  two.Add("b", {"m"});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(one.PickName("m"), "a");
    EXPECT_EQ(two.PickName("m"), "b");
    EXPECT_EQ(one.PickName("n"), "a");
  }
  EXPECT_EQ(two.PickName("m"), "b");
  ASSERT_TRUE(two.router->RemoveDeployment("b").ok());
  two.Add("c", {"m"});  // a new snapshot, possibly at the old one's address
  EXPECT_EQ(two.PickName("m"), "c");
  ASSERT_TRUE(two.router->RemoveDeployment("c").ok());
  Status status;
  EXPECT_EQ(two.PickName("m", nullptr, &status), "");
  EXPECT_EQ(status.code(), Code::kUnknownModel);
}

TEST(Tickets, CancelAndInvalidTickets) {
  TestRouter t;
  t.Add("a", {"m"});
  uint64_t ticket = 0;
  ASSERT_EQ(t.PickName("m", &ticket), "a");
  EXPECT_TRUE(t.router->Cancel(ticket).ok());
  EXPECT_EQ(t.router->Report(ticket, {}).code(), Code::kTicketDone);
  EXPECT_EQ(t.HealthOf("a").cancels, 1);
  EXPECT_EQ(t.HealthOf("a").successes, 0);
  EXPECT_EQ(t.router->Report(0, {}).code(), Code::kInvalidTicket);
  EXPECT_EQ(t.router->Report(0xFFFFFFFF00000001ULL, {}).code(), Code::kInvalidTicket);
  EXPECT_EQ(t.router->Report(ticket + 2, {}).code(), Code::kInvalidTicket);  // never issued
  EXPECT_EQ(t.router->Report(ticket & ~uint64_t{1}, {}).code(), Code::kInvalidTicket);
}

TEST(Tickets, RecycledSlotsRejectOldTickets) {
  TestRouter t;
  t.Add("a", {"m"});
  std::set<uint64_t> seen;
  uint64_t first = 0;
  for (int i = 0; i < 100; ++i) {
    uint64_t ticket = 0;
    ASSERT_EQ(t.PickName("m", &ticket), "a");
    EXPECT_TRUE(seen.insert(ticket).second) << "ticket reused";
    if (i == 0) first = ticket;
    EXPECT_TRUE(t.router->Report(ticket, {}).ok());
  }
  EXPECT_EQ(t.router->Report(first, {}).code(), Code::kTicketDone);
  EXPECT_EQ(t.HealthOf("a").successes, 100);
}

TEST(Tickets, InvalidReportIsRejectedBeforeConsumingTheTicket) {
  TestRouter t;
  t.Add("a", {"m"});
  uint64_t ticket = 0;
  ASSERT_EQ(t.PickName("m", &ticket), "a");
  ReportInput bad;
  bad.outcome = static_cast<Outcome>(42);
  EXPECT_EQ(t.router->Report(ticket, bad).code(), Code::kInvalidArgument);
  bad.outcome = Outcome::kRateLimited;
  bad.retry_after_ms = -5;
  EXPECT_EQ(t.router->Report(ticket, bad).code(), Code::kInvalidArgument);
  EXPECT_TRUE(t.router->Report(ticket, {}).ok());
}

TEST(Deployments, RemovedDeploymentKeepsItsTicketsValid) {
  TestRouter t;
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  PickResult picked;
  uint64_t ticket = 0;
  const std::string name = t.PickName("m", &ticket, nullptr, &picked);
  ASSERT_TRUE(t.router->RemoveDeployment(name).ok());
  EXPECT_EQ(std::string(picked.deployment), name);  // still readable
  for (int i = 0; i < 10; ++i) EXPECT_NE(t.PickName("m"), name);
  EXPECT_TRUE(t.router->Report(ticket, {}).ok());
  EXPECT_EQ(t.router->Health(name, nullptr).code(), Code::kNotFound);
  EXPECT_EQ(t.router->RemoveDeployment(name).code(), Code::kNotFound);
  ASSERT_TRUE(t.router->AddDeployment({name, {"m"}, 1, 0, {}}).ok());  // fresh state
  EXPECT_EQ(t.HealthOf(name).successes, 0);
}

TEST(Deployments, UpdateKeepsHealthAndInFlight) {
  TestRouter t;
  t.Add("a", {"m"});
  for (int i = 0; i < 3; ++i) t.PickAndReport("m", Outcome::kServerError);
  uint64_t ticket = 0;
  ASSERT_EQ(t.PickName("m", &ticket), "a");
  ASSERT_TRUE(t.router->UpdateDeployment({"a", {"m", "other"}, 3, 0, {"eu"}}).ok());
  const HealthInfo h = t.HealthOf("a");
  EXPECT_EQ(h.failures, 3);
  EXPECT_EQ(h.consecutive_failures, 3);
  EXPECT_EQ(h.in_flight, 1);
  EXPECT_EQ(h.weight, 3U);
  EXPECT_EQ(t.PickName("other"), "a");
  EXPECT_TRUE(t.router->Report(ticket, {}).ok());
  EXPECT_EQ(t.router->UpdateDeployment({"zz", {"m"}, 1, 0, {}}).code(), Code::kNotFound);
}

TEST(Deployments, RejectsBadSpecs) {
  TestRouter t;
  EXPECT_EQ(t.router->AddDeployment({"", {"m"}, 1, 0, {}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(t.router->AddDeployment({"a", {}, 1, 0, {}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(t.router->AddDeployment({"a", {"m"}, 0, 0, {}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(t.router->AddDeployment({"a", {"m"}, kMaxWeight + 1, 0, {}}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(t.router->AddDeployment({"a", {"m"}, 1, kMaxTier + 1, {}}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(t.router->AddDeployment({"a", {""}, 1, 0, {}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(t.router->AddDeployment({"a", {"m"}, 1, 0, {"\xff"}}).code(), Code::kInvalidArgument);
  ASSERT_TRUE(t.router->AddDeployment({"a", {"m"}, 1, 0, {}}).ok());
  const Status dup = t.router->AddDeployment({"a", {"m"}, 1, 0, {}});
  EXPECT_EQ(dup.code(), Code::kAlreadyExists);
  EXPECT_NE(dup.message().find("'a'"), std::string::npos);
}

TEST(Models, GlobsStarsAndAliases) {
  TestRouter t;
  t.Add("openai", {"gpt-4o*"});
  t.Add("anything", {"*"}, 1, 1);  // tier 1: only when openai cannot serve
  t.Add("claude", {"claude-3-5-sonnet"});
  EXPECT_EQ(t.PickName("gpt-4o-mini"), "openai");
  EXPECT_EQ(t.PickName("gpt-4o"), "openai");
  EXPECT_EQ(t.PickName("claude-3-5-sonnet"), "claude");
  EXPECT_EQ(t.PickName("llama-3"), "anything");
  ASSERT_TRUE(t.router->SetAlias("smart", "claude-3-5-sonnet").ok());
  PickResult r;
  EXPECT_EQ(t.PickName("smart", nullptr, nullptr, &r), "claude");
  EXPECT_STREQ(r.model, "claude-3-5-sonnet");
  ASSERT_TRUE(t.router->RemoveAlias("smart").ok());
  EXPECT_EQ(t.PickName("smart"), "anything");
  EXPECT_EQ(t.router->RemoveAlias("smart").code(), Code::kNotFound);
  EXPECT_EQ(t.router->SetAlias("x", "x").code(), Code::kInvalidArgument);
}

TEST(Models, UnknownModel) {
  TestRouter t;
  t.Add("a", {"gpt-4o"});
  Status status;
  EXPECT_EQ(t.PickName("gpt-4", nullptr, &status), "");
  EXPECT_EQ(status.code(), Code::kUnknownModel);
  EXPECT_NE(status.message().find("gpt-4"), std::string::npos);
}

TEST(Models, PerModelStrategy) {
  TestRouter t;
  t.Add("a", {"m", "n"}, 1);
  t.Add("b", {"m", "n"}, 3);
  ASSERT_TRUE(t.router->SetModelStrategy("n", StrategyKind::kWeighted).ok());
  std::map<std::string, int> m_counts, n_counts;
  for (int i = 0; i < 40; ++i) {
    ++m_counts[t.PickName("m")];
    ++n_counts[t.PickName("n")];
  }
  EXPECT_EQ(m_counts["a"], 20);  // round robin ignores weights
  EXPECT_EQ(n_counts["a"], 10);  // weighted honours them
  ASSERT_TRUE(t.router->SetModelStrategy("n", StrategyKind::kDefault).ok());
  n_counts.clear();
  for (int i = 0; i < 40; ++i) ++n_counts[t.PickName("n")];
  EXPECT_EQ(n_counts["a"], 20);
}

TEST(Tiers, LowerTierOnlyWhenUpperHasNoEligible) {
  RouterOptions options;
  options.breaker.jitter = 0;
  // Strict tiers; the default overprovisioning factor (1.4) spills part of the traffic when the
  // upper tier is partly down (tested in test_priority_tiers.cpp).
  options.tier_overprovisioning_factor = std::numeric_limits<double>::infinity();
  TestRouter t(std::move(options));
  t.Add("primary-1", {"m"}, 1, 0);
  t.Add("primary-2", {"m"}, 1, 0);
  t.Add("backup", {"m"}, 1, 1);
  for (int i = 0; i < 20; ++i) EXPECT_NE(t.PickName("m"), "backup");
  ASSERT_TRUE(t.router->SetOverride("primary-1", Override::kForceOpen).ok());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(t.PickName("m"), "primary-2");
  ASSERT_TRUE(t.router->SetOverride("primary-2", Override::kForceOpen).ok());
  PickResult r;
  EXPECT_EQ(t.PickName("m", nullptr, nullptr, &r), "backup");
  EXPECT_EQ(r.tier, 1U);
}

TEST(AllOpen, FailFastSaysWhenTheEarliestIsBack) {
  RouterOptions options;
  options.breaker.jitter = 0;
  TestRouter t(std::move(options));
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  for (int i = 0; i < 10; ++i) t.PickAndReport("m", Outcome::kServerError);
  t.Advance(1200);
  Status status;
  PickResult r;
  EXPECT_EQ(t.PickName("m", nullptr, &status, &r), "");
  EXPECT_EQ(status.code(), Code::kNoProvider);
  EXPECT_EQ(r.retry_after_ms, 3800);
  ASSERT_TRUE(t.router->SetOverride("a", Override::kForceOpen).ok());
  ASSERT_TRUE(t.router->SetOverride("b", Override::kForceOpen).ok());
  EXPECT_EQ(t.PickName("m", nullptr, &status, &r), "");
  EXPECT_EQ(r.retry_after_ms, -1);  // nothing comes back by itself
}

TEST(AllOpen, PanicRoutesToTheSoonestRecovering) {
  RouterOptions options;
  options.breaker.jitter = 0;
  options.all_open_policy = AllOpenPolicy::kPanic;
  TestRouter t(std::move(options));
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  const char *only_a[] = {"b"};
  const char *only_b[] = {"a"};
  auto trip = [&](const char *const *exclude) {
    for (int i = 0; i < 5; ++i) {
      PickResult r;
      ASSERT_TRUE(t.router->Pick("m", "m", {exclude, 1}, &r).ok());
      t.ReportOutcome(r.ticket, Outcome::kServerError);
    }
  };
  trip(only_a);
  t.Advance(1000);
  trip(only_b);  // b opened later, so a recovers first
  PickResult r;
  uint64_t ticket = 0;
  EXPECT_EQ(t.PickName("m", &ticket, nullptr, &r), "a");
  EXPECT_TRUE(r.panic);
  t.ReportOutcome(ticket, Outcome::kServerError);  // a panic failure does not lengthen it
  EXPECT_EQ(t.HealthOf("a").cooldown_remaining_ms, 4000);
  ASSERT_EQ(t.PickName("m", &ticket), "a");
  t.ReportOutcome(ticket, Outcome::kSuccess);  // a panic success proves it is back
  EXPECT_EQ(t.HealthOf("a").state, BreakerState::kClosed);
}

TEST(Fallbacks, PreferenceOrderWithoutTheFailedOneThenTheChain) {
  RouterOptions options;
  options.strategy = StrategyKind::kLatency;
  TestRouter t(std::move(options));
  t.Add("primary", {"gpt-4o"});  // the seed skipped a deployment literally named "primary"
  t.Add("slow", {"gpt-4o"});
  t.Add("fast", {"gpt-4o"});
  t.Add("mini-1", {"gpt-4o-mini"});
  t.Add("claude", {"claude"});
  PickResult r;
  auto report_latency = [&](const char *name, double ms) {
    std::vector<const char *> exclude;
    for (const char *other : {"primary", "slow", "fast"}) {
      if (std::string(other) != name) exclude.push_back(other);
    }
    ASSERT_TRUE(t.router->Pick("gpt-4o", "gpt-4o", {exclude.data(), exclude.size()}, &r).ok());
    ReportInput in;
    in.latency_ms = ms;
    ASSERT_TRUE(t.router->Report(r.ticket, in).ok());
  };
  report_latency("primary", 300);
  report_latency("slow", 900);
  report_latency("fast", 100);
  ASSERT_TRUE(t.router->SetFallbacks("gpt-4o", {"gpt-4o-mini", "claude"}).ok());
  ASSERT_TRUE(t.router->SetFallbacks("gpt-4o-mini", {"claude", "gpt-4o"}).ok());  // cycle
  std::vector<FallbackEntry> list;
  ASSERT_TRUE(t.router->Fallbacks("gpt-4o", {"fast"}, &list).ok());
  std::vector<std::string> names;
  for (const FallbackEntry &e : list) names.push_back(e.deployment + "/" + e.model);
  EXPECT_EQ(names, (std::vector<std::string>{"primary/gpt-4o", "slow/gpt-4o", "mini-1/gpt-4o-mini",
                                             "claude/claude"}));
  list.clear();
  ASSERT_TRUE(t.router->Fallbacks("gpt-4o", {"primary"}, &list).ok());
  EXPECT_EQ(list.front().deployment, "fast");
  EXPECT_EQ(list.size(), 4U);
  list.clear();
  EXPECT_EQ(t.router->Fallbacks("nothing", {}, &list).code(), Code::kUnknownModel);
  EXPECT_EQ(t.router->SetFallbacks("m", {"m"}).code(), Code::kInvalidArgument);
}

TEST(Fallbacks, SkipsOpenDeployments) {
  RouterOptions options;
  TestRouter t(std::move(options));
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  ASSERT_TRUE(t.router->SetOverride("a", Override::kForceOpen).ok());
  std::vector<FallbackEntry> list;
  ASSERT_TRUE(t.router->Fallbacks("m", {}, &list).ok());
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0].deployment, "b");
}

TEST(Health, ListsEveryDeploymentInOrder) {
  TestRouter t;
  t.Add("z", {"m"}, 2, 1);
  t.Add("a", {"m"});
  t.PickAndReport("m", Outcome::kSuccess, 250);
  const auto all = t.router->HealthAll();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].first, "z");
  EXPECT_EQ(all[0].second.weight, 2U);
  EXPECT_EQ(all[0].second.tier, 1U);
  EXPECT_EQ(all[1].first, "a");
  EXPECT_DOUBLE_EQ(all[1].second.ewma_latency_ms, 250);  // tier 0 took it
  EXPECT_EQ(all[1].second.picks, 1);
  EXPECT_LT(all[0].second.ewma_latency_ms, 0);  // no sample
}

}  // namespace
}  // namespace llmroute::testing
