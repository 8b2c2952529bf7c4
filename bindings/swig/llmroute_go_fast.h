/* llmroute_go_fast.h: the Go binding's pick and report, called from cgo without SWIG.
 *
 * Binding-only (never installed). Everything crosses by value: the router is the SWIG object's
 * address and the model name a uintptr to the Go string's bytes, so cgo passes no Go pointer
 * (no cgocheck walk) and no out-struct lives in Go memory. Implemented in llmroute_swig.cpp
 * (extern "C"), behind the same in-flight guard as every other Router method. */
#ifndef LLMROUTE_GO_FAST_H
#define LLMROUTE_GO_FAST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A pick: on status 0 the deployment points at the router's copy (valid until the ticket is
 * reported or cancelled) and the model at an alias target the router owns, or model_len is -1
 * when no alias applied (the model is the one asked for). On an error, message is a malloc'd
 * copy of the error's detail that the caller frees. */
typedef struct llmroute_go_pick_result {
  uint64_t ticket;
  const char *deployment;
  int64_t deployment_len;
  const char *model;
  int64_t model_len;
  int64_t retry_after_ms;
  uint32_t tier;
  int32_t is_probe;
  int32_t is_panic;
  int32_t status;
  char *message;
  int32_t deadline_unmet; /* llmr_pick.deadline_unmet */
} llmroute_go_pick_result;

/** A status and, when it is not 0, a malloc'd copy of its message that the caller frees. */
typedef struct llmroute_go_status {
  int32_t status;
  char *message;
} llmroute_go_status;

/** A pick for model name `model_len` bytes at `model` (not NUL-terminated) on the Router at
 * `router`, without options. */
llmroute_go_pick_result llmroute_go_pick(uintptr_t router, uintptr_t model, size_t model_len);

/** A Go string header (Go's string layout on 64-bit targets). */
typedef struct llmroute_go_string {
  const char *data;
  int64_t len;
} llmroute_go_string;

/** A Go []string header. */
typedef struct llmroute_go_strings {
  const llmroute_go_string *data;
  int64_t len;
  int64_t cap;
} llmroute_go_strings;

/** A Go []uint64 header. */
typedef struct llmroute_go_u64s {
  const uint64_t *data;
  int64_t len;
  int64_t cap;
} llmroute_go_u64s;

/** The Go binding's PickOptions, field by field in Go's layout (package native: type
 * GoPickOptions, which llmroute.PickOptions converts to; a Go test checks the offsets). Read in
 * place: the Go side keeps it, and every string it refers to, in heap memory (which does not
 * move) and alive across the call. */
typedef struct llmroute_go_pick_options {
  llmroute_go_strings exclude;
  llmroute_go_string affinity_key;
  llmroute_go_strings required_tags;
  int64_t expected_input_tokens;
  int64_t expected_output_tokens;
  double max_price;
  int64_t deadline_ns; /* a time.Duration: whole ms, a positive value below 1 ms counts as 1 */
  llmroute_go_u64s prefix_hashes;
  int64_t
      priority; /* Go's Priority: 0 = LLMR_PRIORITY_DEFAULT, else llmr_pick_options.priority + 1 */
} llmroute_go_pick_options;

/** Like llmroute_go_pick, narrowed by the llmroute_go_pick_options at `options` (read during the
 * call only). Strings longer than LLMR_NAME_MAX are rejected by the library with the field named,
 * as through SWIG. */
llmroute_go_pick_result llmroute_go_pick_with(uintptr_t router, uintptr_t model, size_t model_len,
                                              uintptr_t options);

/** Explain (traced 0) or a traced pick (traced 1) for Go, with the options at `options` (0: none)
 * read as llmroute_go_pick_with reads them, so that no SWIG options object is built. The
 * explanation fills the SWIG Explanation object at `explanation` (a traced pick's also when it
 * fails with NO_PROVIDER or RATE_LIMITED). The result is the pick's (traced) or only the status
 * and message (explain). */
llmroute_go_pick_result llmroute_go_explain(uintptr_t router, uintptr_t model, size_t model_len,
                                            uintptr_t options, int32_t traced,
                                            uintptr_t explanation);

/** Byte offsets of llmroute_go_pick_options' fields in declaration order, then its size (10
 * values): what the Go test compares with GoPickOptions. */
void llmroute_go_pick_options_layout(int64_t out[10]);

/** Router::ReportFull for the Router at `router`: no allocation when it succeeds. */
llmroute_go_status llmroute_go_report(uintptr_t router, uint64_t ticket, int32_t outcome,
                                      double latency_ms, double ttft_ms, int64_t retry_after_ms,
                                      int64_t input_tokens, int64_t output_tokens);

/** Router::Cancel for the Router at `router`. */
llmroute_go_status llmroute_go_cancel(uintptr_t router, uint64_t ticket);

#ifdef __cplusplus
}
#endif

#endif /* LLMROUTE_GO_FAST_H */
