// What a deployment's rate limits need of the fleet synchronisation (shared_state/sync.hpp):
// whether fleet-wide counts are in use, the batch share, and a way to ask for an early exchange.
#pragma once

#include <atomic>

namespace llmroute {

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
