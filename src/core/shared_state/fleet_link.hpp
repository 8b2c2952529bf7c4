// What a deployment's rate limits need of the fleet synchronisation (shared_state/sync.hpp):
// whether fleet-wide counts are in use, the batch share, and a way to ask for an early exchange.
#pragma once

#include <atomic>
#include <cstdint>

namespace llmroute {

// Usage of one second of a deployment's 60 s window that happened at least `age_s` whole seconds
// before the exchange carrying it (0: within the last two seconds). The store adds it to its own
// bucket of that age, so usage sent late (after Redis was unreachable, or again after it
// restarted empty) leaves the fleet's window when it would have, instead of counting for another
// 60 s from the second it arrives. Rounded towards the present (the instances' and the store's
// seconds do not begin at the same instant), it never leaves the window earlier than it happened:
// the overshoot bound of docs/fleet.md holds.
struct UsageSecond {
  int64_t age_s = 0;
  uint64_t requests = 0;
  uint64_t tokens = 0;
};

class FleetLink {
 public:
  virtual ~FleetLink() = default;
  // Asks the synchronisation thread for an exchange now. Cheap; never waits on the network.
  virtual void RequestSync() = 0;
  // True while the last exchange succeeded: limits count the fleet's usage. False: each instance
  // enforces its limits on its own usage (Redis unreachable).
  bool Active() const { return active_.load(std::memory_order_acquire); }
  double rate_batch() const { return rate_batch_; }

 protected:
  explicit FleetLink(double rate_batch) : rate_batch_(rate_batch) {}
  std::atomic<bool> active_{false};

 private:
  const double rate_batch_;
};

}  // namespace llmroute
