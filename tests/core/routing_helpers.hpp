// Helpers for the advanced-routing tests: deployments with tags and prices, picks with request
// options, and pick counting.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace llmroute::testing {

inline DeploymentSpec Spec(const std::string &name, std::vector<std::string> models,
                           uint32_t weight = 1, uint32_t tier = 0,
                           std::vector<std::string> tags = {}) {
  DeploymentSpec spec;
  spec.name = name;
  spec.models = std::move(models);
  spec.weight = weight;
  spec.tier = tier;
  spec.tags = std::move(tags);
  return spec;
}

inline DeploymentSpec Priced(DeploymentSpec spec, double input, double output) {
  spec.cost_per_million_input = input;
  spec.cost_per_million_output = output;
  return spec;
}

inline void AddSpec(TestRouter &t, DeploymentSpec spec) {
  const Status status = t.router->AddDeployment(std::move(spec));
  ASSERT_TRUE(status.ok()) << status.message();
}

inline RouterOptions WithStrategy(StrategyKind kind) {
  RouterOptions options;
  options.strategy = kind;
  return options;
}

// Picks with `request`; returns the deployment ("" on failure). The ticket is cancelled unless
// `ticket` is given.
inline std::string PickWith(TestRouter &t, const std::string &model, const PickRequest &request,
                            uint64_t *ticket = nullptr, Status *status = nullptr,
                            PickResult *result = nullptr) {
  PickResult local;
  PickResult &r = result != nullptr ? *result : local;
  const Status s = t.router->Pick(model, model.c_str(), request, &r);
  if (status != nullptr) *status = s;
  if (!s.ok()) return "";
  if (ticket != nullptr) {
    *ticket = r.ticket;
  } else {
    EXPECT_TRUE(t.router->Cancel(r.ticket).ok());
  }
  return r.deployment;
}

// `n` picks, each cancelled at once (so nothing stays in flight).
inline std::map<std::string, int> CountPicks(TestRouter &t, const std::string &model, int n,
                                             const PickRequest &request = {}) {
  std::map<std::string, int> counts;
  for (int i = 0; i < n; ++i) {
    Status status;
    const std::string name = PickWith(t, model, request, nullptr, &status);
    EXPECT_TRUE(status.ok()) << status.message();
    ++counts[name];
  }
  return counts;
}

// Picks `name` on purpose (excluding every other deployment of `all`) and keeps the ticket.
inline uint64_t PickExactly(TestRouter &t, const std::string &model, const std::string &name,
                            const std::vector<std::string> &all) {
  std::vector<const char *> exclude;
  for (const std::string &other : all) {
    if (other != name) exclude.push_back(other.c_str());
  }
  PickRequest request;
  request.exclude = exclude.data();
  request.exclude_count = exclude.size();
  uint64_t ticket = 0;
  Status status;
  EXPECT_EQ(PickWith(t, model, request, &ticket, &status), name) << status.message();
  return ticket;
}

}  // namespace llmroute::testing
