/* Drives a router through a fixed scenario on an injected clock and prints its Prometheus text
 * exposition on stdout, for check_metrics.py to parse with a real Prometheus parser. C99, public
 * header only. Every number printed is determined by the scenario below. */
#include <llmroute/llmroute.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t now_ns = 1000000000000;
static int64_t Clock(void *user) {
  (void)user;
  return now_ns;
}
static void Sleep(void *user, int64_t ns) {
  (void)user;
  now_ns += ns;
}
static uint64_t Random(void *user) {
  (void)user;
  return 0;
}

static void Check(llmr_status status, const char *what) {
  if (status != LLMR_OK) {
    fprintf(stderr, "%s: %s: %s\n", what, llmr_status_str(status), llmr_error_message());
    exit(1);
  }
}

static llmr_ticket Pick(llmr_router *router, const char *model) {
  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  Check(llmr_router_pick(router, model, NULL, &pick), model);
  return pick.ticket;
}

static void Finish(llmr_router *router, llmr_ticket ticket, llmr_outcome outcome, double latency_ms,
                   int64_t input_tokens, int64_t output_tokens) {
  llmr_report report;
  llmr_report_init(&report, sizeof report);
  report.outcome = outcome;
  report.latency_ms = latency_ms;
  report.input_tokens = input_tokens;
  report.output_tokens = output_tokens;
  Check(llmr_router_report(router, ticket, &report), "report");
}

static llmr_status Invoke(void *user, const llmr_invoke_args *args, llmr_attempt_result *result) {
  (void)args;
  result->outcome = user != NULL ? LLMR_OUTCOME_SERVER_ERROR : LLMR_OUTCOME_SUCCESS;
  result->latency_ms = 30;
  return LLMR_OK;
}

static const char kConfig[] =
    "{\"router_settings\": {\"breaker\": {\"jitter\": 0}},"
    " \"deployments\": ["
    "  {\"name\": \"alpha\", \"models\": [\"m\"]},"
    "  {\"name\": \"quote\\\"back\\\\slash\", \"models\": [\"b-model\"]},"
    "  {\"name\": \"gamma\", \"models\": [\"n\"]},"
    "  {\"name\": \"delta\", \"models\": [\"m2\"]},"
    "  {\"name\": \"epsilon\", \"models\": [\"q\"]},"
    "  {\"name\": \"zeta\", \"models\": [\"q2\"]}],"
    " \"aliases\": {\"fast\": \"m\"},"
    " \"fallbacks\": {\"m2\": [\"n\"]}}";

int main(void) {
  llmr_router_options options;
  llmr_router *router = NULL;
  llmr_adapter adapter;
  llmr_call_options call_options;
  llmr_call_report *call_report = NULL;
  llmr_ticket open_ticket;
  const char *text = NULL;
  llmr_stats *stats = NULL;
  int i;

  llmr_router_options_init(&options, sizeof options);
  options.clock = Clock;
  options.sleep = Sleep;
  options.random = Random;
  Check(llmr_router_create_from_config(kConfig, strlen(kConfig), &options, &router), "create");

  /* alpha: 20 successes of 10, 20, ..., 200 ms, each with 100 input and 50 output tokens; half
   * through the alias. */
  for (i = 1; i <= 20; ++i) {
    Finish(router, Pick(router, i % 2 ? "m" : "fast"), LLMR_OUTCOME_SUCCESS, 10.0 * i, 100, 50);
  }
  /* The odd name: five timeouts trip it (cooldown 5000 ms); after it, a probe succeeds. */
  for (i = 0; i < 5; ++i) Finish(router, Pick(router, "b-model"), LLMR_OUTCOME_TIMEOUT, 1000, 0, 0);
  now_ns += 5000LL * 1000000;
  Finish(router, Pick(router, "b-model"), LLMR_OUTCOME_SUCCESS, 40, 0, 0);
  /* gamma: one cancelled, one still in flight. */
  Check(llmr_router_cancel(router, Pick(router, "n")), "cancel");
  open_ticket = Pick(router, "n");
  /* A call to m2: delta fails, the call falls back to n, where gamma succeeds. */
  llmr_adapter_init(&adapter, sizeof adapter);
  adapter.invoke = Invoke;
  adapter.user_data = &options; /* non-NULL: fail */
  Check(llmr_router_set_adapter(router, "delta", &adapter), "adapter delta");
  adapter.user_data = NULL;
  Check(llmr_router_set_adapter(router, "gamma", &adapter), "adapter gamma");
  llmr_call_options_init(&call_options, sizeof call_options);
  call_options.backoff_base_ms = 0;
  Check(llmr_router_call(router, "m2", "x", 1, &call_options, &call_report), "call");
  llmr_call_report_free(call_report);
  /* One reload of the same configuration and one rejected configuration. */
  Check(llmr_router_apply_config(router, kConfig, strlen(kConfig)), "reload");
  if (llmr_router_apply_config(router, "{\"deployments\": 1}", 18) != LLMR_ERR_CONFIG) return 1;

  /* Announced quotas: epsilon has 7 requests and 1234 tokens left (resets in 3 s and 4 s); zeta's
   * 429 says its daily count is used up for 2 h: a quota exhaustion. */
  {
    llmr_report report;
    llmr_report_init(&report, sizeof report);
    report.latency_ms = 20;
    report.quota_remaining_requests = 7;
    report.quota_remaining_tokens = 1234;
    report.quota_requests_reset_ms = 3000;
    report.quota_tokens_reset_ms = 4000;
    Check(llmr_router_report(router, Pick(router, "q"), &report), "quota report");
    llmr_report_init(&report, sizeof report);
    report.outcome = LLMR_OUTCOME_RATE_LIMITED;
    report.quota_remaining_requests = 0;
    report.quota_requests_reset_ms = 2 * 3600 * 1000;
    Check(llmr_router_report(router, Pick(router, "q2"), &report), "daily cap report");
  }

  Check(llmr_router_stats(router, &stats), "stats");
  Check(llmr_stats_metrics_text(stats, &text, NULL), "metrics");
  fputs(text, stdout);
  llmr_stats_free(stats);
  Check(llmr_router_cancel(router, open_ticket), "cancel");
  llmr_router_destroy(router);
  return 0;
}
