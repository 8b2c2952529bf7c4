// Package bench holds the Go benchmarks of llmroute's binding beside the Go libraries a gateway
// team would otherwise pick (peers_test.go) and, when its module is given, the seed router
// (seed_test.go, build tag seedrouter). This file is the cgo floor: C functions that do nothing,
// so that a benchmark can measure what two cgo transitions cost in the same run.
package bench

/*
#include <stdint.h>
#include <time.h>

static int64_t llmr_bench_thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t llmr_bench_process_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void llmr_bench_nop(void) {}

// The same signatures as the binding's pick and report (internal/native/llmroute_go_fast.h):
// what crossing with these arguments and results costs when the C side does nothing.
typedef struct { uint64_t a, b, c, d, e, f, g, h, i, j; } llmr_bench_pick_result;
typedef struct { int32_t status; char *message; } llmr_bench_status;

static llmr_bench_pick_result llmr_bench_pick(uintptr_t router, uintptr_t model, size_t len) {
  llmr_bench_pick_result r = {0};
  r.a = router + model + len;
  return r;
}

static llmr_bench_status llmr_bench_report(uintptr_t router, uint64_t ticket, int32_t outcome,
                                           double latency_ms, double ttft_ms, int64_t retry_after_ms,
                                           int64_t input_tokens, int64_t output_tokens) {
  llmr_bench_status s = {0, 0};
  (void)router; (void)ticket; (void)outcome; (void)latency_ms; (void)ttft_ms;
  (void)retry_after_ms; (void)input_tokens; (void)output_tokens;
  return s;
}
*/
import "C"

// CgoNop calls a C function that does nothing.
func CgoNop() { C.llmr_bench_nop() }

// CgoPickShape calls a C no-op with the arguments and result of the binding's pick.
func CgoPickShape(router, model uintptr, n int) uint64 {
	return uint64(C.llmr_bench_pick(C.uintptr_t(router), C.uintptr_t(model), C.size_t(n)).a)
}

// CgoReportShape calls a C no-op with the arguments and result of the binding's report.
func CgoReportShape(router uintptr, ticket uint64) int32 {
	return int32(C.llmr_bench_report(C.uintptr_t(router), C.uint64_t(ticket), 1, 100, -1, 0, 0, 0).status)
}

// ThreadCPUNanos is the calling OS thread's CPU time: with the goroutine locked to its thread, a
// benchmark's CPU time per operation, which a loaded machine inflates less than wall time.
func ThreadCPUNanos() int64 { return int64(C.llmr_bench_thread_cpu_ns()) }

// ProcessCPUNanos is the process's CPU time, all threads (for the parallel benchmarks).
func ProcessCPUNanos() int64 { return int64(C.llmr_bench_process_cpu_ns()) }
