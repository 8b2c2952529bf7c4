// How a call waits out its backoff. Injectable: with an injected clock, tests inject a sleeper
// that advances it, so backoff is exercised without real waiting.
#pragma once

#include <cstdint>

namespace llmroute {

class CancelToken;

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Waits `duration_ns`; may return early once `cancel` (possibly null) is raised.
  virtual void Sleep(int64_t duration_ns, CancelToken *cancel) = 0;
};

// Real time: a condition-variable wait on the cancel token, or a plain sleep without one.
class SystemSleeper final : public Sleeper {
 public:
  void Sleep(int64_t duration_ns, CancelToken *cancel) override;
};

}  // namespace llmroute
