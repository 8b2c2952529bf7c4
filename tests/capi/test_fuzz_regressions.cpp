// Regression tests for what fuzz/fuzz_c_api found (the crashing inputs also live in
// fuzz/corpus/fuzz_c_api/, so scripts/fuzz.sh replays them on every run).
#include <gtest/gtest.h>
#include <llmroute/llmroute.h>

#include <cstdint>
#include <cstring>

namespace {

// A C adapter may return any int from invoke (in C an enum holds any int); C++ must not load it
// as an llmr_status. Declared with an int return, as C would see it, and handed to the router
// as the llmr_invoke_fn it is on every C ABI (same return register, same width).
extern "C" int InvokeReturningANonStatus(void *, const llmr_invoke_args *, llmr_attempt_result *) {
  return 985316095;  // what the fuzzer returned
}

// The outcome member likewise: any int, stored byte for byte.
extern "C" int InvokeWithANonOutcome(void *, const llmr_invoke_args *, llmr_attempt_result *r) {
  const int outcome = 0x3ab9c6ff;
  std::memcpy(&r->outcome, &outcome, sizeof outcome);
  return LLMR_OK;
}

struct Router {
  Router() {
    llmr_router_options o;
    llmr_router_options_init(&o, sizeof o);
    o.retry_budget_max_tokens = 0;  // no retries: one attempt per call
    o.retry_budget_token_ratio = 0;
    EXPECT_EQ(llmr_router_create(&o, &router), LLMR_OK) << llmr_error_message();
    const char *model = "m";
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    d.name = "a";
    d.models = &model;
    d.model_count = 1;
    EXPECT_EQ(llmr_router_add_deployment(router, &d), LLMR_OK) << llmr_error_message();
  }
  ~Router() { llmr_router_destroy(router); }

  // Calls "m" once through an adapter invoking `fn` and returns the single attempt.
  llmr_attempt_info CallWith(int (*fn)(void *, const llmr_invoke_args *, llmr_attempt_result *),
                             llmr_status *status) {
    llmr_adapter adapter;
    llmr_adapter_init(&adapter, sizeof adapter);
    adapter.invoke = reinterpret_cast<llmr_invoke_fn>(reinterpret_cast<void (*)()>(fn));
    EXPECT_EQ(llmr_router_set_adapter(router, "a", &adapter), LLMR_OK) << llmr_error_message();
    llmr_call_report *report = nullptr;
    *status = llmr_router_call(router, "m", "q", 1, nullptr, &report);
    llmr_attempt_info info;
    llmr_attempt_info_init(&info, sizeof info);
    EXPECT_EQ(llmr_call_report_attempt_count(report), 1U);
    EXPECT_EQ(llmr_call_report_attempt(report, 0, &info), LLMR_OK);
    llmr_call_report_free(report);
    return info;
  }

  llmr_router *router = nullptr;
};

TEST(FuzzRegressions, AdapterReturningANonStatusIsAFailedAttemptOfTheAdapter) {
  Router r;
  llmr_status status = LLMR_OK;
  const llmr_attempt_info info = r.CallWith(InvokeReturningANonStatus, &status);
  EXPECT_EQ(status, LLMR_ERR_UPSTREAM);
  EXPECT_EQ(info.outcome, LLMR_OUTCOME_CONNECTION_ERROR);
  EXPECT_EQ(info.adapter_failed, 1);
}

TEST(FuzzRegressions, AdapterReportingANonOutcomeIsAFailedAttemptOfTheAdapter) {
  Router r;
  llmr_status status = LLMR_OK;
  const llmr_attempt_info info = r.CallWith(InvokeWithANonOutcome, &status);
  EXPECT_EQ(status, LLMR_ERR_UPSTREAM);
  EXPECT_EQ(info.outcome, LLMR_OUTCOME_CONNECTION_ERROR);
  EXPECT_EQ(info.adapter_failed, 1);
}

// Token counts are whatever the host reports: INT64_MAX input and output tokens on a deployment
// with a tpm limit overflowed their sum (UBSan: signed integer overflow). The sum now saturates:
// the deployment is simply out of tokens for the minute.
TEST(FuzzRegressions, HugeTokenCountsSaturateInsteadOfOverflowing) {
  llmr_router *router = nullptr;
  ASSERT_EQ(llmr_router_create(nullptr, &router), LLMR_OK) << llmr_error_message();
  const char *model = "m";
  llmr_deployment d;
  llmr_deployment_init(&d, sizeof d);
  d.name = "a";
  d.models = &model;
  d.model_count = 1;
  d.tpm_limit = 1000;
  ASSERT_EQ(llmr_router_add_deployment(router, &d), LLMR_OK) << llmr_error_message();
  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  ASSERT_EQ(llmr_router_pick(router, "m", nullptr, &pick), LLMR_OK) << llmr_error_message();
  llmr_report report;
  llmr_report_init(&report, sizeof report);
  report.input_tokens = INT64_MAX;
  report.output_tokens = INT64_MAX;
  EXPECT_EQ(llmr_router_report(router, pick.ticket, &report), LLMR_OK) << llmr_error_message();
  EXPECT_EQ(llmr_router_pick(router, "m", nullptr, &pick), LLMR_ERR_RATE_LIMITED);
  llmr_router_destroy(router);
}

}  // namespace
