// Router::ReportLoad: what a deployment's inference engine reports (llmr_router_report_load).
// Checked whole before anything is stored, so a bad report changes nothing.
#include <cmath>
#include <string>

#include "core/names.hpp"
#include "core/router.hpp"

namespace llmroute {

namespace {

Status CheckLoad(const EngineLoadInput &load, int64_t now_ns) {
  if (load.waiting < 0) {
    return {Code::kInvalidArgument,
            "load->waiting must be >= 0 (got " + std::to_string(load.waiting) + ")"};
  }
  if (load.running < 0) {
    return {Code::kInvalidArgument,
            "load->running must be >= 0 (got " + std::to_string(load.running) + ")"};
  }
  // NaN fails both comparisons' negation: !(x >= 0) holds for NaN.
  if (!(load.kv_utilization >= 0 && load.kv_utilization <= 1)) {
    return {Code::kInvalidArgument, "load->kv_cache_utilization must be a number in 0..1 (got " +
                                        std::to_string(load.kv_utilization) + ")"};
  }
  if (load.read_at_ns < 0) {
    return {Code::kInvalidArgument, "load->read_at_ns must be >= 0 (0: now)"};
  }
  if (load.read_at_ns > now_ns) {
    return {Code::kInvalidArgument, "load->read_at_ns is later than the router's clock (" +
                                        std::to_string(load.read_at_ns) + " > " +
                                        std::to_string(now_ns) + ")"};
  }
  return Status::Ok();
}

}  // namespace

Status Router::ReportLoad(std::string_view deployment, const EngineLoadInput &load) {
  if (Status s = ValidateName(deployment, "deployment"); !s.ok()) return s;
  const int64_t now = clock_->NowNs();
  if (Status s = CheckLoad(load, now); !s.ok()) return s;
  SnapshotPublisher<Snapshot>::ReadGuard snapshot(snapshots_);
  const DeploymentEntry *entry = snapshot->FindDeployment(deployment);
  if (entry == nullptr) {
    return {Code::kNotFound, "deployment '" + std::string(deployment) + "' not found"};
  }
  const int64_t read_at = load.read_at_ns == 0 ? now : load.read_at_ns;
  entry->state->engine_load().Store(load.waiting, load.running, load.kv_utilization, read_at);
  return Status::Ok();
}

}  // namespace llmroute
