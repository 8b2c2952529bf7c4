/* Announced provider quotas through the ABI (llmr_report's quota_* members), on the injected
 * clock: the defaults of llmr_report_init(), a used-up count keeping a deployment out until its
 * reset, a far-reset 429 as a quota exhaustion (event kind 3, health fields), bad values naming
 * the member, and a caller built against the 1.0 header (whose report ends before the quota
 * members) announcing nothing. No test sleeps. */
#include <llmroute/llmroute.h>

#include <stddef.h>
#include <string.h>

#include "harness.h"

#define HOUR_MS (3600LL * 1000)

static int quota_events;
static int64_t quota_event_cooldown;
static char quota_event_deployment[64];

static void on_event(void *user_data, const llmr_event *e) {
  (void)user_data;
  if (e->kind != LLMR_EVENT_QUOTA_EXHAUSTED) return;
  ++quota_events;
  quota_event_cooldown = e->cooldown_ms;
  strncpy(quota_event_deployment, e->deployment, sizeof quota_event_deployment - 1);
}

/* Picks "m" excluding the other deployment, so that `name` is chosen, and reports `report`. */
static llmr_status report_on(llmr_router *r, const char *name, const char *other,
                             const llmr_report *report) {
  llmr_pick p;
  llmr_status s;
  CHECK_STATUS(th_pick(r, "m", other, &p), LLMR_OK);
  CHECK_STR(p.deployment, name);
  s = llmr_router_report(r, p.ticket, report);
  if (s != LLMR_OK) llmr_router_cancel(r, p.ticket);
  return s;
}

static void test_init_defaults_announce_nothing(void) {
  llmr_report rep;
  CHECK_STATUS(llmr_report_init(&rep, sizeof rep), LLMR_OK);
  CHECK_I64(rep.quota_remaining_requests, -1);
  CHECK_I64(rep.quota_remaining_tokens, -1);
  CHECK_I64(rep.quota_requests_reset_ms, 0);
  CHECK_I64(rep.quota_tokens_reset_ms, 0);
  CHECK_STR(llmr_event_kind_str(LLMR_EVENT_QUOTA_EXHAUSTED), "quota_exhausted");
}

static void test_used_up_count_and_daily_cap(void) {
  th_env env;
  llmr_router *r;
  llmr_report rep;
  llmr_health h;
  llmr_pick p;
  llmr_event_listener listener;
  int i;
  th_env_init(&env, 7);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "b", "m", 1, 0), LLMR_OK);
  llmr_event_listener_init(&listener, sizeof listener);
  listener.fn = on_event;
  CHECK_STATUS(llmr_router_set_event_listener(r, &listener), LLMR_OK);

  llmr_report_init(&rep, sizeof rep);
  rep.quota_remaining_requests = 0;
  rep.quota_requests_reset_ms = 2000;
  CHECK_STATUS(report_on(r, "a", "b", &rep), LLMR_OK);
  CHECK_STATUS(th_health(r, "a", &h), LLMR_OK);
  CHECK_I64(h.eligible, 0);
  CHECK_I64(h.quota_remaining_requests, 0);
  CHECK_I64(h.quota_remaining_tokens, -1);
  CHECK_I64(h.quota_requests_reset_ms, 2000);
  for (i = 0; i < 10; ++i) {
    CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK);
    CHECK_STR(p.deployment, "b");
    llmr_router_cancel(r, p.ticket);
  }
  th_advance_ms(&env, 2000);
  CHECK_STATUS(th_health(r, "a", &h), LLMR_OK);
  CHECK_I64(h.eligible, 1);

  /* The daily cap: a 429 whose reset is 5 h away. */
  llmr_report_init(&rep, sizeof rep);
  rep.outcome = LLMR_OUTCOME_RATE_LIMITED;
  rep.quota_remaining_requests = 0;
  rep.quota_requests_reset_ms = 5 * HOUR_MS;
  CHECK_STATUS(report_on(r, "b", "a", &rep), LLMR_OK);
  CHECK_I64(quota_events, 1);
  CHECK_STR(quota_event_deployment, "b");
  CHECK_I64(quota_event_cooldown, 5 * HOUR_MS);
  th_advance_ms(&env, HOUR_MS);
  for (i = 0; i < 10; ++i) {
    CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK);
    CHECK_STR(p.deployment, "a");
    CHECK_I64(p.is_probe, 0);
    llmr_router_cancel(r, p.ticket);
  }
  CHECK_STATUS(th_health(r, "b", &h), LLMR_OK);
  CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
  CHECK_I64(h.quota_exhaustions, 1);
  CHECK_I64(h.quota_exhausted_ms, 4 * HOUR_MS);
  /* Only b left: rate limited until its reset. */
  CHECK_STATUS(th_pick(r, "m", "a", &p), LLMR_ERR_RATE_LIMITED);
  CHECK_I64(p.retry_after_ms, 4 * HOUR_MS);
  llmr_router_destroy(r);
}

static void test_bad_values_name_the_member(void) {
  static const struct {
    int64_t requests, tokens, requests_reset, tokens_reset;
    const char *member;
  } cases[] = {
      {-2, -1, 0, 0, "quota_remaining_requests"},
      {-1, -5, 0, 0, "quota_remaining_tokens"},
      {1000000000000000001LL, -1, 0, 0, "quota_remaining_requests"},
      {3, -1, -1, 0, "quota_requests_reset_ms"},
      {3, 3, 0, 400 * 24 * HOUR_MS, "quota_tokens_reset_ms"},
  };
  th_env env;
  llmr_router *r;
  llmr_report rep;
  llmr_health h;
  llmr_pick p;
  size_t i;
  th_env_init(&env, 8);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK);
  for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    llmr_report_init(&rep, sizeof rep);
    rep.quota_remaining_requests = cases[i].requests;
    rep.quota_remaining_tokens = cases[i].tokens;
    rep.quota_requests_reset_ms = cases[i].requests_reset;
    rep.quota_tokens_reset_ms = cases[i].tokens_reset;
    CHECK_STATUS(llmr_router_report(r, p.ticket, &rep), LLMR_ERR_INVALID_ARGUMENT);
    CHECK_MESSAGE_HAS(cases[i].member);
  }
  CHECK_STATUS(th_health(r, "a", &h), LLMR_OK);
  CHECK_I64(h.quota_remaining_requests, -1); /* nothing applied */
  CHECK_I64(h.successes, 0);
  CHECK_STATUS(th_report(r, p.ticket, LLMR_OUTCOME_SUCCESS, 10), LLMR_OK); /* still live */
  llmr_router_destroy(r);
}

/* A host compiled against the 1.0 header passes a report that ends at output_tokens: whatever
 * lies beyond it in memory is not read, so it announces no quota. */
static void test_a_v1_report_announces_nothing(void) {
  th_env env;
  llmr_router *r;
  llmr_report rep;
  llmr_health h;
  llmr_pick p;
  th_env_init(&env, 9);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK);
  memset(&rep, 0, sizeof rep); /* a 1.0 caller's memory past its struct: zeros, "0 remaining" */
  rep.struct_size = (uint32_t)(offsetof(llmr_report, output_tokens) + sizeof(int64_t));
  rep.outcome = LLMR_OUTCOME_SUCCESS;
  rep.latency_ms = 10;
  rep.ttft_ms = -1;
  CHECK_STATUS(llmr_router_report(r, p.ticket, &rep), LLMR_OK);
  CHECK_STATUS(th_health(r, "a", &h), LLMR_OK);
  CHECK_I64(h.quota_remaining_requests, -1);
  CHECK_I64(h.eligible, 1);
  llmr_router_destroy(r);
}

/* The JSON keys router_settings.quota.horizon_ms and .headroom_routing (the option table's). */
static void test_configuration_keys(void) {
  static const char good[] =
      "{\"router_settings\": {\"quota\": {\"horizon_ms\": 1000, \"headroom_routing\": 0}},"
      " \"deployments\": [{\"name\": \"a\", \"models\": [\"m\"]},"
      " {\"name\": \"b\", \"models\": [\"m\"]}]}";
  static const char bad[] =
      "{\"router_settings\": {\"quota\": {\"headroom_routing\": 2}},"
      " \"deployments\": [{\"name\": \"a\", \"models\": [\"m\"]}]}";
  th_env env;
  llmr_router_options opts;
  llmr_router *r = NULL;
  llmr_report rep;
  llmr_health h;
  th_env_init(&env, 10);
  th_options(&env, &opts);
  CHECK_STATUS(llmr_router_create_from_config(bad, strlen(bad), &opts, &r), LLMR_ERR_CONFIG);
  CHECK_MESSAGE_HAS("$.router_settings.quota.headroom_routing");
  CHECK_STATUS(llmr_router_create_from_config(good, strlen(good), &opts, &r), LLMR_OK);
  if (r == NULL) return;
  /* 2 s is beyond the configured 1 s horizon: a quota exhaustion. */
  llmr_report_init(&rep, sizeof rep);
  rep.outcome = LLMR_OUTCOME_RATE_LIMITED;
  rep.quota_remaining_requests = 0;
  rep.quota_requests_reset_ms = 2000;
  CHECK_STATUS(report_on(r, "a", "b", &rep), LLMR_OK);
  CHECK_STATUS(th_health(r, "a", &h), LLMR_OK);
  CHECK_I64(h.quota_exhaustions, 1);
  CHECK_I64(h.quota_exhausted_ms, 2000);
  llmr_router_destroy(r);
}

int main(void) {
  RUN_TEST(test_init_defaults_announce_nothing);
  RUN_TEST(test_used_up_count_and_daily_cap);
  RUN_TEST(test_bad_values_name_the_member);
  RUN_TEST(test_a_v1_report_announces_nothing);
  RUN_TEST(test_configuration_keys);
  return th_finish();
}
