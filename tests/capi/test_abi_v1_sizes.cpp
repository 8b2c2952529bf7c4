// The smallest struct_size every *_init() and call accepts is the struct's size in ABI 1.0 (the
// end of its last 1.0 member, written out here independently of src/capi/abi_v1_sizes.hpp), and
// one byte less is refused. A minimum of sizeof would accept the same today but refuse every
// host built against 1.0 once a member is appended (issue 17: llmr_event_listener's was sizeof).
#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "llmroute/llmroute.h"

namespace {

template <typename T, typename Init>
void ExpectV1Minimum(Init init, size_t v1, const char *what) {
  std::vector<unsigned char> storage(sizeof(T) + 64);
  T *value = reinterpret_cast<T *>(storage.data());
  EXPECT_EQ(init(value, v1), LLMR_OK) << what << ": " << llmr_error_message();
  EXPECT_EQ(value->struct_size, v1) << what;
  EXPECT_EQ(init(value, v1 - 1), LLMR_ERR_INVALID_ARGUMENT) << what;
  EXPECT_EQ(init(value, sizeof(T)), LLMR_OK) << what;
}

#define V1(type, last) (offsetof(type, last) + sizeof(static_cast<type *>(nullptr)->last))

TEST(AbiV1Sizes, EveryInitAcceptsTheFrozenOneZeroSizeAndRefusesLess) {
  ExpectV1Minimum<llmr_router_options>(llmr_router_options_init,
                                       V1(llmr_router_options, random_user_data), "options");
  ExpectV1Minimum<llmr_deployment>(llmr_deployment_init, V1(llmr_deployment, tag_count),
                                   "deployment");
  ExpectV1Minimum<llmr_pick_options>(llmr_pick_options_init, V1(llmr_pick_options, exclude_count),
                                     "pick options");
  ExpectV1Minimum<llmr_pick>(llmr_pick_init, V1(llmr_pick, retry_after_ms), "pick");
  ExpectV1Minimum<llmr_report>(llmr_report_init, V1(llmr_report, output_tokens), "report");
  ExpectV1Minimum<llmr_adapter>(llmr_adapter_init, V1(llmr_adapter, release), "adapter");
  ExpectV1Minimum<llmr_call_options>(llmr_call_options_init, V1(llmr_call_options, cancel),
                                     "call options");
  ExpectV1Minimum<llmr_attempt_info>(llmr_attempt_info_init, V1(llmr_attempt_info, adapter_failed),
                                     "attempt info");
  ExpectV1Minimum<llmr_call_summary>(llmr_call_summary_init, V1(llmr_call_summary, detail),
                                     "call summary");
  ExpectV1Minimum<llmr_health>(llmr_health_init, V1(llmr_health, tier), "health");
  ExpectV1Minimum<llmr_event_listener>(llmr_event_listener_init, V1(llmr_event_listener, release),
                                       "event listener");
  ExpectV1Minimum<llmr_deployment_stats>(llmr_deployment_stats_init,
                                         V1(llmr_deployment_stats, cooldown_remaining_ms),
                                         "deployment stats");
  ExpectV1Minimum<llmr_model_stats>(llmr_model_stats_init, V1(llmr_model_stats, fallbacks),
                                    "model stats");
  ExpectV1Minimum<llmr_shared_state_status>(llmr_shared_state_status_init,
                                            V1(llmr_shared_state_status, last_error_cap),
                                            "shared state status");
}

void OnEvent(void *, const llmr_event *) {}

TEST(AbiV1Sizes, AListenerOfTheOneZeroSizeIsAccepted) {
  llmr_router *router = nullptr;
  ASSERT_EQ(llmr_router_create(nullptr, &router), LLMR_OK);
  llmr_event_listener listener;
  llmr_event_listener_init(&listener, sizeof listener);
  listener.fn = OnEvent;
  listener.struct_size = V1(llmr_event_listener, release);
  EXPECT_EQ(llmr_router_set_event_listener(router, &listener), LLMR_OK) << llmr_error_message();
  listener.struct_size -= 1;
  EXPECT_EQ(llmr_router_set_event_listener(router, &listener), LLMR_ERR_INVALID_ARGUMENT);
  llmr_router_destroy(router);
}

}  // namespace
