/*
 * A tiny test harness for the C ABI tests: CHECK macros that record each failure with file:line
 * and keep going, and a closing line "N passed, N failed". Plus a controllable clock and random
 * source for routers, and small helpers around the public API. Only <llmroute/llmroute.h> is used.
 */
#ifndef LLMR_TESTS_C_HARNESS_H
#define LLMR_TESTS_C_HARNESS_H

#include <llmroute/llmroute.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Each returns 1 when the check passed, so that a test can skip what depends on it. */
int th_check(int ok, const char *file, int line, const char *expr);
int th_check_status(llmr_status got, llmr_status want, const char *file, int line,
                    const char *expr);
int th_check_str(const char *got, const char *want, const char *file, int line, const char *expr);
int th_check_i64(int64_t got, int64_t want, const char *file, int line, const char *expr);
int th_check_range(int64_t got, int64_t lo, int64_t hi, const char *file, int line,
                   const char *expr);
int th_check_contains(const char *haystack, const char *needle, const char *file, int line,
                      const char *expr);

#define CHECK(cond) th_check((cond) ? 1 : 0, __FILE__, __LINE__, #cond)
/* Compares a status and, on mismatch, prints both names and llmr_error_message(). */
#define CHECK_STATUS(expr, want) th_check_status((expr), (want), __FILE__, __LINE__, #expr)
/* NULL-safe string equality. */
#define CHECK_STR(got, want) th_check_str((got), (want), __FILE__, __LINE__, #got)
#define CHECK_I64(got, want) th_check_i64((int64_t)(got), (int64_t)(want), __FILE__, __LINE__, #got)
/* lo <= got <= hi */
#define CHECK_RANGE(got, lo, hi) \
  th_check_range((int64_t)(got), (int64_t)(lo), (int64_t)(hi), __FILE__, __LINE__, #got)
/* The current llmr_error_message() contains `needle`. */
#define CHECK_MESSAGE_HAS(needle) \
  th_check_contains(llmr_error_message(), (needle), __FILE__, __LINE__, "llmr_error_message()")

/* Runs one test function, printing its name. */
void th_run(const char *name, void (*fn)(void));
#define RUN_TEST(fn) th_run(#fn, fn)

/* Prints "N passed, N failed" on its own line; returns the process exit code (0 only when no
 * check failed and at least one ran). */
int th_finish(void);

/* ---- A controllable environment: clock in nanoseconds and a deterministic random source ---- */

typedef struct th_env {
  int64_t now_ns;
  uint64_t rng_state;
  /* When nonzero, random() returns fixed_random instead of the generator's next value. */
  int use_fixed_random;
  uint64_t fixed_random;
  /* How many times the router called each function. */
  uint64_t clock_calls;
  uint64_t random_calls;
} th_env;

void th_env_init(th_env *env, uint64_t seed);
void th_advance_ms(th_env *env, int64_t ms);
int64_t th_clock(void *user_data);
uint64_t th_random(void *user_data);

/* llmr_router_options_init() plus the env's clock and random source. */
void th_options(th_env *env, llmr_router_options *opts);
/* Creates a router from opts (CHECKed); NULL on failure. */
llmr_router *th_router(const llmr_router_options *opts);
/* A router with the defaults and env's clock and random source. */
llmr_router *th_default_router(th_env *env);

/* Adds a deployment serving one model pattern. */
llmr_status th_add(llmr_router *router, const char *name, const char *model, uint32_t weight,
                   uint32_t tier);

/* Picks `model`, excluding `exclude` (may be NULL). */
llmr_status th_pick(llmr_router *router, const char *model, const char *exclude, llmr_pick *pick);

/* Reports `outcome` with the given latency (negative: unknown). */
llmr_status th_report(llmr_router *router, llmr_ticket ticket, llmr_outcome outcome,
                      double latency_ms);

/* Picks `model` (excluding `exclude`), CHECKs that `want` was chosen and reports `outcome`,
 * `times` times. Returns how many rounds went as expected. */
int th_feed(llmr_router *router, const char *model, const char *exclude, const char *want,
            llmr_outcome outcome, double latency_ms, int times);

/* llmr_health_init() + llmr_router_health(). */
llmr_status th_health(llmr_router *router, const char *name, llmr_health *out);

/* Returns 1 when a and b are equal strings (both non-NULL). */
int th_streq(const char *a, const char *b);

#ifdef __cplusplus
}
#endif

#endif /* LLMR_TESTS_C_HARNESS_H */
