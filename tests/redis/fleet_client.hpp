// The C API as the Redis tests drive it: routers with a shared state URL, deployments, picks and
// reports, the shared-state status and breaker health. Shared by the tests of tests/redis.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "llmroute/llmroute.h"
#include "redis_server.hpp"

namespace llmroute::testing::fleet {

using Clock = std::chrono::steady_clock;
using llmroute::testing::Eventually;

struct RouterDeleter {
  void operator()(llmr_router *router) const { llmr_router_destroy(router); }
};
using RouterPtr = std::unique_ptr<llmr_router, RouterDeleter>;

struct Settings {
  std::string url;
  std::string prefix = "test:";
  int64_t sync_interval_ms = 100;
  int64_t cooldown_base_ms = 2000;
  double rate_batch = 0.05;
  int64_t connect_timeout_ms = 1000;
  int64_t command_timeout_ms = 1000;
};

inline RouterPtr MakeRouter(const Settings &s, llmr_status *status = nullptr) {
  llmr_router_options o;
  llmr_router_options_init(&o, sizeof o);
  o.shared_state_url = s.url.c_str();
  o.shared_state_key_prefix = s.prefix.c_str();
  o.shared_state_sync_interval_ms = s.sync_interval_ms;
  o.shared_state_rate_batch = s.rate_batch;
  o.shared_state_connect_timeout_ms = s.connect_timeout_ms;
  o.shared_state_command_timeout_ms = s.command_timeout_ms;
  o.breaker_cooldown_base_ms = s.cooldown_base_ms;
  o.breaker_jitter = 0;
  llmr_router *router = nullptr;
  const llmr_status st = llmr_router_create(&o, &router);
  if (status != nullptr) *status = st;
  if (status == nullptr) {
    EXPECT_EQ(st, LLMR_OK) << llmr_error_message();
  }
  return RouterPtr(router);
}

inline void AddDeployment(llmr_router *router, const char *name, const char *model,
                          uint32_t rpm = 0, uint64_t tpm = 0) {
  const char *models[] = {model};
  llmr_deployment d;
  llmr_deployment_init(&d, sizeof d);
  d.name = name;
  d.models = models;
  d.model_count = 1;
  d.rpm_limit = rpm;
  d.tpm_limit = tpm;
  ASSERT_EQ(llmr_router_add_deployment(router, &d), LLMR_OK) << llmr_error_message();
}

struct Status {
  llmr_shared_state_status s;
  char error[512];
  char server[128];
};

inline Status SharedStatus(llmr_router *router) {
  Status out;
  llmr_shared_state_status_init(&out.s, sizeof out.s);
  out.s.last_error = out.error;
  out.s.last_error_cap = sizeof out.error;
  out.s.server = out.server;
  out.s.server_cap = sizeof out.server;
  EXPECT_EQ(llmr_router_shared_state_status(router, &out.s), LLMR_OK);
  return out;
}

inline bool Connected(llmr_router *router) {
  return SharedStatus(router).s.connected == 1;
}

inline llmr_health Health(llmr_router *router, const char *name) {
  llmr_health h;
  llmr_health_init(&h, sizeof h);
  EXPECT_EQ(llmr_router_health(router, name, &h), LLMR_OK);
  return h;
}

// Picks `model` and reports `outcome` (with `tokens` as output tokens); the pick's status.
inline llmr_status PickAndReport(llmr_router *router, const char *model, llmr_outcome outcome,
                                 llmr_pick *pick_out = nullptr, int64_t tokens = 0) {
  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  const llmr_status st = llmr_router_pick(router, model, nullptr, &pick);
  if (st == LLMR_OK) {
    llmr_report report;
    llmr_report_init(&report, sizeof report);
    report.outcome = outcome;
    report.latency_ms = 10;
    report.output_tokens = tokens;
    EXPECT_EQ(llmr_router_report(router, pick.ticket, &report), LLMR_OK);
  }
  if (pick_out != nullptr) *pick_out = pick;
  return st;
}

inline void Trip(llmr_router *router, const char *model) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(PickAndReport(router, model, LLMR_OUTCOME_SERVER_ERROR), LLMR_OK)
        << llmr_error_message();
  }
}

}  // namespace llmroute::testing::fleet
