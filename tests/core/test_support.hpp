// Deterministic clock and random source for core tests, and a router builder.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/router.hpp"

namespace llmroute::testing {

// A clock the test moves by hand. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::shared_ptr<std::atomic<int64_t>> now) : now_(std::move(now)) {}
  int64_t NowNs() const override { return now_->load(); }

 private:
  std::shared_ptr<std::atomic<int64_t>> now_;
};

// splitmix64 from a fixed seed: reproducible, statistically sound, thread-safe via an atomic.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  uint64_t Next() override;

 private:
  std::atomic<uint64_t> state_;
};

// A router with a manual clock (starting at 1000 s) and a seeded random source.
struct TestRouter {
  explicit TestRouter(RouterOptions options = {}, uint64_t seed = 42);

  void Advance(int64_t ms) { now->fetch_add(ms * kNsPerMs); }
  void Add(const std::string &name, std::vector<std::string> models, uint32_t weight = 1,
           uint32_t tier = 0);
  // Picks `model` and returns the deployment name ("" on failure, with `status` set).
  std::string PickName(const std::string &model, uint64_t *ticket = nullptr,
                       Status *status = nullptr, PickResult *result = nullptr);
  // Picks and reports at once; returns the deployment picked.
  std::string PickAndReport(const std::string &model, Outcome outcome, double latency_ms = 100);
  void ReportOutcome(uint64_t ticket, Outcome outcome, double latency_ms = 100,
                     int64_t retry_after_ms = 0);
  HealthInfo HealthOf(const std::string &name);

  std::shared_ptr<std::atomic<int64_t>> now;
  std::unique_ptr<Router> router;
};

}  // namespace llmroute::testing
