// Stalled streams through the C ABI, on simulated time: an adapter that streams reports each chunk
// with llmr_call_progress() and polls llmr_call_check(); a missing first byte or a long gap
// between chunks fails over before commit and ends the call with LLMR_ERR_STREAM_STALLED after.
#include <gtest/gtest.h>

#include <map>

#include "scripted.hpp"

using scripted::Harness;
using Seq = std::vector<std::string>;

namespace {

// A streamed response: the gap before each chunk (the first is the time to first byte), and the
// chunk after which bytes reached the client (committed); then the adapter reports `outcome`.
struct Stream {
  std::vector<int64_t> gaps_ms;
  size_t commit_after = 1000;  // never, unless fewer chunks
  bool poll = true;            // calls llmr_call_check() while waiting
  bool last_arrives = true;    // false: the last chunk never comes (the adapter's read times out)
  llmr_outcome outcome = LLMR_OUTCOME_SUCCESS;
  scripted::SimTime *time = nullptr;
  int64_t seen_first_byte_timeout_ms = -1;
  int64_t seen_idle_timeout_ms = -1;
  int invocations = 0;
};

llmr_status InvokeStream(void *user, const llmr_invoke_args *args, llmr_attempt_result *result) {
  auto *s = static_cast<Stream *>(user);
  ++s->invocations;
  s->seen_first_byte_timeout_ms = args->first_byte_timeout_ms;
  s->seen_idle_timeout_ms = args->idle_timeout_ms;
  for (size_t i = 0; i < s->gaps_ms.size(); ++i) {
    // Waits for the chunk in 100 ms steps, checking as a real adapter's read loop would.
    for (int64_t waited = 0; waited < s->gaps_ms[i]; waited += 100) {
      s->time->now_ns += std::min<int64_t>(100, s->gaps_ms[i] - waited) * 1'000'000;
      if (s->poll && llmr_call_check(args->context) == LLMR_ERR_STREAM_STALLED) {
        result->outcome = LLMR_OUTCOME_TIMEOUT;
        return LLMR_OK;
      }
    }
    if (i + 1 == s->gaps_ms.size() && !s->last_arrives) break;
    EXPECT_EQ(llmr_call_progress(args->context), LLMR_OK);
    if (i + 1 >= s->commit_after) result->committed = 1;
  }
  result->outcome = s->outcome;
  return LLMR_OK;
}

class Stalls : public ::testing::Test {
 protected:
  void Add(const char *name, Stream stream) {
    streams_[name] = stream;
    Stream &s = streams_[name];
    s.time = &h_.time;
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    const char *models[] = {"m"};
    d.name = name;
    d.models = models;
    d.model_count = 1;
    ASSERT_EQ(llmr_router_add_deployment(h_.router, &d), LLMR_OK);
    llmr_adapter a;
    llmr_adapter_init(&a, sizeof a);
    a.user_data = &s;
    a.invoke = InvokeStream;
    ASSERT_EQ(llmr_router_set_adapter(h_.router, name, &a), LLMR_OK);
  }
  llmr_call_options Options(int64_t first_byte_ms, int64_t idle_ms) {
    llmr_call_options o;
    llmr_call_options_init(&o, sizeof o);
    o.first_byte_timeout_ms = first_byte_ms;
    o.idle_timeout_ms = idle_ms;
    o.backoff_base_ms = 0;
    return o;
  }

  Harness h_;
  std::map<std::string, Stream> streams_;
};

TEST_F(Stalls, NoFirstByteInTimeFailsOver) {
  Add("a", {{5000, 10}});
  Add("b", {{200, 10}});
  llmr_call_options o = Options(1000, 0);
  const auto r = h_.Call("m", &o);
  EXPECT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(r.sequence, (Seq{"a:timeout", "b:success"}));
  EXPECT_EQ(h_.Health("a").failures, 1);
  EXPECT_EQ(streams_["a"].seen_first_byte_timeout_ms, 1000);
  EXPECT_EQ(streams_["a"].seen_idle_timeout_ms, 0);
}

TEST_F(Stalls, AGapBeforeCommitFailsOver) {
  Stream gap{{10, 3000, 10}};
  gap.commit_after = 3;  // the stall comes before any byte reached the client
  Add("a", gap);
  Add("b", {{10, 10}});
  llmr_call_options o = Options(0, 1000);
  const auto r = h_.Call("m", &o);
  EXPECT_EQ(r.status, LLMR_OK);
  EXPECT_EQ(r.sequence, (Seq{"a:timeout", "b:success"}));
}

TEST_F(Stalls, AGapAfterCommitEndsTheCallWithStreamStalled) {
  Stream gap{{10, 10, 3000, 10}};
  gap.commit_after = 1;
  Add("a", gap);
  Add("b", {{10}});
  llmr_call_options o = Options(1000, 1000);
  const auto r = h_.Call("m", &o);
  EXPECT_EQ(r.status, LLMR_ERR_STREAM_STALLED);
  EXPECT_STREQ(llmr_status_str(r.status), "LLMR_ERR_STREAM_STALLED");
  EXPECT_EQ(r.sequence, (Seq{"a:timeout"}));  // never retried after commit
  EXPECT_EQ(r.summary.status, LLMR_ERR_STREAM_STALLED);
  EXPECT_NE(r.detail.find("idle_timeout_ms"), std::string::npos) << r.detail;
  EXPECT_EQ(streams_["b"].invocations, 0);
  EXPECT_EQ(h_.Health("a").failures, 1);
}

TEST_F(Stalls, ChunksWithinTheIdleLimitKeepAStreamAlive) {
  Add("a", {{900, 900, 900, 900, 900}, 1});
  llmr_call_options o = Options(1000, 1000);
  const auto r = h_.Call("m", &o);
  EXPECT_EQ(r.status, LLMR_OK);  // 4.5 s in all, but never 1 s without a chunk
  EXPECT_EQ(r.sequence, (Seq{"a:success"}));
}

TEST_F(Stalls, AnAdapterThatFailsAfterAnUnpolledStallCountsAsStalled) {
  Stream silent{{10, 5000}};
  silent.commit_after = 1;
  silent.poll = false;
  silent.last_arrives = false;
  silent.outcome = LLMR_OUTCOME_CONNECTION_ERROR;  // its read timed out on its own
  Add("a", silent);
  llmr_call_options o = Options(0, 1000);
  EXPECT_EQ(h_.Call("m", &o).status, LLMR_ERR_STREAM_STALLED);
}

TEST_F(Stalls, WithoutLimitsNothingStalls) {
  Add("a", {{60'000, 60'000}, 1});
  llmr_call_options o = Options(0, 0);
  EXPECT_EQ(h_.Call("m", &o).status, LLMR_OK);
}

TEST_F(Stalls, BadLimitsAreRefusedNamingTheField) {
  Add("a", {{10}});
  llmr_call_options o = Options(-1, 0);
  EXPECT_EQ(llmr_router_call(h_.router, "m", "x", 1, &o, nullptr), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(llmr_error_message()).find("first_byte_timeout_ms"), std::string::npos);
  o = Options(0, -5);
  EXPECT_EQ(llmr_router_call(h_.router, "m", "x", 1, &o, nullptr), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(llmr_error_message()).find("idle_timeout_ms"), std::string::npos);
  EXPECT_EQ(llmr_call_progress(nullptr), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(streams_["a"].invocations, 0);
}

}  // namespace
