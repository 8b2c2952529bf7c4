#include "test_support.hpp"

#include <gtest/gtest.h>

namespace llmroute::testing {

uint64_t SeededRandom::Next() {
  uint64_t z = state_.fetch_add(0x9e3779b97f4a7c15ULL) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

TestRouter::TestRouter(RouterOptions options, uint64_t seed)
    : now(std::make_shared<std::atomic<int64_t>>(1'000'000 * kNsPerMs)) {
  options.clock = std::make_unique<ManualClock>(now);
  options.rng = std::make_unique<SeededRandom>(seed);
  const Status status = Router::Create(std::move(options), &router);
  EXPECT_TRUE(status.ok()) << status.message();
}

void TestRouter::Add(const std::string &name, std::vector<std::string> models, uint32_t weight,
                     uint32_t tier) {
  DeploymentSpec spec;
  spec.name = name;
  spec.models = std::move(models);
  spec.weight = weight;
  spec.tier = tier;
  const Status status = router->AddDeployment(std::move(spec));
  ASSERT_TRUE(status.ok()) << status.message();
}

std::string TestRouter::PickName(const std::string &model, uint64_t *ticket, Status *status,
                                 PickResult *result) {
  PickResult local;
  PickResult &r = result != nullptr ? *result : local;
  Status s = router->Pick(model, model.c_str(), PickRequest{}, &r);
  if (status != nullptr) *status = s;
  if (!s.ok()) return "";
  if (ticket != nullptr) {
    *ticket = r.ticket;
  } else {
    EXPECT_TRUE(router->Cancel(r.ticket).ok());
  }
  return r.deployment;
}

std::string TestRouter::PickAndReport(const std::string &model, Outcome outcome,
                                      double latency_ms) {
  uint64_t ticket = 0;
  Status status;
  std::string name = PickName(model, &ticket, &status);
  EXPECT_TRUE(status.ok()) << status.message();
  if (status.ok()) ReportOutcome(ticket, outcome, latency_ms);
  return name;
}

void TestRouter::ReportOutcome(uint64_t ticket, Outcome outcome, double latency_ms,
                               int64_t retry_after_ms) {
  ReportInput input;
  input.outcome = outcome;
  input.latency_ms = latency_ms;
  input.retry_after_ms = retry_after_ms;
  const Status status = router->Report(ticket, input);
  EXPECT_TRUE(status.ok()) << status.message();
}

HealthInfo TestRouter::HealthOf(const std::string &name) {
  HealthInfo info;
  const Status status = router->Health(name, &info);
  EXPECT_TRUE(status.ok()) << status.message();
  return info;
}

}  // namespace llmroute::testing
