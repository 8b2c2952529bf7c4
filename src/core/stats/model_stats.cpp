#include "core/stats/model_stats.hpp"

#include <algorithm>
#include <mutex>

namespace llmroute {

int64_t ModelCounters::Picks() const {
  int64_t total = 0;
  for (const Slot &slot : slots_) total += slot.picks.load(std::memory_order_relaxed);
  return total;
}

int64_t ModelCounters::Fallbacks() const {
  int64_t total = 0;
  for (const Slot &slot : slots_) total += slot.fallbacks.load(std::memory_order_relaxed);
  return total;
}

ModelCounters *ModelStatsRegistry::For(std::string_view model) {
  {
    std::shared_lock<std::shared_mutex> read(mutex_);
    if (const auto found = models_.find(model); found != models_.end()) return found->second.get();
  }
  std::unique_lock<std::shared_mutex> write(mutex_);
  if (const auto found = models_.find(model); found != models_.end()) return found->second.get();
  if (models_.size() >= kMaxModels) {
    overflow_used_.store(true, std::memory_order_relaxed);
    return &overflow_;
  }
  return models_.emplace(std::string(model), std::make_unique<ModelCounters>()).first->second.get();
}

std::vector<ModelStatsRegistry::Entry> ModelStatsRegistry::Read() const {
  std::vector<Entry> entries;
  {
    std::shared_lock<std::shared_mutex> read(mutex_);
    entries.reserve(models_.size() + 1);
    for (const auto &[model, counters] : models_) {
      entries.push_back({model, counters->Picks(), counters->Fallbacks(), counters->Hedges(),
                         counters->HedgeWins()});
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry &a, const Entry &b) { return a.model < b.model; });
  if (overflow_used_.load(std::memory_order_relaxed)) {
    entries.push_back({std::string(kOverflowName), overflow_.Picks(), overflow_.Fallbacks(),
                       overflow_.Hedges(), overflow_.HedgeWins()});
  }
  return entries;
}

}  // namespace llmroute
