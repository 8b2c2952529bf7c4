#include "harness.h"

#include <stdio.h>
#include <string.h>

static long th_passed;
static long th_failed;

static void th_fail_line(const char *file, int line) {
  printf("%s:%d: FAILED: ", file, line);
}

int th_check(int ok, const char *file, int line, const char *expr) {
  if (ok) {
    ++th_passed;
    return 1;
  }
  ++th_failed;
  th_fail_line(file, line);
  printf("CHECK(%s)\n", expr);
  fflush(stdout);
  return 0;
}

int th_check_status(llmr_status got, llmr_status want, const char *file, int line,
                    const char *expr) {
  char message[512];
  if (got == want) {
    ++th_passed;
    return 1;
  }
  /* Copy the detail first: any later llmroute call may replace it. */
  snprintf(message, sizeof message, "%s", llmr_error_message());
  ++th_failed;
  th_fail_line(file, line);
  printf("%s returned %s (%d), expected %s (%d); message: \"%s\"\n", expr, llmr_status_str(got),
         (int)got, llmr_status_str(want), (int)want, message);
  fflush(stdout);
  return 0;
}

int th_check_str(const char *got, const char *want, const char *file, int line, const char *expr) {
  if (th_streq(got, want)) {
    ++th_passed;
    return 1;
  }
  ++th_failed;
  th_fail_line(file, line);
  printf("%s is %s%s%s, expected %s%s%s\n", expr, got ? "\"" : "", got ? got : "NULL",
         got ? "\"" : "", want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
  fflush(stdout);
  return 0;
}

int th_check_i64(int64_t got, int64_t want, const char *file, int line, const char *expr) {
  if (got == want) {
    ++th_passed;
    return 1;
  }
  ++th_failed;
  th_fail_line(file, line);
  printf("%s is %lld, expected %lld\n", expr, (long long)got, (long long)want);
  fflush(stdout);
  return 0;
}

int th_check_range(int64_t got, int64_t lo, int64_t hi, const char *file, int line,
                   const char *expr) {
  if (got >= lo && got <= hi) {
    ++th_passed;
    return 1;
  }
  ++th_failed;
  th_fail_line(file, line);
  printf("%s is %lld, expected within [%lld, %lld]\n", expr, (long long)got, (long long)lo,
         (long long)hi);
  fflush(stdout);
  return 0;
}

int th_check_contains(const char *haystack, const char *needle, const char *file, int line,
                      const char *expr) {
  if (haystack != NULL && needle != NULL && strstr(haystack, needle) != NULL) {
    ++th_passed;
    return 1;
  }
  ++th_failed;
  th_fail_line(file, line);
  printf("%s is \"%s\", expected it to contain \"%s\"\n", expr, haystack ? haystack : "(NULL)",
         needle ? needle : "(NULL)");
  fflush(stdout);
  return 0;
}

void th_run(const char *name, void (*fn)(void)) {
  long failed_before = th_failed;
  printf("[ RUN  ] %s\n", name);
  fflush(stdout);
  fn();
  printf("[ %s ] %s\n", th_failed == failed_before ? " OK " : "FAIL", name);
  fflush(stdout);
}

int th_finish(void) {
  printf("%ld passed, %ld failed\n", th_passed, th_failed);
  fflush(stdout);
  return (th_failed == 0 && th_passed > 0) ? 0 : 1;
}

/* ---- environment ---- */

void th_env_init(th_env *env, uint64_t seed) {
  memset(env, 0, sizeof *env);
  /* Far from zero, so that "time 0" bugs do not hide. */
  env->now_ns = INT64_C(1000000000000);
  env->rng_state = seed;
}

void th_advance_ms(th_env *env, int64_t ms) {
  env->now_ns += ms * INT64_C(1000000);
}

int64_t th_clock(void *user_data) {
  th_env *env = (th_env *)user_data;
  ++env->clock_calls;
  return env->now_ns;
}

uint64_t th_random(void *user_data) {
  th_env *env = (th_env *)user_data;
  uint64_t z;
  ++env->random_calls;
  if (env->use_fixed_random) return env->fixed_random;
  /* splitmix64 */
  env->rng_state += UINT64_C(0x9E3779B97F4A7C15);
  z = env->rng_state;
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

void th_options(th_env *env, llmr_router_options *opts) {
  CHECK_STATUS(llmr_router_options_init(opts, sizeof *opts), LLMR_OK);
  opts->clock = th_clock;
  opts->clock_user_data = env;
  opts->random = th_random;
  opts->random_user_data = env;
}

llmr_router *th_router(const llmr_router_options *opts) {
  llmr_router *router = NULL;
  if (!CHECK_STATUS(llmr_router_create(opts, &router), LLMR_OK)) return NULL;
  CHECK(router != NULL);
  return router;
}

llmr_router *th_default_router(th_env *env) {
  llmr_router_options opts;
  th_options(env, &opts);
  return th_router(&opts);
}

llmr_status th_add(llmr_router *router, const char *name, const char *model, uint32_t weight,
                   uint32_t tier) {
  llmr_deployment d;
  const char *models[1];
  llmr_deployment_init(&d, sizeof d);
  models[0] = model;
  d.name = name;
  d.models = models;
  d.model_count = 1;
  d.weight = weight;
  d.tier = tier;
  return llmr_router_add_deployment(router, &d);
}

llmr_status th_pick(llmr_router *router, const char *model, const char *exclude, llmr_pick *pick) {
  llmr_pick_options po;
  const char *ex[1];
  llmr_pick_options_init(&po, sizeof po);
  if (exclude != NULL) {
    ex[0] = exclude;
    po.exclude = ex;
    po.exclude_count = 1;
  }
  llmr_pick_init(pick, sizeof *pick);
  return llmr_router_pick(router, model, &po, pick);
}

llmr_status th_report(llmr_router *router, llmr_ticket ticket, llmr_outcome outcome,
                      double latency_ms) {
  llmr_report rep;
  llmr_report_init(&rep, sizeof rep);
  rep.outcome = outcome;
  rep.latency_ms = latency_ms;
  return llmr_router_report(router, ticket, &rep);
}

int th_feed(llmr_router *router, const char *model, const char *exclude, const char *want,
            llmr_outcome outcome, double latency_ms, int times) {
  int good = 0;
  int i;
  for (i = 0; i < times; ++i) {
    llmr_pick pick;
    if (!CHECK_STATUS(th_pick(router, model, exclude, &pick), LLMR_OK)) continue;
    if (CHECK_STR(pick.deployment, want)) ++good;
    CHECK_STATUS(th_report(router, pick.ticket, outcome, latency_ms), LLMR_OK);
  }
  return good;
}

llmr_status th_health(llmr_router *router, const char *name, llmr_health *out) {
  llmr_health_init(out, sizeof *out);
  return llmr_router_health(router, name, out);
}

int th_streq(const char *a, const char *b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}
