// What one Router::Call did: every attempt, where it ended, and the response bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/health/outcome.hpp"
#include "core/status.hpp"

namespace llmroute {

struct AttemptRecord {
  std::string deployment;
  std::string model;
  Outcome outcome = Outcome::kSuccess;
  double latency_ms = 0;
  int64_t backoff_ms = 0;  // waited before this attempt
  bool committed = false;
  bool adapter_failed = false;
  // Hedged calls: the attempt was a hedge (started beside the first, not after it); it was
  // cancelled because another attempt of the call won (reported to the router as cancelled,
  // not as a failure of its deployment).
  bool hedge = false;
  bool cancelled = false;
};

struct CallReport {
  std::vector<AttemptRecord> attempts;
  Code status = Code::kOk;
  std::string detail;
  bool used_fallback = false;
  int64_t retry_after_ms = 0;
  int64_t total_ms = 0;
  std::string response;
  bool has_response = false;
};

}  // namespace llmroute
