// A model's latency quantile over every deployment serving it, for hedged calls' delay
// (llmr_call_options.hedge_after_quantile, execution/hedged_attempt.hpp).
#include "core/router.hpp"

namespace llmroute {

double Router::ModelLatencyQuantileMs(std::string_view model, double q) {
  SnapshotPublisher<Snapshot>::ReadGuard snapshot(snapshots_);
  std::unique_ptr<ModelGroup> scratch;
  const ModelGroup *group = snapshot->FindGroup(model, scratch);
  if (group == nullptr) return -1;
  LatencyHistogram::Snapshot merged;
  for (const Member &member : group->members) {
    const LatencyHistogram::Snapshot one = member.state->stats().latency().Read();
    for (size_t b = 0; b < LatencyHistogram::kBuckets; ++b) merged.counts[b] += one.counts[b];
    merged.count += one.count;
    merged.sum_ms += one.sum_ms;
  }
  return merged.Quantile(q);
}

}  // namespace llmroute
