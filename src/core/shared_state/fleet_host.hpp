// What the fleet synchronisation (shared_state/sync.hpp) needs of its router, and nothing else:
// the clock, the current snapshot's deployments to exchange, and two ways to act on what the
// fleet decided (a remote recovery ramps the deployment in; a remote breaker move is an event).
// The router implements it (router/fleet.cpp); the synchronisation sees no other part of it.
#pragma once

#include <cstdint>

#include "core/events.hpp"
#include "core/snapshot.hpp"
#include "core/snapshot_publisher.hpp"

namespace llmroute {

class FleetHost {
 public:
  // The router's clock (the injected one in tests).
  virtual int64_t FleetNowNs() const = 0;
  // The router's snapshots, to be read under a SnapshotPublisher::ReadGuard only.
  virtual SnapshotPublisher<Snapshot> &FleetSnapshots() = 0;
  // Another instance's recovery closed `state`'s breaker here at `now_ns`: ramp it back in.
  virtual void OnFleetRecovery(DeploymentState &state, int64_t now_ns) = 0;
  // Delivers `event` to the router's listener (called outside any snapshot read guard).
  virtual void OnFleetEvent(const Event &event) = 0;

 protected:
  ~FleetHost() = default;  // not deleted through this interface
};

}  // namespace llmroute
