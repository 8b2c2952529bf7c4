// A simulated cluster on the injected clock: requests arrive at a steady rate, each deployment
// serves a fixed number of calls at once and queues the rest, and one deployment is 10x slower
// (so it also has a tenth of the throughput). Latencies are simulated, not measured: the test
// asserts on the simulated p99, never on wall time.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <queue>
#include <random>

#include "routing_helpers.hpp"

namespace llmroute::testing {
namespace {

struct ClusterResult {
  double p50_ms = 0;
  double p99_ms = 0;
  double slow_share = 0;  // of all requests, the share the slow deployment served
};

ClusterResult Simulate(StrategyKind strategy, uint64_t seed) {
  constexpr int kDeployments = 5;
  constexpr int kSlow = 4;                   // "d4"
  constexpr int kSlots = 8;                  // calls each deployment serves at once
  constexpr int64_t kFastServiceMs = 100;    // the slow one takes 10x as long
  constexpr int64_t kArrivalEveryUs = 5000;  // 200 requests per second
  constexpr int kRequests = 20000;           // 100 simulated seconds

  TestRouter t(WithStrategy(strategy), seed);
  for (int i = 0; i < kDeployments; ++i) t.Add("d" + std::to_string(i), {"m"});
  std::mt19937_64 jitter(seed);
  std::uniform_real_distribution<double> spread(0.9, 1.1);

  struct Call {
    uint64_t ticket;
    int64_t arrival_us;
    int deployment;
  };
  struct Server {
    int busy = 0;
    std::deque<Call> queue;
  };
  struct Completion {
    int64_t at_us;
    uint64_t seq;
    Call call;
    bool operator>(const Completion &other) const {
      return at_us != other.at_us ? at_us > other.at_us : seq > other.seq;
    }
  };
  std::vector<Server> servers(kDeployments);
  std::priority_queue<Completion, std::vector<Completion>, std::greater<>> completions;
  uint64_t seq = 0;
  const int64_t start_ns = t.now->load();
  auto set_clock = [&](int64_t us) { t.now->store(start_ns + us * 1000); };
  auto start = [&](const Call &call, int64_t now_us) {
    const double base =
        static_cast<double>(call.deployment == kSlow ? 10 * kFastServiceMs : kFastServiceMs);
    const auto service_us = static_cast<int64_t>(base * 1000 * spread(jitter));
    ++servers[call.deployment].busy;
    completions.push({now_us + service_us, seq++, call});
  };

  std::vector<double> latencies;
  int slow_requests = 0;
  auto complete_until = [&](int64_t until_us) {
    while (!completions.empty() && completions.top().at_us <= until_us) {
      const Completion done = completions.top();
      completions.pop();
      set_clock(done.at_us);
      const double latency_ms = static_cast<double>(done.at_us - done.call.arrival_us) / 1000.0;
      latencies.push_back(latency_ms);
      t.ReportOutcome(done.call.ticket, Outcome::kSuccess, latency_ms);
      Server &server = servers[done.call.deployment];
      --server.busy;
      if (!server.queue.empty()) {
        const Call next = server.queue.front();
        server.queue.pop_front();
        start(next, done.at_us);
      }
    }
  };

  for (int i = 0; i < kRequests; ++i) {
    const int64_t now_us = i * kArrivalEveryUs;
    complete_until(now_us);
    set_clock(now_us);
    uint64_t ticket = 0;
    Status status;
    const std::string name = t.PickName("m", &ticket, &status);
    EXPECT_TRUE(status.ok()) << status.message();
    if (!status.ok()) continue;
    const Call call{ticket, now_us, name[1] - '0'};
    if (call.deployment == kSlow) ++slow_requests;
    if (servers[call.deployment].busy < kSlots) {
      start(call, now_us);
    } else {
      servers[call.deployment].queue.push_back(call);
    }
  }
  complete_until(INT64_MAX);  // drain

  EXPECT_EQ(latencies.size(), static_cast<size_t>(kRequests));
  std::sort(latencies.begin(), latencies.end());
  ClusterResult result;
  result.p50_ms = latencies[latencies.size() / 2];
  result.p99_ms = latencies[latencies.size() * 99 / 100];
  result.slow_share = static_cast<double>(slow_requests) / kRequests;
  return result;
}

TEST(SimulatedCluster, LoadAwareStrategiesBeatRoundRobinAtP99) {
  const ClusterResult round_robin = Simulate(StrategyKind::kRoundRobin, 1);
  const ClusterResult least_loaded = Simulate(StrategyKind::kLeastLoaded, 1);
  const ClusterResult peak_ewma = Simulate(StrategyKind::kPeakEwma, 1);
  RecordProperty("round_robin_p99_ms", std::to_string(round_robin.p99_ms));
  RecordProperty("least_loaded_p99_ms", std::to_string(least_loaded.p99_ms));
  RecordProperty("peak_ewma_p99_ms", std::to_string(peak_ewma.p99_ms));
  std::printf(
      "p50 / p99 (ms), slow share: round_robin %.0f / %.0f, %.3f; least_loaded %.0f / "
      "%.0f, %.3f; peak_ewma %.0f / %.0f, %.3f\n",
      round_robin.p50_ms, round_robin.p99_ms, round_robin.slow_share, least_loaded.p50_ms,
      least_loaded.p99_ms, least_loaded.slow_share, peak_ewma.p50_ms, peak_ewma.p99_ms,
      peak_ewma.slow_share);

  // Round robin gives the slow deployment a fifth of the traffic, twice what it can serve, so
  // its queue grows without bound.
  EXPECT_NEAR(round_robin.slow_share, 0.2, 0.001);
  EXPECT_LT(least_loaded.p99_ms, round_robin.p99_ms);
  EXPECT_LT(peak_ewma.p99_ms, round_robin.p99_ms);
  // Both keep the slow deployment within what it can serve (8 calls/s of 200).
  EXPECT_LT(least_loaded.slow_share, 0.04);
  EXPECT_LT(peak_ewma.slow_share, 0.04);
}

}  // namespace
}  // namespace llmroute::testing
