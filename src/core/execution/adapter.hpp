// A provider adapter as the core sees it: performs one attempt of a request on one deployment.
// The C shim implements it over the host's callback table; the core never sees C types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/health/outcome.hpp"
#include "core/status.hpp"

namespace llmroute {

class CallContext;

struct InvokeArgs {
  const char *deployment = nullptr;
  const char *model = nullptr;
  std::string_view request;
  uint32_t attempt = 1;
  int64_t timeout_ms = -1;  // -1: no limit
  CallContext *context = nullptr;
  // The call's stall limits (0: none), for the adapter's own read timeouts.
  int64_t first_byte_timeout_ms = 0;
  int64_t idle_timeout_ms = 0;
  // A hedge: started beside the call's first attempt, which may still be running
  // (hedged_attempt.hpp); it runs on a thread the router owns.
  bool is_hedge = false;
};

struct AttemptResult {
  Outcome outcome = Outcome::kSuccess;
  double latency_ms = -1;  // negative: the router measures it
  double ttft_ms = -1;
  int64_t retry_after_ms = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  bool committed = false;
  bool adapter_failed = false;  // the adapter itself failed (error status or exception)
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  // Must not throw: implementations contain their host's exceptions and report them as
  // adapter_failed with a failure outcome.
  virtual AttemptResult Invoke(const InvokeArgs &args) = 0;
};

}  // namespace llmroute
