// Fault scenarios through the C ABI on simulated time: hard outage, brown-out, flapping, a 429
// storm with retry-after, everything down then back. A small event simulation sends a request
// every 10 ms (100 rps) to model "m" served by deployments a, b and c; each request is picked on
// arrival and reported when its upstream answers, so slow answers keep requests in flight as in
// a gateway. Each scenario asserts
//  - how many requests fail before traffic fails over,
//  - that no request reaches an open deployment except the bounded half-open probes (checked at
//    every pick against the deployment's breaker state at that instant),
//  - and how soon a recovered deployment gets its share back.
// The breaker runs with its defaults (5 consecutive failures, 5 s cooldown doubling to 5 min,
// one probe at a time) and no jitter, so the counts are exact.
#include <gtest/gtest.h>
#include <llmroute/llmroute.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <vector>

namespace {

constexpr int64_t kMs = 1'000'000;

// |actual - expected| <= tolerance, in integers.
#define EXPECT_ABOUT(actual, expected, tolerance)                                          \
  EXPECT_LE(std::llabs(static_cast<long long>(actual) - static_cast<long long>(expected)), \
            static_cast<long long>(tolerance))                                             \
      << #actual " is " << (actual) << ", expected " << (expected) << " +- " << (tolerance)
constexpr int64_t kIntervalMs = 10;  // one request every 10 ms

struct Time {
  std::atomic<int64_t> now_ns{1'000'000 * kMs};
  uint64_t rng = 0x5EED;
};
int64_t ClockFn(void *user) {
  return static_cast<Time *>(user)->now_ns.load();
}
uint64_t RandomFn(void *user) {
  uint64_t z = (static_cast<Time *>(user)->rng += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
void SleepFn(void *user, int64_t ns) {
  static_cast<Time *>(user)->now_ns += ns;
}

// How an upstream answers right now.
struct Upstream {
  llmr_outcome outcome = LLMR_OUTCOME_SUCCESS;
  double latency_ms = 100;
  int64_t retry_after_ms = 0;
};
Upstream Healthy(double latency_ms = 100) {
  return {LLMR_OUTCOME_SUCCESS, latency_ms, 0};
}
Upstream Down() {
  return {LLMR_OUTCOME_CONNECTION_ERROR, 5, 0};
}  // refused at once
Upstream RateLimited(int64_t retry_after_ms, double latency_ms = 10) {
  return {LLMR_OUTCOME_RATE_LIMITED, latency_ms, retry_after_ms};
}

// What happened to one deployment during a Run().
struct Traffic {
  int64_t picks = 0;
  int64_t normal_picks = 0;  // picked while closed
  int64_t probes = 0;        // picked half-open as a probe
  int64_t panics = 0;        // picked while open by the panic policy
  int64_t failures = 0;      // requests it answered with a failure
  int64_t successes = 0;
  int64_t first_success_ms = -1;  // since the start of the Run()
  std::vector<int64_t> probe_ms;  // when each probe was picked, since the start of the Run()
};

struct Window {
  std::map<std::string, Traffic> traffic;
  int64_t requests = 0;
  int64_t no_provider = 0;  // failed fast: every deployment open
  int64_t violations = 0;   // a request reached a deployment its breaker should have kept out
  // Every trip, as it happened: deployment, ms since the start of the Run(), and the cooldown
  // it started (read at that instant).
  struct Trip {
    std::string deployment;
    int64_t at_ms;
    int64_t cooldown_ms;
  };
  std::vector<Trip> trips;
  std::vector<int64_t> retry_after_ms;  // of the NO_PROVIDER answers
  int64_t Failed() const {
    int64_t failed = no_provider;
    for (const auto &[name, t] : traffic) failed += t.failures;
    return failed;
  }
};

class Cluster {
 public:
  explicit Cluster(llmr_strategy strategy = LLMR_STRATEGY_ROUND_ROBIN,
                   const std::function<void(llmr_router_options &)> &tweak = nullptr) {
    llmr_router_options o;
    llmr_router_options_init(&o, sizeof o);
    o.strategy = strategy;
    o.breaker_jitter = 0;
    o.clock = ClockFn;
    o.clock_user_data = &time_;
    o.random = RandomFn;
    o.random_user_data = &time_;
    o.sleep = SleepFn;
    o.sleep_user_data = &time_;
    if (tweak) tweak(o);
    if (llmr_router_create(&o, &router_) != LLMR_OK) ADD_FAILURE() << llmr_error_message();
    for (const char *name : {"a", "b", "c"}) {
      const char *model = "m";
      llmr_deployment d;
      llmr_deployment_init(&d, sizeof d);
      d.name = name;
      d.models = &model;
      d.model_count = 1;
      if (llmr_router_add_deployment(router_, &d) != LLMR_OK) ADD_FAILURE() << llmr_error_message();
      upstream_[name] = Healthy();
    }
  }
  ~Cluster() { llmr_router_destroy(router_); }
  Cluster(const Cluster &) = delete;
  Cluster &operator=(const Cluster &) = delete;

  Upstream &operator[](const std::string &name) { return upstream_[name]; }
  llmr_router *router() { return router_; }
  int64_t NowMs() const { return time_.now_ns.load() / kMs; }

  llmr_health Health(const char *name) {
    llmr_health h;
    llmr_health_init(&h, sizeof h);
    EXPECT_EQ(llmr_router_health(router_, name, &h), LLMR_OK) << llmr_error_message();
    return h;
  }

  // Sends a request every kIntervalMs for `duration_ms`, completing each when its upstream
  // answers. Requests still in flight at the end complete in the next Run() (or Drain()).
  Window Run(int64_t duration_ms) {
    Window w;
    const int64_t start = time_.now_ns.load();
    const int64_t end = start + duration_ms * kMs;
    for (int64_t t = start; t < end; t += kIntervalMs * kMs) {
      CompleteUntil(t, start, &w);
      time_.now_ns = t;
      Send(start, &w);
    }
    CompleteUntil(end, start, &w);
    time_.now_ns = end;
    return w;
  }

  // Completes every request still in flight (into the window given).
  void Drain(Window *w) {
    const int64_t start = time_.now_ns.load();
    CompleteUntil(INT64_MAX, start, w);
  }

 private:
  struct Pending {
    int64_t done_ns;
    llmr_ticket ticket;
    std::string deployment;
    Upstream answer;
    bool operator>(const Pending &o) const { return done_ns > o.done_ns; }
  };

  void Send(int64_t start, Window *w) {
    ++w->requests;
    llmr_pick pick;
    llmr_pick_init(&pick, sizeof pick);
    const llmr_status s = llmr_router_pick(router_, "m", nullptr, &pick);
    if (s == LLMR_ERR_NO_PROVIDER) {
      ++w->no_provider;
      w->retry_after_ms.push_back(pick.retry_after_ms);
      return;
    }
    ASSERT_EQ(s, LLMR_OK) << llmr_error_message();
    const std::string name = pick.deployment;
    // The breaker state at the instant of the pick decides what this request may be.
    const llmr_health h = Health(pick.deployment);
    Traffic &t = w->traffic[name];
    ++t.picks;
    if (pick.is_panic) {
      ++t.panics;
    } else if (pick.is_probe) {
      ++t.probes;
      t.probe_ms.push_back((time_.now_ns.load() - start) / kMs);
      if (h.state != LLMR_BREAKER_HALF_OPEN) ++w->violations;
    } else {
      ++t.normal_picks;
      if (h.state != LLMR_BREAKER_CLOSED) ++w->violations;
    }
    const Upstream answer = upstream_[name];
    pending_.push({time_.now_ns.load() + static_cast<int64_t>(answer.latency_ms * kMs), pick.ticket,
                   name, answer});
  }

  void CompleteUntil(int64_t until_ns, int64_t start, Window *w) {
    while (!pending_.empty() && pending_.top().done_ns <= until_ns) {
      const Pending p = pending_.top();
      pending_.pop();
      if (p.done_ns > time_.now_ns.load()) time_.now_ns = p.done_ns;
      llmr_report r;
      llmr_report_init(&r, sizeof r);
      r.outcome = p.answer.outcome;
      r.latency_ms = p.answer.latency_ms;
      r.retry_after_ms = p.answer.retry_after_ms;
      ASSERT_EQ(llmr_router_report(router_, p.ticket, &r), LLMR_OK) << llmr_error_message();
      const llmr_health h = Health(p.deployment.c_str());
      int64_t &trips = trips_[p.deployment];
      if (h.trips != trips) {
        trips = h.trips;
        w->trips.push_back({p.deployment, (p.done_ns - start) / kMs, h.cooldown_remaining_ms});
      }
      Traffic &t = w->traffic[p.deployment];
      if (p.answer.outcome == LLMR_OUTCOME_SUCCESS) {
        ++t.successes;
        if (t.first_success_ms < 0) t.first_success_ms = (p.done_ns - start) / kMs;
      } else {
        ++t.failures;
      }
    }
  }

  Time time_;
  llmr_router *router_ = nullptr;
  std::map<std::string, Upstream> upstream_;
  std::map<std::string, int64_t> trips_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
};

// ---------------------------------------------------------------------------------------------
// Hard outage: a refuses every connection for two minutes, then comes back.

// Expects the probes of `t` to come one rotation (at most 30 ms at 100 rps over three) after
// the cooldowns of `trips` end, and every re-trip to double the cooldown.
void ExpectProbesAfterCooldowns(const Traffic &t, const std::vector<Window::Trip> &trips) {
  ASSERT_GE(trips.size(), t.probe_ms.size());
  for (size_t i = 0; i < t.probe_ms.size(); ++i) {
    const int64_t cooldown_end = trips[i].at_ms + trips[i].cooldown_ms;
    EXPECT_GE(t.probe_ms[i], cooldown_end) << "probe " << i;
    EXPECT_LE(t.probe_ms[i], cooldown_end + 30) << "probe " << i;
  }
}

TEST(Faults, HardOutageFailsOverAfterEightRequestsAndProbesWithDoublingCooldowns) {
  Cluster cluster;
  const Window warm = cluster.Run(10'000);
  EXPECT_EQ(warm.Failed(), 0);
  for (const char *name : {"a", "b", "c"}) {
    EXPECT_ABOUT(warm.traffic.at(name).picks, 1000 / 3, 1) << name;  // round robin: a third each
  }

  cluster["a"] = Down();
  const Window outage = cluster.Run(120'000);
  const Traffic &a = outage.traffic.at("a");
  // Round robin sends every third request (one per 30 ms) to a, which now fails each at once.
  // The three requests a was serving when it went down still succeed (100 ms) and reset its
  // consecutive-failure count, so the trip comes with the fifth failure after the last of them:
  // 8 requests fail before failover. After that only probes reach a.
  EXPECT_EQ(a.normal_picks, 8);
  EXPECT_EQ(a.failures, a.normal_picks + a.probes);
  EXPECT_EQ(outage.Failed(), a.failures);
  EXPECT_EQ(outage.no_provider, 0);
  EXPECT_EQ(outage.violations, 0);
  // One probe per cooldown, each failing and doubling the next: trips at 0.2, 5.2, 15.2, 35.2
  // and 75.2 s with cooldowns of 5, 10, 20, 40 and 80 s.
  ASSERT_EQ(outage.trips.size(), 5U);
  const int64_t cooldowns[] = {5'000, 10'000, 20'000, 40'000, 80'000};
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(outage.trips[i].cooldown_ms, cooldowns[i]) << i;
  EXPECT_ABOUT(outage.trips[0].at_ms, 215, 5);
  ASSERT_EQ(a.probes, 4);
  ExpectProbesAfterCooldowns(a, outage.trips);
  EXPECT_EQ(outage.traffic.at("b").picks + outage.traffic.at("c").picks + a.picks, outage.requests);

  // a comes back 120 s into the outage; the next probe (when the 80 s cooldown ends, at 155.2 s)
  // finds it up and closes the breaker, and round robin gives a its third again at once.
  cluster["a"] = Healthy();
  const Window back = cluster.Run(60'000);
  const Traffic &a2 = back.traffic.at("a");
  EXPECT_EQ(back.Failed(), 0);
  EXPECT_EQ(back.violations, 0);
  EXPECT_TRUE(back.trips.empty());
  ASSERT_EQ(a2.probes, 1);
  const int64_t probe_due = outage.trips[4].at_ms + 80'000 - 120'000;
  EXPECT_GE(a2.probe_ms[0], probe_due);
  EXPECT_LE(a2.probe_ms[0], probe_due + 30);
  EXPECT_EQ(a2.first_success_ms, a2.probe_ms[0] + 100);
  // From the probe's success on, a has a third of the traffic.
  EXPECT_ABOUT(a2.picks - 1, (60'000 - a2.first_success_ms) / kIntervalMs / 3, 2);
  EXPECT_EQ(cluster.Health("a").state, LLMR_BREAKER_CLOSED);
}

// The same outage through llmr_router_call, one call at a time: no call fails, because the
// attempts that reach a are retried on b or c; a sees five failed attempts, then only probes.
struct CallUpstream {
  Time *time = nullptr;
  Upstream answer;
  int attempts = 0;
};
llmr_status InvokeUpstream(void *user, const llmr_invoke_args *, llmr_attempt_result *result) {
  auto *u = static_cast<CallUpstream *>(user);
  ++u->attempts;
  u->time->now_ns += static_cast<int64_t>(u->answer.latency_ms * kMs);
  result->outcome = u->answer.outcome;
  result->latency_ms = u->answer.latency_ms;
  result->retry_after_ms = u->answer.retry_after_ms;
  return LLMR_OK;
}

TEST(Faults, HardOutageThroughCallsFailsNoCall) {
  Time time;
  llmr_router_options o;
  llmr_router_options_init(&o, sizeof o);
  o.breaker_jitter = 0;
  o.clock = ClockFn;
  o.clock_user_data = &time;
  o.random = RandomFn;
  o.random_user_data = &time;
  o.sleep = SleepFn;
  o.sleep_user_data = &time;
  llmr_router *router = nullptr;
  ASSERT_EQ(llmr_router_create(&o, &router), LLMR_OK) << llmr_error_message();
  std::map<std::string, CallUpstream> upstreams;
  for (const char *name : {"a", "b", "c"}) {
    const char *model = "m";
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    d.name = name;
    d.models = &model;
    d.model_count = 1;
    ASSERT_EQ(llmr_router_add_deployment(router, &d), LLMR_OK);
    upstreams[name] = {&time, Healthy(), 0};
    llmr_adapter adapter;
    llmr_adapter_init(&adapter, sizeof adapter);
    adapter.user_data = &upstreams[name];
    adapter.invoke = InvokeUpstream;
    ASSERT_EQ(llmr_router_set_adapter(router, name, &adapter), LLMR_OK);
  }
  upstreams["a"].answer = Down();
  const int64_t start = time.now_ns.load();
  int failed_calls = 0;
  for (int i = 0; i < 6000; ++i) {
    time.now_ns += kIntervalMs * kMs;
    if (llmr_router_call(router, "m", "q", 1, nullptr, nullptr) != LLMR_OK) ++failed_calls;
  }
  const int64_t elapsed_s = (time.now_ns.load() - start) / kMs / 1000;
  EXPECT_EQ(failed_calls, 0);
  llmr_health h;
  llmr_health_init(&h, sizeof h);
  ASSERT_EQ(llmr_router_health(router, "a", &h), LLMR_OK);
  // Every attempt on a failed: five to trip it, then one probe per cooldown (5, 10, 20, 40, 80,
  // 160, 300 s...), each re-tripping it. Calls take their attempts' time, so the run spans about
  // 11 minutes of simulated time.
  EXPECT_EQ(upstreams["a"].attempts, h.failures);
  EXPECT_EQ(h.failures, 5 + (h.trips - 1));
  int64_t probes = 0;
  for (int64_t at = 5, cooldown = 5; at <= elapsed_s; ++probes) {
    cooldown = std::min<int64_t>(cooldown * 2, 300);
    at += cooldown;
  }
  EXPECT_ABOUT(h.trips - 1, probes, 1) << "over " << elapsed_s << " s";
  llmr_router_destroy(router);
}

// ---------------------------------------------------------------------------------------------
// Brown-out: b answers, but ten times slower.

TEST(Faults, BrownOutLatencyStrategyMovesTrafficAwayAfterTheFirstSlowAnswer) {
  Cluster cluster(LLMR_STRATEGY_LATENCY);
  const Window warm = cluster.Run(10'000);
  for (const char *name : {"a", "b", "c"}) {
    EXPECT_ABOUT(warm.traffic.at(name).picks, 1000 / 3, 60) << name;  // spread within the buffer
  }
  cluster["b"] = Healthy(1000);
  const Window slow = cluster.Run(60'000);
  const Traffic &b = slow.traffic.at("b");
  // The strategy weighs latency by calls in flight (latency x (in flight + 1)), so b stops taking
  // calls as soon as its calls stop coming back: once it holds more than a and c, which carry
  // about 3 each (100 rps x 100 ms / 3), it is out of the buffer. Its first slow answer (1 s)
  // lifts its EWMA to 212 ms; idle, it is then as good as a deployment with 1 call in flight, so
  // it takes a few more until its EWMA has climbed past what the load of a and c allows. Before
  // the load factor, it kept a third of the traffic until that first answer: about 33 calls.
  EXPECT_GE(b.picks, 3);
  EXPECT_LE(b.picks, 20);
  EXPECT_EQ(slow.Failed(), 0);
  EXPECT_EQ(slow.violations, 0);
  EXPECT_EQ(cluster.Health("b").state, LLMR_BREAKER_CLOSED);  // slow is not failing
}

TEST(Faults, BrownOutPeakEwmaMovesAwayAndComesBackWhenTheSlownessEnds) {
  Cluster cluster(LLMR_STRATEGY_PEAK_EWMA);
  cluster.Run(10'000);
  cluster["b"] = Healthy(1000);
  const Window slow = cluster.Run(60'000);
  // Peak-sensitive: the first slow answer replaces b's estimate at once. While its estimate
  // decays (10 s time constant) b is retried now and then, and each slow answer lifts it again:
  // b keeps well under a tenth of the traffic instead of a third.
  EXPECT_LT(slow.traffic.at("b").picks, 6000 / 10);
  EXPECT_EQ(slow.Failed(), 0);
  EXPECT_EQ(slow.violations, 0);

  cluster["b"] = Healthy(100);
  const Window back = cluster.Run(60'000);
  const Traffic &b = back.traffic.at("b");
  // b's next pick, once its estimate has decayed to the others' cost, finds it fast again.
  ASSERT_GE(b.first_success_ms, 0);
  EXPECT_LT(b.first_success_ms, 25'000);
  const Window steady = cluster.Run(30'000);
  EXPECT_ABOUT(steady.traffic.at("b").picks, 3000 / 3, 3000 / 10);
}

// ---------------------------------------------------------------------------------------------
// Flapping: a fails, recovers, fails.

TEST(Faults, FlappingDoublesTheCooldownWhileProbesFailAndBoundsTheTrafficToTheFlapper) {
  Cluster cluster;
  cluster.Run(1'000);
  // Down: each failed probe re-trips a with double the cooldown.
  cluster["a"] = Down();
  const Window down = cluster.Run(75'000);
  ASSERT_EQ(down.trips.size(), 4U);
  const int64_t cooldowns[] = {5'000, 10'000, 20'000, 40'000};
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(down.trips[i].cooldown_ms, cooldowns[i]) << i;
  EXPECT_EQ(down.traffic.at("a").probes, 3);
  ExpectProbesAfterCooldowns(down.traffic.at("a"), down.trips);
  EXPECT_EQ(down.violations, 0);

  // Up when the next probe comes (at 75.2 s): the probe closes the breaker and a has its third
  // at once. Down again a second later: the relapse fails the requests in flight plus five, and
  // the cooldown starts over at the base.
  cluster["a"] = Healthy();
  const Window up = cluster.Run(2'000);
  ASSERT_EQ(up.traffic.at("a").probes, 1);
  EXPECT_EQ(cluster.Health("a").state, LLMR_BREAKER_CLOSED);
  EXPECT_ABOUT(up.traffic.at("a").picks - 1,
               (2'000 - up.traffic.at("a").first_success_ms) / kIntervalMs / 3, 2);
  cluster["a"] = Down();
  const Window relapse = cluster.Run(1'000);
  EXPECT_EQ(relapse.traffic.at("a").failures, 8);
  ASSERT_EQ(relapse.trips.size(), 1U);
  EXPECT_EQ(relapse.trips[0].cooldown_ms, 5'000);
  EXPECT_EQ(relapse.violations, 0);

  // Ten minutes of flapping, up 2 s in every 13.7 s (a period the cooldowns do not divide, so
  // that some probes find a up). Every trip's cooldown is either the base
  // (after a probe found a up and closed it) or double the previous one (a probe failed); every
  // request that reaches a while it is down is a probe or one of the at most eight that trip a
  // closed breaker; probes come at most once per 5 s.
  int64_t failures = 0, probes = 0, closes = 0;
  int64_t previous_cooldown = 5'000;
  for (int cycle = 0; cycle < 44; ++cycle) {
    cluster["a"] = Healthy();
    const llmr_breaker_state before = cluster.Health("a").state;
    const Window up_window = cluster.Run(2'000);
    if (before != LLMR_BREAKER_CLOSED && cluster.Health("a").state == LLMR_BREAKER_CLOSED) {
      ++closes;
      previous_cooldown = 0;
    }
    cluster["a"] = Down();
    const Window down_window = cluster.Run(11'700);
    for (const Window *x : {&up_window, &down_window}) {
      EXPECT_EQ(x->violations, 0);
      for (const Window::Trip &trip : x->trips) {
        if (previous_cooldown == 0) {
          EXPECT_EQ(trip.cooldown_ms, 5'000) << "cycle " << cycle;
        } else {
          EXPECT_EQ(trip.cooldown_ms, std::min<int64_t>(2 * previous_cooldown, 300'000))
              << "cycle " << cycle;
        }
        previous_cooldown = trip.cooldown_ms;
      }
      if (x->traffic.count("a") == 0) continue;
      failures += x->traffic.at("a").failures;
      probes += x->traffic.at("a").probes;
    }
  }
  EXPECT_GT(closes, 0);
  EXPECT_LE(probes, 600 / 5);
  EXPECT_LE(failures, 8 * closes + probes);
  // A third of the 51'480 requests of the down periods would have gone to a without a breaker.
  EXPECT_LT(failures, 51'480 / 3 / 20);
  std::printf("flapping: %lld failures, %lld probes, %lld closes\n",
              static_cast<long long>(failures), static_cast<long long>(probes),
              static_cast<long long>(closes));
}

// ---------------------------------------------------------------------------------------------
// 429 storm: a is rate limited with Retry-After.

TEST(Faults, RateLimitStormWithRetryAfterOpensAtOnceForTheRetryAfter) {
  Cluster cluster;
  cluster.Run(1'000);
  cluster["a"] = RateLimited(30'000);
  const Window storm = cluster.Run(95'000);
  const Traffic &a = storm.traffic.at("a");
  // One 429 with a Retry-After opens a for exactly that long: a single request fails before
  // failover. The provider's deadline is known, so when it passes a is back without a half-open
  // probe (docs/strategies.md, "Circuit breaker"): its next request is a normal one, which gets
  // the next 429. One request per 30 s (the provider's word, not a doubling cooldown).
  EXPECT_EQ(a.normal_picks, 4);
  EXPECT_EQ(a.probes, 0);
  ASSERT_EQ(storm.trips.size(), 4U);
  for (size_t i = 0; i < storm.trips.size(); ++i) {
    EXPECT_EQ(storm.trips[i].cooldown_ms, 30'000);
    if (i > 0) {  // the first request after each deadline trips it again
      EXPECT_GE(storm.trips[i].at_ms, storm.trips[i - 1].at_ms + 30'000) << i;
      EXPECT_LE(storm.trips[i].at_ms, storm.trips[i - 1].at_ms + 30'000 + 30) << i;
    }
  }
  EXPECT_EQ(storm.Failed(), 1 + 3);
  EXPECT_EQ(storm.violations, 0);

  // The storm ends: the first request after the deadline (at most 30 s later) succeeds, and a
  // has its third again.
  cluster["a"] = Healthy();
  const Window back = cluster.Run(40'000);
  const Traffic &a2 = back.traffic.at("a");
  EXPECT_EQ(a2.probes, 0);
  EXPECT_LE(a2.first_success_ms, 30'000 + 200);
  // Its third from the deadline on, that is from 100 ms (one healthy answer) before the first
  // success: no probe holds the others back meanwhile.
  EXPECT_ABOUT(a2.picks, (40'000 - a2.first_success_ms + 100) / kIntervalMs / 3, 2);
  EXPECT_EQ(back.Failed(), 0);
}

TEST(Faults, SlowRateLimitAnswersFailOnlyTheRequestsAlreadyInFlight) {
  Cluster cluster;
  cluster.Run(1'000);
  // Each 429 takes 300 ms to come back: the ten requests picked for a meanwhile all get one.
  cluster["a"] = RateLimited(30'000, 300);
  const Window storm = cluster.Run(10'000);
  EXPECT_EQ(storm.traffic.at("a").normal_picks, 10);
  EXPECT_EQ(storm.traffic.at("a").failures, 10);
  EXPECT_EQ(storm.violations, 0);
  // The first one opened a (one trip); the nine late ones only extend the cooldown, never
  // shorten it: it ends 30 s after the last of them (570 ms after the first).
  ASSERT_EQ(storm.trips.size(), 1U);
  EXPECT_ABOUT(cluster.Health("a").cooldown_remaining_ms,
               storm.trips[0].at_ms + 270 + 30'000 - 10'000, 10);
}

// ---------------------------------------------------------------------------------------------
// Everything down, then back.

TEST(Faults, EverythingDownFailsFastThenEachDeploymentReturnsWithItsNextProbe) {
  Cluster cluster;
  cluster.Run(1'000);
  for (const char *name : {"a", "b", "c"}) cluster[name] = Down();
  const Window down = cluster.Run(30'000);
  // Each deployment fails the requests it gets until it trips (five failures after the last of
  // its in-flight successes), then a probe 5 and 15 s after its trip (the next, at 35 s, is
  // beyond this window). Meanwhile requests fail fast with LLMR_ERR_NO_PROVIDER, never reaching
  // an upstream, with a retry-after of at most the longest cooldown running (20 s).
  int64_t upstream_failures = 0;
  for (const char *name : {"a", "b", "c"}) {
    const Traffic &t = down.traffic.at(name);
    EXPECT_GE(t.normal_picks, 5) << name;
    EXPECT_LE(t.normal_picks, 9) << name;
    EXPECT_EQ(t.probes, 2) << name;
    upstream_failures += t.failures;
  }
  EXPECT_EQ(down.Failed(), down.requests);
  EXPECT_EQ(down.no_provider, down.requests - upstream_failures);
  EXPECT_EQ(down.violations, 0);
  EXPECT_EQ(down.trips.size(), 9U);
  for (const int64_t ms : down.retry_after_ms) {
    EXPECT_GE(ms, 1);
    EXPECT_LE(ms, 20'000);
  }

  // Back: each deployment returns with its next probe, when its 20 s cooldown ends, about 5 s
  // into the recovery; then traffic is even again and nothing fails.
  for (const char *name : {"a", "b", "c"}) cluster[name] = Healthy();
  const Window back = cluster.Run(10'000);
  for (const char *name : {"a", "b", "c"}) {
    const Traffic &t = back.traffic.at(name);
    ASSERT_EQ(t.probes, 1) << name;
    EXPECT_LE(t.first_success_ms, 6'000) << name;
    EXPECT_EQ(t.first_success_ms, t.probe_ms[0] + 100) << name;
  }
  EXPECT_EQ(back.violations, 0);
  const Window steady = cluster.Run(3'000);
  EXPECT_EQ(steady.Failed(), 0);
  for (const char *name : {"a", "b", "c"}) {
    EXPECT_ABOUT(steady.traffic.at(name).picks, 100, 1) << name;
  }
}

TEST(Faults, EverythingDownWithPanicRoutingRecoversOnTheFirstRequest) {
  Cluster cluster(LLMR_STRATEGY_ROUND_ROBIN,
                  [](llmr_router_options &o) { o.all_open_policy = LLMR_ALL_OPEN_PANIC; });
  cluster.Run(1'000);
  for (const char *name : {"a", "b", "c"}) cluster[name] = Down();
  const Window down = cluster.Run(10'000);
  // Panic routing sends every request upstream (to the deployment whose cooldown ends first)
  // instead of failing fast: nothing is refused, and nothing succeeds.
  EXPECT_EQ(down.no_provider, 0);
  EXPECT_EQ(down.Failed(), down.requests);
  int64_t panics = 0;
  for (const auto &[name, t] : down.traffic) panics += t.panics;
  EXPECT_GT(panics, 0);

  // Back: the first panic request succeeds and closes its deployment's breaker at once; the
  // others return with their probes.
  for (const char *name : {"a", "b", "c"}) cluster[name] = Healthy();
  const Window back = cluster.Run(30'000);
  EXPECT_EQ(back.Failed(), 0);
  int64_t first = INT64_MAX;
  for (const auto &[name, t] : back.traffic) {
    if (t.first_success_ms >= 0) first = std::min(first, t.first_success_ms);
  }
  EXPECT_EQ(first, 100);
  EXPECT_EQ(back.violations, 0);
  const Window steady = cluster.Run(3'000);
  EXPECT_EQ(steady.Failed(), 0);
  for (const char *name : {"a", "b", "c"}) {
    EXPECT_ABOUT(steady.traffic.at(name).picks, 100, 1) << name;
  }
}

}  // namespace
