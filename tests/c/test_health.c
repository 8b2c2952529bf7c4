/* Health through the ABI, with an injected clock and random source: the circuit breaker,
 * cooldowns and jitter, half-open probes, the all-open policies, rate limits, overrides and the
 * health list. No test sleeps. */
#include <llmroute/llmroute.h>

#include <stdio.h>
#include <string.h>

#include "harness.h"

static llmr_health get_health(llmr_router *r, const char *name) {
  llmr_health h;
  CHECK_STATUS(th_health(r, name, &h), LLMR_OK);
  return h;
}

/* Picks `name` for `model` (excluding `exclude`) and reports `outcome`, `n` times. */
static void fail(llmr_router *r, const char *model, const char *exclude, const char *name,
                 llmr_outcome outcome, int n) {
  th_feed(r, model, exclude, name, outcome, 100.0, n);
}

static void test_consecutive_failures_trip(void) {
  llmr_health h;
  llmr_pick p;
  int i, got_a = 0;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 40);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "b", "m", 1, 0), LLMR_OK);

  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
  CHECK_I64(h.eligible, 1);
  CHECK_I64(h.cooldown_remaining_ms, 0);

  fail(r, "m", "b", "a", LLMR_OUTCOME_SERVER_ERROR, 4);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
  CHECK_I64(h.consecutive_failures, 4);
  CHECK_I64(h.failures, 4);
  CHECK_I64(h.trips, 0);

  fail(r, "m", "b", "a", LLMR_OUTCOME_SERVER_ERROR, 1);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_I64(h.eligible, 0);
  CHECK_I64(h.trips, 1);
  CHECK_I64(h.failures, 5);
  CHECK_RANGE(h.cooldown_remaining_ms, 4500, 5500); /* base 5000 ms, +-10% jitter */
  CHECK(h.failure_ratio == 1.0);
  CHECK(env.clock_calls > 0); /* the injected clock is the one used */

  /* Picks avoid it. */
  for (i = 0; i < 20; ++i) {
    if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
      got_a += th_streq(p.deployment, "a");
      CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
    }
  }
  CHECK_I64(got_a, 0);
  /* The other one is untouched. */
  h = get_health(r, "b");
  CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
  CHECK_I64(h.trips, 0);
  llmr_router_destroy(r);
}

static void test_success_resets_streak(void) {
  llmr_health h;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 41);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 4);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SUCCESS, 1);
  h = get_health(r, "a");
  CHECK_I64(h.consecutive_failures, 0);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 4);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
  CHECK_I64(h.consecutive_failures, 4);
  CHECK_I64(h.trips, 0);
  llmr_router_destroy(r);
}

static void test_failure_kinds_count(void) {
  /* timeout, connection_error and auth_error count like server errors. */
  llmr_health h;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 42);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_TIMEOUT, 2);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_CONNECTION_ERROR, 1);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_AUTH_ERROR, 1);
  h = get_health(r, "a");
  CHECK_I64(h.consecutive_failures, 4);
  CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_AUTH_ERROR, 1);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_I64(h.failures, 5);
  CHECK_I64(h.trips, 1);
  llmr_router_destroy(r);
}

static void test_request_faults_do_not_trip(void) {
  llmr_health h;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 43);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_BAD_REQUEST, 10);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_CONTEXT_WINDOW_EXCEEDED, 10);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_CONTENT_POLICY, 10);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
  CHECK_I64(h.eligible, 1);
  CHECK_I64(h.trips, 0);
  CHECK_I64(h.failures, 0);
  CHECK_I64(h.request_errors, 30);
  CHECK_I64(h.consecutive_failures, 0);
  CHECK(h.failure_ratio == 0.0);
  llmr_router_destroy(r);
}

static void test_configured_threshold(void) {
  llmr_router_options opts;
  llmr_health h;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 44);
  th_options(&env, &opts);
  opts.breaker_consecutive_failures = 3;
  r = th_router(&opts);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 2);
  CHECK_I64(get_health(r, "a").state, LLMR_BREAKER_CLOSED);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 1);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_I64(h.trips, 1);
  llmr_router_destroy(r);
}

static void test_failure_ratio_trip(void) {
  llmr_health h;
  int i;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 45);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  /* 10 calls, 5 failures: the ratio is 0.5, which does not exceed 0.5. */
  for (i = 0; i < 5; ++i) {
    fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 1);
    fail(r, "m", NULL, "a", LLMR_OUTCOME_SUCCESS, 1);
    th_advance_ms(&env, 100);
  }
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
  CHECK(h.failure_ratio == 0.5);
  CHECK_I64(h.consecutive_failures, 0);
  /* One more failure: 6/11 > 0.5 with at least 10 calls. */
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 1);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_I64(h.trips, 1);
  CHECK_I64(h.failures, 6);
  llmr_router_destroy(r);
}

static void test_failure_ratio_needs_min_requests(void) {
  llmr_health h;
  int i;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 46);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  /* 4 failures out of 7: ratio 0.57 but fewer than 10 calls. */
  for (i = 0; i < 3; ++i) {
    fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 1);
    fail(r, "m", NULL, "a", LLMR_OUTCOME_SUCCESS, 1);
  }
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 1);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
  CHECK(h.failure_ratio > 0.5);
  llmr_router_destroy(r);
}

static void test_failure_window_slides(void) {
  llmr_health h;
  int i;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 47);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  for (i = 0; i < 5; ++i) {
    fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 1);
    fail(r, "m", NULL, "a", LLMR_OUTCOME_SUCCESS, 1);
  }
  CHECK(get_health(r, "a").failure_ratio == 0.5);
  /* Two windows later the old calls are gone: one failure is 1 call, below the minimum. */
  th_advance_ms(&env, 61000);
  h = get_health(r, "a");
  CHECK(h.failure_ratio == 0.0);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 1);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
  CHECK(h.failure_ratio == 1.0);
  CHECK_I64(h.failures, 6); /* lifetime counts do not slide */
  CHECK_I64(h.successes, 5);
  llmr_router_destroy(r);
}

static void test_cooldown_half_open_probe(void) {
  llmr_health h;
  llmr_pick p, p2;
  int64_t remaining;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 48);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 5);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  remaining = h.cooldown_remaining_ms;
  CHECK_RANGE(remaining, 4500, 5500);

  /* Fail fast, with the time until it is back. */
  CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_ERR_NO_PROVIDER);
  CHECK_RANGE(p.retry_after_ms, remaining - 1, remaining + 1); /* same instant, up to rounding */
  CHECK_I64(p.is_panic, 0);
  CHECK(strlen(llmr_error_message()) > 0);

  /* Time passes; the cooldown counts down. */
  th_advance_ms(&env, 1000);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_RANGE(h.cooldown_remaining_ms, remaining - 1001, remaining - 999);
  CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_ERR_NO_PROVIDER);
  CHECK_RANGE(p.retry_after_ms, remaining - 1001, remaining - 999);

  /* Just before the end: still open. */
  th_advance_ms(&env, remaining - 1000 - 2);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_ERR_NO_PROVIDER);
  CHECK(p.retry_after_ms > 0 && p.retry_after_ms <= 3);

  /* Just after: half-open, eligible, with no cooldown left. */
  th_advance_ms(&env, 4);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_HALF_OPEN);
  CHECK_I64(h.eligible, 1);
  CHECK_I64(h.cooldown_remaining_ms, 0);

  /* One probe at a time (half_open_max_probes = 1). */
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "a");
    CHECK_I64(p.is_probe, 1);
    CHECK_I64(p.is_panic, 0);
    CHECK_I64(get_health(r, "a").state, LLMR_BREAKER_HALF_OPEN);
    CHECK_STATUS(th_pick(r, "m", NULL, &p2), LLMR_ERR_NO_PROVIDER);
    /* Cancelling the probe gives its permit back. */
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
    CHECK_I64(get_health(r, "a").state, LLMR_BREAKER_HALF_OPEN);
  }
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    CHECK_I64(p.is_probe, 1);
    /* A successful probe closes the breaker. */
    CHECK_STATUS(th_report(r, p.ticket, LLMR_OUTCOME_SUCCESS, 80.0), LLMR_OK);
  }
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
  CHECK_I64(h.eligible, 1);
  CHECK_I64(h.consecutive_failures, 0);
  CHECK_I64(h.trips, 1);
  /* Plain picks again, several at once. */
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    CHECK_I64(p.is_probe, 0);
    if (CHECK_STATUS(th_pick(r, "m", NULL, &p2), LLMR_OK)) {
      CHECK_I64(p2.is_probe, 0);
      CHECK_STATUS(llmr_router_cancel(r, p2.ticket), LLMR_OK);
    }
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  llmr_router_destroy(r);
}

static void test_half_open_probes_option(void) {
  llmr_router_options opts;
  llmr_pick p[3];
  llmr_router *r;
  th_env env;
  th_env_init(&env, 49);
  th_options(&env, &opts);
  opts.half_open_max_probes = 2;
  r = th_router(&opts);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 5);
  th_advance_ms(&env, 5501);
  CHECK_I64(get_health(r, "a").state, LLMR_BREAKER_HALF_OPEN);
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p[0]), LLMR_OK)) CHECK_I64(p[0].is_probe, 1);
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p[1]), LLMR_OK)) CHECK_I64(p[1].is_probe, 1);
  CHECK_STATUS(th_pick(r, "m", NULL, &p[2]), LLMR_ERR_NO_PROVIDER);
  /* A failed probe opens it again, with a doubled cooldown. */
  CHECK_STATUS(th_report(r, p[0].ticket, LLMR_OUTCOME_SERVER_ERROR, 10.0), LLMR_OK);
  CHECK_I64(get_health(r, "a").state, LLMR_BREAKER_OPEN);
  CHECK_RANGE(get_health(r, "a").cooldown_remaining_ms, 9000, 11000);
  /* The other probe's late report is accepted. */
  CHECK_STATUS(th_report(r, p[1].ticket, LLMR_OUTCOME_SERVER_ERROR, 10.0), LLMR_OK);
  CHECK_I64(get_health(r, "a").state, LLMR_BREAKER_OPEN);
  llmr_router_destroy(r);
}

/* Trips `a` (the only deployment of "m") from half-open with a failed probe. */
static void fail_probe(llmr_router *r, th_env *env) {
  llmr_pick p;
  th_advance_ms(env, get_health(r, "a").cooldown_remaining_ms + 1);
  CHECK_I64(get_health(r, "a").state, LLMR_BREAKER_HALF_OPEN);
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    CHECK_I64(p.is_probe, 1);
    CHECK_STATUS(th_report(r, p.ticket, LLMR_OUTCOME_TIMEOUT, -1.0), LLMR_OK);
  }
}

static void test_cooldown_doubles_to_cap(void) {
  /* No jitter: cooldowns are exact. base 1000, cap 4000. */
  llmr_router_options opts;
  llmr_health h;
  llmr_pick p;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 50);
  th_options(&env, &opts);
  opts.breaker_jitter = 0.0;
  opts.breaker_cooldown_base_ms = 1000;
  opts.breaker_cooldown_max_ms = 4000;
  r = th_router(&opts);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 5);
  CHECK_I64(get_health(r, "a").cooldown_remaining_ms, 1000);
  fail_probe(r, &env);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_I64(h.cooldown_remaining_ms, 2000);
  CHECK_I64(h.trips, 2);
  fail_probe(r, &env);
  CHECK_I64(get_health(r, "a").cooldown_remaining_ms, 4000);
  fail_probe(r, &env);
  h = get_health(r, "a");
  CHECK_I64(h.cooldown_remaining_ms, 4000); /* capped */
  CHECK_I64(h.trips, 4);
  /* A success closes it; the next trip starts from the base again. */
  th_advance_ms(&env, 4001);
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    CHECK_I64(p.is_probe, 1);
    CHECK_STATUS(th_report(r, p.ticket, LLMR_OUTCOME_SUCCESS, 10.0), LLMR_OK);
  }
  CHECK_I64(get_health(r, "a").state, LLMR_BREAKER_CLOSED);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 5);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_I64(h.cooldown_remaining_ms, 1000);
  CHECK_I64(h.trips, 5);
  llmr_router_destroy(r);
}

static void test_jitter_bounds(void) {
  /* Whatever the random source returns, the cooldown stays within +-jitter of the base. */
  static const uint64_t extremes[] = {0, 1, UINT64_C(0x8000000000000000), UINT64_MAX - 1,
                                      UINT64_MAX};
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  size_t i;
  for (i = 0; i < sizeof extremes / sizeof extremes[0]; ++i) {
    llmr_router *r;
    th_env env;
    int64_t c;
    th_env_init(&env, 51);
    env.use_fixed_random = 1;
    env.fixed_random = extremes[i];
    r = th_default_router(&env);
    if (r == NULL) return;
    CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
    fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 5);
    c = get_health(r, "a").cooldown_remaining_ms;
    if (!CHECK_RANGE(c, 4500, 5500)) printf("  (random value %u of the list)\n", (unsigned)i);
    if (c < lo) lo = c;
    if (c > hi) hi = c;
    llmr_router_destroy(r);
  }
  /* The injected random source drives the jitter: different values, different cooldowns. */
  CHECK(hi > lo);
  /* With a varying source, cooldowns vary too. */
  {
    int distinct = 0;
    int64_t first = -1;
    uint64_t seed;
    for (seed = 100; seed < 110; ++seed) {
      llmr_router *r;
      th_env env;
      int64_t c;
      th_env_init(&env, seed);
      r = th_default_router(&env);
      if (r == NULL) return;
      th_add(r, "a", "m", 1, 0);
      fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 5);
      c = get_health(r, "a").cooldown_remaining_ms;
      CHECK_RANGE(c, 4500, 5500);
      if (first < 0) first = c;
      distinct += c != first;
      llmr_router_destroy(r);
    }
    CHECK(distinct > 0);
  }
}

/* Trips both deployments of "m": a at t0, b two seconds later. */
static void trip_both(llmr_router *r, th_env *env) {
  fail(r, "m", "b", "a", LLMR_OUTCOME_SERVER_ERROR, 5);
  th_advance_ms(env, 2000);
  fail(r, "m", "a", "b", LLMR_OUTCOME_SERVER_ERROR, 5);
}

static void test_all_open_fail_fast(void) {
  llmr_health ha, hb;
  llmr_pick p;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 52);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "b", "m", 1, 0), LLMR_OK);
  trip_both(r, &env);
  ha = get_health(r, "a");
  hb = get_health(r, "b");
  CHECK_I64(ha.state, LLMR_BREAKER_OPEN);
  CHECK_I64(hb.state, LLMR_BREAKER_OPEN);
  CHECK(ha.cooldown_remaining_ms < hb.cooldown_remaining_ms);
  CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_ERR_NO_PROVIDER);
  CHECK(p.retry_after_ms > 0);
  /* The earliest recovery (same instant, up to rounding). */
  CHECK_RANGE(p.retry_after_ms, ha.cooldown_remaining_ms - 1, ha.cooldown_remaining_ms + 1);
  CHECK_I64(p.is_panic, 0);
  /* Nothing was put in flight. */
  CHECK_I64(get_health(r, "a").in_flight, 0);
  CHECK_I64(get_health(r, "b").in_flight, 0);
  /* An unknown model is still a different error. */
  CHECK_STATUS(th_pick(r, "other", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  llmr_router_destroy(r);
}

static void test_all_open_panic(void) {
  llmr_router_options opts;
  llmr_pick p;
  llmr_health h;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 53);
  th_options(&env, &opts);
  opts.all_open_policy = LLMR_ALL_OPEN_PANIC;
  r = th_router(&opts);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "b", "m", 1, 0), LLMR_OK);
  /* While one is healthy, panic routing does not kick in. */
  fail(r, "m", "b", "a", LLMR_OUTCOME_SERVER_ERROR, 5);
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "b");
    CHECK_I64(p.is_panic, 0);
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  th_advance_ms(&env, 2000);
  fail(r, "m", "a", "b", LLMR_OUTCOME_SERVER_ERROR, 5);
  /* a recovers first (about 3 s left against about 5 s). */
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "a");
    CHECK_I64(p.is_panic, 1);
    CHECK_I64(p.retry_after_ms, 0);
    h = get_health(r, "a");
    CHECK_I64(h.in_flight, 1);
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  /* After a has recovered (half-open), its probe is a normal pick, not a panic. */
  th_advance_ms(&env, get_health(r, "a").cooldown_remaining_ms + 1);
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "a");
    CHECK_I64(p.is_probe, 1);
    CHECK_I64(p.is_panic, 0);
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  /* Forced-open deployments are never chosen, not even in panic. */
  CHECK_STATUS(llmr_router_set_override(r, "a", LLMR_OVERRIDE_FORCE_OPEN), LLMR_OK);
  CHECK_STATUS(llmr_router_set_override(r, "b", LLMR_OVERRIDE_FORCE_OPEN), LLMR_OK);
  CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_ERR_NO_PROVIDER);
  CHECK_I64(p.retry_after_ms, -1);
  llmr_router_destroy(r);
}

static void test_rate_limited(void) {
  llmr_report rep;
  llmr_health h;
  llmr_pick p, old1, old2;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 54);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);

  /* A 429 without retry-after counts as a failure but does not open the breaker on its own. */
  fail(r, "m", NULL, "a", LLMR_OUTCOME_RATE_LIMITED, 1);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
  CHECK_I64(h.failures, 1);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SUCCESS, 1);

  /* With retry-after: cools down for that long. */
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    llmr_report_init(&rep, sizeof rep);
    rep.outcome = LLMR_OUTCOME_RATE_LIMITED;
    rep.retry_after_ms = 20000;
    CHECK_STATUS(llmr_router_report(r, p.ticket, &rep), LLMR_OK);
  }
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_RANGE(h.cooldown_remaining_ms, 18000, 22000);
  CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_ERR_NO_PROVIDER);
  CHECK_RANGE(p.retry_after_ms, 18000, 22000);
  th_advance_ms(&env, 17999);
  CHECK_I64(get_health(r, "a").state, LLMR_BREAKER_OPEN);
  th_advance_ms(&env, 22001 - 17999);
  /* The provider's own deadline has passed: back in fully, without a half-open probe (issue 17;
   * LiteLLM's cooldowns and Envoy's ejections end the same way). */
  CHECK_I64(get_health(r, "a").state, LLMR_BREAKER_CLOSED);
  CHECK_STATUS(th_pick(r, "m", NULL, &old1), LLMR_OK);
  CHECK_I64(old1.is_probe, 0);
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    CHECK_I64(p.is_probe, 0);
    CHECK_STATUS(llmr_router_cancel(r, old1.ticket), LLMR_OK);
    /* A huge retry-after is capped at breaker_cooldown_max_ms (300 s). */
    llmr_report_init(&rep, sizeof rep);
    rep.outcome = LLMR_OUTCOME_RATE_LIMITED;
    rep.retry_after_ms = INT64_C(10000000);
    CHECK_STATUS(llmr_router_report(r, p.ticket, &rep), LLMR_OK);
  }
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_RANGE(h.cooldown_remaining_ms, 270000, 330000);
  llmr_router_destroy(r);

  /* A new trip never shortens an existing cooldown; a longer retry-after extends it. */
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_pick(r, "m", NULL, &old1), LLMR_OK);
  CHECK_STATUS(th_pick(r, "m", NULL, &old2), LLMR_OK);
  fail(r, "m", NULL, "a", LLMR_OUTCOME_SERVER_ERROR, 5);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_RANGE(h.cooldown_remaining_ms, 4500, 5500);
  llmr_report_init(&rep, sizeof rep);
  rep.outcome = LLMR_OUTCOME_RATE_LIMITED;
  rep.retry_after_ms = 1000;
  CHECK_STATUS(llmr_router_report(r, old1.ticket, &rep), LLMR_OK);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_RANGE(h.cooldown_remaining_ms, 4500, 5500);
  rep.retry_after_ms = 60000;
  CHECK_STATUS(llmr_router_report(r, old2.ticket, &rep), LLMR_OK);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_RANGE(h.cooldown_remaining_ms, 54000, 66000);
  llmr_router_destroy(r);
}

static void test_overrides(void) {
  llmr_health h;
  llmr_pick p;
  int i, got_a = 0;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 55);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "b", "m", 1, 0), LLMR_OK);

  /* FORCE_OPEN: never picked, whatever its health. */
  CHECK_STATUS(llmr_router_set_override(r, "a", LLMR_OVERRIDE_FORCE_OPEN), LLMR_OK);
  h = get_health(r, "a");
  CHECK_I64(h.override_mode, LLMR_OVERRIDE_FORCE_OPEN);
  CHECK_I64(h.eligible, 0);
  CHECK_I64(h.state, LLMR_BREAKER_CLOSED); /* the breaker itself is untouched */
  for (i = 0; i < 10; ++i) {
    if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
      got_a += th_streq(p.deployment, "a");
      CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
    }
  }
  CHECK_I64(got_a, 0);
  CHECK_STATUS(llmr_router_set_override(r, "b", LLMR_OVERRIDE_FORCE_OPEN), LLMR_OK);
  CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_ERR_NO_PROVIDER);
  CHECK_I64(p.retry_after_ms, -1); /* nothing will recover by itself */

  /* AUTO: back to the breaker. */
  CHECK_STATUS(llmr_router_set_override(r, "a", LLMR_OVERRIDE_AUTO), LLMR_OK);
  CHECK_STATUS(llmr_router_set_override(r, "b", LLMR_OVERRIDE_AUTO), LLMR_OK);
  CHECK_I64(get_health(r, "a").override_mode, LLMR_OVERRIDE_AUTO);
  CHECK_I64(get_health(r, "a").eligible, 1);

  /* FORCE_CLOSED: eligible although the breaker is open; outcomes are still recorded. */
  fail(r, "m", "b", "a", LLMR_OUTCOME_SERVER_ERROR, 5);
  CHECK_I64(get_health(r, "a").state, LLMR_BREAKER_OPEN);
  CHECK_STATUS(llmr_router_set_override(r, "a", LLMR_OVERRIDE_FORCE_CLOSED), LLMR_OK);
  h = get_health(r, "a");
  CHECK_I64(h.override_mode, LLMR_OVERRIDE_FORCE_CLOSED);
  CHECK_I64(h.eligible, 1);
  if (CHECK_STATUS(th_pick(r, "m", "b", &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "a");
    CHECK_I64(p.is_panic, 0);
    CHECK_STATUS(th_report(r, p.ticket, LLMR_OUTCOME_SERVER_ERROR, 10.0), LLMR_OK);
  }
  h = get_health(r, "a");
  CHECK_I64(h.failures, 6);
  CHECK_I64(h.eligible, 1);
  /* Both a and b get traffic while a is forced closed. */
  got_a = 0;
  for (i = 0; i < 10; ++i) {
    if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
      got_a += th_streq(p.deployment, "a");
      CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
    }
  }
  CHECK_I64(got_a, 5);

  /* AUTO again: the breaker, still in its cooldown, keeps it out. */
  CHECK_STATUS(llmr_router_set_override(r, "a", LLMR_OVERRIDE_AUTO), LLMR_OK);
  h = get_health(r, "a");
  CHECK_I64(h.state, LLMR_BREAKER_OPEN);
  CHECK_I64(h.eligible, 0);
  CHECK_STATUS(th_pick(r, "m", "b", &p), LLMR_ERR_NO_PROVIDER);
  llmr_router_destroy(r);
}

static void test_health_list(void) {
  llmr_health_list *list = NULL, *later = NULL;
  llmr_health h;
  size_t i;
  static const char *const order[] = {"zeta", "alpha", "mid"};
  llmr_router *r;
  th_env env;
  th_env_init(&env, 56);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "zeta", "m", 2, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "alpha", "m", 3, 1), LLMR_OK);
  CHECK_STATUS(th_add(r, "mid", "other", 4, 0), LLMR_OK);
  fail(r, "m", NULL, "zeta", LLMR_OUTCOME_SUCCESS, 2);
  fail(r, "other", NULL, "mid", LLMR_OUTCOME_SERVER_ERROR, 5);
  {
    llmr_pick p;
    CHECK_STATUS(th_pick(r, "m", "zeta", &p), LLMR_OK); /* alpha: one in flight */
  }

  if (!CHECK_STATUS(llmr_router_health_list(r, &list), LLMR_OK)) {
    llmr_router_destroy(r);
    return;
  }
  if (CHECK_I64(llmr_health_list_count(list), 3)) {
    /* In the order they were added. */
    for (i = 0; i < 3; ++i) {
      llmr_health_init(&h, sizeof h);
      if (CHECK_STATUS(llmr_health_list_get(list, i, &h), LLMR_OK)) CHECK_STR(h.name, order[i]);
    }
    llmr_health_init(&h, sizeof h);
    llmr_health_list_get(list, 0, &h);
    CHECK_I64(h.successes, 2);
    CHECK_I64(h.picks, 2);
    CHECK_I64(h.weight, 2);
    CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
    llmr_health_list_get(list, 1, &h);
    CHECK_I64(h.in_flight, 1);
    CHECK_I64(h.tier, 1);
    CHECK_I64(h.weight, 3);
    llmr_health_list_get(list, 2, &h);
    CHECK_I64(h.state, LLMR_BREAKER_OPEN);
    CHECK_I64(h.eligible, 0);
    CHECK_I64(h.failures, 5);
    CHECK_I64(h.trips, 1);
    CHECK_RANGE(h.cooldown_remaining_ms, 4500, 5500);
  }
  CHECK_STATUS(llmr_health_list_get(list, 3, &h), LLMR_ERR_INVALID_ARGUMENT);

  /* A snapshot: later changes do not show in it, and its names outlive removals. */
  CHECK_STATUS(llmr_router_remove_deployment(r, "zeta"), LLMR_OK);
  CHECK_STATUS(th_add(r, "new", "m", 1, 0), LLMR_OK);
  CHECK_I64(llmr_health_list_count(list), 3);
  llmr_health_init(&h, sizeof h);
  if (CHECK_STATUS(llmr_health_list_get(list, 0, &h), LLMR_OK)) CHECK_STR(h.name, "zeta");

  if (CHECK_STATUS(llmr_router_health_list(r, &later), LLMR_OK)) {
    static const char *const now[] = {"alpha", "mid", "new"};
    if (CHECK_I64(llmr_health_list_count(later), 3)) {
      for (i = 0; i < 3; ++i) {
        llmr_health_init(&h, sizeof h);
        if (CHECK_STATUS(llmr_health_list_get(later, i, &h), LLMR_OK)) CHECK_STR(h.name, now[i]);
      }
    }
    llmr_health_list_free(later);
  }
  llmr_health_list_free(list);

  /* An empty router gives an empty list. */
  llmr_router_destroy(r);
  r = th_default_router(&env);
  if (r == NULL) return;
  list = NULL;
  if (CHECK_STATUS(llmr_router_health_list(r, &list), LLMR_OK)) {
    CHECK_I64(llmr_health_list_count(list), 0);
    llmr_health_list_free(list);
  }
  llmr_router_destroy(r);
}

/* Issue 17: out->name is the caller's own string, never the router's copy, which a removal or
 * reload on another thread frees. After the deployment is gone the name still reads. */
static void test_health_name_is_the_callers(void) {
  llmr_health h;
  char name[16];
  llmr_router *r;
  th_env env;
  th_env_init(&env, 41);
  r = th_default_router(&env);
  if (r == NULL) return;
  strcpy(name, "owned-by-me");
  CHECK_STATUS(th_add(r, name, "m", 1, 0), LLMR_OK);
  llmr_health_init(&h, sizeof h);
  if (CHECK_STATUS(llmr_router_health(r, name, &h), LLMR_OK)) {
    CHECK(h.name == name);
    CHECK_STATUS(llmr_router_remove_deployment(r, name), LLMR_OK);
    CHECK_STR(h.name, "owned-by-me");
  }
  llmr_router_destroy(r);
}

int main(void) {
  RUN_TEST(test_consecutive_failures_trip);
  RUN_TEST(test_success_resets_streak);
  RUN_TEST(test_failure_kinds_count);
  RUN_TEST(test_request_faults_do_not_trip);
  RUN_TEST(test_configured_threshold);
  RUN_TEST(test_failure_ratio_trip);
  RUN_TEST(test_failure_ratio_needs_min_requests);
  RUN_TEST(test_failure_window_slides);
  RUN_TEST(test_cooldown_half_open_probe);
  RUN_TEST(test_half_open_probes_option);
  RUN_TEST(test_cooldown_doubles_to_cap);
  RUN_TEST(test_jitter_bounds);
  RUN_TEST(test_all_open_fail_fast);
  RUN_TEST(test_all_open_panic);
  RUN_TEST(test_rate_limited);
  RUN_TEST(test_overrides);
  RUN_TEST(test_health_list);
  RUN_TEST(test_health_name_is_the_callers);
  return th_finish();
}
