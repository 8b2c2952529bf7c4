/*
 * llmroute: a provider router for LLM API gateways.
 *
 * This header is the whole public C API (C99). It is stable: functions, enum values and struct
 * members are only ever appended, never renumbered or removed within a major version (the SONAME
 * carries the major version, libllmroute.so.1).
 *
 * Conventions (they follow libgit2, SQLite and librdkafka; see docs in README.md):
 *  - Every fallible function returns an llmr_status; 0 (LLMR_OK) is success, errors are negative.
 *    llmr_status_str() names a status; llmr_error_message() gives the detail of the last failure
 *    on the calling thread (read it on the same thread, before the next llmroute call).
 *  - Objects are opaque handles created by *_create() or returned through an out-parameter and
 *    destroyed by their own *_destroy() or *_free() function, which accept NULL. Nothing handed out by the
 *    library is freed with the host's free().
 *  - Option and input structs start with `uint32_t struct_size`; initialise them with their
 *    *_init() function, which sets struct_size and every default, so that a program compiled
 *    against an older header keeps working with a newer library.
 *  - Strings passed in are UTF-8, NUL-terminated, at most LLMR_NAME_MAX bytes for names, and are
 *    copied: the caller may free them as soon as the call returns.
 *  - Thread safety: every function taking an llmr_router may be called from any number of threads
 *    at once. The library starts no threads. Time-driven transitions (a cooldown ending, the
 *    failure window moving on) happen lazily on the thread that calls.
 *  - Durations are milliseconds unless a name says otherwise; the clock is nanoseconds.
 */
#ifndef LLMROUTE_LLMROUTE_H
#define LLMROUTE_LLMROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "llmroute/version.h"

#if defined(_WIN32) && !defined(LLMR_STATIC)
#if defined(llmroute_EXPORTS)
#define LLMR_API __declspec(dllexport)
#else
#define LLMR_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define LLMR_API __attribute__((visibility("default")))
#else
#define LLMR_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Status codes                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** Result of every fallible call. Values are fixed forever; new ones are appended. */
typedef enum llmr_status {
  LLMR_OK = 0,
  /** An argument is NULL, empty, too long, not UTF-8 or out of range. */
  LLMR_ERR_INVALID_ARGUMENT = -1,
  /** Memory could not be allocated. */
  LLMR_ERR_NO_MEMORY = -2,
  /** A named deployment, alias or model setting does not exist. */
  LLMR_ERR_NOT_FOUND = -3,
  /** A deployment or alias with this name already exists. */
  LLMR_ERR_ALREADY_EXISTS = -4,
  /** Deployments serve the model but none is eligible now (all cooling down or forced open).
   * The seed router's ROUTER_NO_PROVIDER_AVAILABLE. */
  LLMR_ERR_NO_PROVIDER = -5,
  /** No deployment serves the requested model at all. */
  LLMR_ERR_UNKNOWN_MODEL = -6,
  /** The ticket was never issued by this router. */
  LLMR_ERR_INVALID_TICKET = -7,
  /** The ticket was already reported or cancelled; nothing was counted again. */
  LLMR_ERR_TICKET_DONE = -8,
  /** A fixed capacity is exhausted (too many outstanding tickets or deployments). */
  LLMR_ERR_CAPACITY = -9,
  /** An internal error; the message says more. Please report it. */
  LLMR_ERR_INTERNAL = -10,
  /** The caller's output buffer is too small; the required size is reported. */
  LLMR_ERR_BUFFER_TOO_SMALL = -11
} llmr_status;

/** Static English name of a status, for example "LLMR_ERR_NO_PROVIDER". Never NULL; unknown
 * values give "LLMR_ERR_UNRECOGNISED". Thread-safe. */
LLMR_API const char *llmr_status_str(llmr_status status);

/** Detail of the last failed call made by the calling thread, for example
 * "deployment 'azure-eu' not found". Empty string when the last call succeeded. The pointer stays
 * valid until the next llmroute call on the same thread. Never NULL.
 *
 * Bindings whose threads can change between two native calls (Go goroutines, async C#) must read
 * it inside the same native call that failed; the SWIG shim does so. */
LLMR_API const char *llmr_error_message(void);

/* ------------------------------------------------------------------------------------------ */
/* Version                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/** The library's version as LLMR_VERSION_NUMBER encodes it (major*1000000 + minor*1000 + patch).
 * Compare it with the header's LLMR_VERSION_NUMBER to detect a header/library mismatch. */
LLMR_API int32_t llmr_version(void);

/** The library's version as a string, for example "1.0.0". Static; never NULL. */
LLMR_API const char *llmr_version_string(void);

/* ------------------------------------------------------------------------------------------ */
/* Enumerations                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** Longest name (deployment, model, alias, tag) in bytes, without the terminating NUL. */
#define LLMR_NAME_MAX 256
/** Most models, tags or fallback entries one list may hold. */
#define LLMR_LIST_MAX 1024

/** How a deployment is chosen among the eligible ones of a model. */
typedef enum llmr_strategy {
  /** Inherit: for a model, use the router's strategy. Not valid as the router's own. */
  LLMR_STRATEGY_DEFAULT = 0,
  /** A true rotation over the eligible deployments, starting at a random place. */
  LLMR_STRATEGY_ROUND_ROBIN = 1,
  /** Exact proportions to the weights, smoothly interleaved (deterministic schedule). */
  LLMR_STRATEGY_WEIGHTED = 2,
  /** Random choice with probability proportional to weight. */
  LLMR_STRATEGY_WEIGHTED_RANDOM = 3,
  /** Lowest EWMA latency (time to first token when reported), spread over all deployments
   * within latency_buffer of the fastest. Deployments without samples get the pool's mean. */
  LLMR_STRATEGY_LATENCY = 4,
  /** Lowest recent failure ratio, then lowest latency. */
  LLMR_STRATEGY_AVAILABILITY = 5
} llmr_strategy;

/** What the host tells the router about a finished call. */
typedef enum llmr_outcome {
  LLMR_OUTCOME_SUCCESS = 0,
  /** HTTP 429. With retry_after_ms > 0 the deployment cools down for that long (capped). */
  LLMR_OUTCOME_RATE_LIMITED = 1,
  /** HTTP 5xx. */
  LLMR_OUTCOME_SERVER_ERROR = 2,
  LLMR_OUTCOME_TIMEOUT = 3,
  LLMR_OUTCOME_CONNECTION_ERROR = 4,
  /** HTTP 401/403: the deployment's credentials are wrong; counts against it. */
  LLMR_OUTCOME_AUTH_ERROR = 5,
  /** HTTP 400: the request's fault; does not count against the deployment. */
  LLMR_OUTCOME_BAD_REQUEST = 6,
  /** The prompt is too long for the model; the request's fault. */
  LLMR_OUTCOME_CONTEXT_WINDOW_EXCEEDED = 7,
  /** The provider refused the content; the request's fault. */
  LLMR_OUTCOME_CONTENT_POLICY = 8
} llmr_outcome;

/** Circuit breaker state of a deployment. */
typedef enum llmr_breaker_state {
  LLMR_BREAKER_CLOSED = 0,
  /** Cooling down: receives no traffic until the cooldown ends. */
  LLMR_BREAKER_OPEN = 1,
  /** Cooldown over: admits at most half_open_max_probes calls at a time; a success closes the
   * breaker, a failure opens it again with a doubled cooldown. */
  LLMR_BREAKER_HALF_OPEN = 2
} llmr_breaker_state;

/** A manual override of a deployment's health (the seed's UpdateHealth, but reversible). */
typedef enum llmr_override {
  /** The circuit breaker decides. */
  LLMR_OVERRIDE_AUTO = 0,
  /** Never picked, whatever its health. */
  LLMR_OVERRIDE_FORCE_OPEN = 1,
  /** Always eligible, whatever its health; outcomes are still recorded. */
  LLMR_OVERRIDE_FORCE_CLOSED = 2
} llmr_override;

/** What a pick does when every deployment of the model is cooling down. */
typedef enum llmr_all_open_policy {
  /** Return LLMR_ERR_NO_PROVIDER with the time until the earliest recovery. */
  LLMR_ALL_OPEN_FAIL_FAST = 0,
  /** Route to the deployment whose cooldown ends first (Envoy's panic routing). */
  LLMR_ALL_OPEN_PANIC = 1
} llmr_all_open_policy;

/* ------------------------------------------------------------------------------------------ */
/* Router                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/** A router: deployments, their health, and the routing state. Opaque. Thread-safe. */
typedef struct llmr_router llmr_router;

/** Returns the current time in nanoseconds on a monotonic clock. Called from any thread that
 * calls the router, possibly concurrently; it must not call back into the router. */
typedef int64_t (*llmr_clock_fn)(void *user_data);

/** Returns 64 uniformly random bits. Called from any thread that calls the router, possibly
 * concurrently; it must not call back into the router. */
typedef uint64_t (*llmr_random_fn)(void *user_data);

/** Options for llmr_router_create(). Initialise with llmr_router_options_init(). */
typedef struct llmr_router_options {
  uint32_t struct_size;
  /** The router's strategy (default LLMR_STRATEGY_ROUND_ROBIN). */
  llmr_strategy strategy;
  /** What happens when all deployments of a model cool down (default fail fast). */
  llmr_all_open_policy all_open_policy;

  /** Trip after this many consecutive counted failures (default 5, Envoy's consecutive_5xx). */
  uint32_t breaker_consecutive_failures;
  /** Trip when the failure ratio in the window exceeds this, 0..1 (default 0.5), ... */
  double breaker_failure_ratio;
  /** ... provided the window holds at least this many counted calls (default 10). */
  uint32_t breaker_min_requests;
  /** Length of the sliding failure window (default 30000 ms). */
  int64_t breaker_window_ms;
  /** First cooldown (default 5000 ms, LiteLLM's DEFAULT_COOLDOWN_TIME_SECONDS). It doubles on each
   * re-trip without an intervening close, up to breaker_cooldown_max_ms. */
  int64_t breaker_cooldown_base_ms;
  /** Longest cooldown, also the cap of a retry-after (default 300000 ms, Envoy's
   * max_ejection_time). */
  int64_t breaker_cooldown_max_ms;
  /** Cooldowns are multiplied by a random factor in [1 - jitter, 1 + jitter] (default 0.1) so
   * that a fleet does not retry in lock step. */
  double breaker_jitter;
  /** Calls admitted at once while half-open (default 1, as Polly and Finagle). */
  uint32_t half_open_max_probes;

  /** Weight of a new latency sample in the EWMA (default 0.125, the seed's 1/8). */
  double latency_ewma_alpha;
  /** The latency strategy spreads traffic over every deployment whose latency is within this
   * fraction of the fastest (default 0.1; LiteLLM's lowest_latency_buffer, whose default 0
   * herds onto one deployment). */
  double latency_buffer;
  /** Latency assumed when no deployment of a model has a sample yet (default 1000 ms). Otherwise
   * a deployment without samples is given the mean of those that have some. */
  double latency_prior_ms;

  /** Injectable clock (NULL: the system's monotonic clock). */
  llmr_clock_fn clock;
  void *clock_user_data;
  /** Injectable random source (NULL: a fast per-thread generator seeded from the OS). */
  llmr_random_fn random;
  void *random_user_data;
} llmr_router_options;

/** Sets struct_size and every default. `opts` must not be NULL. */
LLMR_API llmr_status llmr_router_options_init(llmr_router_options *opts);

/** Creates a router. `opts` may be NULL for the defaults. On success *out owns a router that the
 * caller destroys with llmr_router_destroy(). Invalid option values are rejected with
 * LLMR_ERR_INVALID_ARGUMENT and the message names the field. */
LLMR_API llmr_status llmr_router_create(const llmr_router_options *opts, llmr_router **out);

/** Destroys a router. NULL is a no-op. No other thread may be using it, and tickets still
 * outstanding become invalid (their deployment names dangle). */
LLMR_API void llmr_router_destroy(llmr_router *router);

/* ------------------------------------------------------------------------------------------ */
/* Deployments, aliases, fallback chains                                                       */
/* ------------------------------------------------------------------------------------------ */

/** A deployment: one upstream endpoint serving one or more models. Initialise with
 * llmr_deployment_init(). The router copies everything; the caller keeps ownership. */
typedef struct llmr_deployment {
  uint32_t struct_size;
  /** Unique name, for example "azure-eu-gpt4o". Required. */
  const char *name;
  /** Models served: exact names, "*" for all, or glob patterns with '*' and '?' ("gpt-4o*").
   * At least one is required. */
  const char *const *models;
  size_t model_count;
  /** Relative weight for the weighted strategies, 1..1000000 (default 1). */
  uint32_t weight;
  /** Priority tier, 0 = first (default 0). Tier n+1 receives traffic only when tier n has no
   * eligible deployment. At most 255. */
  uint32_t tier;
  /** Free-form tags, for example "eu", "zdr". May be NULL when tag_count is 0. */
  const char *const *tags;
  size_t tag_count;
} llmr_deployment;

/** Sets struct_size and the defaults (weight 1, tier 0, no models, no tags). */
LLMR_API llmr_status llmr_deployment_init(llmr_deployment *deployment);

/** Adds a deployment. Fails with LLMR_ERR_ALREADY_EXISTS when the name is taken. The new
 * deployment starts closed with no latency samples. Publishes a new routing snapshot atomically:
 * concurrent picks see the old or the new set, never a mix. */
LLMR_API llmr_status llmr_router_add_deployment(llmr_router *router,
                                                const llmr_deployment *deployment);

/** Replaces the models, weight, tier and tags of the deployment with the same name, keeping its
 * health, statistics and in-flight calls. LLMR_ERR_NOT_FOUND when there is none. */
LLMR_API llmr_status llmr_router_update_deployment(llmr_router *router,
                                                   const llmr_deployment *deployment);

/** Removes a deployment: it receives no new picks. Tickets already issued for it stay valid and
 * are reported as usual. LLMR_ERR_NOT_FOUND when there is none. */
LLMR_API llmr_status llmr_router_remove_deployment(llmr_router *router, const char *name);

/** Maps the public model name `alias` to `model` (one level: the target is not itself resolved
 * as an alias). Replaces an existing mapping of the same alias. */
LLMR_API llmr_status llmr_router_set_alias(llmr_router *router, const char *alias,
                                           const char *model);

/** Removes an alias. LLMR_ERR_NOT_FOUND when there is none. */
LLMR_API llmr_status llmr_router_remove_alias(llmr_router *router, const char *alias);

/** Sets the fallback chain of `model`: the models to try, in order, when its own deployments
 * are exhausted. `count` 0 clears the chain. A model may not list itself. */
LLMR_API llmr_status llmr_router_set_fallbacks(llmr_router *router, const char *model,
                                               const char *const *fallback_models, size_t count);

/** Sets the strategy for one model (after alias resolution). LLMR_STRATEGY_DEFAULT returns the
 * model to the router's strategy. */
LLMR_API llmr_status llmr_router_set_model_strategy(llmr_router *router, const char *model,
                                                    llmr_strategy strategy);

/** Forces a deployment open or closed, or returns it to its breaker (LLMR_OVERRIDE_AUTO). */
LLMR_API llmr_status llmr_router_set_override(llmr_router *router, const char *name,
                                              llmr_override mode);

/* ------------------------------------------------------------------------------------------ */
/* Pick and report                                                                              */
/* ------------------------------------------------------------------------------------------ */

/** Identifies one pick until it is reported or cancelled. 0 is never a valid ticket. */
typedef uint64_t llmr_ticket;

/** Per-pick options. Initialise with llmr_pick_options_init(); NULL means the defaults. */
typedef struct llmr_pick_options {
  uint32_t struct_size;
  /** Deployments not to pick, for example the ones a retry already tried. */
  const char *const *exclude;
  size_t exclude_count;
} llmr_pick_options;

/** Sets struct_size and the defaults (nothing excluded). */
LLMR_API llmr_status llmr_pick_options_init(llmr_pick_options *opts);

/** The result of a pick. Initialise with llmr_pick_init(). */
typedef struct llmr_pick {
  uint32_t struct_size;
  /** Report or cancel this exactly once. */
  llmr_ticket ticket;
  /** The chosen deployment's name. Owned by the router; valid until the ticket is reported or
   * cancelled (even if the deployment is removed meanwhile). */
  const char *deployment;
  /** The model the request was routed as, after alias resolution. Same lifetime. */
  const char *model;
  /** The chosen deployment's tier. */
  uint32_t tier;
  /** 1 when this call is a half-open probe of a recovering deployment. */
  int32_t is_probe;
  /** 1 when every deployment was cooling down and the panic policy chose this one. */
  int32_t is_panic;
  /** On LLMR_ERR_NO_PROVIDER: milliseconds until the earliest deployment's cooldown ends, or -1
   * when none will end by itself (all forced open). 0 otherwise. */
  int64_t retry_after_ms;
} llmr_pick;

/** Sets struct_size and clears the rest. */
LLMR_API llmr_status llmr_pick_init(llmr_pick *pick);

/** Picks a deployment for `model` (an alias, an exact name or any name a glob matches).
 * On LLMR_OK the caller owns pick->ticket and must report or cancel it exactly once; until then
 * it counts as in flight on the deployment. Errors: LLMR_ERR_UNKNOWN_MODEL when no deployment
 * serves the model, LLMR_ERR_NO_PROVIDER when none is eligible now (see retry_after_ms).
 * Takes no lock that a writer holds and allocates nothing for exact model names. */
LLMR_API llmr_status llmr_router_pick(llmr_router *router, const char *model,
                                      const llmr_pick_options *opts, llmr_pick *pick);

/** How a picked call went. Initialise with llmr_report_init(). */
typedef struct llmr_report {
  uint32_t struct_size;
  llmr_outcome outcome;
  /** Total latency of the call; negative when unknown. Successes feed the EWMA. */
  double latency_ms;
  /** Time to first token of a streamed call; when >= 0 it feeds the EWMA instead of latency_ms. */
  double ttft_ms;
  /** For LLMR_OUTCOME_RATE_LIMITED: the provider's Retry-After in ms (0 = none given). */
  int64_t retry_after_ms;
  /** Token usage, for statistics and later limits; 0 when unknown. */
  int64_t input_tokens;
  int64_t output_tokens;
} llmr_report;

/** Sets struct_size and the defaults (success, latencies unknown). */
LLMR_API llmr_status llmr_report_init(llmr_report *report);

/** Reports how the call behind `ticket` went, updating the deployment's health. Exactly once per
 * ticket: a second report or a report after cancel returns LLMR_ERR_TICKET_DONE and counts
 * nothing. */
LLMR_API llmr_status llmr_router_report(llmr_router *router, llmr_ticket ticket,
                                        const llmr_report *report);

/** Gives a ticket back without an outcome (the call was never made, or the client went away):
 * in flight drops, health is unchanged, a probe permit is returned. */
LLMR_API llmr_status llmr_router_cancel(llmr_router *router, llmr_ticket ticket);

/* ------------------------------------------------------------------------------------------ */
/* Fallbacks                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** An ordered list of (deployment, model) candidates. Owned by the caller; free it with
 * llmr_fallbacks_free(). Immutable, so it may be read from any thread. */
typedef struct llmr_fallbacks llmr_fallbacks;

/** Lists the eligible deployments for `model` in the order its strategy prefers, without the
 * ones in `exclude` (for example the deployment that just failed), followed by those of each
 * model in its fallback chain (transitively, each model once). `exclude` may be NULL when
 * `exclude_count` is 0. An empty list is a success. Does not issue tickets. */
LLMR_API llmr_status llmr_router_fallbacks(llmr_router *router, const char *model,
                                           const char *const *exclude, size_t exclude_count,
                                           llmr_fallbacks **out);

/** Number of entries; 0 for NULL. */
LLMR_API size_t llmr_fallbacks_count(const llmr_fallbacks *list);

/** Entry `index`: deployment name and the model it would serve. The strings live as long as the
 * list. LLMR_ERR_INVALID_ARGUMENT when index is out of range. Either out-pointer may be NULL. */
LLMR_API llmr_status llmr_fallbacks_get(const llmr_fallbacks *list, size_t index,
                                        const char **deployment, const char **model);

/** Frees a list. NULL is a no-op. */
LLMR_API void llmr_fallbacks_free(llmr_fallbacks *list);

/* ------------------------------------------------------------------------------------------ */
/* Health                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/** Health of one deployment at one moment (the seed's GetHealthStatus). Initialise with
 * llmr_health_init(). */
typedef struct llmr_health {
  uint32_t struct_size;
  /** The deployment's name; owned by whatever filled the struct (see each function). */
  const char *name;
  llmr_breaker_state state;
  llmr_override override_mode;
  /** 1 when a pick could choose it now. */
  int32_t eligible;
  /** EWMA latency in ms; negative when there is no sample yet. */
  double ewma_latency_ms;
  /** Counted failures / counted calls in the sliding window; 0 when empty. */
  double failure_ratio;
  int64_t in_flight;
  /** Lifetime counts. Calls the request's fault caused are in neither successes nor failures. */
  int64_t picks;
  int64_t successes;
  int64_t failures;
  int64_t request_errors;
  int64_t cancels;
  /** Times the breaker opened. */
  int64_t trips;
  int64_t consecutive_failures;
  /** Milliseconds until the cooldown ends; 0 when not open. */
  int64_t cooldown_remaining_ms;
  uint32_t weight;
  uint32_t tier;
} llmr_health;

/** Sets struct_size and clears the rest. */
LLMR_API llmr_status llmr_health_init(llmr_health *health);

/** Fills `out` for the deployment `name`. out->name points at the router's copy and is valid while
 * the deployment exists. */
LLMR_API llmr_status llmr_router_health(llmr_router *router, const char *name, llmr_health *out);

/** Health of every deployment at one moment, in the order they were added. */
typedef struct llmr_health_list llmr_health_list;

/** Takes a snapshot of every deployment's health. Free it with llmr_health_list_free(). */
LLMR_API llmr_status llmr_router_health_list(llmr_router *router, llmr_health_list **out);

/** Number of entries; 0 for NULL. */
LLMR_API size_t llmr_health_list_count(const llmr_health_list *list);

/** Copies entry `index` into `out`; out->name lives as long as the list. */
LLMR_API llmr_status llmr_health_list_get(const llmr_health_list *list, size_t index,
                                          llmr_health *out);

/** Frees a list. NULL is a no-op. */
LLMR_API void llmr_health_list_free(llmr_health_list *list);

/** Static name of an enum value ("round_robin", "rate_limited", "half_open", ...); NULL for a
 * value that does not exist. */
LLMR_API const char *llmr_strategy_str(llmr_strategy strategy);
LLMR_API const char *llmr_outcome_str(llmr_outcome outcome);
LLMR_API const char *llmr_breaker_state_str(llmr_breaker_state state);

/** Parses a strategy name as llmr_strategy_str() prints it. LLMR_ERR_INVALID_ARGUMENT for an
 * unknown name. */
LLMR_API llmr_status llmr_strategy_from_str(const char *name, llmr_strategy *out);

#ifdef __cplusplus
}
#endif

#endif /* LLMROUTE_LLMROUTE_H */
