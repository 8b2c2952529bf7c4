/* ABI basics and argument validation: version, status names, *_init, option and deployment
 * validation, and the error message. */
#include <llmroute/llmroute.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* A name of exactly `len` bytes of 'a'. */
static char *long_name(char *buf, size_t len) {
  memset(buf, 'a', len);
  buf[len] = '\0';
  return buf;
}

static void test_version(void) {
  int major = -1, minor = -1, patch = -1;
  char expect[64];
  CHECK_I64(llmr_version(), LLMR_VERSION_NUMBER);
  CHECK_I64(LLMR_VERSION_NUMBER,
            LLMR_VERSION_MAJOR * 1000000 + LLMR_VERSION_MINOR * 1000 + LLMR_VERSION_PATCH);
  CHECK(llmr_version_string() != NULL);
  CHECK_STR(llmr_version_string(), LLMR_VERSION_STRING);
  CHECK(sscanf(llmr_version_string(), "%d.%d.%d", &major, &minor, &patch) == 3);
  CHECK_I64(major, LLMR_VERSION_MAJOR);
  CHECK_I64(minor, LLMR_VERSION_MINOR);
  CHECK_I64(patch, LLMR_VERSION_PATCH);
  snprintf(expect, sizeof expect, "%d.%d.%d", LLMR_VERSION_MAJOR, LLMR_VERSION_MINOR,
           LLMR_VERSION_PATCH);
  CHECK_STR(llmr_version_string(), expect);
  /* The SONAME is libllmroute.so.1: this header must be major 1. */
  CHECK_I64(LLMR_VERSION_MAJOR, 1);
}

static void test_status_str(void) {
  CHECK_STR(llmr_status_str(LLMR_OK), "LLMR_OK");
  CHECK_STR(llmr_status_str(LLMR_ERR_INVALID_ARGUMENT), "LLMR_ERR_INVALID_ARGUMENT");
  CHECK_STR(llmr_status_str(LLMR_ERR_NO_MEMORY), "LLMR_ERR_NO_MEMORY");
  CHECK_STR(llmr_status_str(LLMR_ERR_NOT_FOUND), "LLMR_ERR_NOT_FOUND");
  CHECK_STR(llmr_status_str(LLMR_ERR_ALREADY_EXISTS), "LLMR_ERR_ALREADY_EXISTS");
  CHECK_STR(llmr_status_str(LLMR_ERR_NO_PROVIDER), "LLMR_ERR_NO_PROVIDER");
  CHECK_STR(llmr_status_str(LLMR_ERR_UNKNOWN_MODEL), "LLMR_ERR_UNKNOWN_MODEL");
  CHECK_STR(llmr_status_str(LLMR_ERR_INVALID_TICKET), "LLMR_ERR_INVALID_TICKET");
  CHECK_STR(llmr_status_str(LLMR_ERR_TICKET_DONE), "LLMR_ERR_TICKET_DONE");
  CHECK_STR(llmr_status_str(LLMR_ERR_CAPACITY), "LLMR_ERR_CAPACITY");
  CHECK_STR(llmr_status_str(LLMR_ERR_INTERNAL), "LLMR_ERR_INTERNAL");
  CHECK_STR(llmr_status_str(LLMR_ERR_BUFFER_TOO_SMALL), "LLMR_ERR_BUFFER_TOO_SMALL");
  CHECK_STR(llmr_status_str(LLMR_ERR_RATE_LIMITED), "LLMR_ERR_RATE_LIMITED");
  CHECK_STR(llmr_status_str(LLMR_ERR_DEADLINE_EXCEEDED), "LLMR_ERR_DEADLINE_EXCEEDED");
  CHECK_STR(llmr_status_str(LLMR_ERR_CANCELLED), "LLMR_ERR_CANCELLED");
  CHECK_STR(llmr_status_str(LLMR_ERR_UPSTREAM), "LLMR_ERR_UPSTREAM");
  /* The values are part of the ABI. */
  CHECK_I64(LLMR_OK, 0);
  CHECK_I64(LLMR_ERR_INVALID_ARGUMENT, -1);
  CHECK_I64(LLMR_ERR_NO_PROVIDER, -5);
  CHECK_I64(LLMR_ERR_BUFFER_TOO_SMALL, -11);
  CHECK_I64(LLMR_ERR_UPSTREAM, -15);
  /* Values that are not statuses (far from the appended range, which grows downwards). */
  CHECK_STR(llmr_status_str((llmr_status)1), "LLMR_ERR_UNRECOGNISED");
  CHECK_STR(llmr_status_str((llmr_status)12345), "LLMR_ERR_UNRECOGNISED");
  CHECK_STR(llmr_status_str((llmr_status)-1000), "LLMR_ERR_UNRECOGNISED");
  CHECK_STR(llmr_status_str((llmr_status)2147483647), "LLMR_ERR_UNRECOGNISED");
  CHECK_STR(llmr_status_str((llmr_status)(-2147483647 - 1)), "LLMR_ERR_UNRECOGNISED");
}

static void test_enum_str(void) {
  static const char *const strategies[] = {"round_robin", "weighted",     "weighted_random",
                                           "latency",     "availability", "least_loaded",
                                           "peak_ewma",   "cost"};
  static const char *const outcomes[] = {
      "success",          "rate_limited", "server_error", "timeout",
      "connection_error", "auth_error",   "bad_request",  "context_window_exceeded",
      "content_policy"};
  int i;
  llmr_strategy parsed;
  for (i = 0; i < (int)(sizeof strategies / sizeof strategies[0]); ++i) {
    llmr_strategy s = (llmr_strategy)(i + 1);
    CHECK_STR(llmr_strategy_str(s), strategies[i]);
    parsed = LLMR_STRATEGY_DEFAULT;
    CHECK_STATUS(llmr_strategy_from_str(strategies[i], &parsed), LLMR_OK);
    CHECK_I64(parsed, s);
  }
  CHECK(llmr_strategy_str(LLMR_STRATEGY_DEFAULT) != NULL);
  CHECK_I64(LLMR_STRATEGY_COST, 8);
  CHECK_I64(LLMR_STRATEGY_ENGINE_AWARE, 9);
  CHECK(llmr_strategy_str((llmr_strategy)10) == NULL);
  CHECK(llmr_strategy_str((llmr_strategy)-1) == NULL);
  CHECK_STATUS(llmr_strategy_from_str("fastest", &parsed), LLMR_ERR_INVALID_ARGUMENT);
  CHECK(strlen(llmr_error_message()) > 0);
  /* Issue 17: "default" names no strategy; the configuration rejects it, and so does this (one
   * list for both). The message lists the known names. */
  CHECK_STATUS(llmr_strategy_from_str("default", &parsed), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE_HAS("known: round_robin, weighted,");
  {
    static const char config[] = "{\"router_settings\": {\"strategy\": \"default\"}}";
    CHECK_STATUS(llmr_config_validate(config, sizeof config - 1), LLMR_ERR_CONFIG);
    CHECK_MESSAGE_HAS("must be one of round_robin, weighted,");
  }
  CHECK_STATUS(llmr_strategy_from_str("", &parsed), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_strategy_from_str(NULL, &parsed), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_strategy_from_str("latency", NULL), LLMR_ERR_INVALID_ARGUMENT);

  for (i = 0; i < 9; ++i) CHECK_STR(llmr_outcome_str((llmr_outcome)i), outcomes[i]);
  CHECK(llmr_outcome_str((llmr_outcome)9) == NULL);
  CHECK(llmr_outcome_str((llmr_outcome)-1) == NULL);

  CHECK_STR(llmr_breaker_state_str(LLMR_BREAKER_CLOSED), "closed");
  CHECK_STR(llmr_breaker_state_str(LLMR_BREAKER_OPEN), "open");
  CHECK_STR(llmr_breaker_state_str(LLMR_BREAKER_HALF_OPEN), "half_open");
  CHECK(llmr_breaker_state_str((llmr_breaker_state)3) == NULL);

  CHECK_STR(llmr_fallback_kind_str(LLMR_FALLBACK_GENERAL), "general");
  CHECK_STR(llmr_fallback_kind_str(LLMR_FALLBACK_CONTEXT_WINDOW), "context_window");
  CHECK_STR(llmr_fallback_kind_str(LLMR_FALLBACK_CONTENT_POLICY), "content_policy");
  CHECK(llmr_fallback_kind_str((llmr_fallback_kind)3) == NULL);
}

static void test_init_functions(void) {
  llmr_router_options ro;
  llmr_deployment d;
  llmr_pick_options po;
  llmr_pick p;
  llmr_report r;
  llmr_health h;

  CHECK_STATUS(llmr_router_options_init(NULL, sizeof(llmr_router_options)),
               LLMR_ERR_INVALID_ARGUMENT);
  CHECK(strlen(llmr_error_message()) > 0);
  CHECK_STATUS(llmr_deployment_init(NULL, sizeof(llmr_deployment)), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_pick_options_init(NULL, sizeof(llmr_pick_options)), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_pick_init(NULL, sizeof(llmr_pick)), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_report_init(NULL, sizeof(llmr_report)), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_health_init(NULL, sizeof(llmr_health)), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_adapter_init(NULL, sizeof(llmr_adapter)), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_call_options_init(NULL, sizeof(llmr_call_options)), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_attempt_info_init(NULL, sizeof(llmr_attempt_info)), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_call_summary_init(NULL, sizeof(llmr_call_summary)), LLMR_ERR_INVALID_ARGUMENT);
  /* A size below the 1.0 layout is refused; nothing is written. */
  {
    llmr_pick small;
    memset(&small, 0x5A, sizeof small);
    CHECK_STATUS(llmr_pick_init(&small, 4), LLMR_ERR_INVALID_ARGUMENT);
    CHECK(((const unsigned char *)&small)[0] == 0x5A);
  }
  /* A caller with a newer, longer struct: the library fills what it knows and zeroes the rest. */
  {
    struct {
      llmr_report report;
      unsigned char newer_fields[64];
    } big;
    size_t i;
    int tail_zero = 1;
    memset(&big, 0x5A, sizeof big);
    CHECK_STATUS(llmr_report_init(&big.report, sizeof big), LLMR_OK);
    CHECK_I64(big.report.struct_size, sizeof big);
    CHECK(big.report.latency_ms == -1.0);
    for (i = 0; i < sizeof big.newer_fields; ++i) tail_zero &= big.newer_fields[i] == 0;
    CHECK(tail_zero);
  }

  /* Every default is set, whatever was in the struct before. */
  memset(&ro, 0xA5, sizeof ro);
  CHECK_STATUS(llmr_router_options_init(&ro, sizeof ro), LLMR_OK);
  CHECK_I64(ro.struct_size, sizeof ro);
  CHECK_I64(ro.strategy, LLMR_STRATEGY_ROUND_ROBIN);
  CHECK_I64(ro.all_open_policy, LLMR_ALL_OPEN_FAIL_FAST);
  CHECK_I64(ro.breaker_consecutive_failures, 5);
  CHECK(ro.breaker_failure_ratio == 0.5);
  CHECK_I64(ro.breaker_min_requests, 10);
  CHECK_I64(ro.breaker_window_ms, 30000);
  CHECK_I64(ro.breaker_cooldown_base_ms, 5000);
  CHECK_I64(ro.breaker_cooldown_max_ms, 300000);
  CHECK(ro.breaker_jitter == 0.1);
  CHECK_I64(ro.half_open_max_probes, 1);
  CHECK(ro.latency_ewma_alpha == 0.125);
  CHECK(ro.latency_buffer == 0.1);
  CHECK(ro.latency_prior_ms == 1000.0);
  CHECK(ro.clock == NULL);
  CHECK(ro.clock_user_data == NULL);
  CHECK(ro.random == NULL);
  CHECK(ro.random_user_data == NULL);
  CHECK_STR(llmr_error_message(), "");

  memset(&d, 0xA5, sizeof d);
  CHECK_STATUS(llmr_deployment_init(&d, sizeof d), LLMR_OK);
  CHECK_I64(d.struct_size, sizeof d);
  CHECK(d.name == NULL);
  CHECK(d.models == NULL);
  CHECK_I64(d.model_count, 0);
  CHECK_I64(d.weight, 1);
  CHECK_I64(d.tier, 0);
  CHECK(d.tags == NULL);
  CHECK_I64(d.tag_count, 0);
  CHECK_I64(d.rpm_limit, 0);
  CHECK_I64(d.tpm_limit, 0);
  CHECK_I64(d.max_in_flight, 0);

  memset(&po, 0xA5, sizeof po);
  CHECK_STATUS(llmr_pick_options_init(&po, sizeof po), LLMR_OK);
  CHECK_I64(po.struct_size, sizeof po);
  CHECK(po.exclude == NULL);
  CHECK_I64(po.exclude_count, 0);

  memset(&p, 0xA5, sizeof p);
  CHECK_STATUS(llmr_pick_init(&p, sizeof p), LLMR_OK);
  CHECK_I64(p.struct_size, sizeof p);
  CHECK_I64(p.ticket, 0);
  CHECK(p.deployment == NULL);
  CHECK(p.model == NULL);
  CHECK_I64(p.tier, 0);
  CHECK_I64(p.is_probe, 0);
  CHECK_I64(p.is_panic, 0);
  CHECK_I64(p.retry_after_ms, 0);

  memset(&r, 0xA5, sizeof r);
  CHECK_STATUS(llmr_report_init(&r, sizeof r), LLMR_OK);
  CHECK_I64(r.struct_size, sizeof r);
  CHECK_I64(r.outcome, LLMR_OUTCOME_SUCCESS);
  CHECK(r.latency_ms < 0);
  CHECK(r.ttft_ms < 0);
  CHECK_I64(r.retry_after_ms, 0);
  CHECK_I64(r.input_tokens, 0);
  CHECK_I64(r.output_tokens, 0);

  {
    llmr_adapter ad;
    llmr_call_options co;
    llmr_attempt_info ai;
    llmr_call_summary cs;
    memset(&ad, 0xA5, sizeof ad);
    memset(&co, 0xA5, sizeof co);
    memset(&ai, 0xA5, sizeof ai);
    memset(&cs, 0xA5, sizeof cs);
    CHECK_STATUS(llmr_adapter_init(&ad, sizeof ad), LLMR_OK);
    CHECK_I64(ad.struct_size, sizeof ad);
    CHECK_STATUS(llmr_call_options_init(&co, sizeof co), LLMR_OK);
    CHECK_I64(co.struct_size, sizeof co);
    CHECK_STATUS(llmr_attempt_info_init(&ai, sizeof ai), LLMR_OK);
    CHECK_I64(ai.struct_size, sizeof ai);
    CHECK_STATUS(llmr_call_summary_init(&cs, sizeof cs), LLMR_OK);
    CHECK_I64(cs.struct_size, sizeof cs);
  }

  memset(&h, 0xA5, sizeof h);
  CHECK_STATUS(llmr_health_init(&h, sizeof h), LLMR_OK);
  CHECK_I64(h.struct_size, sizeof h);
  CHECK(h.name == NULL);
  CHECK_I64(h.in_flight, 0);
  CHECK_I64(h.picks, 0);
  CHECK_I64(h.trips, 0);
}

static void test_router_create(void) {
  llmr_router *r = NULL;
  llmr_router_options opts;

  CHECK_STATUS(llmr_router_create(NULL, &r), LLMR_OK);
  CHECK(r != NULL);
  CHECK_STR(llmr_error_message(), "");
  llmr_router_destroy(r);

  llmr_router_options_init(&opts, sizeof opts);
  CHECK_STATUS(llmr_router_create(&opts, NULL), LLMR_ERR_INVALID_ARGUMENT);
  CHECK(strlen(llmr_error_message()) > 0);
  CHECK_STATUS(llmr_router_create(NULL, NULL), LLMR_ERR_INVALID_ARGUMENT);

  r = NULL;
  CHECK_STATUS(llmr_router_create(&opts, &r), LLMR_OK);
  CHECK(r != NULL);
  llmr_router_destroy(r);

  llmr_router_destroy(NULL); /* a no-op */
}

/* Creates a router from opts and expects LLMR_ERR_INVALID_ARGUMENT naming `field`. */
static void expect_invalid_options(const llmr_router_options *opts, const char *field,
                                   const char *what, int line) {
  llmr_router *r = NULL;
  llmr_status st = llmr_router_create(opts, &r);
  char context[160];
  snprintf(context, sizeof context, "create(%s) [line %d]", what, line);
  if (th_check_status(st, LLMR_ERR_INVALID_ARGUMENT, __FILE__, line, context)) {
    const char *msg = llmr_error_message();
    th_check(msg != NULL && strlen(msg) > 0, __FILE__, line, "message not empty");
    th_check_contains(msg, field, __FILE__, line, "llmr_error_message()");
  }
  if (st == LLMR_OK) llmr_router_destroy(r);
}

static void expect_valid_options(const llmr_router_options *opts, const char *what, int line) {
  llmr_router *r = NULL;
  char context[160];
  snprintf(context, sizeof context, "create(%s) [line %d]", what, line);
  if (th_check_status(llmr_router_create(opts, &r), LLMR_OK, __FILE__, line, context))
    llmr_router_destroy(r);
}

#define EXPECT_INVALID(field, mutation)                      \
  do {                                                       \
    llmr_router_options o_;                                  \
    llmr_router_options_init(&o_, sizeof o_);                \
    mutation;                                                \
    expect_invalid_options(&o_, field, #mutation, __LINE__); \
  } while (0)

#define EXPECT_VALID(mutation)                      \
  do {                                              \
    llmr_router_options o_;                         \
    llmr_router_options_init(&o_, sizeof o_);       \
    mutation;                                       \
    expect_valid_options(&o_, #mutation, __LINE__); \
  } while (0)

static void test_invalid_options(void) {
  EXPECT_INVALID("strategy", o_.strategy = LLMR_STRATEGY_DEFAULT);
  EXPECT_INVALID("strategy", o_.strategy = (llmr_strategy)99);
  EXPECT_INVALID("strategy", o_.strategy = (llmr_strategy)-1);
  EXPECT_INVALID("all_open_policy", o_.all_open_policy = (llmr_all_open_policy)2);
  EXPECT_INVALID("breaker_failure_ratio", o_.breaker_failure_ratio = 1.01);
  EXPECT_INVALID("breaker_failure_ratio", o_.breaker_failure_ratio = -0.01);
  EXPECT_INVALID("breaker_failure_ratio", o_.breaker_failure_ratio = NAN);
  EXPECT_INVALID("breaker_cooldown",
                 (o_.breaker_cooldown_base_ms = 10000, o_.breaker_cooldown_max_ms = 9999));
  EXPECT_INVALID("breaker_window_ms", o_.breaker_window_ms = -1);
  EXPECT_INVALID("breaker_jitter", o_.breaker_jitter = -0.01);
  EXPECT_INVALID("breaker_jitter", o_.breaker_jitter = 1.0);
  EXPECT_INVALID("breaker_jitter", o_.breaker_jitter = NAN);
  EXPECT_INVALID("latency_ewma_alpha", o_.latency_ewma_alpha = 0.0);
  EXPECT_INVALID("latency_ewma_alpha", o_.latency_ewma_alpha = -0.5);
  EXPECT_INVALID("latency_ewma_alpha", o_.latency_ewma_alpha = 1.5);
  EXPECT_INVALID("latency_ewma_alpha", o_.latency_ewma_alpha = NAN);
  EXPECT_INVALID("struct_size", o_.struct_size = 0);
  EXPECT_INVALID("struct_size", o_.struct_size = 1);
  EXPECT_INVALID("struct_size", o_.struct_size = (uint32_t)sizeof(uint32_t) - 1);

  /* The edges of the valid ranges. */
  EXPECT_VALID(o_.breaker_failure_ratio = 1.0);
  EXPECT_VALID(o_.breaker_failure_ratio = 0.0);
  EXPECT_VALID(o_.breaker_jitter = 0.0);
  EXPECT_VALID(o_.breaker_jitter = 0.99);
  EXPECT_VALID(o_.latency_ewma_alpha = 1.0);
  EXPECT_VALID((o_.breaker_cooldown_base_ms = 7000, o_.breaker_cooldown_max_ms = 7000));
  EXPECT_VALID(o_.strategy = LLMR_STRATEGY_AVAILABILITY);
  EXPECT_VALID(o_.all_open_policy = LLMR_ALL_OPEN_PANIC);
}

static llmr_deployment valid_deployment(const char *name, const char *const *models, size_t n) {
  llmr_deployment d;
  llmr_deployment_init(&d, sizeof d);
  d.name = name;
  d.models = models;
  d.model_count = n;
  return d;
}

static void test_add_deployment_validation(void) {
  static const char *const one_model[] = {"gpt-4o"};
  static const char *const null_model[] = {"gpt-4o", NULL};
  static const char *const empty_model[] = {""};
  static const char *const bad_utf8_model[] = {"gpt\xff"};
  static const char *const null_tag[] = {NULL};
  static const char *const non_utf8[] = {
      "\xff", "ab\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf8\x88\x80\x80\x80", "x\x80y"};
  char name_max[LLMR_NAME_MAX + 2];
  char name_over[LLMR_NAME_MAX + 2];
  char model_over[LLMR_NAME_MAX + 2];
  const char *over_models[1];
  llmr_health h;
  llmr_router *r;
  llmr_deployment d;
  size_t i;
  th_env env;
  th_env_init(&env, 1);
  r = th_default_router(&env);
  if (r == NULL) return;

  d = valid_deployment("dep", one_model, 1);
  CHECK_STATUS(llmr_router_add_deployment(NULL, &d), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_add_deployment(r, NULL), LLMR_ERR_INVALID_ARGUMENT);

  d = valid_deployment(NULL, one_model, 1);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE_HAS("name");
  d = valid_deployment("", one_model, 1);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE_HAS("name");

  d = valid_deployment(long_name(name_over, LLMR_NAME_MAX + 1), one_model, 1);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  CHECK(strlen(llmr_error_message()) > 0);
  CHECK_STATUS(th_health(r, name_over, &h), LLMR_ERR_INVALID_ARGUMENT);

  for (i = 0; i < sizeof non_utf8 / sizeof non_utf8[0]; ++i) {
    d = valid_deployment(non_utf8[i], one_model, 1);
    if (!CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT))
      printf("  (non-UTF-8 name #%u accepted)\n", (unsigned)i);
  }

  d = valid_deployment("dep", NULL, 1);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  d = valid_deployment("dep", one_model, 0);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE_HAS("model");
  d = valid_deployment("dep", NULL, 0);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  d = valid_deployment("dep", null_model, 2);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  d = valid_deployment("dep", empty_model, 1);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  d = valid_deployment("dep", bad_utf8_model, 1);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  over_models[0] = long_name(model_over, LLMR_NAME_MAX + 1);
  d = valid_deployment("dep", over_models, 1);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);

  d = valid_deployment("dep", one_model, 1);
  d.weight = 0;
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE_HAS("weight");
  d.weight = 1000001;
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE_HAS("weight");
  d.weight = 1;
  d.tier = 256;
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE_HAS("tier");
  d.tier = 0;
  d.tags = NULL;
  d.tag_count = 1;
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  d.tags = null_tag;
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  d.tags = NULL;
  d.tag_count = 0;
  d.struct_size = 0;
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE_HAS("struct_size");

  /* None of the rejected ones was added. */
  CHECK_STATUS(th_health(r, "dep", &h), LLMR_ERR_NOT_FOUND);
  {
    llmr_pick p;
    CHECK_STATUS(th_pick(r, "gpt-4o", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  }

  /* The edges that are valid. */
  d = valid_deployment(long_name(name_max, LLMR_NAME_MAX), one_model, 1);
  d.weight = 1000000;
  d.tier = 255;
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_OK);
  CHECK_STR(llmr_error_message(), "");
  if (CHECK_STATUS(th_health(r, name_max, &h), LLMR_OK)) {
    CHECK_STR(h.name, name_max);
    CHECK_I64(h.weight, 1000000);
    CHECK_I64(h.tier, 255);
  }
  d = valid_deployment("caf\xc3\xa9-\xe6\x9d\xb1\xe4\xba\xac-\xf0\x9f\x9a\x80", one_model, 1);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_OK);

  d = valid_deployment("dep", one_model, 1);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_OK);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_ALREADY_EXISTS);
  CHECK_MESSAGE_HAS("dep");
  /* Same name, different settings: still a duplicate. */
  d.weight = 5;
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_ERR_ALREADY_EXISTS);
  if (CHECK_STATUS(th_health(r, "dep", &h), LLMR_OK)) CHECK_I64(h.weight, 1);

  llmr_router_destroy(r);
}

static void test_add_copies_strings(void) {
  char name[16];
  char model[16];
  const char *models[1];
  llmr_deployment d;
  llmr_pick p;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 2);
  r = th_default_router(&env);
  if (r == NULL) return;
  strcpy(name, "copied");
  strcpy(model, "m-copy");
  models[0] = model;
  llmr_deployment_init(&d, sizeof d);
  d.name = name;
  d.models = models;
  d.model_count = 1;
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_OK);
  /* The caller may reuse its buffers at once. */
  strcpy(name, "XXXXXX");
  strcpy(model, "YYYYYY");
  models[0] = NULL;
  if (CHECK_STATUS(th_pick(r, "m-copy", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "copied");
    CHECK_STR(p.model, "m-copy");
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }
  CHECK_STATUS(th_pick(r, "YYYYYY", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  llmr_router_destroy(r);
}

static void test_update_remove_validation(void) {
  static const char *const m1[] = {"m1"};
  static const char *const m2[] = {"m2"};
  char name_over[LLMR_NAME_MAX + 2];
  llmr_deployment d;
  llmr_health h;
  llmr_pick p;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 3);
  r = th_default_router(&env);
  if (r == NULL) return;
  d = valid_deployment("a", m1, 1);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_OK);

  /* update */
  CHECK_STATUS(llmr_router_update_deployment(NULL, &d), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_update_deployment(r, NULL), LLMR_ERR_INVALID_ARGUMENT);
  d = valid_deployment("missing", m1, 1);
  CHECK_STATUS(llmr_router_update_deployment(r, &d), LLMR_ERR_NOT_FOUND);
  CHECK_MESSAGE_HAS("missing");
  d = valid_deployment("", m1, 1);
  CHECK_STATUS(llmr_router_update_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  d = valid_deployment(NULL, m1, 1);
  CHECK_STATUS(llmr_router_update_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  d = valid_deployment(long_name(name_over, LLMR_NAME_MAX + 1), m1, 1);
  CHECK_STATUS(llmr_router_update_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  d = valid_deployment("\xff\xfe", m1, 1);
  CHECK_STATUS(llmr_router_update_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  d = valid_deployment("a", m1, 0);
  CHECK_STATUS(llmr_router_update_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  d = valid_deployment("a", m1, 1);
  d.weight = 0;
  CHECK_STATUS(llmr_router_update_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  d.weight = 1;
  d.tier = 256;
  CHECK_STATUS(llmr_router_update_deployment(r, &d), LLMR_ERR_INVALID_ARGUMENT);
  /* A rejected update changes nothing. */
  if (CHECK_STATUS(th_health(r, "a", &h), LLMR_OK)) {
    CHECK_I64(h.weight, 1);
    CHECK_I64(h.tier, 0);
  }

  /* A valid update keeps health and statistics but changes models, weight and tier. */
  th_feed(r, "m1", NULL, "a", LLMR_OUTCOME_SUCCESS, 10.0, 3);
  CHECK_STATUS(th_pick(r, "m1", NULL, &p), LLMR_OK); /* outstanding across the update */
  d = valid_deployment("a", m2, 1);
  d.weight = 7;
  d.tier = 3;
  CHECK_STATUS(llmr_router_update_deployment(r, &d), LLMR_OK);
  if (CHECK_STATUS(th_health(r, "a", &h), LLMR_OK)) {
    CHECK_I64(h.weight, 7);
    CHECK_I64(h.tier, 3);
    CHECK_I64(h.successes, 3);
    CHECK_I64(h.in_flight, 1);
  }
  CHECK_STATUS(th_report(r, p.ticket, LLMR_OUTCOME_SUCCESS, 10.0), LLMR_OK);
  if (CHECK_STATUS(th_health(r, "a", &h), LLMR_OK)) {
    CHECK_I64(h.successes, 4);
    CHECK_I64(h.in_flight, 0);
  }
  CHECK_STATUS(th_pick(r, "m1", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  if (CHECK_STATUS(th_pick(r, "m2", NULL, &p), LLMR_OK)) {
    CHECK_STR(p.deployment, "a");
    CHECK_I64(p.tier, 3);
    CHECK_STATUS(llmr_router_cancel(r, p.ticket), LLMR_OK);
  }

  /* remove */
  CHECK_STATUS(llmr_router_remove_deployment(NULL, "a"), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_remove_deployment(r, NULL), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_remove_deployment(r, ""), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_remove_deployment(r, name_over), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_remove_deployment(r, "\xc3"), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_remove_deployment(r, "nope"), LLMR_ERR_NOT_FOUND);
  CHECK_MESSAGE_HAS("nope");
  CHECK_STATUS(llmr_router_remove_deployment(r, "a"), LLMR_OK);
  CHECK_STR(llmr_error_message(), "");
  CHECK_STATUS(llmr_router_remove_deployment(r, "a"), LLMR_ERR_NOT_FOUND);
  CHECK_STATUS(th_health(r, "a", &h), LLMR_ERR_NOT_FOUND);
  CHECK_STATUS(th_pick(r, "m2", NULL, &p), LLMR_ERR_UNKNOWN_MODEL);
  /* The name can be used again. */
  d = valid_deployment("a", m1, 1);
  CHECK_STATUS(llmr_router_add_deployment(r, &d), LLMR_OK);
  if (CHECK_STATUS(th_health(r, "a", &h), LLMR_OK)) {
    CHECK_I64(h.successes, 0);
    CHECK_I64(h.picks, 0);
  }
  llmr_router_destroy(r);
}

static void test_error_message(void) {
  llmr_health h;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 4);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK(llmr_error_message() != NULL);
  CHECK_STATUS(th_add(r, "azure-eu", "m", 1, 0), LLMR_OK);
  CHECK_STR(llmr_error_message(), "");
  CHECK_STATUS(th_health(r, "azure-us", &h), LLMR_ERR_NOT_FOUND);
  CHECK_MESSAGE_HAS("azure-us");
  /* The message stays until the next call on this thread... */
  CHECK_MESSAGE_HAS("azure-us");
  /* ...and a successful call clears it. */
  CHECK_STATUS(th_health(r, "azure-eu", &h), LLMR_OK);
  CHECK_STR(llmr_error_message(), "");
  llmr_router_destroy(r);
}

static void test_other_argument_errors(void) {
  static const char *const self[] = {"m"};
  static const char *const with_null[] = {"m2", NULL};
  llmr_health h;
  llmr_health_list *list = NULL;
  llmr_fallbacks *fb = NULL;
  llmr_router *r;
  th_env env;
  th_env_init(&env, 5);
  r = th_default_router(&env);
  if (r == NULL) return;
  CHECK_STATUS(th_add(r, "a", "m", 1, 0), LLMR_OK);

  /* aliases */
  CHECK_STATUS(llmr_router_set_alias(NULL, "x", "m"), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_alias(r, NULL, "m"), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_alias(r, "x", NULL), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_alias(r, "", "m"), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_alias(r, "x", ""), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_alias(r, "\xff", "m"), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_remove_alias(r, "never-set"), LLMR_ERR_NOT_FOUND);
  CHECK_STATUS(llmr_router_remove_alias(r, NULL), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_remove_alias(NULL, "x"), LLMR_ERR_INVALID_ARGUMENT);

  /* fallbacks */
  CHECK_STATUS(llmr_router_set_fallbacks(r, "m", self, 1), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_fallbacks(r, "m", NULL, 1), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_fallbacks(r, "m", with_null, 2), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_fallbacks(r, NULL, with_null, 1), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_fallbacks(NULL, "m", with_null, 1), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_fallbacks(r, "m", NULL, 0), LLMR_OK);
  CHECK_STATUS(llmr_router_fallbacks(r, "m", NULL, 0, NULL), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_fallbacks(r, "m", NULL, 1, &fb), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_fallbacks(r, NULL, NULL, 0, &fb), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_fallbacks(NULL, "m", NULL, 0, &fb), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_I64(llmr_fallbacks_count(NULL), 0);
  CHECK_STATUS(llmr_fallbacks_get(NULL, 0, NULL, NULL), LLMR_ERR_INVALID_ARGUMENT);
  llmr_fallbacks_free(NULL);

  /* model strategy */
  CHECK_STATUS(llmr_router_set_fallbacks_for(r, "m", (llmr_fallback_kind)7, NULL, 0),
               LLMR_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE_HAS("fallback kind");
  CHECK_STATUS(llmr_router_set_model_strategy(r, "m", (llmr_strategy)99),
               LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_model_strategy(r, NULL, LLMR_STRATEGY_LATENCY),
               LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_model_strategy(NULL, "m", LLMR_STRATEGY_LATENCY),
               LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_model_strategy(r, "m", LLMR_STRATEGY_LATENCY), LLMR_OK);
  CHECK_STATUS(llmr_router_set_model_strategy(r, "m", LLMR_STRATEGY_DEFAULT), LLMR_OK);

  /* overrides */
  CHECK_STATUS(llmr_router_set_override(r, "nope", LLMR_OVERRIDE_FORCE_OPEN), LLMR_ERR_NOT_FOUND);
  CHECK_STATUS(llmr_router_set_override(r, "a", (llmr_override)3), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_override(r, NULL, LLMR_OVERRIDE_AUTO), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_set_override(NULL, "a", LLMR_OVERRIDE_AUTO), LLMR_ERR_INVALID_ARGUMENT);
  if (CHECK_STATUS(th_health(r, "a", &h), LLMR_OK)) CHECK_I64(h.override_mode, LLMR_OVERRIDE_AUTO);

  /* health */
  llmr_health_init(&h, sizeof h);
  CHECK_STATUS(llmr_router_health(NULL, "a", &h), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_health(r, NULL, &h), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_health(r, "a", NULL), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_health(r, "nope", &h), LLMR_ERR_NOT_FOUND);
  CHECK_STATUS(llmr_router_health_list(r, NULL), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(llmr_router_health_list(NULL, &list), LLMR_ERR_INVALID_ARGUMENT);
  CHECK_I64(llmr_health_list_count(NULL), 0);
  CHECK_STATUS(llmr_health_list_get(NULL, 0, &h), LLMR_ERR_INVALID_ARGUMENT);
  llmr_health_list_free(NULL);
  if (CHECK_STATUS(llmr_router_health_list(r, &list), LLMR_OK)) {
    CHECK_I64(llmr_health_list_count(list), 1);
    CHECK_STATUS(llmr_health_list_get(list, 1, &h), LLMR_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(llmr_health_list_get(list, 0, NULL), LLMR_ERR_INVALID_ARGUMENT);
    llmr_health_list_free(list);
  }

  /* tickets on a NULL router */
  CHECK_STATUS(llmr_router_cancel(NULL, 1), LLMR_ERR_INVALID_ARGUMENT);
  {
    llmr_report rep;
    llmr_report_init(&rep, sizeof rep);
    CHECK_STATUS(llmr_router_report(NULL, 1, &rep), LLMR_ERR_INVALID_ARGUMENT);
  }
  llmr_router_destroy(r);
}

int main(void) {
  RUN_TEST(test_version);
  RUN_TEST(test_status_str);
  RUN_TEST(test_enum_str);
  RUN_TEST(test_init_functions);
  RUN_TEST(test_router_create);
  RUN_TEST(test_invalid_options);
  RUN_TEST(test_add_deployment_validation);
  RUN_TEST(test_add_copies_strings);
  RUN_TEST(test_update_remove_validation);
  RUN_TEST(test_error_message);
  RUN_TEST(test_other_argument_errors);
  return th_finish();
}
