// The size of every versioned struct in ABI 1.0 (abi/llmroute-1.0.0.abi), the oldest layout a
// caller can have been compiled against: the smallest struct_size an *_init() or a call accepts.
// Frozen, and defined here only: each is the end of the struct's last 1.0 member, never
// sizeof (which grows with the first appended member and would then reject every host built
// against 1.0 with LLMR_ERR_INVALID_ARGUMENT). Members appended later lie beyond these and keep
// their defaults when an older caller's struct_size does not reach them.
#pragma once

#include <cstddef>

#include "llmroute/llmroute.h"

namespace llmroute::capi {

// Inputs.
constexpr size_t kRouterOptionsV1Size =
    offsetof(llmr_router_options, random_user_data) + sizeof(void *);
constexpr size_t kDeploymentV1Size = offsetof(llmr_deployment, tag_count) + sizeof(size_t);
constexpr size_t kPickOptionsV1Size = offsetof(llmr_pick_options, exclude_count) + sizeof(size_t);
constexpr size_t kReportV1Size = offsetof(llmr_report, output_tokens) + sizeof(int64_t);
constexpr size_t kAdapterV1Size = offsetof(llmr_adapter, release) + sizeof(llmr_release_fn);
constexpr size_t kCallOptionsV1Size = offsetof(llmr_call_options, cancel) + sizeof(void *);
constexpr size_t kEventListenerV1Size =
    offsetof(llmr_event_listener, release) + sizeof(llmr_release_fn);

// Outputs the caller provides.
constexpr size_t kPickV1Size = offsetof(llmr_pick, retry_after_ms) + sizeof(int64_t);
constexpr size_t kHealthV1Size = offsetof(llmr_health, tier) + sizeof(uint32_t);
constexpr size_t kAttemptInfoV1Size = offsetof(llmr_attempt_info, adapter_failed) + sizeof(int32_t);
constexpr size_t kCallSummaryV1Size = offsetof(llmr_call_summary, detail) + sizeof(char *);
constexpr size_t kDeploymentStatsV1Size =
    offsetof(llmr_deployment_stats, cooldown_remaining_ms) + sizeof(int64_t);
constexpr size_t kModelStatsV1Size = offsetof(llmr_model_stats, fallbacks) + sizeof(int64_t);
constexpr size_t kSharedStateStatusV1Size =
    offsetof(llmr_shared_state_status, last_error_cap) + sizeof(size_t);

}  // namespace llmroute::capi
