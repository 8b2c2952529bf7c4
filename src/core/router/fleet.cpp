// The router's side of the fleet synchronisation (shared_state/sync.hpp): starting it, its
// status, linking each published snapshot's deployments to it, and the narrow FleetHost
// interface it calls back through (shared_state/fleet_host.hpp).
#include "core/router.hpp"

namespace llmroute {

Status Router::StartSharedState() {
  if (options_.shared_state_backend == nullptr) return Status::Ok();
  sync_ = std::make_unique<SharedStateSync>(static_cast<FleetHost &>(*this),
                                            std::move(options_.shared_state_backend),
                                            options_.shared_state);
  fleet_link_ = sync_.get();
  return sync_->Start();
}

SharedStateStatus Router::SharedState() const {
  return sync_ == nullptr ? SharedStateStatus{} : sync_->GetStatus();
}

void Router::LinkFleet(const RoutingConfig &config) {
  if (fleet_link_ == nullptr) return;
  for (const DeploymentEntry &entry : config.deployments) {
    entry.state->limits().LinkFleet(fleet_link_);
  }
  // A deployment just added learns the fleet's usage and breaker at once.
  fleet_link_->RequestSync();
}

int64_t Router::FleetNowNs() const {
  return clock_->NowNs();
}

SnapshotPublisher<Snapshot> &Router::FleetSnapshots() {
  return snapshots_;
}

void Router::OnFleetRecovery(DeploymentState &state, int64_t now_ns) {
  BeginSlowStart(state, now_ns);  // back in: ramp up as after a local recovery
}

void Router::OnFleetEvent(const Event &event) {
  Emit(event);
}

}  // namespace llmroute
