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
 *    destroyed by their own *_destroy() or *_free() function, which accept NULL. Nothing
 *    handed out by the library is freed with the host's free().
 *  - Structs passed in or out start with `uint32_t struct_size`. Initialise each with its
 *    *_init() function, passing the struct's size as your compiler sees it:
 *        llmr_pick pick;  llmr_pick_init(&pick, sizeof pick);
 *    It sets struct_size and every default, writing no further than that size, and the library
 *    reads and writes no further than struct_size: a program compiled against an older (shorter)
 *    header keeps working with a newer library (libgit2's and Vulkan's convention). A size smaller
 *    than the struct had in version 1.0 is rejected with LLMR_ERR_INVALID_ARGUMENT.
 *  - Strings passed in are UTF-8, NUL-terminated, at most LLMR_NAME_MAX bytes for names, and are
 *    copied: the caller may free them as soon as the call returns.
 *  - Thread safety: every function taking an llmr_router may be called from any number of threads
 *    at once. The library starts no threads, with one exception: a router created with a shared
 *    state URL (llmr_router_options.shared_state_url, docs/fleet.md) starts one synchronisation
 *    thread, which llmr_router_destroy() stops and joins. Time-driven transitions (a cooldown
 *    ending, the failure window moving on) happen lazily on the thread that calls.
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
  /** The ticket was never issued by this router (a ticket carries its router's tag, so one of
   * another router is refused rather than taken for one of this router's). */
  LLMR_ERR_INVALID_TICKET = -7,
  /** The ticket was already reported or cancelled; nothing was counted again. */
  LLMR_ERR_TICKET_DONE = -8,
  /** A fixed capacity is exhausted: LLMR_MAX_TICKETS outstanding tickets, or
   * LLMR_MAX_DEPLOYMENTS deployments. */
  LLMR_ERR_CAPACITY = -9,
  /** An internal error; the message says more. Please report it. */
  LLMR_ERR_INTERNAL = -10,
  /** The caller's output buffer is too small; the required size is reported. */
  LLMR_ERR_BUFFER_TOO_SMALL = -11,
  /** Every eligible deployment is at its rpm, tpm or in-flight limit; retry_after_ms says when
   * capacity returns. */
  LLMR_ERR_RATE_LIMITED = -12,
  /** The call's deadline passed before it succeeded. */
  LLMR_ERR_DEADLINE_EXCEEDED = -13,
  /** The call was cancelled through its llmr_cancel. */
  LLMR_ERR_CANCELLED = -14,
  /** The call ended with an upstream failure (every attempt failed, the retry budget ran out, a
   * committed stream broke, or the request itself was rejected); the call report's final outcome
   * says which. */
  LLMR_ERR_UPSTREAM = -15,
  /** A configuration was rejected (llmr_router_create_from_config(), llmr_router_apply_config()
   * and their _file variants, llmr_config_validate()): malformed JSON, an unknown field, a value of
   * the wrong type or out of range, a duplicate, or a file that cannot be read. The message starts
   * with the JSON path of the offending value and gives the reason, for example
   * "$.deployments[2].weight: must be an integer in 1..1000000 (got 0)". Nothing of the
   * configuration was applied. */
  LLMR_ERR_CONFIG = -16,
  /** llmr_router_call(): the stream stalled after it was committed (no chunk within the call's
   * idle_timeout_ms, or no first byte within first_byte_timeout_ms, while the adapter had already
   * sent bytes to the client). The call is not retried: end the client's stream with an error
   * rather than let it look complete. A stall before commit fails over like a timeout. */
  LLMR_ERR_STREAM_STALLED = -18
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

/** Whether this build of the library has the optional feature `name`: 1 if it was compiled in,
 * 0 if not. Known names: "redis" (fleet shared state in Redis, docs/fleet.md; built when hiredis
 * was found, see LLMR_WITH_REDIS in README.md). Names are exact and lower case.
 *
 * NULL or an unknown name also gives 0, and then llmr_error_message() names the problem and lists
 * the known features; a known name clears it. Never allocates on success; thread-safe.
 *
 * The header's compile-time counterparts are LLMR_HAVE_<FEATURE> in llmroute/version.h (1 or 0,
 * test them with #if): they describe the build the header was installed with, this function the
 * library actually loaded. `pkg-config --variable=features llmroute` and the CMake package's
 * llmroute_FEATURES list the same names (SQLite's sqlite3_compileoption_used is the model). */
LLMR_API int32_t llmr_feature_enabled(const char *name);

/* ------------------------------------------------------------------------------------------ */
/* Enumerations                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** Longest name (deployment, model, alias, tag) in bytes, without the terminating NUL. */
#define LLMR_NAME_MAX 256
/** Most models, tags or fallback entries one list may hold. */
#define LLMR_LIST_MAX 1024
/** Most deployments one router holds: adding one more (or applying a configuration with more)
 * fails with LLMR_ERR_CAPACITY (a configuration: LLMR_ERR_CONFIG). */
#define LLMR_MAX_DEPLOYMENTS 4096
/** Most tickets one router has outstanding at once (picks neither reported nor cancelled, 4 Mi):
 * a pick beyond it fails with LLMR_ERR_CAPACITY until some are reported or cancelled. The
 * memory for them (64 bytes each) is allocated in chunks of 4096 as picks need it and kept for
 * the router's lifetime. */
#define LLMR_MAX_TICKETS 4194304

/** How a deployment is chosen among the eligible ones of a model. */
typedef enum llmr_strategy {
  /** Inherit: for a model, use the router's strategy. Not valid as the router's own. */
  LLMR_STRATEGY_DEFAULT = 0,
  /** A true rotation over the eligible deployments, starting at a random place. One rotation per
   * tier shared by every thread: a caller's sequential picks rotate exactly, whichever thread
   * each runs on (a Go goroutine moves between threads). */
  LLMR_STRATEGY_ROUND_ROBIN = 1,
  /** Exact proportions to the weights, smoothly interleaved (deterministic schedule). */
  LLMR_STRATEGY_WEIGHTED = 2,
  /** Random choice with probability proportional to weight. */
  LLMR_STRATEGY_WEIGHTED_RANDOM = 3,
  /** Lowest EWMA latency (time to first token when reported) x (calls in flight + 1), spread
   * over all deployments within latency_buffer of the lowest: idle, the fastest; loaded, no
   * deployment takes more than its load allows (Envoy's least-request weighting with 1/latency
   * as the weight). Deployments without samples get the pool's mean. A sample older than
   * breaker_window_ms is stale: the deployment gets calls again until one is in flight, and that
   * call's latency replaces the estimate (so a recovered one comes back). */
  LLMR_STRATEGY_LATENCY = 4,
  /** Lowest recent failure ratio (ratios within 5 percentage points tie), then the latency
   * strategy's rule among the tied. */
  LLMR_STRATEGY_AVAILABILITY = 5,
  /** Power of two choices: of two distinct random eligible deployments, the one with the lower
   * (in flight + 1) / weight. Adapts to slow or overloaded deployments without latency samples. */
  LLMR_STRATEGY_LEAST_LOADED = 6,
  /** Power of two choices on peak-sensitive, time-decayed latency x (in flight + 1) / weight
   * (Finagle's and linkerd's Peak EWMA). Failures count as slow calls, so fast 429s and 5xx do
   * not attract traffic; a deployment without samples gets one probe at a time until it answers.
   * See peak_ewma_decay_ms and peak_ewma_failure_penalty. */
  LLMR_STRATEGY_PEAK_EWMA = 7,
  /** Cheapest eligible deployment by cost_per_million_input/output (for the pick's expected
   * tokens when given), ties spread over the near-fastest as the latency strategy does.
   * Deployments without a price come last. */
  LLMR_STRATEGY_COST = 8,
  /** For self-hosted inference engines (vLLM, SGLang, TGI): the eligible deployment with the
   * best weighted score of queue depth, KV-cache utilisation (from llmr_router_report_load())
   * and prompt-prefix match (from llmr_pick_options.prefix_hashes against the blocks recently
   * routed to each deployment), as the Gateway API Inference Extension / llm-d endpoint picker
   * scores; unless the load is imbalanced (SGLang's guard: max - min load above
   * engine_balance_abs_threshold and max above engine_balance_rel_threshold x min), then the
   * least loaded. Deployments without a fresh report are scored on this router's calls in
   * flight. See engine_weight_* and docs/engines.md for the exact scores. */
  LLMR_STRATEGY_ENGINE_AWARE = 9
} llmr_strategy;

/** What the host tells the router about a finished call. */
typedef enum llmr_outcome {
  LLMR_OUTCOME_SUCCESS = 0,
  /** HTTP 429. With retry_after_ms > 0 the deployment cools down for that long (capped), and
   * when that deadline passes it is back in fully, without a half-open probe (see
   * LLMR_BREAKER_HALF_OPEN). */
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
   * breaker, a failure opens it again with a doubled cooldown. Only after a cooldown the breaker
   * chose itself (failures): a cooldown set by a provider's Retry-After is a known deadline, and
   * once it passes the breaker is closed and every request may go (LiteLLM's cooldowns and
   * Envoy's outlier ejections end this way; docs/strategies.md, "Circuit breaker"). A cooldown
   * learnt from the fleet (docs/fleet.md) does not carry its cause and ends half-open. */
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

/** Waits `duration_ns` nanoseconds (a call's backoff between attempts). Called on the thread of
 * llmr_router_call(). An injected clock needs an injected sleep that advances it. */
typedef void (*llmr_sleep_fn)(void *user_data, int64_t duration_ns);

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
  /** Length of the sliding failure window (default 30000 ms); also the age at which a latency
   * sample goes stale unless latency_stale_ms says otherwise (see LLMR_STRATEGY_LATENCY). */
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
  /** The latency strategy spreads traffic over every deployment whose latency x (in flight + 1)
   * is within this fraction of the lowest (default 0.1; LiteLLM's lowest_latency_buffer, whose
   * default 0 herds onto one deployment). */
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

  /** Retry budget of llmr_router_call(), gRPC's retry throttling token bucket: the bucket holds
   * at most retry_budget_max_tokens (default 10); each failed attempt takes one token, each
   * success gives back retry_budget_token_ratio (default 0.1); a retry is allowed only while more
   * than half the tokens remain. During an outage retries stop after a few failures while first
   * attempts go on, so retries cannot multiply the load. 0 max tokens disables retries. */
  double retry_budget_max_tokens;
  double retry_budget_token_ratio;
  /** Injectable sleep for backoff (NULL: the system's, woken early by cancellation). */
  llmr_sleep_fn sleep;
  void *sleep_user_data;

  /** Priority tiers (Envoy's overprovisioning factor, default 1.4): a tier whose eligible
   * fraction of members times this factor is below 1 keeps only that share of the traffic and
   * the rest spills to the next tier, so ordered failover needs no retries. With 1.4 a tier
   * carries everything while at least about 72% of its members are eligible; with half of them
   * eligible it keeps 70%. At least 1; INFINITY makes tiers strict (a lower tier only when the
   * upper has no eligible deployment). */
  double tier_overprovisioning_factor;
  /** Slow start (Envoy's): a deployment just added, or just recovered from an open breaker or a
   * forced-open override, ramps its weight over this window instead of taking a full share at
   * once (default 0 = off). Applies to round_robin, weighted, weighted_random, least_loaded and
   * peak_ewma. Useless when every deployment is new: shares are relative. */
  int64_t slow_start_window_ms;
  /** Shape of the ramp: weight x max(min_weight_percent / 100, (t / window) ^ (1 / aggression));
   * 1.0 is linear (default), larger values ramp faster at first. Must be > 0. */
  double slow_start_aggression;
  /** Floor of the ramp in percent of the weight, 0..100 (default 10). */
  double slow_start_min_weight_percent;
  /** Time constant of the peak_ewma strategy's decay (default 10000 ms, Finagle's and linkerd's):
   * how fast a latency peak is forgotten. */
  int64_t peak_ewma_decay_ms;
  /** peak_ewma: a failed call counts as a call this many times slower than the deployment's
   * current estimate (or than latency_prior_ms when larger). At least 1 (default 10). */
  double peak_ewma_failure_penalty;
  /** Session affinity's bounded load (consistent hashing with bounded loads): a deployment whose
   * in-flight calls reach ceil(factor x (in flight + 1) x weight / total weight) of its tier's
   * eligible deployments passes a key on to the key's next choice, so one hot key cannot
   * overload it. 0 = unbounded (default); otherwise at least 1 (1.25 is a common choice). */
  double affinity_load_factor;

  /** Fleet shared state (docs/fleet.md): routers created with the same URL and key prefix share
   * breaker trips and recoveries, cooldown deadlines and rpm/tpm usage per deployment name, so a
   * fleet of gateway instances agrees that a deployment is cooling down and enforces one rate
   * limit together. "redis://[[user]:password@]host[:port][/db]" (one server),
   * "redis-sentinel://[[user]:password@]host[:port][,host[:port]...][/db]#master" (the master a
   * Sentinel names, followed across failovers), "redis-cluster://[[user]:password@]host[:port]
   * [,host[:port]...]" (Redis Cluster seed nodes; keys hash-tagged with the prefix); user and
   * password may be %-encoded; no TLS (rediss:// is refused; docs/fleet.md describes a tunnel).
   * NULL or "" = off (default). Copied.
   *
   * The router then starts one thread (the only one llmroute ever starts) that exchanges state
   * with Redis every shared_state_sync_interval_ms, and at once after a trip or recovery here.
   * Picks and reports never wait on the network. llmr_router_create() makes the first connection
   * attempt (at most the connect timeout, then the command timeout): a server that answers but
   * refuses (wrong password, no such database, not Redis) fails it with
   * LLMR_ERR_INVALID_ARGUMENT and a message saying so; an unreachable one does not, the router
   * routes on local state and keeps reconnecting (llmr_router_shared_state_status()). The clock
   * and event callbacks may be called from that thread (another instance's trip is reported as
   * an LLMR_EVENT_BREAKER there). A build without hiredis rejects a URL with
   * LLMR_ERR_INVALID_ARGUMENT. */
  const char *shared_state_url;
  /** Prefix of every Redis key (NULL: "llmroute:"), so that several fleets can share one Redis.
   * At most 256 bytes. Copied. */
  const char *shared_state_key_prefix;
  /** How often state is exchanged (default 1000 ms, 10..3600000): another instance's trip is
   * seen here within about this long. */
  int64_t shared_state_sync_interval_ms;
  /** Limits of a connection attempt and of one exchange (defaults 1000 ms, 1..3600000). */
  int64_t shared_state_connect_timeout_ms;
  int64_t shared_state_command_timeout_ms;
  /** Share of a deployment's rpm_limit this router may admit between two exchanges (default
   * 0.05, in (0, 1]; at least one request). It bounds the fleet's overshoot: N routers admit at
   * most (N - 1) x max(1, floor(rpm_limit x batch)) requests more than rpm_limit in any 60 s
   * window while Redis is reachable (docs/fleet.md). */
  double shared_state_rate_batch;

  /** Age at which a deployment's latency sample goes stale (LLMR_STRATEGY_LATENCY then sends it
   * one probe, so that a deployment measured slow once gets a chance to show it recovered),
   * 0..31536000000 ms. 0 (default) = breaker_window_ms. LiteLLM likewise expires its latency
   * samples after a TTL. */
  int64_t latency_stale_ms;

  /** Growth of the cooldown on each re-trip without a recovery in between: the n-th trip in a
   * row cools down for breaker_cooldown_base_ms x multiplier^(n-1), capped at
   * breaker_cooldown_max_ms (a Retry-After cooldown is taken as given). Default 2 (doubling),
   * 1..10; 1 keeps the cooldown fixed, as LiteLLM's cooldown_time does. */
  double breaker_cooldown_multiplier;
  /** Providers' announced quotas (llmr_report's quota_* members, docs/strategies.md, "Announced
   * quotas"). A rate-limited report whose announced quota resets more than this later (the reset
   * of the count it announces used up, else the earliest it announces) is a quota exhaustion, a
   * daily cap rather than a burst: the deployment gets no pick and no probe until the reset (not
   * capped by breaker_cooldown_max_ms) and LLMR_EVENT_QUOTA_EXHAUSTED is delivered. An announced
   * count without a reset holds this long. 1..31622400000 ms (default 60000: OpenAI's and
   * Anthropic's request and token limits are per minute). */
  int64_t quota_horizon_ms;
  /** 1 (default): within a tier where some deployment announced its quota, the pick is a random
   * choice weighted by each deployment's remaining headroom (how many requests of the pick's
   * expected tokens its announced counts still take; deployments without an announcement get the
   * tier's mean), so load spreads by what is left before any 429. 0: the strategy chooses (a
   * deployment that cannot take the request is still not picked). */
  uint32_t quota_headroom_routing;
  /* Inference engines: LLMR_STRATEGY_ENGINE_AWARE, llmr_router_report_load() and the prefix
   * index (docs/engines.md). */
  /** A load report read longer ago than this is ignored: the deployment counts as unreported
   * (default 2000 ms, the Gateway API Inference Extension endpoint picker's
   * metrics-staleness-threshold), 1..31536000000. */
  int64_t engine_load_stale_ms;
  /** Weights of the queue-depth, KV-cache utilisation and prefix-match scores (each score is in
   * 0..1), 0..1000; defaults 2, 2 and 3: the llm-d / GIE endpoint picker's default profile. */
  double engine_weight_queue;
  double engine_weight_kv;
  double engine_weight_prefix;
  /** The load-imbalance guard (SGLang router's balance_abs_threshold 64 and
   * balance_rel_threshold 1.5): with load = waiting + running requests (or calls in flight when
   * more, or when there is no fresh report), the load counts as imbalanced when max - min >
   * abs (0..1e9) and max > rel x min (1..1000); then the least loaded deployment is picked. */
  double engine_balance_abs_threshold;
  double engine_balance_rel_threshold;
  /** Prefix blocks each deployment's index remembers (default 31250, GIE's
   * LRUCapacityPerServer), rounded up to a power of two, 2..16777216. 16 bytes a block,
   * allocated on the first pick with prefix hashes that chooses the deployment (512 KiB by
   * default); a new block replaces the older of two. */
  uint32_t prefix_index_capacity;
  /** A block routed to a deployment longer ago than this no longer matches (default 300000 ms,
   * 1..86400000). */
  int64_t prefix_index_ttl_ms;

  /** The hedge budget of llmr_router_call() (llmr_call_options.hedge_after_ms): a token bucket
   * like the retry budget's. Every call that may hedge earns hedge_budget_ratio tokens (default
   * 0.1, 0..1), up to hedge_budget_max_tokens (default 10, 0..1000; the bucket starts full); a
   * hedge takes one whole token and is not started without one. So over any window hedges are at
   * most ratio x hedging calls + max_tokens: 10% more attempts by default, the extra load "The
   * Tail at Scale" (Dean and Barroso, CACM 2013) accepts, and an outage that slows every first
   * attempt cannot double the load. gRPC throttles hedges with its retry token bucket (gRFC A6).
   * 0 tokens: no hedge ever starts. */
  double hedge_budget_max_tokens;
  double hedge_budget_ratio;
} llmr_router_options;

/** Sets struct_size and every default. `opts` must not be NULL. */
LLMR_API llmr_status llmr_router_options_init(llmr_router_options *opts, size_t struct_size);

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
  /** Priority tier, 0 = first (default 0). Tier n+1 receives traffic only when tier n lacks
   * eligible capacity (see tier_overprovisioning_factor in llmr_router_options). At most 255. */
  uint32_t tier;
  /** Free-form tags, for example "eu", "zdr". May be NULL when tag_count is 0. */
  const char *const *tags;
  size_t tag_count;
  /** Requests per minute the deployment accepts (0 = unlimited). Counted at pick time over a
   * sliding 60 s window; a deployment at its limit is not eligible. */
  uint32_t rpm_limit;
  /** Tokens (input + output, from reports) per minute (0 = unlimited), same window. */
  uint64_t tpm_limit;
  /** Calls in flight at once (0 = unlimited). */
  uint32_t max_in_flight;
  /** Price per 1M input and output tokens, in any currency as long as it is the same everywhere
   * (for the cost strategy and llmr_pick_options.max_price). Negative = not configured (default
   * -1); when only one is configured the other counts as 0. Must be finite. */
  double cost_per_million_input;
  double cost_per_million_output;

  /** Priority reserves (docs/priority.md): level i keeps the last reserve_shares[i] (0..1) of
   * each limit above (rpm_limit, tpm_limit, max_in_flight) for requests of priority
   * reserve_priorities[i] (0..LLMR_PRIORITY_LOWEST - 1) or higher (llmr_pick_options.priority).
   * A request of a lower priority is refused by this deployment while only the reserve is left;
   * priority 0 may use everything. The share of a limit is rounded to the nearest whole request,
   * token or call. Levels go from the highest class down: priorities strictly increasing, shares
   * not decreasing (the reserve for priority <= 1 includes that for priority 0). At most 3
   * levels; both arrays hold reserve_count entries and may be NULL when it is 0 (default: no
   * reserve). A bad level is LLMR_ERR_INVALID_ARGUMENT naming reserve[i].priority or
   * reserve[i].share, and nothing of the deployment is applied. Copied. */
  const uint32_t *reserve_priorities;
  const double *reserve_shares;
  size_t reserve_count;
} llmr_deployment;

/** Sets struct_size and the defaults (weight 1, tier 0, no models, no tags, no price). */
LLMR_API llmr_status llmr_deployment_init(llmr_deployment *deployment, size_t struct_size);

/** Adds a deployment. Fails with LLMR_ERR_ALREADY_EXISTS when the name is taken and with
 * LLMR_ERR_CAPACITY when the router already holds LLMR_MAX_DEPLOYMENTS. The new
 * deployment starts closed with no latency samples (and, when slow start is on, ramps its share
 * in over slow_start_window_ms). Publishes a new routing snapshot atomically: concurrent picks
 * see the old or the new set, never a mix. */
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

/** A dry-run pick's account of every deployment serving a model (llmr_router_explain()), or a
 * real pick's (llmr_pick_options.trace). Owned by the caller; free it with
 * llmr_explanation_free(). Immutable, so any thread may read it; the strings it hands out live as
 * long as it does. */
typedef struct llmr_explanation llmr_explanation;

/** Per-pick options. Initialise with llmr_pick_options_init(); NULL means the defaults. */
typedef struct llmr_pick_options {
  uint32_t struct_size;
  /** Deployments not to pick, for example the ones a retry already tried. */
  const char *const *exclude;
  size_t exclude_count;
  /** Session affinity: requests with the same key (a conversation or user id; any
   * NUL-terminated bytes) go to the same deployment, so its prompt cache is hit, whatever the
   * strategy. The key is spread with weighted rendezvous hashing over the eligible deployments
   * of its tier: when its deployment becomes ineligible only its keys move, and they come back
   * when it returns. The same key maps alike in every router with the same deployments. NULL or
   * "" = none (default). Not copied beyond the call. */
  const char *affinity_key;
  /** Only deployments carrying every one of these tags are eligible. May be NULL when
   * required_tag_count is 0 (default). */
  const char *const *required_tags;
  size_t required_tag_count;
  /** Expected tokens of the request (0 = unknown, default): the cost strategy ranks by the
   * request's price when given, and max_price needs them. */
  int64_t expected_input_tokens;
  int64_t expected_output_tokens;
  /** When > 0, only deployments whose price for the expected tokens is at most this are
   * eligible (deployments without a price are not). Requires expected tokens. 0 = no cap
   * (default). */
  double max_price;

  /** Deadline-aware picking: the time the request has left, in ms (0 = none, default; at most
   * 31536000000). A deployment whose expected latency exceeds it is skipped, as an excluded one
   * is (it stays healthy capacity of its tier, so a tier with nothing that fits passes the
   * request to the next). Expected latency is the deployment's latency EWMA, the estimate
   * LLMR_STRATEGY_LATENCY routes by (llmr_health.ewma_latency_ms): time to first token when
   * reports carry ttft_ms, else total latency; a deployment without samples fits. When no
   * eligible deployment fits, the pick does not fail: it takes the fastest one (lowest EWMA)
   * and sets llmr_pick.deadline_unmet, so the host may shed the request instead.
   * llmr_router_call() passes each attempt's time left until its deadline_ms. */
  int64_t deadline_ms;
  /* Prompt prefix (LLMR_STRATEGY_ENGINE_AWARE). */
  /** The request's prefix block hashes from llmr_prefix_hashes(), at most
   * LLMR_PREFIX_HASHES_MAX (more is LLMR_ERR_INVALID_ARGUMENT). engine_aware scores each
   * deployment by how many leading blocks it was recently sent; every pick that carries them,
   * whatever the strategy, records them in the chosen deployment's prefix index (at most
   * two atomic stores per hash, no lock). May be NULL when prefix_hash_count is 0 (default).
   * Not copied beyond the call. */
  const uint64_t *prefix_hashes;
  size_t prefix_hash_count;
  /* Per-pick trace: the real pick explains itself ("why did this request go there?"). */
  /** 1: llmr_router_pick() also hands out, in *trace_out, an llmr_explanation of this real pick,
   * the same account llmr_router_explain() gives (every candidate with its tier, breaker state,
   * limits, score, rank and why it was filtered, read just before the pick from the state the
   * pick used), whose `picked` is the deployment this pick took (not a prediction: `approximate`
   * is 0) or none when the pick failed (its status, message and retry_after_ms then are the
   * pick's). 0 = no trace (default): the pick does no extra work. A traced pick costs what an
   * explain costs (it allocates); meant for sampled requests and debugging, not every pick.
   * Other values are LLMR_ERR_INVALID_ARGUMENT. llmr_router_explain() ignores both fields. */
  int32_t trace;
  /** Where the trace goes when `trace` is 1 (NULL then is LLMR_ERR_INVALID_ARGUMENT, naming
   * opts->trace_out). llmr_router_pick() sets *trace_out to NULL first, and to a new explanation
   * the caller owns and frees with llmr_explanation_free() when the pick returns LLMR_OK,
   * LLMR_ERR_NO_PROVIDER or LLMR_ERR_RATE_LIMITED; it stays NULL on any other error. Read only
   * when `trace` is 1. */
  llmr_explanation **trace_out;

  /** The request's priority class: 0 (highest) .. LLMR_PRIORITY_LOWEST (3). Default
   * LLMR_PRIORITY_DEFAULT (2, the lowest but one: background work can be marked 3 without
   * touching the rest; the Gateway API Inference Extension's default band, Standard, also sits
   * between Critical and Sheddable). It decides which share of a deployment's limits the request
   * may use (llmr_deployment.reserve_priorities): a deployment that has only a reserve for higher
   * classes left is not eligible, and when no deployment is the pick fails with
   * LLMR_ERR_RATE_LIMITED and llmr_pick.retry_after_ms = when the class's share of the window
   * frees. Anything else is LLMR_ERR_INVALID_ARGUMENT naming opts->priority. */
  int32_t priority;
} llmr_pick_options;

/** Priority classes of llmr_pick_options.priority: 0 is the highest. */
#define LLMR_PRIORITY_HIGHEST 0
#define LLMR_PRIORITY_DEFAULT 2
#define LLMR_PRIORITY_LOWEST 3

/** Most prefix hashes one pick may carry (the Gateway API Inference Extension's
 * maxPrefixBlocksToMatch): with 64-byte blocks, the first 16 KiB of a prompt. */
#define LLMR_PREFIX_HASHES_MAX 256

/** Sets struct_size and the defaults (nothing excluded, no affinity key, no tags, no price cap,
 * priority LLMR_PRIORITY_DEFAULT). */
LLMR_API llmr_status llmr_pick_options_init(llmr_pick_options *opts, size_t struct_size);

/** The result of a pick. Initialise with llmr_pick_init(). */
typedef struct llmr_pick {
  uint32_t struct_size;
  /** Report or cancel this exactly once. */
  llmr_ticket ticket;
  /** The chosen deployment's name. Owned by the router; valid until the ticket is reported or
   * cancelled (even if the deployment is removed meanwhile), and not a moment longer: copy it
   * first if it is needed after llmr_router_report() or llmr_router_cancel() returns. */
  const char *deployment;
  /** The model the request was routed as, after alias resolution. When an alias applied, the
   * alias target, owned by the router and valid for its lifetime; otherwise the `model` argument
   * itself (the same pointer), valid as long as the caller keeps that string. */
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

  /** 1 when llmr_pick_options.deadline_ms was given and no eligible deployment's expected
   * latency fits it: this is the fastest of them instead. 0 otherwise. */
  int32_t deadline_unmet;
} llmr_pick;

/** Sets struct_size and clears the rest. */
LLMR_API llmr_status llmr_pick_init(llmr_pick *pick, size_t struct_size);

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
  /** Total latency of the call; negative when unknown. Successes feed the EWMA. Must be finite
   * (NaN and infinities are rejected). */
  double latency_ms;
  /** Time to first token of a streamed call; when >= 0 it feeds the EWMA instead of latency_ms.
   * Negative when unknown; must be finite. */
  double ttft_ms;
  /** For LLMR_OUTCOME_RATE_LIMITED: the provider's Retry-After in ms (0 = none given; >= 0). */
  int64_t retry_after_ms;
  /** Token usage, for statistics and the tpm limit; 0 when unknown, never negative. */
  int64_t input_tokens;
  int64_t output_tokens;

  /** The deployment's quota as the provider announced it on this response, when it did
   * (OpenAI and Azure OpenAI: x-ratelimit-remaining-requests / -tokens and
   * x-ratelimit-reset-requests / -tokens; Anthropic: anthropic-ratelimit-requests-remaining,
   * anthropic-ratelimit-tokens-remaining and their -reset; the Go gateway example parses them).
   * Remaining counts: 0..10^15, -1 = not announced (default). Resets: milliseconds from now until
   * that count resets, 1..31622400000 (366 days), 0 = not announced (default); negative (a reset
   * in the past) is rejected. The router keeps the counts until their reset (a count without a
   * reset: quota_horizon_ms), takes each pick out of them (one request, the pick's expected
   * tokens) and does not pick the deployment while they cannot take the request; the next
   * announcement replaces them. On LLMR_OUTCOME_RATE_LIMITED a quota reset beyond
   * quota_horizon_ms (that of the count announced at 0, else the earliest announced) is a quota
   * exhaustion
   * (see llmr_router_options.quota_horizon_ms); a 429 without one keeps the breaker's handling
   * of retry_after_ms. Out-of-range values are rejected with
   * LLMR_ERR_INVALID_ARGUMENT naming the member; nothing of the report is counted. */
  int64_t quota_remaining_requests;
  int64_t quota_remaining_tokens;
  int64_t quota_requests_reset_ms;
  int64_t quota_tokens_reset_ms;
} llmr_report;

/** Sets struct_size and the defaults (success, latencies unknown, no quota announced). */
LLMR_API llmr_status llmr_report_init(llmr_report *report, size_t struct_size);

/** Reports how the call behind `ticket` went, updating the deployment's health. Exactly once per
 * ticket: a second report or a report after cancel returns LLMR_ERR_TICKET_DONE and counts
 * nothing. A report with an invalid value (an outcome that does not exist, a negative
 * retry_after_ms or token count, a NaN or infinite latency) is rejected with
 * LLMR_ERR_INVALID_ARGUMENT and a message naming the field; it counts nothing and the ticket
 * stays outstanding, to be reported correctly or cancelled. */
LLMR_API llmr_status llmr_router_report(llmr_router *router, llmr_ticket ticket,
                                        const llmr_report *report);

/** Gives a ticket back without an outcome (the call was never made, or the client went away):
 * in flight drops, health is unchanged, a probe permit is returned. The pick still counts
 * against the deployment's rpm_limit: requests per minute are counted when picked, and a
 * cancelled request may already have reached the provider, so the slot is not given back. */
LLMR_API llmr_status llmr_router_cancel(llmr_router *router, llmr_ticket ticket);

/* ------------------------------------------------------------------------------------------ */
/* Inference engines: load reports and prompt prefixes (docs/engines.md)                       */
/* ------------------------------------------------------------------------------------------ */

/** What a deployment's inference engine reports, for example scraped from vLLM's /metrics
 * (vllm:num_requests_waiting, vllm:num_requests_running, vllm:kv_cache_usage_perc).
 * Initialise with llmr_engine_load_init(). */
typedef struct llmr_engine_load {
  uint32_t struct_size;
  /** Requests queued in the engine, >= 0 (counts above 16777215 are kept as 16777215). */
  int64_t waiting;
  /** Requests the engine is running, >= 0 (same cap). */
  int64_t running;
  /** KV-cache utilisation, 0..1 (1 = full); kept in steps of 1/65535. NaN is rejected. */
  double kv_cache_utilization;
  /** When the values were read, on the router's clock (llmr_router_options.clock; without one
   * the monotonic clock, CLOCK_MONOTONIC in ns); 0 (default) = now. A report read longer than
   * engine_load_stale_ms ago is ignored by picks; a time later than the clock's now is
   * rejected. */
  int64_t read_at_ns;
} llmr_engine_load;

/** Sets struct_size and the defaults (0 waiting, 0 running, utilisation 0, read now). */
LLMR_API llmr_status llmr_engine_load_init(llmr_engine_load *load, size_t struct_size);

/** Stores the load `deployment`'s engine reports, for LLMR_STRATEGY_ENGINE_AWARE. The newest
 * report wins: one read earlier than the report held is dropped (LLMR_OK). Errors, with nothing
 * stored: LLMR_ERR_INVALID_ARGUMENT for a NULL router, deployment or load, a negative waiting or
 * running count, a utilisation outside 0..1 or NaN, a negative or future read_at_ns (the
 * message names the field); LLMR_ERR_NOT_FOUND for a deployment the router does not have.
 * Lock-free (two atomic stores); any thread. The deployment keeps its last report across
 * updates and reloads that keep it. */
LLMR_API llmr_status llmr_router_report_load(llmr_router *router, const char *deployment,
                                             const llmr_engine_load *load);

/** Computes the prefix block hashes of `text` (`len` bytes, any content: prompt text, token ids
 * as bytes), for llmr_pick_options.prefix_hashes. The text is cut into blocks of `block_bytes`
 * bytes; only whole blocks count (a shorter tail is ignored), and hash i covers blocks 0..i
 * together. The function is fixed, so that every gateway instance and every binding computes the
 * same values: FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3), where hash 0 is
 * FNV-1a of block 0's bytes and hash i of the 8 bytes of hash i-1 in little-endian order followed
 * by block i's bytes, each started from the offset basis. Test vectors: docs/engines.md.
 *
 * Writes the first min(len / block_bytes, cap) hashes to `out` and their number to *count.
 * `text` may be NULL when len is 0, `out` when cap is 0. Errors (LLMR_ERR_INVALID_ARGUMENT):
 * block_bytes 0 or above 1048576, NULL text with len > 0, NULL out with cap > 0, NULL count.
 * Pure; thread-safe; allocates nothing. Use the same block size on every instance (64 bytes, the
 * Gateway API Inference Extension's default, is a fair choice for text). */
LLMR_API llmr_status llmr_prefix_hashes(const void *text, size_t len, uint32_t block_bytes,
                                        uint64_t *out, size_t cap, size_t *count);

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
/* Explain: why a pick would go where it goes                                                   */
/* ------------------------------------------------------------------------------------------ */

/* llmr_explanation, a dry-run pick's account of every deployment serving a model, is declared
 * before llmr_pick_options (whose trace_out hands one out); see there. */

/** What llmr_router_explain() saw of one deployment. Initialise with llmr_explain_candidate_init().
 */
typedef struct llmr_explain_candidate {
  uint32_t struct_size;
  /** Owned by the explanation. */
  const char *deployment;
  uint32_t tier;
  llmr_breaker_state state;
  llmr_override override_mode;
  /** Milliseconds until the cooldown ends; 0 when not open. */
  int64_t cooldown_remaining_ms;
  int64_t in_flight;
  uint32_t weight;
  /** The deployment's limits (0 = unlimited) and their use over the sliding 60 s window (0 when
   * it has no limit). */
  uint32_t rpm_limit;
  uint64_t tpm_limit;
  uint32_t max_in_flight;
  uint64_t requests_in_window;
  uint64_t tokens_in_window;
  /** EWMA latency (negative: no sample) and the failure ratio of the breaker's window. */
  double ewma_latency_ms;
  double failure_ratio;
  /** Price of the request (its expected tokens; without them, the two prices per 1M tokens
   * added); negative when the deployment has no price. */
  double price;
  /** The strategy's own measure of this deployment, as llmr_explain_summary.score_kind names
   * it: "weight_share" (round_robin, weighted, weighted_random: the share of its tier's eligible
   * weight, higher gets more), "latency_x_load_ms" (latency: EWMA, or the pool's mean without
   * samples, x (in flight + 1)), "failure_ratio" (availability), "load_per_weight"
   * (least_loaded: (in flight + 1) / weight), "peak_latency_x_load_per_weight_ms" (peak_ewma),
   * "price" (cost); lower is preferred for all but weight_share. NaN when the deployment was
   * filtered out before the strategy saw it. */
  double score;
  /** Position in the strategy's order of preference within its tier, 0 first (its
   * llmr_router_fallbacks() order); -1 when filtered. */
  int32_t rank;
  /** Share of the traffic its priority tier receives now, 0..1 (tier_overprovisioning_factor). */
  double tier_share;
  /** 1 when a pick could not choose it; `reason` then says why: "missing a required tag",
   * "above max_price", "no price configured" (max_price set), "forced open", "breaker open",
   * "half-open, probe slots taken", "at max_in_flight", "at rpm_limit", "at tpm_limit", "at the
   * fleet's rate limit", "expected latency above deadline_ms", "excluded". "" when not
   * filtered. Owned by the explanation. */
  int32_t filtered;
  const char *reason;
  /** 1 when it is eligible only as a half-open probe. */
  int32_t is_probe;
  /** 1 for the deployment a pick would choose (see llmr_explain_summary.approximate). */
  int32_t picked;
} llmr_explain_candidate;

/** Sets struct_size and clears the rest. */
LLMR_API llmr_status llmr_explain_candidate_init(llmr_explain_candidate *candidate,
                                                 size_t struct_size);

/** The outcome of a dry-run pick. Initialise with llmr_explain_summary_init(). */
typedef struct llmr_explain_summary {
  uint32_t struct_size;
  /** The model after alias resolution. Owned by the explanation. */
  const char *model;
  /** The model's strategy (the router's when the model has none of its own). */
  llmr_strategy strategy;
  /** What llmr_explain_candidate.score measures (see there). Owned by the explanation. */
  const char *score_kind;
  /** What a pick with the same options would return now: LLMR_OK, LLMR_ERR_NO_PROVIDER or
   * LLMR_ERR_RATE_LIMITED, with its message ("" on LLMR_OK) and retry_after_ms. */
  llmr_status status;
  const char *message;
  int64_t retry_after_ms;
  /** The deployment a pick would choose and its index among the candidates; NULL and -1 when
   * none. */
  const char *picked;
  int64_t picked_index;
  /** 1 when the choice is the panic policy's (every deployment cooling down). */
  int32_t is_panic;
  /** 1 when a pick may choose another eligible deployment than `picked`, its strategy's first
   * preference: the strategy draws at random, spreads over near-ties or interleaves, or more
   * than one priority tier has a share. 0 for round robin, a session affinity key or a single
   * candidate (exact until another pick moves the rotation). */
  int32_t approximate;
  /** 1 when opts->deadline_ms was given and no eligible deployment fits it: `picked` is the
   * fastest of those too slow, as llmr_pick.deadline_unmet reports for a pick. */
  int32_t deadline_unmet;
} llmr_explain_summary;

/** Sets struct_size and clears the rest. */
LLMR_API llmr_status llmr_explain_summary_init(llmr_explain_summary *summary, size_t struct_size);

/** A dry-run pick: lists every deployment serving `model` (by tier, then in the order added)
 * with its tier, breaker state and cooldown, limits and their use, latency, failure ratio and
 * price, the strategy's score and rank, whether it was filtered and why, and which one a pick
 * with `opts` (may be NULL) would choose. For a gateway's debug endpoint ("why did this request
 * go there?") and for tests. It issues no ticket, counts nothing against a limit, takes no probe
 * slot and moves no rotation: the next pick is unaffected. It reads the routing snapshot as a
 * pick does and takes no lock a writer holds, so it never blocks picks (a deployment with
 * limits is read under the same short lock its picks take). Thread-safe.
 *
 * On LLMR_OK *out owns a new explanation, also when no deployment is eligible (the summary's
 * status then says what a pick would return). LLMR_ERR_UNKNOWN_MODEL when no deployment serves
 * the model, LLMR_ERR_INVALID_ARGUMENT for a NULL or invalid argument or option (the message
 * names it); *out is then NULL. */
LLMR_API llmr_status llmr_router_explain(llmr_router *router, const char *model,
                                         const llmr_pick_options *opts, llmr_explanation **out);

/** Fills the summary. */
LLMR_API llmr_status llmr_explanation_summary(const llmr_explanation *explanation,
                                              llmr_explain_summary *out);

/** Number of candidates; 0 for NULL. */
LLMR_API size_t llmr_explanation_candidate_count(const llmr_explanation *explanation);

/** Copies candidate `index` (0-based); its strings live as long as the explanation.
 * LLMR_ERR_INVALID_ARGUMENT when index is out of range. */
LLMR_API llmr_status llmr_explanation_candidate(const llmr_explanation *explanation, size_t index,
                                                llmr_explain_candidate *out);

/** The explanation as one JSON object (NUL-terminated, owned by the explanation; *len, which may
 * be NULL, excludes the NUL): {"model", "strategy", "score_kind", "status" (as llmr_status_str()),
 * "message", "retry_after_ms", "picked" (a name or null), "panic", "approximate",
 * "deadline_unmet", "candidates": [{"deployment", "tier", "state", "override",
 * "cooldown_remaining_ms", "in_flight", "weight",
 * "rpm_limit", "tpm_limit", "max_in_flight", "requests_in_window", "tokens_in_window",
 * "ewma_latency_ms", "failure_ratio", "price", "score", "rank", "tier_share", "filtered",
 * "reason", "probe", "picked"}]}. Enums are spelt as in a configuration ("round_robin", "open",
 * "force_open"); a NaN score and a missing price are null. */
LLMR_API llmr_status llmr_explanation_json(const llmr_explanation *explanation, const char **text,
                                           size_t *len);

/** Frees an explanation. NULL is a no-op. */
LLMR_API void llmr_explanation_free(llmr_explanation *explanation);

/* ------------------------------------------------------------------------------------------ */
/* Execution: the router drives a request through provider adapters                            */
/* ------------------------------------------------------------------------------------------ */

/** Which fallback chain a model's llmr_router_set_fallbacks_for() sets (LiteLLM's fallbacks,
 * context_window_fallbacks and content_policy_fallbacks). */
typedef enum llmr_fallback_kind {
  /** Tried when the model's own deployments are exhausted (also llmr_router_set_fallbacks). */
  LLMR_FALLBACK_GENERAL = 0,
  /** Tried when an attempt ends with LLMR_OUTCOME_CONTEXT_WINDOW_EXCEEDED. */
  LLMR_FALLBACK_CONTEXT_WINDOW = 1,
  /** Tried when an attempt ends with LLMR_OUTCOME_CONTENT_POLICY. */
  LLMR_FALLBACK_CONTENT_POLICY = 2
} llmr_fallback_kind;

/** Sets one of a model's fallback chains; count 0 clears it. LLMR_FALLBACK_GENERAL is the chain
 * llmr_router_set_fallbacks() sets and llmr_router_fallbacks() follows. */
LLMR_API llmr_status llmr_router_set_fallbacks_for(llmr_router *router, const char *model,
                                                   llmr_fallback_kind kind,
                                                   const char *const *fallback_models,
                                                   size_t count);

/** A cancellation flag a host can raise from any thread to stop llmr_router_call() calls that
 * carry it: a backoff wait ends at once, no further attempt starts, and adapters can poll it with
 * llmr_call_check(). Thread-safe. */
typedef struct llmr_cancel llmr_cancel;

/** Creates a flag, not raised. Free it with llmr_cancel_destroy() once no call uses it. */
LLMR_API llmr_status llmr_cancel_create(llmr_cancel **out);

/** Raises the flag (idempotent). */
LLMR_API llmr_status llmr_cancel_trigger(llmr_cancel *cancel);

/** Destroys a flag. NULL is a no-op. No call may still use it. */
LLMR_API void llmr_cancel_destroy(llmr_cancel *cancel);

/** The router's side of one call, handed to the adapter for the duration of invoke(). */
typedef struct llmr_call_context llmr_call_context;

/** What an adapter's invoke() is given. Valid only during that invoke(). */
typedef struct llmr_invoke_args {
  uint32_t struct_size;
  /** The deployment and model (after aliases and fallbacks) this attempt goes to. */
  const char *deployment;
  const char *model;
  /** The request, as the host handed it to llmr_router_call(): opaque bytes. */
  const void *request;
  size_t request_len;
  /** 1 for the first attempt of the call, 2 for the next, ... */
  uint32_t attempt;
  /** Milliseconds this attempt may take: the smaller of the per-attempt timeout and the time left
   * until the call's deadline; -1 when neither is set. The adapter enforces it. */
  int64_t timeout_ms;
  /** For llmr_call_set_response() and llmr_call_check(). */
  llmr_call_context *context;

  /** The call's stall limits (llmr_call_options; 0 = none), for the adapter's own read timeouts.
   * The router cannot interrupt invoke(): an adapter that streams calls llmr_call_progress() for
   * each chunk and polls llmr_call_check(), which returns LLMR_ERR_STREAM_STALLED once a limit
   * passed; it then abandons the attempt and returns. */
  int64_t first_byte_timeout_ms;
  int64_t idle_timeout_ms;

  /** 1 when this attempt is a hedge (llmr_call_options.hedge_after_ms): started beside the
   * call's first attempt, which may still be running, on a thread the router owns. Whichever
   * attempt succeeds first, or first claims the client's stream with llmr_call_commit(), wins;
   * llmr_call_check() then answers LLMR_ERR_CANCELLED to the others, which should return at
   * once. */
  int32_t is_hedge;
} llmr_invoke_args;

/** What an adapter's invoke() reports about its attempt. The router initialises it (success,
 * latencies unknown) before the call. */
typedef struct llmr_attempt_result {
  uint32_t struct_size;
  llmr_outcome outcome;
  /** Total latency; when negative (or NaN or infinite) the router measures the attempt with its
   * own clock. */
  double latency_ms;
  /** Time to first token of a stream (feeds the latency strategy); negative when unknown (NaN
   * and infinities count as unknown). Negative token counts below count as 0. */
  double ttft_ms;
  /** For LLMR_OUTCOME_RATE_LIMITED: the provider's Retry-After in ms (0 = none). */
  int64_t retry_after_ms;
  int64_t input_tokens;
  int64_t output_tokens;
  /** 1 once bytes of the response reached the client (a stream started): the router never
   * retries this request after that, whatever the outcome. */
  int32_t committed;
} llmr_attempt_result;

/** Performs one attempt: sends args->request to args->deployment and fills *result. Runs on the
 * thread that called llmr_router_call(), except for hedges (llmr_call_options.hedge_after_ms),
 * which run on a thread the router creates for each, while the first attempt still runs: with
 * hedging on, an adapter must be thread-safe and may be invoked from a thread its host did not
 * create (each binding attaches such threads to its runtime). It may run concurrently for
 * different calls and, when hedged, for the same call. Return
 * LLMR_OK; any other status is taken as a failure of the adapter itself and recorded as a
 * connection error. It must not call llmr_router_call() recursively on the same router with a
 * deadline it cannot meet, and must not destroy the router. */
typedef llmr_status (*llmr_invoke_fn)(void *user_data, const llmr_invoke_args *args,
                                      llmr_attempt_result *result);

/** Called exactly once when the router no longer needs the adapter: after it was replaced or its
 * deployment removed (or the router destroyed) and the last call using it has returned. */
typedef void (*llmr_release_fn)(void *user_data);

/** A provider adapter: callbacks a host implements per deployment. Initialise with
 * llmr_adapter_init(). The router copies the struct. */
typedef struct llmr_adapter {
  uint32_t struct_size;
  void *user_data;
  llmr_invoke_fn invoke;
  /** May be NULL. */
  llmr_release_fn release;
} llmr_adapter;

/** Sets struct_size and clears the rest. */
LLMR_API llmr_status llmr_adapter_init(llmr_adapter *adapter, size_t struct_size);

/** Attaches an adapter to a deployment, replacing (and in time releasing) the previous one; NULL
 * detaches it. Only deployments with an adapter take part in llmr_router_call(): the others are
 * never picked by it, so calls use none of their rpm/tpm/in-flight capacity and add nothing to
 * their statistics. On failure the adapter is not kept and its release is not called. */
LLMR_API llmr_status llmr_router_set_adapter(llmr_router *router, const char *deployment,
                                             const llmr_adapter *adapter);

/** Stores the attempt's response bytes (copied; a later call replaces them). The call report
 * hands out those of the last attempt that set any. Only during invoke(). */
LLMR_API llmr_status llmr_call_set_response(llmr_call_context *context, const void *data,
                                            size_t len);

/** LLMR_OK while the call may go on; LLMR_ERR_CANCELLED once its llmr_cancel was raised;
 * LLMR_ERR_DEADLINE_EXCEEDED once its deadline passed; LLMR_ERR_STREAM_STALLED once the attempt
 * stalled: no llmr_call_progress() within first_byte_timeout_ms of the attempt's start, or none
 * within idle_timeout_ms of the last one (a stall, once seen, stays). Only during invoke(). */
LLMR_API llmr_status llmr_call_check(const llmr_call_context *context);

/** Tells the router that the attempt received a chunk of its response (the first byte of a
 * stream, or any later chunk): it restarts the stall clock (llmr_call_options.idle_timeout_ms)
 * and ends the first-byte wait. Only during invoke(); thread-safe. A stall is judged by the
 * router's clock (llmr_router_options.clock). */
LLMR_API llmr_status llmr_call_progress(llmr_call_context *context);

/** Claims the client's stream for this attempt, before its first byte is sent to the client:
 * LLMR_OK when this attempt may send (the call is not hedged, or no other attempt of it won
 * first); LLMR_ERR_CANCELLED when another attempt of a hedged call already won (succeeded or
 * claimed), in which case the adapter sends nothing and returns. Once claimed the attempt counts
 * as committed (as llmr_attempt_result.committed: never retried), no hedge starts, and the
 * call's other attempts are cancelled. An adapter that streams to the client and may be hedged
 * must call it; for one that answers whole, success is the claim. Only during invoke();
 * thread-safe. */
LLMR_API llmr_status llmr_call_commit(llmr_call_context *context);

/** Options of one call. Initialise with llmr_call_options_init(); NULL means the defaults. */
typedef struct llmr_call_options {
  uint32_t struct_size;
  /** Overall deadline from the start of the call, attempts and backoff included (0 = none). */
  int64_t deadline_ms;
  /** Limit of each attempt (0 = none), handed to the adapter as timeout_ms. */
  int64_t attempt_timeout_ms;
  /** Attempts over the whole call, fallbacks included (default 3, at most 10; Envoy and gRPC cap
   * attempts at 5 and LiteLLM retries 3 times by default). */
  uint32_t max_attempts;
  /** Backoff before a retry: full jitter, uniform in [0, min(max, base * 2^(retry - 1))]
   * (defaults 100 ms and 5000 ms). Never past the deadline. */
  int64_t backoff_base_ms;
  int64_t backoff_max_ms;
  /** May be NULL. */
  llmr_cancel *cancel;

  /** Stalled streams, per attempt (0 = none, default; at most a year): an attempt with no first
   * byte (llmr_call_progress()) within first_byte_timeout_ms of its start (time to first token),
   * or no further chunk within idle_timeout_ms of the last, is stalled: llmr_call_check() says
   * LLMR_ERR_STREAM_STALLED and the adapter should abandon it. A stalled attempt counts as a
   * timeout against its deployment; before commit the call fails over as after a timeout, after
   * commit it ends with LLMR_ERR_STREAM_STALLED. Negative values are LLMR_ERR_INVALID_ARGUMENT.
   * Envoy's route timeout and stream idle_timeout are the same two limits. */
  int64_t first_byte_timeout_ms;
  int64_t idle_timeout_ms;

  /** Hedged calls ("The Tail at Scale", Dean and Barroso, CACM 2013; gRPC's hedging policy):
   * when the call's first attempt has produced nothing (no llmr_call_progress(), no
   * llmr_call_commit(), no answer) after the hedge delay, another attempt, a hedge, starts on
   * another deployment of the model (llmr_invoke_args.is_hedge; it runs on a router-owned
   * thread); then another after each further delay, up to max_hedges. The first attempt to
   * succeed or to claim the stream (llmr_call_commit()) wins; the others see LLMR_ERR_CANCELLED
   * from llmr_call_check(), and their tickets are cancelled, not reported as failures (the report
   * marks them llmr_attempt_info.cancelled). llmr_router_call() returns only after every attempt
   * returned: a loser that never polls llmr_call_check() holds the call until it returns.
   * No hedge starts after the first attempt returned or committed, when no other deployment can
   * be picked (max_hedges is clamped to the deployments available), or when the router's hedge
   * budget (llmr_router_options.hedge_budget_ratio) is spent; hedges do not count against
   * max_attempts, and only the first attempt is hedged (retries are not).
   * The delay: hedge_after_ms (0 = off, default; at most a day), or, when hedge_after_quantile is
   * set (0 = off; in [0, 1), e.g. 0.95), the model's latency at that quantile (its deployments'
   * latency histograms merged, successes only), never below hedge_after_ms; while the model has
   * no latency sample the quantile gives nothing and hedge_after_ms alone applies. max_hedges:
   * default 1, at most 4 (gRPC caps a hedged call's attempts at 5); 0 turns hedging off. Values
   * out of range, NaN included, are LLMR_ERR_INVALID_ARGUMENT naming the field. */
  int64_t hedge_after_ms;
  double hedge_after_quantile;
  uint32_t max_hedges;
  /** Every attempt's priority class, as llmr_pick_options.priority (default
   * LLMR_PRIORITY_DEFAULT; outside 0..LLMR_PRIORITY_LOWEST is LLMR_ERR_INVALID_ARGUMENT). A call
   * refused by the reserves ends with LLMR_ERR_RATE_LIMITED unless a fallback has room. */
  int32_t priority;
} llmr_call_options;

/** Sets struct_size and the defaults. */
LLMR_API llmr_status llmr_call_options_init(llmr_call_options *opts, size_t struct_size);

/** What happened in a call. Owned by the caller; free with llmr_call_report_free(). */
typedef struct llmr_call_report llmr_call_report;

/** Drives one request: resolves aliases, picks a deployment that has an adapter (those without
 * one are not candidates at all), invokes it,
 * classifies and reports the outcome; on a retryable outcome (rate limited, server error, timeout,
 * connection error) waits a jittered backoff and tries another deployment of the model (never the
 * one that just failed while another is eligible), then the models of its fallback chain.
 * Context-window and content-policy outcomes move to those fallback chains; bad requests and auth
 * errors return at once; a committed stream is never retried. Retries also stop when the retry
 * budget, max_attempts, the deadline or a cancellation says so.
 * Returns LLMR_OK when an attempt succeeded, otherwise LLMR_ERR_UPSTREAM, LLMR_ERR_NO_PROVIDER,
 * LLMR_ERR_RATE_LIMITED, LLMR_ERR_UNKNOWN_MODEL, LLMR_ERR_DEADLINE_EXCEEDED, LLMR_ERR_CANCELLED
 * or LLMR_ERR_STREAM_STALLED (a committed stream stalled: see first_byte_timeout_ms).
 * When `report` is not NULL, *report receives the call report whenever the arguments were valid,
 * success or not. Runs adapters on the calling thread; a hedged call's hedges on threads it
 * creates and joins before it returns (llmr_call_options.hedge_after_ms). */
LLMR_API llmr_status llmr_router_call(llmr_router *router, const char *model, const void *request,
                                      size_t request_len, const llmr_call_options *opts,
                                      llmr_call_report **report);

/** One attempt of a call. Initialise with llmr_attempt_info_init(). */
typedef struct llmr_attempt_info {
  uint32_t struct_size;
  /** Owned by the report. */
  const char *deployment;
  const char *model;
  llmr_outcome outcome;
  double latency_ms;
  /** Backoff waited before this attempt, in ms. */
  int64_t backoff_ms;
  int32_t committed;
  /** 1 when the adapter failed (returned an error status or threw) rather than the provider. */
  int32_t adapter_failed;

  /** Hedged calls (llmr_call_options.hedge_after_ms): 1 when this attempt was a hedge; 1 when it
   * was cancelled because another attempt of the call won (its ticket was cancelled: the outcome
   * is what its adapter returned, and it does not count against the deployment). */
  int32_t hedge;
  int32_t cancelled;
} llmr_attempt_info;

/** Sets struct_size and clears the rest. */
LLMR_API llmr_status llmr_attempt_info_init(llmr_attempt_info *info, size_t struct_size);

/** The outcome of a whole call. Initialise with llmr_call_summary_init(). */
typedef struct llmr_call_summary {
  uint32_t struct_size;
  /** What llmr_router_call() returned. */
  llmr_status status;
  /** The last attempt's outcome (LLMR_OUTCOME_SUCCESS when there was no attempt). */
  llmr_outcome final_outcome;
  /** The last attempt's deployment and model; NULL when there was no attempt. Owned by the
   * report. */
  const char *deployment;
  const char *model;
  /** 1 when the call moved to a fallback model. */
  int32_t used_fallback;
  size_t attempts;
  /** On LLMR_ERR_NO_PROVIDER or LLMR_ERR_RATE_LIMITED: ms until capacity returns (-1 unknown). */
  int64_t retry_after_ms;
  /** Elapsed time of the whole call on the router's clock. */
  int64_t total_ms;
  /** The response bytes the adapter set (NULL and 0 when none). Owned by the report. */
  const void *response;
  size_t response_len;
  /** Why the call stopped, in words ("retry budget exhausted", ...); owned by the report. */
  const char *detail;
} llmr_call_summary;

/** Sets struct_size and clears the rest. */
LLMR_API llmr_status llmr_call_summary_init(llmr_call_summary *summary, size_t struct_size);

/** Fills the summary of a report. */
LLMR_API llmr_status llmr_call_report_summary(const llmr_call_report *report,
                                              llmr_call_summary *out);

/** Number of attempts; 0 for NULL. */
LLMR_API size_t llmr_call_report_attempt_count(const llmr_call_report *report);

/** Fills attempt `index` (0-based, in order). */
LLMR_API llmr_status llmr_call_report_attempt(const llmr_call_report *report, size_t index,
                                              llmr_attempt_info *out);

/** Frees a report. NULL is a no-op. */
LLMR_API void llmr_call_report_free(llmr_call_report *report);

/* ------------------------------------------------------------------------------------------ */
/* Health                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/** Health of one deployment at one moment (the seed's GetHealthStatus). Initialise with
 * llmr_health_init(). */
typedef struct llmr_health {
  uint32_t struct_size;
  /** The deployment's name. llmr_router_health(): the caller's `name` argument itself (the same
   * pointer), never the router's copy; llmr_health_list_get(): owned by the list. */
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

  /** The provider's announced quota as the router holds it now (llmr_report's quota_*
   * members, less the picks made since): remaining requests and tokens, -1 when none is
   * announced or its reset has passed; milliseconds until each resets, 0 then. */
  int64_t quota_remaining_requests;
  int64_t quota_remaining_tokens;
  int64_t quota_requests_reset_ms;
  int64_t quota_tokens_reset_ms;
  /** > 0 while a quota exhaustion holds the deployment out: milliseconds until its reset. */
  int64_t quota_exhausted_ms;
  /** Quota exhaustions over the deployment's lifetime. */
  int64_t quota_exhaustions;
} llmr_health;

/** Sets struct_size and clears the rest. */
LLMR_API llmr_status llmr_health_init(llmr_health *health, size_t struct_size);

/** Fills `out` for the deployment `name`. out->name is set to `name` itself (the caller's string,
 * valid as long as the caller keeps it): a pointer into the router would dangle as soon as
 * another thread removes the deployment or reloads the configuration. */
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

/** Static name of a fallback kind ("general", "context_window", "content_policy"); NULL for a
 * value that does not exist. */
LLMR_API const char *llmr_fallback_kind_str(llmr_fallback_kind kind);

/** Parses a strategy name as llmr_strategy_str() prints it: exactly the names a configuration's
 * "strategy" accepts. "default" is LLMR_STRATEGY_DEFAULT's name but no strategy, so it is
 * rejected as a configuration rejects it. LLMR_ERR_INVALID_ARGUMENT for an unknown name, with
 * the known ones in the message. */
LLMR_API llmr_status llmr_strategy_from_str(const char *name, llmr_strategy *out);

/* ------------------------------------------------------------------------------------------ */
/* Configuration (JSON) and hot reload                                                          */
/* ------------------------------------------------------------------------------------------ */

/* A configuration is a JSON document describing a whole router: deployments (name, models with
 * globs, weight, tier, tags, prices, rpm/tpm/in-flight limits), aliases, fallback chains by kind,
 * the router's and per-model strategies, and router settings (breaker, latency, retry budget,
 * tiers, slow start, peak EWMA, affinity). The format is documented in docs/configuration.md;
 * examples/config.json is a complete, commented example.
 *
 * Every invalid value is rejected with LLMR_ERR_CONFIG, and llmr_error_message() starts with the
 * JSON path of the value, then the reason: "$.deployments[2].weight: must be an integer in
 * 1..1000000 (got 0)". Nothing of a rejected configuration is applied. `json` points at `len`
 * bytes of UTF-8 (no terminating NUL needed), at most 16 MiB; a NUL byte within those `len`
 * bytes is LLMR_ERR_CONFIG (JSON text cannot contain one, and what follows it would be
 * ignored). */

/** Creates a router from a configuration. Router settings the configuration leaves out come from
 * `base` (may be NULL for the defaults), and so do the clock, random and sleep callbacks, which a
 * configuration cannot set. The router's strategy, when the configuration names none, is
 * base->strategy. Invalid base options are LLMR_ERR_INVALID_ARGUMENT as in llmr_router_create(),
 * unless the configuration sets router settings (then a bad combination, such as a
 * cooldown_max_ms below the base's cooldown_base_ms, is LLMR_ERR_CONFIG). The configuration
 * counts as the first one applied (generation 1). On success *out owns the router. */
LLMR_API llmr_status llmr_router_create_from_config(const char *json, size_t len,
                                                    const llmr_router_options *base,
                                                    llmr_router **out);

/** Like llmr_router_create_from_config(), reading the configuration from the file at `path`. A
 * file that cannot be read is LLMR_ERR_CONFIG. */
LLMR_API llmr_status llmr_router_create_from_config_file(const char *path,
                                                         const llmr_router_options *base,
                                                         llmr_router **out);

/** Hot reload: replaces the router's deployments, aliases, fallback chains and strategies with
 * the configuration's, in one atomic step. Concurrent picks see the old configuration or the
 * new one, never a mix. Deployments are matched by name:
 *  - one that stays keeps its health, statistics, in-flight calls, rate-limit windows and adapter,
 *    and takes the new models, weight, tier, tags, prices and limits;
 *  - a removed one receives no new picks; tickets already issued for it stay valid, it is freed
 *    after its last one, and its adapter is released once no call uses it;
 *  - a new one starts closed, without samples and without an adapter: attach one with
 *    llmr_router_set_adapter() (the LLMR_EVENT_CONFIG_APPLIED event lists the added names).
 * Whatever the configuration leaves out is gone afterwards (an alias not listed is removed);
 * the router's strategy, when not named, returns to the one the router was created with.
 * Router settings other than the strategy are fixed when a router is created: a configuration
 * that sets one to a value other than the router's is rejected (LLMR_ERR_CONFIG) rather than
 * partly applied. Serialised with other configuration writes. Tells the event listener either
 * way (LLMR_EVENT_CONFIG_APPLIED or LLMR_EVENT_CONFIG_REJECTED). */
LLMR_API llmr_status llmr_router_apply_config(llmr_router *router, const char *json, size_t len);

/** Like llmr_router_apply_config(), reading the configuration from the file at `path`. */
LLMR_API llmr_status llmr_router_apply_config_file(llmr_router *router, const char *path);

/** Checks a configuration without creating or changing anything (a lint for CI): LLMR_OK, or
 * LLMR_ERR_CONFIG with the message. Router settings are checked on their own, not against any
 * router's. */
LLMR_API llmr_status llmr_config_validate(const char *json, size_t len);

/* ------------------------------------------------------------------------------------------ */
/* Events                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/** What an event reports. */
typedef enum llmr_event_kind {
  /** A deployment's breaker changed state: to open (a trip, or a failed half-open probe), to
   * half-open (the first probe admitted after the cooldown) or to closed (a probe or a panic
   * call was answered). */
  LLMR_EVENT_BREAKER = 0,
  /** A configuration was applied (llmr_router_apply_config() and its _file variant). */
  LLMR_EVENT_CONFIG_APPLIED = 1,
  /** A configuration was rejected; nothing of it was applied. */
  LLMR_EVENT_CONFIG_REJECTED = 2,
  /** A deployment's provider quota is exhausted (a rate-limited report whose reset lies beyond
   * quota_horizon_ms): `deployment` gets no pick and no probe for `cooldown_ms`, until the
   * reset. Its breaker is not involved. */
  LLMR_EVENT_QUOTA_EXHAUSTED = 3,
  /** The fleet shared state moved to another Redis server: a Sentinel promoted a new master, or
   * the Redis Cluster node serving the key prefix changed (docs/fleet.md). `message` says from
   * where to where ("the shared state at redis-sentinel://... moved from 10.0.0.1:6379 to
   * 10.0.0.2:6379"). Delivered on the router's synchronisation thread. */
  LLMR_EVENT_SHARED_STATE_FAILOVER = 4,
  /** llmr_router_call() started a hedge (llmr_call_options.hedge_after_ms): `deployment` is the
   * hedge's; `message` says which hedge of a call to which model after how many ms without an
   * answer from which deployment. Delivered on the thread that started it (the call's timer
   * thread, or the adapter thread whose llmr_call_check() found the hedge due). */
  LLMR_EVENT_HEDGE_STARTED = 5
} llmr_event_kind;

/** One event. Every pointer in it is valid only during the callback. */
typedef struct llmr_event {
  uint32_t struct_size;
  llmr_event_kind kind;
  /** LLMR_EVENT_BREAKER: the deployment and the states it left and entered.
   * LLMR_EVENT_QUOTA_EXHAUSTED: the deployment (from and to are closed).
   * LLMR_EVENT_HEDGE_STARTED: the hedge's deployment (from and to are closed). */
  const char *deployment;
  llmr_breaker_state from;
  llmr_breaker_state to;
  /** LLMR_EVENT_BREAKER to LLMR_BREAKER_OPEN: how long the cooldown lasts, in ms.
   * LLMR_EVENT_QUOTA_EXHAUSTED: how long until the quota resets, in ms. */
  int64_t cooldown_ms;
  /** LLMR_EVENT_CONFIG_APPLIED: the deployments added (in configuration order) and removed, and
   * how many stayed. */
  const char *const *added;
  size_t added_count;
  const char *const *removed;
  size_t removed_count;
  size_t kept_count;
  /** LLMR_EVENT_CONFIG_*: configurations applied so far (this one included when applied). */
  uint64_t config_generation;
  /** LLMR_EVENT_CONFIG_REJECTED: why, as llmr_error_message() gives it.
   * LLMR_EVENT_SHARED_STATE_FAILOVER: what moved where.
   * LLMR_EVENT_HEDGE_STARTED: which hedge of which call, after how long. Otherwise NULL. */
  const char *message;
} llmr_event;

/** Receives an event. Runs on the thread whose call caused it (a report that trips a breaker, the
 * pick that admits the first half-open probe, the apply that reloads a configuration), after the
 * router has released every lock and snapshot that picks, reports and writers need, so it may
 * call the router (not destroy it). It may run on several threads at once; keep it short. */
typedef void (*llmr_event_fn)(void *user_data, const llmr_event *event);

/** An event listener. Initialise with llmr_event_listener_init(). The router copies the struct.
 * Like every versioned struct, a struct_size down to the 1.0 layout's is accepted. */
typedef struct llmr_event_listener {
  uint32_t struct_size;
  void *user_data;
  llmr_event_fn fn;
  /** Called exactly once when the router no longer needs the listener: after it was replaced
   * (or the router destroyed) and the last event being delivered to it has returned. May be
   * NULL. */
  llmr_release_fn release;
} llmr_event_listener;

/** Sets struct_size and clears the rest. */
LLMR_API llmr_status llmr_event_listener_init(llmr_event_listener *listener, size_t struct_size);

/** Registers the router's listener, replacing (and in time releasing) the previous one; NULL
 * removes it. A listener with a NULL fn is LLMR_ERR_INVALID_ARGUMENT. */
LLMR_API llmr_status llmr_router_set_event_listener(llmr_router *router,
                                                    const llmr_event_listener *listener);

/** Static name of an event kind ("breaker", "config_applied", "config_rejected",
 * "quota_exhausted", "shared_state_failover"); NULL for a value that does not exist. */
LLMR_API const char *llmr_event_kind_str(llmr_event_kind kind);

/* ------------------------------------------------------------------------------------------ */
/* Statistics and Prometheus metrics                                                            */
/* ------------------------------------------------------------------------------------------ */

/** Statistics of a router at one moment: every deployment and model, and configuration counts.
 * Owned by the caller; free with llmr_stats_free(). Immutable, so any thread may read it. */
typedef struct llmr_stats llmr_stats;

/** Takes a statistics snapshot. Reads atomics only (and, for a deployment with an announced
 * quota, that quota's per-deployment lock, which picks and reports hold for a few comparisons):
 * it never waits for a pick or report to finish, nor on the network. */
LLMR_API llmr_status llmr_router_stats(llmr_router *router, llmr_stats **out);

/** Frees a snapshot. NULL is a no-op. */
LLMR_API void llmr_stats_free(llmr_stats *stats);

/** Statistics of one deployment (lifetime counts: they survive updates and reloads). Initialise
 * with llmr_deployment_stats_init(). */
typedef struct llmr_deployment_stats {
  uint32_t struct_size;
  /** Owned by the snapshot. */
  const char *name;
  llmr_breaker_state state;
  /** 1 when a pick could choose it now. */
  int32_t eligible;
  int64_t in_flight;
  /** Picks (including llmr_router_call() attempts): the sum of every outcome count, cancels and
   * in_flight. */
  int64_t picks;
  /** Finished requests by outcome (llmr_outcome), and tickets cancelled. */
  int64_t successes;
  int64_t rate_limited;
  int64_t server_errors;
  int64_t timeouts;
  int64_t connection_errors;
  int64_t auth_errors;
  int64_t bad_requests;
  int64_t context_window_exceeded;
  int64_t content_policy;
  int64_t cancels;
  /** Tokens reported. */
  int64_t input_tokens;
  int64_t output_tokens;
  /** The moving average routing uses (time to first token when reported); negative before the
   * first sample. */
  double ewma_latency_ms;
  /** Latency of successful requests (total latency as reported), from a fixed-memory
   * log-linear histogram (error under 10%): sample count, sum, and quantiles over the
   * deployment's lifetime (negative while latency_count is 0). For quantiles over a recent
   * window use the Prometheus histogram with rate(). */
  int64_t latency_count;
  double latency_sum_ms;
  double latency_p50_ms;
  double latency_p90_ms;
  double latency_p99_ms;
  /** Breaker transitions: to open (trips), to half-open (first probe admitted after a cooldown),
   * to closed. */
  int64_t breaker_opened;
  int64_t breaker_half_opened;
  int64_t breaker_closed;
  /** Milliseconds until the cooldown ends; 0 when not open. */
  int64_t cooldown_remaining_ms;
} llmr_deployment_stats;

/** Sets struct_size and clears the rest. */
LLMR_API llmr_status llmr_deployment_stats_init(llmr_deployment_stats *stats, size_t struct_size);

/** Number of deployments (in configuration order); 0 for NULL. */
LLMR_API size_t llmr_stats_deployment_count(const llmr_stats *stats);

/** Copies deployment `index`; out->name lives as long as the snapshot. */
LLMR_API llmr_status llmr_stats_deployment(const llmr_stats *stats, size_t index,
                                           llmr_deployment_stats *out);

/** Statistics of one model (the name requests were routed as, after alias resolution; lifetime
 * counts). Initialise with llmr_model_stats_init(). */
typedef struct llmr_model_stats {
  uint32_t struct_size;
  /** Owned by the snapshot. Past 4096 distinct names, further ones count together as
   * "(other)". */
  const char *model;
  /** Requests routed for the model. */
  int64_t picks;
  /** llmr_router_call() calls that moved on from this model to a model of its fallback chains. */
  int64_t fallbacks;
} llmr_model_stats;

/** Sets struct_size and clears the rest. */
LLMR_API llmr_status llmr_model_stats_init(llmr_model_stats *stats, size_t struct_size);

/** Number of models, sorted by name; 0 for NULL. */
LLMR_API size_t llmr_stats_model_count(const llmr_stats *stats);

/** Copies model `index`; out->model lives as long as the snapshot. */
LLMR_API llmr_status llmr_stats_model(const llmr_stats *stats, size_t index, llmr_model_stats *out);

/** Configurations applied (including the one a router was created from) and rejected. */
LLMR_API llmr_status llmr_stats_config_counts(const llmr_stats *stats, int64_t *applied,
                                              int64_t *rejected);

/** The snapshot in the Prometheus text exposition format (version 0.0.4), ready to serve at
 * /metrics with Content-Type "text/plain; version=0.0.4; charset=utf-8". *text is NUL-terminated
 * and owned by the snapshot; *len (may be NULL) excludes the NUL. Families (each with HELP and
 * TYPE; labels deployment, model, outcome, state, to, type):
 *   llmroute_deployment_picks_total, llmroute_deployment_requests_total{outcome},
 *   llmroute_deployment_in_flight, llmroute_deployment_tokens_total{type},
 *   llmroute_deployment_latency_ewma_seconds, llmroute_deployment_latency_seconds (histogram),
 *   llmroute_deployment_breaker_state{state}, llmroute_deployment_breaker_transitions_total{to},
 *   llmroute_deployment_eligible, llmroute_deployment_cooldown_remaining_seconds,
 *   llmroute_model_picks_total, llmroute_model_fallbacks_total,
 *   llmroute_config_applied_total, llmroute_config_rejected_total. */
LLMR_API llmr_status llmr_stats_metrics_text(const llmr_stats *stats, const char **text,
                                             size_t *len);

/** Writes the router's current Prometheus text into `buf` (NUL-terminated) without a snapshot
 * object. *needed (may be NULL) receives the bytes the text needs, NUL included. When `cap` is
 * too small, nothing is written and LLMR_ERR_BUFFER_TOO_SMALL is returned: call again with at
 * least *needed bytes (the text can grow in between, so loop). `buf` may be NULL when cap is 0. */
LLMR_API llmr_status llmr_router_metrics_text(llmr_router *router, char *buf, size_t cap,
                                              size_t *needed);

/* ------------------------------------------------------------------------------------------ */
/* Fleet shared state (Redis)                                                                   */
/* ------------------------------------------------------------------------------------------ */

/** Status of a router's fleet shared state (docs/fleet.md). Initialise with
 * llmr_shared_state_status_init(). */
typedef struct llmr_shared_state_status {
  uint32_t struct_size;
  /** 1 when the router was created with a shared state URL. */
  int32_t enabled;
  /** 1 while the last exchange with Redis succeeded: breakers and limits are fleet-wide. 0 when
   * Redis is unreachable or refuses: the router routes on its own state (each instance enforces
   * the whole rpm/tpm limit by itself) and catches up once Redis is back. */
  int32_t connected;
  /** Milliseconds since the last successful exchange; -1 before the first. */
  int64_t last_sync_age_ms;
  /** Successful exchanges, failed connection attempts and exchanges, connections made. */
  int64_t syncs;
  int64_t sync_failures;
  int64_t connections;
  /** Breakers this router opened or closed because another instance had. */
  int64_t remote_opens;
  int64_t remote_closes;
  /** In: a buffer the caller provides for the last error, or NULL with last_error_cap 0. Out:
   * the last failure ("cannot connect to Redis at 127.0.0.1:6379: Connection refused"), kept
   * after recovery, "" when there was none; NUL-terminated, truncated to last_error_cap - 1
   * bytes. Never contains the password. */
  char *last_error;
  size_t last_error_cap;
  /* Appended for Sentinel and Redis Cluster: how the server is found, how often it changed, and
   * which one is in use. */
  /** 0 one server (redis://), 1 a Sentinel-monitored master (redis-sentinel://), 2 Redis Cluster
   * (redis-cluster://); 0 when not enabled. */
  int32_t topology;
  /** Times the state moved to another server since the router was created: a Sentinel promoted
   * a replica, or another cluster node took the key prefix's slot. Each is also an
   * LLMR_EVENT_SHARED_STATE_FAILOVER. */
  int64_t failovers;
  /** In: a buffer for the server in use, or NULL with server_cap 0. Out: "host:port" of the
   * master or cluster node the router exchanges with, "" while not connected; NUL-terminated,
   * truncated to server_cap - 1 bytes. */
  char *server;
  size_t server_cap;
} llmr_shared_state_status;

/** Sets struct_size and clears the rest (no error buffer). */
LLMR_API llmr_status llmr_shared_state_status_init(llmr_shared_state_status *status,
                                                   size_t struct_size);

/** Fills `out` (enabled 0 when the router has no shared state). Reads atomics; never waits on the
 * network. */
LLMR_API llmr_status llmr_router_shared_state_status(llmr_router *router,
                                                     llmr_shared_state_status *out);

#ifdef __cplusplus
}
#endif

#endif /* LLMROUTE_LLMROUTE_H */
