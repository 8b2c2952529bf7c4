// Stress through the C ABI: 4 threads share 10^6 mixed operations (pick, report, cancel, double
// report, add, remove, update, override, set_adapter, llmr_router_call, health and fallback
// lists) on one router whose breakers trip and recover all the time. At the end:
//  - every deployment's in-flight count is back to 0;
//  - per deployment, picks = successes + failures + request errors + cancels, and for the
//    deployments that were never removed each of those equals what the threads and the adapters
//    did (host picks and reports, adapter attempts by outcome class);
//  - every adapter the router accepted was released exactly once, never during an invoke;
//  - nothing leaks (LeakSanitizer, in the asan preset).
// Labelled `stress` (and `capi`); runs under ThreadSanitizer (250'000 operations) and ASan
// (500'000) through those presets. LLMR_STRESS_OPS overrides the total number of operations.
#include <gtest/gtest.h>
#include <llmroute/llmroute.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 4;
constexpr int kStable = 6;  // never removed: their counts are checked exactly
constexpr int kChurn = 4;   // added, updated, overridden and removed all the time
constexpr size_t kMaxHeld = 48;
const char *const kModels[] = {"m", "n", "p"};

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define LLMR_STRESS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define LLMR_STRESS_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
constexpr int64_t kDefaultOps = 250'000;  // TSan: every atomic and lock is ~10x slower
#elif defined(LLMR_STRESS_SANITIZED)
constexpr int64_t kDefaultOps = 500'000;  // ASan (or TSan under clang)
#else
constexpr int64_t kDefaultOps = 1'000'000;
#endif

int64_t TotalOps() {
  if (const char *env = std::getenv("LLMR_STRESS_OPS")) return std::atoll(env);
  // Under the sanitizers fewer operations keep the run near 20 s and still race every path.
  return kDefaultOps;
}

struct Rng {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
};

void NoSleep(void *, int64_t) {}  // backoff between attempts costs no wall time here

// Outcome classes of the header.
enum Class { kSuccess = 0, kFailure = 1, kRequestError = 2 };
Class ClassOf(llmr_outcome o) {
  if (o == LLMR_OUTCOME_SUCCESS) return kSuccess;
  if (o >= LLMR_OUTCOME_BAD_REQUEST) return kRequestError;
  return kFailure;
}

llmr_outcome RandomOutcome(Rng &rng, uint64_t failure_percent) {
  const uint64_t dice = rng.Below(100);
  if (dice < failure_percent) {
    static const llmr_outcome kFailures[] = {LLMR_OUTCOME_SERVER_ERROR, LLMR_OUTCOME_TIMEOUT,
                                             LLMR_OUTCOME_RATE_LIMITED,
                                             LLMR_OUTCOME_CONNECTION_ERROR};
    return kFailures[rng.Below(4)];
  }
  if (dice < failure_percent + 5) return LLMR_OUTCOME_BAD_REQUEST;
  return LLMR_OUTCOME_SUCCESS;
}

thread_local Rng t_adapter_rng{0};

// Adapter accounting shared by all adapters.
struct AdapterTotals {
  std::atomic<int64_t> accepted{0};
  std::atomic<int64_t> released{0};
  std::atomic<int64_t> released_during_invoke{0};
  std::atomic<int64_t> double_release{0};
};

struct Adapter {
  AdapterTotals *totals = nullptr;
  int stable_index = -1;  // >= 0: the stable deployment it serves
  uint64_t failure_percent = 10;
  std::atomic<int> in_invoke{0};
  std::atomic<int> releases{0};
  std::array<std::atomic<int64_t>, 3> by_class{};  // attempts it answered, by Class
  bool owned_by_router = false;                    // churn adapters delete themselves
};

llmr_status Invoke(void *user, const llmr_invoke_args *args, llmr_attempt_result *result) {
  auto *a = static_cast<Adapter *>(user);
  a->in_invoke.fetch_add(1);
  (void)args;
  if (t_adapter_rng.state == 0) {
    t_adapter_rng.state = std::hash<std::thread::id>()(std::this_thread::get_id()) | 1;
  }
  const llmr_outcome outcome = RandomOutcome(t_adapter_rng, a->failure_percent);
  result->outcome = outcome;
  result->latency_ms = static_cast<double>(50 + t_adapter_rng.Below(400));
  result->retry_after_ms = outcome == LLMR_OUTCOME_RATE_LIMITED ? 1 : 0;
  result->input_tokens = 10;
  result->output_tokens = 20;
  a->by_class[ClassOf(outcome)].fetch_add(1);
  a->in_invoke.fetch_sub(1);
  return LLMR_OK;
}

void Release(void *user) {
  auto *a = static_cast<Adapter *>(user);
  if (a->in_invoke.load() != 0) a->totals->released_during_invoke.fetch_add(1);
  if (a->releases.fetch_add(1) != 0) a->totals->double_release.fetch_add(1);
  a->totals->released.fetch_add(1);
  if (a->owned_by_router) delete a;
}

llmr_adapter TableFor(Adapter *a) {
  llmr_adapter table;
  llmr_adapter_init(&table, sizeof table);
  table.user_data = a;
  table.invoke = Invoke;
  table.release = Release;
  return table;
}

struct Held {
  llmr_ticket ticket;
  int stable_index;  // -1 for a churn deployment
};

// What one thread did to the stable deployments.
struct Tally {
  std::array<int64_t, kStable> picks{};
  std::array<std::array<int64_t, 3>, kStable> reported{};  // by Class
  std::array<int64_t, kStable> cancels{};
  int64_t unexpected = 0;  // statuses the contract rules out
  std::string first_unexpected;
  int64_t calls_ok = 0, calls_failed = 0, double_reports = 0;
};

int StableIndex(const char *name) {
  if (std::strncmp(name, "stable-", 7) != 0) return -1;
  return name[7] - '0';
}

class StressAbi : public ::testing::Test {
 protected:
  void SetUp() override {
    llmr_router_options o;
    llmr_router_options_init(&o, sizeof o);
    o.strategy = LLMR_STRATEGY_WEIGHTED;
    o.breaker_cooldown_base_ms = 1;  // trips and recoveries all the time
    o.breaker_cooldown_max_ms = 4;
    o.breaker_window_ms = 50;
    o.breaker_min_requests = 5;
    o.half_open_max_probes = 2;
    o.slow_start_window_ms = 5;
    o.sleep = NoSleep;
    ASSERT_EQ(llmr_router_create(&o, &router_), LLMR_OK) << llmr_error_message();
    ASSERT_EQ(llmr_router_set_model_strategy(router_, "m", LLMR_STRATEGY_LATENCY), LLMR_OK);
    ASSERT_EQ(llmr_router_set_model_strategy(router_, "n", LLMR_STRATEGY_LEAST_LOADED), LLMR_OK);
    ASSERT_EQ(llmr_router_set_model_strategy(router_, "p", LLMR_STRATEGY_PEAK_EWMA), LLMR_OK);
    const char *chain[] = {"n"};
    ASSERT_EQ(llmr_router_set_fallbacks(router_, "p", chain, 1), LLMR_OK);
    ASSERT_EQ(llmr_router_set_alias(router_, "alias", "m"), LLMR_OK);
    for (int i = 0; i < kStable; ++i) {
      const std::string name = "stable-" + std::to_string(i);
      llmr_deployment d;
      llmr_deployment_init(&d, sizeof d);
      d.name = name.c_str();
      d.models = kModels;
      d.model_count = 3;
      d.weight = static_cast<uint32_t>(1 + i % 3);
      d.tier = i == kStable - 1 ? 1 : 0;
      ASSERT_EQ(llmr_router_add_deployment(router_, &d), LLMR_OK) << llmr_error_message();
      stable_[i].totals = &totals_;
      stable_[i].stable_index = i;
      stable_[i].failure_percent = i == 0 ? 60 : 10;  // stable-0 trips again and again
      const llmr_adapter table = TableFor(&stable_[i]);
      ASSERT_EQ(llmr_router_set_adapter(router_, name.c_str(), &table), LLMR_OK);
      totals_.accepted.fetch_add(1);
    }
  }

  void TearDown() override { llmr_router_destroy(router_); }

  void Worker(int index, int64_t ops, Tally *tally);

  llmr_router *router_ = nullptr;
  AdapterTotals totals_;
  std::array<Adapter, kStable> stable_;
};

void StressAbi::Worker(int index, int64_t ops, Tally *tally) {
  Rng rng{0x5EED0000ULL + static_cast<uint64_t>(index)};
  std::vector<Held> held;
  std::vector<llmr_ticket> done;
  auto unexpected = [&](const char *what, llmr_status s) {
    if (tally->unexpected++ == 0) {
      tally->first_unexpected =
          std::string(what) + ": " + llmr_status_str(s) + " (" + llmr_error_message() + ")";
    }
  };
  auto complete = [&](size_t at, bool cancel) {
    const Held h = held[at];
    held[at] = held.back();
    held.pop_back();
    llmr_status s;
    if (cancel) {
      s = llmr_router_cancel(router_, h.ticket);
      if (s == LLMR_OK && h.stable_index >= 0) ++tally->cancels[h.stable_index];
    } else {
      llmr_report r;
      llmr_report_init(&r, sizeof r);
      r.outcome = RandomOutcome(rng, h.stable_index == 0 ? 60 : 15);
      r.latency_ms = static_cast<double>(20 + rng.Below(500));
      r.ttft_ms = rng.Below(2) ? static_cast<double>(rng.Below(100)) : -1;
      r.retry_after_ms = r.outcome == LLMR_OUTCOME_RATE_LIMITED ? 2 : 0;
      r.input_tokens = 5;
      r.output_tokens = 5;
      s = llmr_router_report(router_, h.ticket, &r);
      if (s == LLMR_OK && h.stable_index >= 0)
        ++tally->reported[h.stable_index][ClassOf(r.outcome)];
    }
    if (s != LLMR_OK) unexpected(cancel ? "cancel" : "report", s);
    done.push_back(h.ticket);
    if (done.size() > 16) done.erase(done.begin());
  };

  for (int64_t op = 0; op < ops; ++op) {
    const uint64_t dice = rng.Below(100);
    if (dice < 35 || (dice < 70 && held.empty())) {
      // pick
      if (held.size() >= kMaxHeld) {
        complete(rng.Below(held.size()), false);
        continue;
      }
      static const char *const kPickModels[] = {"m", "n", "p", "alias"};
      llmr_pick_options opts;
      llmr_pick_options_init(&opts, sizeof opts);
      const char *exclude[] = {"stable-1"};
      if (rng.Below(8) == 0) {
        opts.exclude = exclude;
        opts.exclude_count = 1;
      }
      std::string key;
      if (rng.Below(8) == 0) {
        key = "session-" + std::to_string(rng.Below(50));
        opts.affinity_key = key.c_str();
      }
      llmr_pick pick;
      llmr_pick_init(&pick, sizeof pick);
      const llmr_status s = llmr_router_pick(router_, kPickModels[rng.Below(4)], &opts, &pick);
      if (s == LLMR_OK) {
        const int stable = StableIndex(pick.deployment);
        if (opts.exclude_count == 1 && stable == 1) unexpected("picked an excluded deployment", s);
        if (stable >= 0) ++tally->picks[stable];
        held.push_back({pick.ticket, stable});
      } else if (s != LLMR_ERR_NO_PROVIDER) {
        unexpected("pick", s);
      }
    } else if (dice < 60) {
      if (!held.empty()) complete(rng.Below(held.size()), false);
    } else if (dice < 66) {
      if (!held.empty()) complete(rng.Below(held.size()), true);
    } else if (dice < 68) {
      // A second report or cancel of a done ticket counts nothing.
      if (!done.empty()) {
        const llmr_ticket t = done[rng.Below(done.size())];
        llmr_report r;
        llmr_report_init(&r, sizeof r);
        const llmr_status s =
            rng.Below(2) ? llmr_router_report(router_, t, &r) : llmr_router_cancel(router_, t);
        if (s != LLMR_ERR_TICKET_DONE) unexpected("double report", s);
        ++tally->double_reports;
      }
    } else if (dice < 80) {
      // llmr_router_call through the adapters
      llmr_call_report *report = nullptr;
      static const char *const kCallModels[] = {"m", "n", "p"};
      const llmr_status s =
          llmr_router_call(router_, kCallModels[rng.Below(3)], "req", 3, nullptr, &report);
      if (report == nullptr) {
        unexpected("call without a report", s);
      } else {
        llmr_call_summary summary;
        llmr_call_summary_init(&summary, sizeof summary);
        llmr_call_report_summary(report, &summary);
        if (summary.status != s) unexpected("call summary", s);
        llmr_call_report_free(report);
      }
      if (s == LLMR_OK) {
        ++tally->calls_ok;
      } else if (s == LLMR_ERR_UPSTREAM || s == LLMR_ERR_NO_PROVIDER) {
        ++tally->calls_failed;
      } else {
        unexpected("call", s);
      }
    } else if (dice < 84) {
      // add a churn deployment, sometimes with an adapter
      const std::string name = "churn-" + std::to_string(rng.Below(kChurn));
      llmr_deployment d;
      llmr_deployment_init(&d, sizeof d);
      d.name = name.c_str();
      d.models = kModels;
      d.model_count = 1 + rng.Below(3);
      d.weight = static_cast<uint32_t>(1 + rng.Below(5));
      const llmr_status s = llmr_router_add_deployment(router_, &d);
      if (s != LLMR_OK && s != LLMR_ERR_ALREADY_EXISTS) unexpected("add", s);
      if (s == LLMR_OK && rng.Below(2)) {
        auto *a = new Adapter;
        a->totals = &totals_;
        a->owned_by_router = true;
        a->failure_percent = 30;
        const llmr_adapter table = TableFor(a);
        const llmr_status set = llmr_router_set_adapter(router_, name.c_str(), &table);
        if (set == LLMR_OK) {
          totals_.accepted.fetch_add(1);
        } else {
          if (set != LLMR_ERR_NOT_FOUND) unexpected("set_adapter", set);
          delete a;  // not taken: never released
        }
      }
    } else if (dice < 88) {
      const std::string name = "churn-" + std::to_string(rng.Below(kChurn));
      const llmr_status s = llmr_router_remove_deployment(router_, name.c_str());
      if (s != LLMR_OK && s != LLMR_ERR_NOT_FOUND) unexpected("remove", s);
    } else if (dice < 92) {
      // update: churn ones change models; stable ones keep theirs and change weight
      const bool stable = rng.Below(2) == 0;
      const std::string name = stable ? "stable-" + std::to_string(rng.Below(kStable))
                                      : "churn-" + std::to_string(rng.Below(kChurn));
      llmr_deployment d;
      llmr_deployment_init(&d, sizeof d);
      d.name = name.c_str();
      d.models = kModels;
      d.model_count = stable ? 3 : 1 + rng.Below(3);
      d.weight = static_cast<uint32_t>(1 + rng.Below(4));
      d.tier = stable && name == "stable-" + std::to_string(kStable - 1) ? 1 : 0;
      const llmr_status s = llmr_router_update_deployment(router_, &d);
      if (s != LLMR_OK && !(s == LLMR_ERR_NOT_FOUND && !stable)) unexpected("update", s);
    } else if (dice < 95) {
      const bool stable = rng.Below(3) == 0;
      const std::string name = stable ? "stable-" + std::to_string(rng.Below(kStable))
                                      : "churn-" + std::to_string(rng.Below(kChurn));
      // Stable deployments are forced open only briefly: mostly back to auto.
      const llmr_override mode = static_cast<llmr_override>(rng.Below(stable ? 5 : 3) % 3);
      const llmr_status s = llmr_router_set_override(router_, name.c_str(), mode);
      if (s != LLMR_OK && !(s == LLMR_ERR_NOT_FOUND && !stable)) unexpected("override", s);
    } else if (dice < 97) {
      // replace or detach a churn deployment's adapter
      const std::string name = "churn-" + std::to_string(rng.Below(kChurn));
      if (rng.Below(3) == 0) {
        const llmr_status s = llmr_router_set_adapter(router_, name.c_str(), nullptr);
        if (s != LLMR_OK && s != LLMR_ERR_NOT_FOUND) unexpected("detach", s);
      } else {
        auto *a = new Adapter;
        a->totals = &totals_;
        a->owned_by_router = true;
        const llmr_adapter table = TableFor(a);
        const llmr_status s = llmr_router_set_adapter(router_, name.c_str(), &table);
        if (s == LLMR_OK) {
          totals_.accepted.fetch_add(1);
        } else {
          if (s != LLMR_ERR_NOT_FOUND) unexpected("set_adapter", s);
          delete a;
        }
      }
    } else if (dice < 99) {
      llmr_health_list *list = nullptr;
      const llmr_status s = llmr_router_health_list(router_, &list);
      if (s != LLMR_OK) unexpected("health_list", s);
      for (size_t i = 0; i < llmr_health_list_count(list); ++i) {
        llmr_health h;
        llmr_health_init(&h, sizeof h);
        llmr_health_list_get(list, i, &h);
        if (h.in_flight < 0) unexpected("negative in flight", LLMR_ERR_INTERNAL);
      }
      llmr_health_list_free(list);
    } else {
      llmr_fallbacks *list = nullptr;
      const char *exclude[] = {"stable-0"};
      const llmr_status s = llmr_router_fallbacks(router_, "p", exclude, 1, &list);
      if (s != LLMR_OK && s != LLMR_ERR_UNKNOWN_MODEL) unexpected("fallbacks", s);
      llmr_fallbacks_free(list);
    }
  }
  while (!held.empty()) complete(held.size() - 1, rng.Below(2) == 0);
}

TEST_F(StressAbi, MixedOperationsKeepAccountingExact) {
  const int64_t total = TotalOps();
  const auto start = std::chrono::steady_clock::now();
  std::array<Tally, kThreads> tallies;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, total, &tallies] { Worker(t, total / kThreads, &tallies[t]); });
  }
  for (std::thread &thread : threads) thread.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  Tally sum;
  for (const Tally &t : tallies) {
    EXPECT_EQ(t.unexpected, 0) << t.first_unexpected;
    for (int i = 0; i < kStable; ++i) {
      sum.picks[i] += t.picks[i];
      sum.cancels[i] += t.cancels[i];
      for (int c = 0; c < 3; ++c) sum.reported[i][c] += t.reported[i][c];
    }
    sum.calls_ok += t.calls_ok;
    sum.calls_failed += t.calls_failed;
    sum.double_reports += t.double_reports;
  }
  std::printf("%lld operations in %.1f s: %lld calls ok, %lld failed, %lld double reports\n",
              static_cast<long long>(total), seconds, static_cast<long long>(sum.calls_ok),
              static_cast<long long>(sum.calls_failed), static_cast<long long>(sum.double_reports));
  EXPECT_GT(sum.calls_ok, 0);

  llmr_health_list *list = nullptr;
  ASSERT_EQ(llmr_router_health_list(router_, &list), LLMR_OK);
  int stable_seen = 0;
  for (size_t i = 0; i < llmr_health_list_count(list); ++i) {
    llmr_health h;
    llmr_health_init(&h, sizeof h);
    ASSERT_EQ(llmr_health_list_get(list, i, &h), LLMR_OK);
    const std::string name = h.name;
    EXPECT_EQ(h.in_flight, 0) << name;
    EXPECT_EQ(h.picks, h.successes + h.failures + h.request_errors + h.cancels) << name;
    const int s = StableIndex(h.name);
    if (s < 0) continue;
    ++stable_seen;
    const Adapter &a = stable_[s];
    const int64_t attempts = a.by_class[0] + a.by_class[1] + a.by_class[2];
    EXPECT_EQ(h.picks, sum.picks[s] + attempts) << name;
    EXPECT_EQ(h.successes, sum.reported[s][kSuccess] + a.by_class[kSuccess]) << name;
    EXPECT_EQ(h.failures, sum.reported[s][kFailure] + a.by_class[kFailure]) << name;
    EXPECT_EQ(h.request_errors, sum.reported[s][kRequestError] + a.by_class[kRequestError]) << name;
    EXPECT_EQ(h.cancels, sum.cancels[s]) << name;
    if (s == 0) {
      EXPECT_GT(h.trips, 0) << "stable-0 never tripped: the breaker was not exercised";
    }
  }
  llmr_health_list_free(list);
  EXPECT_EQ(stable_seen, kStable);

  // Destroying the router releases every adapter it still holds, each exactly once.
  llmr_router_destroy(router_);
  router_ = nullptr;
  EXPECT_EQ(totals_.released.load(), totals_.accepted.load());
  EXPECT_EQ(totals_.double_release.load(), 0);
  EXPECT_EQ(totals_.released_during_invoke.load(), 0);
  for (const Adapter &a : stable_) EXPECT_EQ(a.releases.load(), 1);
}

}  // namespace
