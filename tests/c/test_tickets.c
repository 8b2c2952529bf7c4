/* Tickets: report and cancel exactly once, invalid and finished tickets, in-flight accounting,
 * and tickets that outlive their deployment. */
#include <llmroute/llmroute.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void expect_counts(llmr_router *r, const char *name, int64_t in_flight, int64_t picks,
                          int64_t successes, int64_t failures, int64_t cancels, int line) {
  llmr_health h;
  if (!th_check_status(th_health(r, name, &h), LLMR_OK, __FILE__, line, "llmr_router_health"))
    return;
  th_check_i64(h.in_flight, in_flight, __FILE__, line, "in_flight");
  th_check_i64(h.picks, picks, __FILE__, line, "picks");
  th_check_i64(h.successes, successes, __FILE__, line, "successes");
  th_check_i64(h.failures, failures, __FILE__, line, "failures");
  th_check_i64(h.cancels, cancels, __FILE__, line, "cancels");
}
#define EXPECT_COUNTS(r, name, in_flight, picks, successes, failures, cancels) \
  expect_counts(r, name, in_flight, picks, successes, failures, cancels, __LINE__)

static void test_invalid_tickets(void) {
  llmr_report rep;
  llmr_pick p;
  llmr_router *r, *other;
  th_env env;
  th_env_init(&env, 30);
  r = th_default_router(&env);
  other = th_default_router(&env);
  if (r == NULL || other == NULL) {
    llmr_router_destroy(r);
    llmr_router_destroy(other);
    return;
  }
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  llmr_report_init(&rep, sizeof rep);

  CHECK_STATUS(llmr_router_report(r, 0, &rep), LLMR_ERR_INVALID_TICKET);
  CHECK(strlen(llmr_error_message()) > 0);
  CHECK_STATUS(llmr_router_cancel(r, 0), LLMR_ERR_INVALID_TICKET);
  CHECK_STATUS(llmr_router_report(r, UINT64_C(0xDEADBEEFCAFEF00D), &rep), LLMR_ERR_INVALID_TICKET);
  CHECK_STATUS(llmr_router_cancel(r, UINT64_C(0xDEADBEEFCAFEF00D)), LLMR_ERR_INVALID_TICKET);
  CHECK_STATUS(llmr_router_report(r, UINT64_MAX, &rep), LLMR_ERR_INVALID_TICKET);
  CHECK_STATUS(llmr_router_cancel(r, 12345), LLMR_ERR_INVALID_TICKET);

  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    CHECK(p.ticket != 0);
    /* Nearby values are not tickets either. */
    CHECK_STATUS(llmr_router_cancel(r, p.ticket + 1), LLMR_ERR_INVALID_TICKET);
    CHECK_STATUS(llmr_router_cancel(r, p.ticket ^ (UINT64_C(1) << 40)), LLMR_ERR_INVALID_TICKET);
    /* A ticket belongs to the router that issued it. */
    CHECK_STATUS(llmr_router_report(other, p.ticket, &rep), LLMR_ERR_INVALID_TICKET);
    CHECK_STATUS(llmr_router_cancel(other, p.ticket), LLMR_ERR_INVALID_TICKET);
    EXPECT_COUNTS(r, "a", 1, 1, 0, 0, 0);

    /* Rejected reports leave the ticket outstanding. */
    CHECK_STATUS(llmr_router_report(r, p.ticket, NULL), LLMR_ERR_INVALID_ARGUMENT);
    rep.outcome = (llmr_outcome)42;
    CHECK_STATUS(llmr_router_report(r, p.ticket, &rep), LLMR_ERR_INVALID_ARGUMENT);
    llmr_report_init(&rep, sizeof rep);
    rep.struct_size = 0;
    CHECK_STATUS(llmr_router_report(r, p.ticket, &rep), LLMR_ERR_INVALID_ARGUMENT);
    EXPECT_COUNTS(r, "a", 1, 1, 0, 0, 0);
    /* Issue 17: NaN and infinite latencies and negative token counts are rejected with a message
     * naming the field, as retry_after_ms = -5 is; the ticket stays live. */
    {
      struct {
        double latency, ttft;
        int64_t input, output;
        const char *field;
      } bad[] = {{NAN, -1, 0, 0, "latency_ms"},          {INFINITY, -1, 0, 0, "latency_ms"},
                 {-INFINITY, -1, 0, 0, "latency_ms"},    {10, NAN, 0, 0, "ttft_ms"},
                 {10, INFINITY, 0, 0, "ttft_ms"},        {10, -1, -1000000000, 0, "input_tokens"},
                 {10, -1, 0, INT64_MIN, "output_tokens"}};
      size_t i;
      for (i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        llmr_report_init(&rep, sizeof rep);
        rep.latency_ms = bad[i].latency;
        rep.ttft_ms = bad[i].ttft;
        rep.input_tokens = bad[i].input;
        rep.output_tokens = bad[i].output;
        CHECK_STATUS(llmr_router_report(r, p.ticket, &rep), LLMR_ERR_INVALID_ARGUMENT);
        CHECK_MESSAGE_HAS(bad[i].field);
      }
      llmr_report_init(&rep, sizeof rep);
      rep.retry_after_ms = -5;
      CHECK_STATUS(llmr_router_report(r, p.ticket, &rep), LLMR_ERR_INVALID_ARGUMENT);
      CHECK_MESSAGE_HAS("retry_after_ms");
    }
    EXPECT_COUNTS(r, "a", 1, 1, 0, 0, 0);

    llmr_report_init(&rep, sizeof rep);
    rep.latency_ms = 12.5;
    CHECK_STATUS(llmr_router_report(r, p.ticket, &rep), LLMR_OK);
    CHECK_STR(llmr_error_message(), "");
    EXPECT_COUNTS(r, "a", 0, 1, 1, 0, 0);
  }
  llmr_router_destroy(r);
  llmr_router_destroy(other);
}

static void test_exactly_once(void) {
  llmr_report rep;
  llmr_pick p1, p2, p3;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 31);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  llmr_report_init(&rep, sizeof rep);
  rep.latency_ms = 20.0;

  CHECK_STATUS(th_pick(r, "m", NULL, &p1), LLMR_OK);
  CHECK_STATUS(th_pick(r, "m", NULL, &p2), LLMR_OK);
  CHECK_STATUS(th_pick(r, "m", NULL, &p3), LLMR_OK);
  CHECK(p1.ticket != p2.ticket && p2.ticket != p3.ticket && p1.ticket != p3.ticket);
  EXPECT_COUNTS(r, "a", 3, 3, 0, 0, 0);

  /* Double report: the second is refused and counts nothing. */
  CHECK_STATUS(llmr_router_report(r, p1.ticket, &rep), LLMR_OK);
  EXPECT_COUNTS(r, "a", 2, 3, 1, 0, 0);
  CHECK_STATUS(llmr_router_report(r, p1.ticket, &rep), LLMR_ERR_TICKET_DONE);
  CHECK(strlen(llmr_error_message()) > 0);
  rep.outcome = LLMR_OUTCOME_SERVER_ERROR;
  CHECK_STATUS(llmr_router_report(r, p1.ticket, &rep), LLMR_ERR_TICKET_DONE);
  CHECK_STATUS(llmr_router_cancel(r, p1.ticket), LLMR_ERR_TICKET_DONE);
  EXPECT_COUNTS(r, "a", 2, 3, 1, 0, 0);

  /* Report after cancel. */
  CHECK_STATUS(llmr_router_cancel(r, p2.ticket), LLMR_OK);
  EXPECT_COUNTS(r, "a", 1, 3, 1, 0, 1);
  rep.outcome = LLMR_OUTCOME_SUCCESS;
  CHECK_STATUS(llmr_router_report(r, p2.ticket, &rep), LLMR_ERR_TICKET_DONE);
  CHECK_STATUS(llmr_router_cancel(r, p2.ticket), LLMR_ERR_TICKET_DONE);
  EXPECT_COUNTS(r, "a", 1, 3, 1, 0, 1);

  /* A failure is counted once too. */
  rep.outcome = LLMR_OUTCOME_SERVER_ERROR;
  CHECK_STATUS(llmr_router_report(r, p3.ticket, &rep), LLMR_OK);
  CHECK_STATUS(llmr_router_report(r, p3.ticket, &rep), LLMR_ERR_TICKET_DONE);
  EXPECT_COUNTS(r, "a", 0, 3, 1, 1, 1);
  {
    llmr_health h;
    if (CHECK_STATUS(th_health(r, "a", &h), LLMR_OK)) {
      CHECK_I64(h.consecutive_failures, 1);
      CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
    }
  }
  llmr_router_destroy(r);
}

static void test_tickets_unique(void) {
  enum { N = 200 };
  llmr_ticket tickets[N];
  int i, j, dup = 0, zero = 0;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 32);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  for (i = 0; i < N; ++i) {
    llmr_pick p;
    tickets[i] = 0;
    if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) tickets[i] = p.ticket;
    /* Finish half of them at once, so that slots are reused. */
    if (i % 2 == 0) CHECK_STATUS(llmr_router_cancel(r, tickets[i]), LLMR_OK);
  }
  for (i = 0; i < N; ++i) {
    zero += tickets[i] == 0;
    for (j = i + 1; j < N; ++j) dup += tickets[i] == tickets[j];
  }
  CHECK_I64(zero, 0);
  CHECK_I64(dup, 0);
  EXPECT_COUNTS(r, "a", N / 2, N, 0, 0, N / 2);
  /* Cancelled tickets stay done even after many newer ones were issued. */
  CHECK_STATUS(llmr_router_cancel(r, tickets[0]), LLMR_ERR_TICKET_DONE);
  for (i = 1; i < N; i += 2)
    CHECK_STATUS(th_report(r, tickets[i], LLMR_OUTCOME_SUCCESS, 5.0), LLMR_OK);
  EXPECT_COUNTS(r, "a", 0, N, N / 2, 0, N / 2);
  llmr_router_destroy(r);
}

static void test_request_errors_not_counted(void) {
  llmr_health h;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 33);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  th_feed(r, "m", NULL, "a", LLMR_OUTCOME_BAD_REQUEST, 10.0, 4);
  th_feed(r, "m", NULL, "a", LLMR_OUTCOME_CONTEXT_WINDOW_EXCEEDED, 10.0, 4);
  th_feed(r, "m", NULL, "a", LLMR_OUTCOME_CONTENT_POLICY, 10.0, 4);
  if (CHECK_STATUS(th_health(r, "a", &h), LLMR_OK)) {
    CHECK_I64(h.request_errors, 12);
    CHECK_I64(h.successes, 0);
    CHECK_I64(h.failures, 0);
    CHECK_I64(h.consecutive_failures, 0);
    CHECK_I64(h.picks, 12);
    CHECK_I64(h.in_flight, 0);
    CHECK(h.failure_ratio == 0.0);
    CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
    CHECK_I64(h.trips, 0);
  }
  llmr_router_destroy(r);
}

static void test_removed_deployment_ticket(void) {
  llmr_pick p, q;
  llmr_health h;
  char saved_name[32];
  llmr_router *r;
  th_env env;
  th_env_init(&env, 34);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "going-away", "m", 1, 0), LLMR_OK);
  if (!CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    llmr_router_destroy(r);
    return;
  }
  snprintf(saved_name, sizeof saved_name, "%s", p.deployment);
  CHECK_STR(saved_name, "going-away");
  CHECK_STATUS(th_pick(r, "m", NULL, &q), LLMR_OK);

  CHECK_STATUS(llmr_router_remove_deployment(r, "going-away"), LLMR_OK);
  CHECK_STATUS(th_health(r, "going-away", &h), LLMR_ERR_NOT_FOUND);
  {
    llmr_pick none;
    CHECK_STATUS(th_pick(r, "m", NULL, &none), LLMR_ERR_UNKNOWN_MODEL);
  }
  /* Churn: a new deployment with the same name, and more picks. */
  CHECK_STATUS(th_add(r, "going-away", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "other", "m", 1, 0), LLMR_OK);
  th_feed(r, "m", "going-away", "other", LLMR_OUTCOME_SUCCESS, 1.0, 5);

  /* The pick's strings are still readable until its ticket is done. */
  CHECK_STR(p.deployment, "going-away");
  CHECK_STR(p.model, "m");
  CHECK_STR(q.deployment, "going-away");
  CHECK_STATUS(th_report(r, p.ticket, LLMR_OUTCOME_SUCCESS, 10.0), LLMR_OK);
  CHECK_STATUS(th_report(r, p.ticket, LLMR_OUTCOME_SUCCESS, 10.0), LLMR_ERR_TICKET_DONE);
  CHECK_STATUS(llmr_router_cancel(r, q.ticket), LLMR_OK);
  CHECK_STATUS(llmr_router_cancel(r, q.ticket), LLMR_ERR_TICKET_DONE);
  /* The new deployment of the same name is not charged for the old one's tickets. */
  EXPECT_COUNTS(r, "going-away", 0, 0, 0, 0, 0);
  EXPECT_COUNTS(r, "other", 0, 5, 5, 0, 0);

  /* Failures reported for a removed deployment are accepted too. */
  if (CHECK_STATUS(th_pick(r, "m", "other", &p), LLMR_OK)) {
    CHECK_STATUS(llmr_router_remove_deployment(r, "going-away"), LLMR_OK);
    CHECK_STR(p.deployment, "going-away");
    CHECK_STATUS(th_report(r, p.ticket, LLMR_OUTCOME_SERVER_ERROR, 10.0), LLMR_OK);
  }

  /* Destroying a router with outstanding tickets is fine. */
  CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK);
  llmr_router_destroy(r);
}

static void test_cancel_leaves_health(void) {
  /* Cancelling a ticket changes nothing about health but in flight and the cancel count. */
  llmr_health before, after;
  llmr_pick p;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 35);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  th_feed(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 10.0, 2);
  CHECK_STATUS(th_health(r, "a", &before), LLMR_OK);
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK))
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  if (CHECK_STATUS(th_health(r, "a", &after), LLMR_OK)) {
    CHECK_I64(after.consecutive_failures, before.consecutive_failures);
    CHECK_I64(after.failures, before.failures);
    CHECK_I64(after.successes, before.successes);
    CHECK(after.failure_ratio == before.failure_ratio);
    CHECK_I64(after.cancels, before.cancels + 1);
    CHECK_I64(after.picks, before.picks + 1);
    CHECK_I64(after.in_flight, 0);
  }
  llmr_router_destroy(r);
}

/* Issue 17: every router's first ticket used to be 0x100000001, so router 2's ticket reported to
 * router 1 completed router 1's own. A ticket carries its router's tag. */
static void test_tickets_of_another_router_with_live_tickets(void) {
  llmr_report rep;
  llmr_pick p1, p2;
  llmr_router *r1, *r2;
  th_env env;
  th_env_init(&env, 31);
  r1 = th_default_router(&env);
  r2 = th_default_router(&env);
  if (r1 == NULL || r2 == NULL) {
    llmr_router_destroy(r1);
    llmr_router_destroy(r2);
    return;
  }
  CHECK_STATUS(th_add(r1, "a", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r2, "a", "m", 1, 0), LLMR_OK);
  llmr_report_init(&rep, sizeof rep);
  if (CHECK_STATUS(th_pick(r1, "m", NULL, &p1), LLMR_OK) &&
      CHECK_STATUS(th_pick(r2, "m", NULL, &p2), LLMR_OK)) {
    CHECK(p1.ticket != p2.ticket);
    CHECK_STATUS(llmr_router_report(r1, p2.ticket, &rep), LLMR_ERR_INVALID_TICKET);
    CHECK_STATUS(llmr_router_cancel(r2, p1.ticket), LLMR_ERR_INVALID_TICKET);
    EXPECT_COUNTS(r1, "a", 1, 1, 0, 0, 0); /* r1's own ticket is still live */
    CHECK_STATUS(llmr_router_report(r1, p1.ticket, &rep), LLMR_OK);
    CHECK_STATUS(llmr_router_report(r2, p2.ticket, &rep), LLMR_OK);
  }
  llmr_router_destroy(r1);
  llmr_router_destroy(r2);
}

/* Issue 17: the limits are in the header. A router holds LLMR_MAX_DEPLOYMENTS deployments and
 * refuses one more with LLMR_ERR_CAPACITY; a cancelled pick still counts against rpm_limit. */
static void test_limits_in_the_header(void) {
  static const char head[] = "{\"deployments\": [";
  const size_t per = 64;
  char *json;
  size_t len = 0;
  int i;
  llmr_router *r = NULL;
  llmr_deployment d;
  llmr_pick p;
  const char *models[] = {"m"};
  th_env env;
  th_env_init(&env, 33);
  CHECK_I64(LLMR_MAX_TICKETS, 4194304);
  json = (char *)malloc(sizeof head + (size_t)LLMR_MAX_DEPLOYMENTS * per + 4);
  if (!CHECK(json != NULL)) return;
  memcpy(json, head, sizeof head - 1);
  len = sizeof head - 1;
  for (i = 0; i < LLMR_MAX_DEPLOYMENTS; ++i) {
    len +=
        (size_t)sprintf(json + len, "%s{\"name\": \"d%d\", \"models\": [\"m\"]}", i ? "," : "", i);
  }
  len += (size_t)sprintf(json + len, "]}");
  if (CHECK_STATUS(llmr_router_create_from_config(json, len, NULL, &r), LLMR_OK)) {
    llmr_deployment_init(&d, sizeof d);
    d.name = "one-too-many";
    d.models = models;
    d.model_count = 1;
    CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_CAPACITY);
    CHECK_MESSAGE_HAS("4096");
    llmr_router_destroy(r);
  }
  free(json);

  r = th_default_router(&env);
  if (r == NULL) return;
  llmr_deployment_init(&d, sizeof d);
  d.name = "limited";
  d.models = models;
  d.model_count = 1;
  d.rpm_limit = 1;
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_OK);
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_ERR_RATE_LIMITED);
  llmr_router_destroy(r);
}

int main(void) {
  RUN_TEST(test_invalid_tickets);
  RUN_TEST(test_tickets_of_another_router_with_live_tickets);
  RUN_TEST(test_limits_in_the_header);
  RUN_TEST(test_exactly_once);
  RUN_TEST(test_tickets_unique);
  RUN_TEST(test_request_errors_not_counted);
  RUN_TEST(test_removed_deployment_ticket);
  RUN_TEST(test_cancel_leaves_health);
  return th_finish();
}
