/* Picking: argument errors, unknown models, aliases, globs, exclusion, tiers, the strategies,
 * and fallback lists. */
#include <llmroute/llmroute.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define MAX_PICKS 1000

/* Picks `n` times, cancelling each ticket, and copies the chosen deployment names (the pick's
 * pointer is only valid until the ticket is cancelled). Every pick must be a plain one. */
static int pick_many(llmr_router *r, const char *model, int n, char (*names)[32]) {
  int i, ok = 0;
  for (i = 0; i < n; ++i) {
    llmr_pick p;
    names[i][0] = '\0';
    if (!CHECK_STATUS(th_pick(r, model, NULL, &p), LLMR_OK)) continue;
    snprintf(names[i], sizeof names[i], "%s", p.deployment ? p.deployment : "(null)");
    CHECK_I64(p.is_probe, 0);
    CHECK_I64(p.is_panic, 0);
    ++ok;
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  return ok;
}

static int count_name(char (*names)[32], int n, const char *name) {
  int i, c = 0;
  for (i = 0; i < n; ++i)
    if (strcmp(names[i], name) == 0) ++c;
  return c;
}

static void test_pick_arguments(void) {
  char over[LLMR_NAME_MAX + 2];
  llmr_pick p;
  llmr_pick_options po;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 10);
  r = th_default_router(&env);
  if (r == NULL) return;

  /* No deployments at all. */
  CHECK_STATUS(th_pick(r, "gpt-4o", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  CHECK(strlen(llmr_error_message()) > 0);

  CHECK_STATUS(th_add(r, "a", "gpt-4o", 1, 0), LLMR_OK);
  llmr_pick_init(&p, sizeof p);
  CHECK_STATUS(llmr_router_pick(NULL, "gpt-4o", NULL, &p), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_pick(r, NULL, NULL, &p), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_pick(r, "gpt-4o", NULL, NULL), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_pick(r, "", NULL, &p), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_pick(r, "gpt\xff", NULL, &p), LLMR_ERR_INVALID_ARGUMENT);
  memset(over, 'g', LLMR_NAME_MAX + 1);
  over[LLMR_NAME_MAX + 1] = '\0';
  CHECK_STATUS(llmr_router_pick(r, over, NULL, &p), LLMR_ERR_INVALID_ARGUMENT);

  /* An uninitialised pick or options struct, or a bad exclude list. A pick that is wrongly
   * accepted is cancelled, so that the checks after it still mean something. */
  {
    const char *ex[2] = {"b", NULL};
    int accepted = 0;
    llmr_status st;
    llmr_pick_init(&p, sizeof p);
    p.struct_size = 0;
    st = llmr_router_pick(r, "gpt-4o", NULL, &p);
    CHECK_STATUS(st, LLMR_ERR_INVALID_ARGUMENT);
    if (st == LLMR_OK) accepted += llmr_router_cancel(r, p.ticket) == LLMR_OK;
    llmr_pick_init(&p, sizeof p);
    llmr_pick_options_init(&po, sizeof po);
    po.struct_size = 0;
    st = llmr_router_pick(r, "gpt-4o", &po, &p);
    CHECK_STATUS(st, LLMR_ERR_INVALID_ARGUMENT);
    if (st == LLMR_OK) accepted += llmr_router_cancel(r, p.ticket) == LLMR_OK;
    llmr_pick_options_init(&po, sizeof po);
    po.exclude = NULL;
    po.exclude_count = 2;
    st = llmr_router_pick(r, "gpt-4o", &po, &p);
    CHECK_STATUS(st, LLMR_ERR_INVALID_ARGUMENT);
    if (st == LLMR_OK) accepted += llmr_router_cancel(r, p.ticket) == LLMR_OK;
    po.exclude = ex;
    po.exclude_count = 2;
    st = llmr_router_pick(r, "gpt-4o", &po, &p);
    CHECK_STATUS(st, LLMR_ERR_INVALID_ARGUMENT);
    if (st == LLMR_OK) accepted += llmr_router_cancel(r, p.ticket) == LLMR_OK;
    /* None of the failed picks is in flight or counted. */
    {
      llmr_health h;
      if (CHECK_STATUS(th_health(r, "a", &h), LLMR_OK)) {
        CHECK_I64(h.in_flight, 0);
        CHECK_I64(h.picks, accepted);
      }
    }
  }

  CHECK_STATUS(th_pick(r, "gpt-4", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  CHECK_MESSAGE_HAS("gpt-4");
  CHECK_STATUS(th_pick(r, "GPT-4O", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  CHECK_STATUS(th_pick(r, "gpt-4o ", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);

  /* NULL options mean the defaults. */
  llmr_pick_init(&p, sizeof p);
  if (CHECK_STATUS(llmr_router_pick(r, "gpt-4o", NULL, &p), LLMR_OK)) {
    CHECK(p.ticket != 0);
    CHECK_STR(p.deployment, "a");
    CHECK_STR(p.model, "gpt-4o");
    CHECK_I64(p.tier, 0);
    CHECK_I64(p.is_probe, 0);
    CHECK_I64(p.is_panic, 0);
    CHECK_I64(p.retry_after_ms, 0);
    CHECK_STR(llmr_error_message(), "");
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  llmr_router_destroy(r);
}

static void test_round_robin_rotation(void) {
  char names[30][32];
  int i;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 11);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "b", "m", 5, 0), LLMR_OK); /* weights do not matter to round robin */
  CHECK_STATUS(th_add(r, "c", "m", 1, 0), LLMR_OK);
  if (pick_many(r, "m", 30, names) != 30) {
    llmr_router_destroy(r);
    return;
  }
  CHECK_I64(count_name(names, 30, "a"), 10);
  CHECK_I64(count_name(names, 30, "b"), 10);
  CHECK_I64(count_name(names, 30, "c"), 10);
  /* A true rotation: period 3, every window of 3 holds all three. */
  for (i = 0; i + 3 < 30; ++i) CHECK(th_streq(names[i], names[i + 3]));
  for (i = 0; i + 2 < 30; ++i) {
    CHECK(!th_streq(names[i], names[i + 1]));
    CHECK(!th_streq(names[i], names[i + 2]));
  }
  llmr_router_destroy(r);
}

static void test_round_robin_random_start(void) {
  /* "random start per router": across routers seeded differently, the first pick varies. */
  int seen_a = 0, seen_b = 0, seen_c = 0;
  uint64_t seed;
  for (seed = 1; seed <= 40; ++seed) {
    llmr_pick p;
    llmr_router *r;
    th_env env;
    th_env_init(&env, seed * 7919);
    r = th_default_router(&env);
    if (r == NULL) return;
    th_add(r, "a", "m", 1, 0);
    th_add(r, "b", "m", 1, 0);
    th_add(r, "c", "m", 1, 0);
    if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
      seen_a += th_streq(p.deployment, "a");
      seen_b += th_streq(p.deployment, "b");
      seen_c += th_streq(p.deployment, "c");
    }
    llmr_router_destroy(r);
  }
  CHECK(seen_a > 0);
  CHECK(seen_b > 0);
  CHECK(seen_c > 0);
}

static void test_alias(void) {
  llmr_pick p;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 12);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "gpt-4o", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "b", "claude", 1, 0), LLMR_OK);

  CHECK_STATUS(th_pick(r, "smart", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  CHECK_STATUS(llmr_router_set_alias(r, "smart", "gpt-4o"), LLMR_OK);
  if (CHECK_STATUS(th_pick(r, "smart", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "a");
    CHECK_STR(p.model, "gpt-4o");
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  /* Replacing the mapping. */
  CHECK_STATUS(llmr_router_set_alias(r, "smart", "claude"), LLMR_OK);
  if (CHECK_STATUS(th_pick(r, "smart", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "b");
    CHECK_STR(p.model, "claude");
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  /* One level only: "smarter" -> "smart" is not resolved further. */
  CHECK_STATUS(llmr_router_set_alias(r, "smarter", "smart"), LLMR_OK);
  CHECK_STATUS(th_pick(r, "smarter", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  /* An alias to a model nobody serves. */
  CHECK_STATUS(llmr_router_set_alias(r, "ghost", "nobody-serves-this"), LLMR_OK);
  CHECK_STATUS(th_pick(r, "ghost", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  /* Removal. */
  CHECK_STATUS(llmr_router_remove_alias(r, "smart"), LLMR_OK);
  CHECK_STATUS(llmr_router_remove_alias(r, "smart"), LLMR_ERR_NOT_FOUND);
  CHECK_STATUS(th_pick(r, "smart", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  /* The real model names still work; without an alias, pick.model is the caller's own string
   * (the same pointer, as the header documents), so it lives as long as the caller keeps it. */
  {
    static const char kAsked[] = "gpt-4o";
    if (CHECK_STATUS(th_pick(r, kAsked, NULL, &p), LLMR_OK)) {
      CHECK_STR(p.deployment, "a");
      CHECK(p.model == kAsked);
      CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
    }
  }
  llmr_router_destroy(r);
}

static void test_glob_models(void) {
  llmr_pick p;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 13);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "openai", "gpt-4o*", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "anthropic", "claude-?", 1, 0), LLMR_OK);

  if (CHECK_STATUS(th_pick(r, "gpt-4o-mini", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "openai");
    CHECK_STR(p.model, "gpt-4o-mini");
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  if (CHECK_STATUS(th_pick(r, "gpt-4o", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "openai");
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  CHECK_STATUS(th_pick(r, "gpt-4", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  CHECK_STATUS(th_pick(r, "my-gpt-4o", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  if (CHECK_STATUS(th_pick(r, "claude-3", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "anthropic");
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  CHECK_STATUS(th_pick(r, "claude-35", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  CHECK_STATUS(th_pick(r, "claude-", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);

  /* An alias may resolve to a name that only a glob matches. */
  CHECK_STATUS(llmr_router_set_alias(r, "cheap", "gpt-4o-mini"), LLMR_OK);
  if (CHECK_STATUS(th_pick(r, "cheap", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "openai");
    CHECK_STR(p.model, "gpt-4o-mini");
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }

  /* "*" matches anything. */
  CHECK_STATUS(th_add(r, "catch-all", "*", 1, 0), LLMR_OK);
  if (CHECK_STATUS(th_pick(r, "some-model-nobody-named", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "catch-all");
    CHECK_STR(p.model, "some-model-nobody-named");
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  if (CHECK_STATUS(th_pick(r, "x", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "catch-all");
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  llmr_router_destroy(r);
}

static void test_exclude(void) {
  static const char *const ex_a[] = {"a"};
  static const char *const ex_ab[] = {"a", "b"};
  static const char *const ex_unknown[] = {"zzz", "not-a-deployment"};
  llmr_pick_options po;
  llmr_pick p;
  int i, got_b = 0, got_a = 0;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 14);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "b", "m", 1, 0), LLMR_OK);

  llmr_pick_options_init(&po, sizeof po);
  po.exclude = ex_a;
  po.exclude_count = 1;
  for (i = 0; i < 10; ++i) {
    llmr_pick_init(&p, sizeof p);
    if (CHECK_STATUS(llmr_router_pick(r, "m", &po, &p), LLMR_OK)) {
      got_b += th_streq(p.deployment, "b");
      CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
    }
  }
  CHECK_I64(got_b, 10);

  /* Excluding every deployment leaves nothing eligible. */
  po.exclude = ex_ab;
  po.exclude_count = 2;
  llmr_pick_init(&p, sizeof p);
  CHECK_STATUS(llmr_router_pick(r, "m", &po, &p), LLMR_ERR_NO_PROVIDER);

  /* Names that are not deployments are ignored. */
  po.exclude = ex_unknown;
  po.exclude_count = 2;
  for (i = 0; i < 4; ++i) {
    llmr_pick_init(&p, sizeof p);
    if (CHECK_STATUS(llmr_router_pick(r, "m", &po, &p), LLMR_OK)) {
      got_a += th_streq(p.deployment, "a");
      CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
    }
  }
  CHECK_I64(got_a, 2);

  /* exclude_count 0 with a NULL list is fine. */
  po.exclude = NULL;
  po.exclude_count = 0;
  llmr_pick_init(&p, sizeof p);
  if (CHECK_STATUS(llmr_router_pick(r, "m", &po, &p), LLMR_OK))
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  llmr_router_destroy(r);
}

static void test_tiers(void) {
  char names[8][32];
  llmr_pick p;
  llmr_router *r;
  llmr_router_options opts;
  th_env env;
  th_env_init(&env, 15);
  th_options(&env, &opts);
  /* Strict tiers: no overprovisioning spill (the default 1.4 spills proportionally). */
  opts.tier_overprovisioning_factor = INFINITY;
  r = th_router(&opts);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "backup", "m", 100, 1), LLMR_OK);
  CHECK_STATUS(th_add(r, "primary-1", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "primary-2", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "last", "m", 1, 2), LLMR_OK);
  if (pick_many(r, "m", 8, names) == 8) {
    CHECK_I64(count_name(names, 8, "primary-1"), 4);
    CHECK_I64(count_name(names, 8, "primary-2"), 4);
  }
  /* Tier 0 unavailable: tier 1 takes the traffic, and the pick says so. */
  CHECK_STATUS(llmr_router_set_override(r, "primary-1", LLMR_OVERRIDE_FORCE_OPEN), LLMR_OK);
  CHECK_STATUS(llmr_router_set_override(r, "primary-2", LLMR_OVERRIDE_FORCE_OPEN), LLMR_OK);
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "backup");
    CHECK_I64(p.tier, 1);
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  /* Excluding tier 1 as well moves to tier 2. */
  if (CHECK_STATUS(th_pick(r, "m", "backup", &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "last");
    CHECK_I64(p.tier, 2);
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  /* Back to tier 0 as soon as it is eligible again. */
  CHECK_STATUS(llmr_router_set_override(r, "primary-2", LLMR_OVERRIDE_AUTO), LLMR_OK);
  if (CHECK_STATUS(th_pick(r, "m", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "primary-2");
    CHECK_I64(p.tier, 0);
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  llmr_router_destroy(r);
}

static void test_weighted(void) {
  char names[40][32];
  int i, run_b = 0, run_a = 0, max_run_a = 0, max_run_b = 0;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 16);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "heavy", "m", 3, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "light", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(llmr_router_set_model_strategy(r, "m", LLMR_STRATEGY_WEIGHTED), LLMR_OK);
  if (pick_many(r, "m", 40, names) == 40) {
    /* Exact proportions... */
    CHECK_I64(count_name(names, 40, "heavy"), 30);
    CHECK_I64(count_name(names, 40, "light"), 10);
    /* ...smoothly interleaved: every window of 4 holds exactly one "light". */
    for (i = 0; i + 4 <= 40; ++i) {
      int w, light = 0;
      for (w = 0; w < 4; ++w) light += strcmp(names[i + w], "light") == 0;
      CHECK_I64(light, 1);
    }
    for (i = 0; i < 40; ++i) {
      if (strcmp(names[i], "heavy") == 0) {
        ++run_a;
        run_b = 0;
      } else {
        ++run_b;
        run_a = 0;
      }
      if (run_a > max_run_a) max_run_a = run_a;
      if (run_b > max_run_b) max_run_b = run_b;
    }
    CHECK(max_run_a <= 3);
    CHECK_I64(max_run_b, 1);
  }
  /* Back to the router's strategy (round robin): weights no longer matter. */
  CHECK_STATUS(llmr_router_set_model_strategy(r, "m", LLMR_STRATEGY_DEFAULT), LLMR_OK);
  if (pick_many(r, "m", 10, names) == 10) {
    CHECK_I64(count_name(names, 10, "heavy"), 5);
    CHECK_I64(count_name(names, 10, "light"), 5);
  }
  llmr_router_destroy(r);
}

static void test_weighted_router_strategy(void) {
  /* The router-wide strategy, with an update changing the weights. */
  char names[60][32];
  llmr_router_options opts;
  llmr_deployment d;
  static const char *const models[] = {"m"};
  llmr_router *r;
  th_env env;
  th_env_init(&env, 17);
  th_options(&env, &opts);
  opts.strategy = LLMR_STRATEGY_WEIGHTED;
  r = th_router(&opts);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "x", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "y", "m", 2, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "z", "m", 3, 0), LLMR_OK);
  if (pick_many(r, "m", 60, names) == 60) {
    CHECK_I64(count_name(names, 60, "x"), 10);
    CHECK_I64(count_name(names, 60, "y"), 20);
    CHECK_I64(count_name(names, 60, "z"), 30);
  }
  llmr_deployment_init(&d, sizeof d);
  d.name = "x";
  d.models = models;
  d.model_count = 1;
  d.weight = 9;
  CHECK_STATUS(llmr_router_update_deployment(r, &d), LLMR_OK);
  if (pick_many(r, "m", 56, names) == 56) {
    /* After the change the weights are 9:2:3 (sum 14, four full rounds). The first rounds may
     * carry some of the old schedule, so allow two picks of slack each way. */
    CHECK_RANGE(count_name(names, 56, "x"), 34, 38);
    CHECK_RANGE(count_name(names, 56, "y"), 6, 10);
    CHECK_RANGE(count_name(names, 56, "z"), 10, 14);
  }
  llmr_router_destroy(r);
}

static void test_weighted_random(void) {
  char names[MAX_PICKS][32];
  int heavy;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 18);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "heavy", "m", 9, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "light", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(llmr_router_set_model_strategy(r, "m", LLMR_STRATEGY_WEIGHTED_RANDOM), LLMR_OK);
  if (pick_many(r, "m", MAX_PICKS, names) == MAX_PICKS) {
    heavy = count_name(names, MAX_PICKS, "heavy");
    /* Expected 900, standard deviation about 9.5. */
    CHECK_RANGE(heavy, 850, 950);
    CHECK_I64(count_name(names, MAX_PICKS, "light"), MAX_PICKS - heavy);
  }
  CHECK(env.random_calls > 0); /* the injected random source is used */
  llmr_router_destroy(r);
}

static void test_latency(void) {
  char names[40][32];
  llmr_health h;
  int i;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 19);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "fast", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "near", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "slow", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(llmr_router_set_model_strategy(r, "m", LLMR_STRATEGY_LATENCY), LLMR_OK);
  if (CHECK_STATUS(th_health(r, "fast", &h), LLMR_OK)) CHECK(h.ewma_latency_ms < 0);

  /* Feed samples to each deployment in turn, using exclusion to direct the picks. Enough of
   * them that the EWMA has converged whatever it starts from. */
  for (i = 0; i < 120; ++i) {
    llmr_pick_options po;
    llmr_pick p;
    const char *ex[2];
    const char *target = i % 3 == 0 ? "fast" : i % 3 == 1 ? "near" : "slow";
    double latency = i % 3 == 0 ? 100.0 : i % 3 == 1 ? 105.0 : 1000.0;
    ex[0] = i % 3 == 0 ? "near" : "fast";
    ex[1] = i % 3 == 2 ? "near" : "slow";
    llmr_pick_options_init(&po, sizeof po);
    po.exclude = ex;
    po.exclude_count = 2;
    llmr_pick_init(&p, sizeof p);
    if (!CHECK_STATUS(llmr_router_pick(r, "m", &po, &p), LLMR_OK)) continue;
    CHECK_STR(p.deployment, target);
    CHECK_STATUS(th_report(r, p.ticket, LLMR_OUTCOME_SUCCESS, latency), LLMR_OK);
  }
  if (CHECK_STATUS(th_health(r, "fast", &h), LLMR_OK))
    CHECK(h.ewma_latency_ms > 90.0 && h.ewma_latency_ms < 120.0);
  if (CHECK_STATUS(th_health(r, "slow", &h), LLMR_OK))
    CHECK(h.ewma_latency_ms > 900.0 && h.ewma_latency_ms < 1100.0);

  /* "slow" is far outside the 10% buffer; "near" is within it, so traffic spreads over both
   * fast ones instead of herding onto one. */
  if (pick_many(r, "m", 40, names) == 40) {
    CHECK_I64(count_name(names, 40, "slow"), 0);
    CHECK(count_name(names, 40, "fast") > 0);
    CHECK(count_name(names, 40, "near") > 0);
  }
  llmr_router_destroy(r);
}

static void test_latency_ttft(void) {
  char names[20][32];
  llmr_health h;
  int i;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 20);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "streamer", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "batch", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(llmr_router_set_model_strategy(r, "m", LLMR_STRATEGY_LATENCY), LLMR_OK);
  for (i = 0; i < 80; ++i) {
    llmr_pick p;
    llmr_report rep;
    const char *target = i % 2 ? "streamer" : "batch";
    if (!CHECK_STATUS(th_pick(r, "m", i % 2 ? "batch" : "streamer", &p), LLMR_OK)) continue;
    CHECK_STR(p.deployment, target);
    llmr_report_init(&rep, sizeof rep);
    rep.outcome = LLMR_OUTCOME_SUCCESS;
    /* The streamer's total is long, but its first token comes fast. */
    rep.latency_ms = i % 2 ? 5000.0 : 400.0;
    rep.ttft_ms = i % 2 ? 50.0 : -1.0;
    CHECK_STATUS(llmr_router_report(r, p.ticket, &rep), LLMR_OK);
  }
  if (CHECK_STATUS(th_health(r, "streamer", &h), LLMR_OK))
    CHECK(h.ewma_latency_ms > 40.0 && h.ewma_latency_ms < 70.0);
  if (CHECK_STATUS(th_health(r, "batch", &h), LLMR_OK))
    CHECK(h.ewma_latency_ms > 350.0 && h.ewma_latency_ms < 450.0);
  if (pick_many(r, "m", 20, names) == 20) CHECK_I64(count_name(names, 20, "streamer"), 20);
  llmr_router_destroy(r);
}

static void test_availability(void) {
  char names[20][32];
  llmr_health h;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 21);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "flaky", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "steady", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(llmr_router_set_model_strategy(r, "m", LLMR_STRATEGY_AVAILABILITY), LLMR_OK);
  /* flaky: 2 successes, 1 failure (far from tripping); steady: 3 successes but slower. */
  th_feed(r, "m", "steady", "flaky", LLMR_OUTCOME_SUCCESS, 50.0, 2);
  th_feed(r, "m", "steady", "flaky", LLMR_OUTCOME_SERVER_ERROR, 50.0, 1);
  th_feed(r, "m", "flaky", "steady", LLMR_OUTCOME_SUCCESS, 500.0, 3);
  if (CHECK_STATUS(th_health(r, "flaky", &h), LLMR_OK)) {
    CHECK_I64(h.state, LLMR_BREAKER_CLOSED);
    CHECK(h.failure_ratio > 0.3 && h.failure_ratio < 0.34);
  }
  if (pick_many(r, "m", 20, names) == 20) CHECK_I64(count_name(names, 20, "steady"), 20);
  llmr_router_destroy(r);
}

static int has_entry(const llmr_fallbacks *fb, const char *dep, const char *model) {
  size_t i, n = llmr_fallbacks_count(fb);
  for (i = 0; i < n; ++i) {
    const char *d = NULL, *m = NULL;
    if (llmr_fallbacks_get(fb, i, &d, &m) == LLMR_OK && th_streq(d, dep) && th_streq(m, model))
      return 1;
  }
  return 0;
}

static void expect_entry(const llmr_fallbacks *fb, size_t index, const char *dep,
                         const char *model) {
  const char *d = NULL, *m = NULL;
  if (CHECK_STATUS(llmr_fallbacks_get(fb, index, &d, &m), LLMR_OK)) {
    CHECK_STR(d, dep);
    CHECK_STR(m, model);
  }
}

static void test_fallbacks(void) {
  static const char *const ex_a[] = {"a"};
  static const char *const ex_shared[] = {"shared"};
  static const char *const chain_m[] = {"m2"};
  static const char *const chain_m2[] = {"m3"};
  static const char *const chain_m3[] = {"m"}; /* a cycle: each model is listed once */
  static const char *const shared_models[] = {"m", "m2"};
  llmr_deployment d;
  llmr_fallbacks *fb = NULL;
  llmr_health h;
  const char *dep = NULL, *model = NULL;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 22);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "b", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "c", "m", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "d", "m2", 1, 0), LLMR_OK);
  CHECK_STATUS(th_add(r, "e", "m3", 1, 0), LLMR_OK);

  /* Without a chain: the model's other deployments, never the excluded one. */
  if (CHECK_STATUS(llmr_router_fallbacks(r, "m", ex_a, 1, &fb), LLMR_OK)) {
    CHECK_I64(llmr_fallbacks_count(fb), 2);
    CHECK(!has_entry(fb, "a", "m"));
    CHECK(has_entry(fb, "b", "m"));
    CHECK(has_entry(fb, "c", "m"));
    CHECK_STATUS(llmr_fallbacks_get(fb, 2, &dep, &model), LLMR_ERR_INVALID_ARGUMENT);
    /* Either out-pointer may be NULL. */
    CHECK_STATUS(llmr_fallbacks_get(fb, 0, NULL, &model), LLMR_OK);
    CHECK_STR(model, "m");
    CHECK_STATUS(llmr_fallbacks_get(fb, 1, &dep, NULL), LLMR_OK);
    CHECK(th_streq(dep, "b") || th_streq(dep, "c"));
    llmr_fallbacks_free(fb);
    fb = NULL;
  }
  if (CHECK_STATUS(llmr_router_fallbacks(r, "m", NULL, 0, &fb), LLMR_OK)) {
    CHECK_I64(llmr_fallbacks_count(fb), 3);
    llmr_fallbacks_free(fb);
    fb = NULL;
  }

  /* A chain m -> m2 -> m3 -> m, with c forced open (not eligible, so not listed). */
  CHECK_STATUS(llmr_router_set_fallbacks(r, "m", chain_m, 1), LLMR_OK);
  CHECK_STATUS(llmr_router_set_fallbacks(r, "m2", chain_m2, 1), LLMR_OK);
  CHECK_STATUS(llmr_router_set_fallbacks(r, "m3", chain_m3, 1), LLMR_OK);
  CHECK_STATUS(llmr_router_set_override(r, "c", LLMR_OVERRIDE_FORCE_OPEN), LLMR_OK);
  if (CHECK_STATUS(llmr_router_fallbacks(r, "m", ex_a, 1, &fb), LLMR_OK)) {
    if (CHECK_I64(llmr_fallbacks_count(fb), 3)) {
      expect_entry(fb, 0, "b", "m");
      expect_entry(fb, 1, "d", "m2");
      expect_entry(fb, 2, "e", "m3");
    }
    /* The list is a snapshot: it survives changes to the router. */
    CHECK_STATUS(llmr_router_remove_deployment(r, "e"), LLMR_OK);
    expect_entry(fb, 2, "e", "m3");
    CHECK_STATUS(th_add(r, "e", "m3", 1, 0), LLMR_OK);
    llmr_fallbacks_free(fb);
    fb = NULL;
  }
  /* Starting from m2: its own, then m3, then m (the cycle ends there, each model once). */
  if (CHECK_STATUS(llmr_router_fallbacks(r, "m2", NULL, 0, &fb), LLMR_OK)) {
    if (CHECK_I64(llmr_fallbacks_count(fb), 4)) {
      expect_entry(fb, 0, "d", "m2");
      expect_entry(fb, 1, "e", "m3");
      CHECK(has_entry(fb, "a", "m"));
      CHECK(has_entry(fb, "b", "m"));
      CHECK(!has_entry(fb, "c", "m"));
    }
    llmr_fallbacks_free(fb);
    fb = NULL;
  }

  /* A deployment serving two models of the chain is excluded from all of them. */
  llmr_deployment_init(&d, sizeof d);
  d.name = "shared";
  d.models = shared_models;
  d.model_count = 2;
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_OK);
  if (CHECK_STATUS(llmr_router_fallbacks(r, "m", ex_shared, 1, &fb), LLMR_OK)) {
    size_t i;
    for (i = 0; i < llmr_fallbacks_count(fb); ++i) {
      dep = NULL;
      CHECK_STATUS(llmr_fallbacks_get(fb, i, &dep, NULL), LLMR_OK);
      CHECK(!th_streq(dep, "shared"));
    }
    CHECK(has_entry(fb, "e", "m3"));
    llmr_fallbacks_free(fb);
    fb = NULL;
  }

  /* Clearing the chain. */
  CHECK_STATUS(llmr_router_set_fallbacks(r, "m", NULL, 0), LLMR_OK);
  if (CHECK_STATUS(llmr_router_fallbacks(r, "m", ex_a, 1, &fb), LLMR_OK)) {
    CHECK(!has_entry(fb, "e", "m3"));
    CHECK(has_entry(fb, "b", "m"));
    llmr_fallbacks_free(fb);
    fb = NULL;
  }

  /* Everything excluded or open: an empty list is a success. */
  {
    static const char *const ex_all[] = {"a", "b", "shared"};
    if (CHECK_STATUS(llmr_router_fallbacks(r, "m", ex_all, 3, &fb), LLMR_OK)) {
      CHECK_I64(llmr_fallbacks_count(fb), 0);
      llmr_fallbacks_free(fb);
      fb = NULL;
    }
  }

  /* Listing fallbacks issues no tickets. */
  if (CHECK_STATUS(th_health(r, "b", &h), LLMR_OK)) {
    CHECK_I64(h.in_flight, 0);
    CHECK_I64(h.picks, 0);
  }
  llmr_router_destroy(r);
}

int main(void) {
  RUN_TEST(test_pick_arguments);
  RUN_TEST(test_round_robin_rotation);
  RUN_TEST(test_round_robin_random_start);
  RUN_TEST(test_alias);
  RUN_TEST(test_glob_models);
  RUN_TEST(test_exclude);
  RUN_TEST(test_tiers);
  RUN_TEST(test_weighted);
  RUN_TEST(test_weighted_router_strategy);
  RUN_TEST(test_weighted_random);
  RUN_TEST(test_latency);
  RUN_TEST(test_latency_ttft);
  RUN_TEST(test_availability);
  RUN_TEST(test_fallbacks);
  return th_finish();
}
